//! How a reconstruction is scored: binary cross-entropy as Keras computes it
//! on probabilities (clipped to `[1e-7, 1 - 1e-7]`), mean squared error and
//! PSNR, all as means over every pixel of every image, in f64.

/// Keras' clipping of probabilities before the logarithm.
pub const BCE_EPSILON: f64 = 1e-7;

/// Reconstruction error of a set of images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub bce: f64,
    pub mse: f64,
}

impl Scores {
    /// Peak signal-to-noise ratio in dB for pixels in `[0, 1]`:
    /// `10 log10(1 / mse)`.
    pub fn psnr(&self) -> f64 {
        psnr(self.mse)
    }
}

/// `10 log10(1 / mse)`.
pub fn psnr(mse: f64) -> f64 {
    -10.0 * mse.log10()
}

/// Per-pixel BCE of one prediction against its target:
/// `-(t ln p + (1 - t) ln(1 - p))` on the clipped `p`. Targets of exactly 0
/// or 1 (most MNIST pixels) take one logarithm instead of two: the skipped
/// term is `0 * ln(..) = -0.0`, and adding `-0.0` changes no bit, so the
/// result is the formula's to the last digit (tested).
pub fn pixel_bce(prediction: f32, target: f32) -> f64 {
    let p = f64::from(prediction).clamp(BCE_EPSILON, 1.0 - BCE_EPSILON);
    if target == 0.0 {
        return -(1.0 - p).ln();
    }
    if target == 1.0 {
        return -p.ln();
    }
    let t = f64::from(target);
    -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
}

/// Scores `predictions` (probabilities) against `targets`, same length.
pub fn score(predictions: &[f32], targets: &[f32]) -> Scores {
    assert_eq!(predictions.len(), targets.len(), "prediction/target length");
    let n = predictions.len().max(1) as f64;
    let (mut bce, mut se) = (0.0, 0.0);
    for (&p, &t) in predictions.iter().zip(targets) {
        bce += pixel_bce(p, t);
        se += (f64::from(p) - f64::from(t)).powi(2);
    }
    Scores {
        bce: bce / n,
        mse: se / n,
    }
}

/// Mean squared error of each image (`pixels` values per image).
pub fn per_image_mse(predictions: &[f32], targets: &[f32], pixels: usize) -> Vec<f64> {
    predictions
        .chunks(pixels)
        .zip(targets.chunks(pixels))
        .map(|(p, t)| {
            p.iter()
                .zip(t)
                .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                .sum::<f64>()
                / pixels as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_log_paths_equal_the_formula_bit_for_bit() {
        let formula = |p: f32, t: f32| {
            let p = f64::from(p).clamp(BCE_EPSILON, 1.0 - BCE_EPSILON);
            let t = f64::from(t);
            -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let p = (state >> 40) as f32 / (1u64 << 24) as f32;
            for t in [0.0f32, 1.0] {
                assert_eq!(
                    pixel_bce(p, t).to_bits(),
                    formula(p, t).to_bits(),
                    "p {p} t {t}"
                );
            }
        }
        for p in [0.0f32, 1e-9, 1e-7, 0.5, 1.0 - 1e-7, 1.0] {
            for t in [0.0f32, 1.0] {
                assert_eq!(
                    pixel_bce(p, t).to_bits(),
                    formula(p, t).to_bits(),
                    "p {p} t {t}"
                );
            }
        }
    }

    #[test]
    fn known_values() {
        let s = score(&[0.5, 0.5], &[0.0, 1.0]);
        assert!((s.bce - std::f64::consts::LN_2).abs() < 1e-12);
        assert!((s.mse - 0.25).abs() < 1e-12);
        assert!((s.psnr() - 6.0206).abs() < 1e-3);
        // perfect grey-level reconstructions still cost entropy; clipping keeps 0/1 finite
        assert!(score(&[0.0, 1.0], &[0.0, 1.0]).bce < 1e-6);
        assert!(score(&[0.0], &[1.0]).bce.is_finite());
        assert_eq!(
            per_image_mse(&[0.5, 0.5, 1.0, 1.0], &[0.0, 1.0, 1.0, 1.0], 2),
            vec![0.25, 0.0]
        );
    }
}
