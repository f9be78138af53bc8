//! aelab's channels-last layouts against the channels-first ones ONNX and
//! PyTorch use: a convolution's weight `[filters, kernel, kernel,
//! channels]` (OHWI; a transposed one's IHWO) as OIHW (IOHW), and the
//! order of a map's values when it is flattened.

/// `values` laid out as `[a, b, c, d]` row-major, rewritten as
/// `[a, d, b, c]` (OHWI to OIHW; IHWO to IOHW).
pub(crate) fn permute_last_to_second(values: &[f32], [a, b, c, d]: [usize; 4]) -> Vec<f32> {
    let mut out = Vec::with_capacity(values.len());
    for i in 0..a {
        for l in 0..d {
            for j in 0..b {
                for k in 0..c {
                    out.push(values[((i * b + j) * c + k) * d + l]);
                }
            }
        }
    }
    out
}

/// For each position of a channels-first flattening of a `height x width x
/// channels` map, the index of the same value in aelab's channels-last one.
pub(crate) fn channels_first_order(height: usize, width: usize, channels: usize) -> Vec<usize> {
    let mut order = Vec::with_capacity(height * width * channels);
    for c in 0..channels {
        for y in 0..height {
            for x in 0..width {
                order.push((y * width + x) * channels + c);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_last_values_go_to_their_channels_first_places() {
        // a 1 x 2 x 3 map: channels-last [c0 c1 c2 | c0 c1 c2]
        assert_eq!(channels_first_order(1, 2, 3), [0, 3, 1, 4, 2, 5]);
        // OHWI [1, 1, 2, 3] -> OIHW [1, 3, 1, 2]
        let ohwi = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            permute_last_to_second(&ohwi, [1, 1, 2, 3]),
            [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        );
    }
}
