//! Data for the embedding tests: three separated 5-D clusters, 2-D maps
//! in clumps, and the exact t-SNE repulsion to check fast ones against
//! (with how far a fast one is from it).

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

/// 400 points of a 2-D map in four clumps spread over about 40 units.
pub(crate) fn clumps_2d() -> Vec<[f64; 2]> {
    (0..400)
        .map(|i| {
            let f = i as f64;
            let c = (i % 4) as f64;
            [
                c * 10.0 + (f * 0.7).sin() * 3.0,
                c * -6.0 + (f * 1.3).cos() * 2.0,
            ]
        })
        .collect()
}

/// t-SNE's repulsive forces `sum_j q_ij^2 (y_i - y_j)` and normaliser
/// `Z = sum_{i != j} q_ij` over all pairs, straight from the definitions.
pub(crate) fn brute_force_repulsion(y: &[[f64; 2]]) -> (Vec<[f64; 2]>, f64) {
    let mut forces = vec![[0.0; 2]; y.len()];
    let mut z = 0.0;
    for (i, a) in y.iter().enumerate() {
        for (j, b) in y.iter().enumerate() {
            if i != j {
                let q = 1.0 / (1.0 + (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2));
                forces[i][0] += q * q * (a[0] - b[0]);
                forces[i][1] += q * q * (a[1] - b[1]);
                z += q;
            }
        }
    }
    (forces, z)
}

/// How far fast repulsive `forces` and normaliser `z` are from `exact`
/// ([`brute_force_repulsion`]'s): the relative error of `Z`, and the worst
/// force error relative to the largest exact force.
pub(crate) fn repulsion_errors(
    (expected, z_expected): &(Vec<[f64; 2]>, f64),
    forces: &[[f64; 2]],
    z: f64,
) -> (f64, f64) {
    let scale = expected
        .iter()
        .map(|f| f[0].hypot(f[1]))
        .fold(0.0, f64::max);
    let worst = forces
        .iter()
        .zip(expected)
        .map(|(f, e)| (f[0] - e[0]).hypot(f[1] - e[1]) / scale)
        .fold(0.0, f64::max);
    ((z - z_expected).abs() / z_expected, worst)
}
