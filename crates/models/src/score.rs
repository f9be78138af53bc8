//! How a reconstruction is scored: binary cross-entropy as Keras computes it
//! on probabilities (clipped to `[1e-7, 1 - 1e-7]`), mean squared error and
//! PSNR, all as means over every pixel of every image, summed in f64.

use aelab_kernels::elementary::ln_normal;
use aelab_kernels::vectorised;

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

/// Pixels summed in fixed lanes: the summation order, and so the result,
/// does not depend on the vector width the CPU offers.
const LANES: usize = 8;
/// Pixels whose BCE terms are computed per pass.
const CHUNK: usize = 1024;

vectorised! {
    /// Each pixel's BCE, in `f32` as Keras computes it. Clipping `1 - p` at
    /// the bottom (rather than `p` at the top) keeps the `1e-7` floor exact
    /// in `f32`, where `1 - 1e-7` does not round to a neighbour of 1 that
    /// gives back `1e-7`.
    fn bce_terms(predictions: &[f32], targets: &[f32], terms: &mut [f32]) {
        const LOW: f32 = BCE_EPSILON as f32;
        const HIGH: f32 = 1.0 - BCE_EPSILON as f32;
        for ((&p, &t), term) in predictions.iter().zip(targets).zip(terms.iter_mut()) {
            // selects, not `clamp`, so that a NaN prediction stays NaN
            let low = if p < LOW { LOW } else { p };
            let clipped = if low > HIGH { HIGH } else { low };
            let complement = 1.0 - low;
            let complement = if complement < LOW { LOW } else { complement };
            let complement = if complement > HIGH { HIGH } else { complement };
            let term_value = -(t * ln_normal(clipped) + (1.0 - t) * ln_normal(complement));
            // `ln_normal` reads bits and would turn a NaN into a number
            *term = if p.is_nan() { p } else { term_value };
        }
    }
}

vectorised! {
    /// Adds `terms` and the squared errors of `predictions` to the lanes.
    fn accumulate(
        terms: &[f32],
        predictions: &[f32],
        targets: &[f32],
        bce: &mut [f64; LANES],
        squared: &mut [f64; LANES],
    ) {
        let whole = terms.len() / LANES * LANES;
        let lanes = terms[..whole]
            .chunks_exact(LANES)
            .zip(predictions[..whole].chunks_exact(LANES))
            .zip(targets[..whole].chunks_exact(LANES));
        for ((bs, ps), ts) in lanes {
            for lane in 0..LANES {
                let error = f64::from(ps[lane]) - f64::from(ts[lane]);
                bce[lane] += f64::from(bs[lane]);
                squared[lane] += error * error;
            }
        }
        let tail = terms[whole..].iter().zip(&predictions[whole..]).zip(&targets[whole..]);
        for (lane, ((&b, &p), &t)) in tail.enumerate() {
            let error = f64::from(p) - f64::from(t);
            bce[lane] += f64::from(b);
            squared[lane] += error * error;
        }
    }
}

/// Scores `predictions` (probabilities) against `targets`, same length.
/// Per-pixel terms are `f32` (as Keras computes them), with
/// `aelab_kernels::elementary::ln_normal` (within about 2e-7 relative of
/// the exact logarithm) so that the loop vectorises: each term is within
/// about 1e-7 of the `f64` definition's, far below the digits reported;
/// sums are `f64`, in fixed lanes.
pub fn score(predictions: &[f32], targets: &[f32]) -> Scores {
    assert_eq!(predictions.len(), targets.len(), "prediction/target length");
    let n = predictions.len().max(1) as f64;
    let (mut bce, mut squared) = ([0.0; LANES], [0.0; LANES]);
    let mut terms = vec![0.0; CHUNK.min(predictions.len())];
    for (p, t) in predictions.chunks(CHUNK).zip(targets.chunks(CHUNK)) {
        let terms = &mut terms[..p.len()];
        bce_terms(p, t, terms);
        accumulate(terms, p, t, &mut bce, &mut squared);
    }
    let (bce, squared): (f64, f64) = (bce.iter().sum(), squared.iter().sum());
    Scores {
        bce: bce / n,
        mse: squared / n,
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

    /// The definition in f64 with libm's logarithm.
    fn libm_bce(prediction: f32, target: f32) -> f64 {
        let p = f64::from(prediction).clamp(BCE_EPSILON, 1.0 - BCE_EPSILON);
        let t = f64::from(target);
        -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
    }

    #[test]
    fn score_matches_the_f64_definition() {
        // grey, 0 and 1 targets, clipped extremes, and a tail after the lanes
        let n = 40_003;
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let mut predictions: Vec<f32> = (0..n).map(|_| next()).collect();
        predictions[..6].copy_from_slice(&[0.0, 1.0, 1e-9, 1.0 - 1e-8, -0.5, 1.5]);
        let targets: Vec<f32> = (0..n)
            .map(|i| match i % 4 {
                0 => 0.0,
                1 => 1.0,
                _ => (next() * 255.0).round() / 255.0,
            })
            .collect();
        let s = score(&predictions, &targets);
        let want: f64 = predictions
            .iter()
            .zip(&targets)
            .map(|(&p, &t)| libm_bce(p, t))
            .sum::<f64>()
            / n as f64;
        assert!((s.bce - want).abs() <= 1e-6 * want, "{} vs {want}", s.bce);
        let mse: f64 = predictions
            .iter()
            .zip(&targets)
            .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!((s.mse - mse).abs() <= 1e-12 * mse);
        // near-perfect pixels: `1 - p` in f32 is within 6e-8 (its spacing
        // below 1) of the exact value, so each term is within that of `p`
        let tiny = score(&[1e-6, 1.0 - 1e-6], &[0.0, 1.0]);
        assert!((tiny.bce - 1e-6).abs() < 6e-8, "{}", tiny.bce);
        assert!(score(&[f32::NAN], &[0.0]).bce.is_nan());
    }

    #[test]
    fn known_values() {
        let s = score(&[0.5, 0.5], &[0.0, 1.0]);
        assert!((s.bce - std::f64::consts::LN_2).abs() < 1e-7);
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
