//! How a reconstruction is scored: binary cross-entropy as Keras computes it
//! on probabilities (clipped to `[1e-7, 1 - 1e-7]`), mean squared error and
//! PSNR, all as means over every pixel of every image, summed in f64.

use aelab_kernels::elementary::ln_normal;
use aelab_kernels::vectorised;

use crate::Reconstructor;

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

/// Pixels summed in fixed lanes within each chunk: the summation order,
/// and so the result, does not depend on the vector width the CPU offers.
const LANES: usize = 8;
/// Pixels whose BCE terms are computed per pass.
const CHUNK: usize = 1024;

/// `p` clipped to `[1e-7, 1 - 1e-7]`, and `1 - p` clipped the same way.
/// Clipping `1 - p` at the bottom (rather than `p` at the top) keeps the
/// `1e-7` floor exact in `f32`, where `1 - 1e-7` does not round to a
/// neighbour of 1 that gives back `1e-7`.
#[inline(always)]
fn clipped_pair(p: f32) -> (f32, f32) {
    const LOW: f32 = BCE_EPSILON as f32;
    const HIGH: f32 = 1.0 - BCE_EPSILON as f32;
    // selects, not `clamp`, so that a NaN prediction stays NaN
    let low = if p < LOW { LOW } else { p };
    let clipped = if low > HIGH { HIGH } else { low };
    let complement = 1.0 - low;
    let complement = if complement < LOW { LOW } else { complement };
    let complement = if complement > HIGH { HIGH } else { complement };
    (clipped, complement)
}

/// `term`, or NaN for a NaN prediction (`ln_normal` reads bits and would
/// turn a NaN into a number).
#[inline(always)]
fn nan_kept(p: f32, term: f32) -> f32 {
    if p.is_nan() {
        p
    } else {
        term
    }
}

/// One pixel's BCE term in `f32`.
#[inline(always)]
fn bce_term(p: f32, t: f32) -> f32 {
    let (clipped, complement) = clipped_pair(p);
    nan_kept(
        p,
        -(t * ln_normal(clipped) + (1.0 - t) * ln_normal(complement)),
    )
}

/// [`bce_term`] for a target of exactly 0 or 1, with one logarithm: the
/// same bits, as the other product is a signed zero (both logarithms are
/// strictly negative after clipping).
#[inline(always)]
fn bce_term_binary(p: f32, t: f32) -> f32 {
    let (clipped, complement) = clipped_pair(p);
    nan_kept(p, -ln_normal(if t == 1.0 { clipped } else { complement }))
}

/// Pixels per step of [`bce_terms`]: several vectors' worth, so that the
/// logarithms' long dependency chains of one vector overlap the others'.
/// A step whose targets are all 0 or 1 (most of an MNIST digit's
/// background) takes one logarithm per pixel instead of two.
const UNROLL: usize = 32;

