//! Pixel scalings other than the notebook's `[0, 1]`: Deep SVDD's global
//! contrast normalisation with the L1 norm followed by min-max scaling
//! (Ruff et al., ICML 2018; `Deep-SVDD-PyTorch/src/datasets/mnist.py` and
//! `preprocessing.py`).
//!
//! Each image `x` (pixels in `[0, 1]`) becomes `(x - mean(x)) /
//! mean(|x - mean(x)|)`; then every value is mapped by `(v - min) / (max -
//! min)` with the minimum and maximum over the normalised *training* images
//! of the normal class, so those images land in `[0, 1]` and others may
//! fall slightly outside.

/// Global contrast normalisation with the L1 norm, in place, image by image
/// (`pixels` values each). An image of one value becomes all zeros.
pub fn global_contrast_l1(images: &mut [f32], pixels: usize) {
    if pixels == 0 {
        return;
    }
    for image in images.chunks_mut(pixels) {
        let n = image.len() as f64;
        let mean = image.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let scale = image
            .iter()
            .map(|&v| (f64::from(v) - mean).abs())
            .sum::<f64>()
            / n;
        for v in image.iter_mut() {
            let centred = f64::from(*v) - mean;
            *v = if scale > 0.0 {
                (centred / scale) as f32
            } else {
                0.0
            };
        }
    }
}

/// The smallest and largest value of `values` (`(0, 1)` when empty).
pub fn value_range(values: &[f32]) -> (f32, f32) {
    if values.is_empty() {
        return (0.0, 1.0);
    }
    values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Maps `values` in place by `(v - min) / (max - min)` (unchanged but
/// shifted when `max == min`).
pub fn min_max_scale(values: &mut [f32], (min, max): (f32, f32)) {
    let span = if max > min { max - min } else { 1.0 };
    for v in values.iter_mut() {
        *v = (*v - min) / span;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_normalised_image_has_zero_mean_and_unit_mean_deviation() {
        let mut image = vec![0.0, 0.25, 1.0, 0.5];
        global_contrast_l1(&mut image, 4);
        // mean 0.4375; deviations 0.4375, 0.1875, 0.5625, 0.0625 average 0.3125
        let expected = [-1.4, -0.6, 1.8, 0.2];
        for (v, e) in image.iter().zip(expected) {
            assert!((v - e).abs() < 1e-6, "{v} vs {e}");
        }
    }

    #[test]
    fn a_flat_image_becomes_zeros() {
        let mut image = vec![0.3; 5];
        global_contrast_l1(&mut image, 5);
        assert_eq!(image, vec![0.0; 5]);
    }

    #[test]
    fn min_max_maps_the_range_to_unit() {
        let mut values = vec![-2.0, 0.0, 6.0];
        let range = value_range(&values);
        assert_eq!(range, (-2.0, 6.0));
        min_max_scale(&mut values, range);
        assert_eq!(values, vec![0.0, 0.25, 1.0]);
    }
}
