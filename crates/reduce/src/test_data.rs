//! Data for the embedding tests: three separated 5-D clusters.

/// 300 points in three 5-D clusters of 100 (interleaved), and their labels.
pub(crate) fn three_clusters() -> (Vec<f32>, Vec<u8>) {
    let mut points = Vec::new();
    let mut labels = Vec::new();
    for i in 0..300u32 {
        let c = (i % 3) as f32;
        let jitter = ((i * 7919) % 97) as f32 / 97.0 - 0.5;
        let other = ((i * 104_729) % 89) as f32 / 89.0 - 0.5;
        points.extend_from_slice(&[c * 4.0 + jitter, other, -c * 3.0, jitter * other, c]);
        labels.push((i % 3) as u8);
    }
    (points, labels)
}