vectorised! {
    /// Each pixel's BCE, in `f32` as Keras computes it.
    fn bce_terms(predictions: &[f32], targets: &[f32], terms: &mut [f32]) {
        let whole = predictions.len() / UNROLL * UNROLL;
        let steps = predictions[..whole]
            .chunks_exact(UNROLL)
            .zip(targets[..whole].chunks_exact(UNROLL))
            .zip(terms[..whole].chunks_exact_mut(UNROLL));
        for ((ps, ts), out) in steps {
            let grey = ts.iter().fold(false, |grey, &t| grey | ((t != 0.0) & (t != 1.0)));
            if grey {
                for i in 0..UNROLL {
                    out[i] = bce_term(ps[i], ts[i]);
                }
            } else {
                for i in 0..UNROLL {
                    out[i] = bce_term_binary(ps[i], ts[i]);
                }
            }
        }
        let tail = predictions[whole..].iter().zip(&targets[whole..]);
        for ((&p, &t), term) in tail.zip(&mut terms[whole..]) {
            *term = bce_term(p, t);
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
    let mut sums = Sums::default();
    sums.add(predictions, targets, CHUNK, |_| {});
    sums.scores()
}

/// [`score`], and the mean squared error of each image (`pixels` values
/// per image) from the same pass.
pub fn score_images(predictions: &[f32], targets: &[f32], pixels: usize) -> (Scores, Vec<f64>) {
    let mut errors = Vec::with_capacity(predictions.len() / pixels.max(1));
    let mut sums = Sums::default();
    sums.add(predictions, targets, pixels.max(1), |squared| {
        errors.push(squared / pixels as f64);
    });
    (sums.scores(), errors)
}

/// [`score_images`] of `model`'s reconstructions of `inputs` (`pixels`
/// values per image) against `targets`, scored block by block as the model
/// makes them ([`Reconstructor::reconstruct_each_block`]): the same
/// numbers, without holding a reconstruction of the whole set (tens of
/// megabytes of fresh memory per call) and while each block is in cache.
pub fn score_model(
    model: &dyn Reconstructor,
    inputs: &[f32],
    targets: &[f32],
    pixels: usize,
) -> (Scores, Vec<f64>) {
    assert_eq!(inputs.len(), targets.len(), "input/target length");
    let pixels = pixels.max(1);
    let mut errors = Vec::with_capacity(inputs.len() / pixels);
    let mut sums = Sums::default();
    let mut scored = 0;
    model.reconstruct_each_block(inputs, &mut |block| {
        let target = &targets[scored..scored + block.len()];
        sums.add(block, target, pixels, |squared| {
            errors.push(squared / pixels as f64);
        });
        scored += block.len();
    });
    (sums.scores(), errors)
}

/// Running sums of BCE terms and squared errors: each chunk's in fixed
/// lanes, then added to the totals in chunk order.
#[derive(Default)]
struct Sums {
    bce: f64,
    squared: f64,
    count: usize,
}

impl Sums {
    /// Adds `predictions` against `targets` in chunks of `chunk` values,
    /// handing `chunk_squared` each chunk's summed squared error.
    fn add(
        &mut self,
        predictions: &[f32],
        targets: &[f32],
        chunk: usize,
        mut chunk_squared: impl FnMut(f64),
    ) {
        assert_eq!(predictions.len(), targets.len(), "prediction/target length");
        let mut terms = vec![0.0; chunk.min(predictions.len())];
        for (p, t) in predictions.chunks(chunk).zip(targets.chunks(chunk)) {
            let terms = &mut terms[..p.len()];
            bce_terms(p, t, terms);
            let (mut bce, mut squared) = ([0.0; LANES], [0.0; LANES]);
            accumulate(terms, p, t, &mut bce, &mut squared);
            let squared: f64 = squared.iter().sum();
            self.bce += bce.iter().sum::<f64>();
            self.squared += squared;
            chunk_squared(squared);
        }
        self.count += predictions.len();
    }

    fn scores(&self) -> Scores {
        let n = self.count.max(1) as f64;
        Scores {
            bce: self.bce / n,
            mse: self.squared / n,
        }
    }
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
    fn scoring_a_model_in_blocks_gives_the_numbers_of_scoring_at_once() {
        use rand::{Rng, SeedableRng};
        let pixels = 784;
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let model = crate::Autoencoder::new(crate::Architecture::notebook(pixels, 16, 4), &mut rng);
        // two whole blocks and a part of one
        let images = 2 * crate::inference::BLOCK_ROWS + 37;
        let inputs: Vec<f32> = (0..images * pixels).map(|_| rng.gen()).collect();
        let targets: Vec<f32> = inputs.iter().map(|x| (x * 4.0).round() / 4.0).collect();
        let at_once = score_images(&model.reconstruct(&inputs), &targets, pixels);
        assert_eq!(score_model(&model, &inputs, &targets, pixels), at_once);
        assert_eq!(at_once.1.len(), images);
    }

    #[test]
    fn binary_targets_take_the_one_logarithm_path_to_the_same_bits() {
        let predictions: Vec<f32> = (0..4 * UNROLL)
            .map(|i| match i % 9 {
                0 => 0.0,
                1 => 1.0,
                2 => f32::NAN,
                _ => i as f32 / (4 * UNROLL) as f32,
            })
            .collect();
        // binary steps, then a step with one grey target
        let mut targets: Vec<f32> = (0..4 * UNROLL).map(|i| (i % 3 == 0) as u8 as f32).collect();
        targets[3 * UNROLL + 5] = 0.5;
        let mut terms = vec![0.0; predictions.len()];
        bce_terms(&predictions, &targets, &mut terms);
        for (i, ((&p, &t), &term)) in predictions.iter().zip(&targets).zip(&terms).enumerate() {
            assert_eq!(term.to_bits(), bce_term(p, t).to_bits(), "pixel {i}");
        }
    }

    #[test]
    fn known_values() {
        let s = score(&[0.5, 0.5], &[0.0, 1.0]);
        assert!((s.bce - std::f64::consts::LN_2).abs() < 1e-7);
        assert!((s.mse - 0.25).abs() < 1e-12);
        assert!((s.psnr() - 6.0206).abs() < 1e-3);
        // perfect grey-level reconstructions still cost entropy; clipping keeps 0/1 finite
        assert!(score(&[0.0, 1.0], &[0.0, 1.0]).bce < 1e-6);
        // the output clipped to 1e-7 (Keras' epsilon): -ln(1e-7) = 16.118
        assert!((score(&[0.0], &[1.0]).bce - 16.118_095_65).abs() < 1e-4);
        let (scores, per_image) = score_images(&[0.5, 0.5, 1.0, 0.9], &[0.0, 1.0, 1.0, 1.0], 2);
        assert_eq!(per_image.len(), 2);
        assert_eq!(per_image[0], 0.25);
        assert!((per_image[1] - 0.005).abs() < 1e-8, "{}", per_image[1]);
        assert!((scores.mse - 0.1275).abs() < 1e-8);
    }
}
