//! Views of the code space: interpolation strips between test digits of
//! different classes (decoded from linear mixes of their codes), and for
//! 2-D codes the decoded manifold over a grid and the codes themselves;
//! for a variational autoencoder, digits decoded from draws of its prior
//! and its 2-D manifold over the prior's quantiles.

use aelab_data::normal::fill_standard_normal;
use aelab_models::Reconstructor;
use aelab_report::DigitRow;

/// Pairs of classes interpolated between (similar shapes are the
/// interesting ones).
const PAIRS: [(u8, u8); 5] = [(0, 6), (1, 7), (3, 8), (4, 9), (2, 5)];
/// Images per interpolation strip, ends included.
const STEPS: usize = 9;
/// Rows and columns of the decoded manifold.
const GRID: usize = 15;

/// One strip per class pair: the first test digit of each class, and the
/// decodings of `(1 - t) * a + t * b` of their codes.
pub fn interpolations(
    model: &dyn Reconstructor,
    test: &[f32],
    labels: &[u8],
    pixels: usize,
) -> Vec<DigitRow> {
    let latent = model.latent_dim();
    let first = |class: u8| labels.iter().position(|&l| l == class);
    PAIRS
        .iter()
        .filter_map(|&(a, b)| Some((a, b, first(a)?, first(b)?)))
        .map(|(a, b, ia, ib)| {
            let ends = model.encode(
                &[
                    &test[ia * pixels..(ia + 1) * pixels],
                    &test[ib * pixels..(ib + 1) * pixels],
                ]
                .concat(),
            );
            let (ca, cb) = ends.split_at(latent);
            let mixes: Vec<f32> = (0..STEPS)
                .flat_map(|s| {
                    let t = s as f32 / (STEPS - 1) as f32;
                    ca.iter().zip(cb).map(move |(x, y)| (1.0 - t) * x + t * y)
                })
                .collect();
            let decoded = model.decode(&mixes);
            DigitRow {
                label: format!("{a} → {b}"),
                images: decoded.chunks(pixels).map(<[f32]>::to_vec).collect(),
            }
        })
        .collect()
}

/// A model with 2-D codes, seen from its code plane.
pub struct LatentPlane {
    /// Rows of decoded images, top row at the largest second coordinate.
    pub manifold: Vec<DigitRow>,
    /// The codes' spans covered by the manifold: `[(lo, hi); 2]`.
    pub span: [(f32, f32); 2],
    /// Whether the grid steps through the N(0, I) prior's quantiles (a
    /// variational autoencoder) rather than the codes' percentiles.
    pub over_prior: bool,
    pub codes: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
}

/// Decodes a `GRID x GRID` grid: for a variational autoencoder at the
/// prior's quantiles 0.05 to 0.95 on each axis (Kingma and Welling 2014,
/// figure 4), otherwise a regular grid spanning the 2nd to 98th percentile
/// of `codes`.
pub fn latent_plane(model: &dyn Reconstructor, codes: &[f32], labels: &[u8]) -> LatentPlane {
    let over_prior = model.variational_beta().is_some();
    let percentile = |axis: usize, q: f64| {
        let mut v: Vec<f32> = codes.chunks(2).map(|c| c[axis]).collect();
        v.sort_by(f32::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let span = [0, 1].map(|axis| (percentile(axis, 0.02), percentile(axis, 0.98)));
    let at = |axis: usize, i: usize| {
        let share = i as f32 / (GRID - 1) as f32;
        if over_prior {
            normal_quantile(0.05 + 0.9 * f64::from(share)) as f32
        } else {
            let (lo, hi) = span[axis];
            lo + (hi - lo) * share
        }
    };
    let span = [0, 1].map(|axis| (at(axis, 0), at(axis, GRID - 1)));
    let manifold = (0..GRID)
        .rev()
        .map(|row| {
            let y = at(1, row);
            let grid: Vec<f32> = (0..GRID).flat_map(|col| [at(0, col), y]).collect();
            let decoded = model.decode(&grid);
            let pixels = decoded.len() / GRID;
            DigitRow {
                label: format!("z2 = {y:.2}"),
                images: decoded.chunks(pixels).map(<[f32]>::to_vec).collect(),
            }
        })
        .collect();
    LatentPlane {
        manifold,
        span,
        over_prior,
        codes: codes.chunks(2).map(|c| [c[0], c[1]]).collect(),
        labels: labels.to_vec(),
    }
}

/// Rows of digits decoded from draws of a variational autoencoder's prior.
const PRIOR_ROWS: usize = 6;

/// `PRIOR_ROWS` rows of 10 digits decoded from draws of N(0, I) from `rng`
/// (what the model generates); empty for other models.
pub fn prior_samples<R: rand::RngCore>(model: &dyn Reconstructor, rng: &mut R) -> Vec<DigitRow> {
    if model.variational_beta().is_none() {
        return Vec::new();
    }
    let mut codes = vec![0.0; PRIOR_ROWS * 10 * model.latent_dim()];
    fill_standard_normal(rng, &mut codes);
    let decoded = model.decode(&codes);
    let pixels = decoded.len() / (PRIOR_ROWS * 10);
    decoded
        .chunks(10 * pixels)
        .enumerate()
        .map(|(row, images)| DigitRow {
            label: format!("draws {}-{}", 10 * row + 1, 10 * row + 10),
            images: images.chunks(pixels).map(<[f32]>::to_vec).collect(),
        })
        .collect()
}

/// The standard normal quantile `Phi^-1(p)` for `p` in `(0, 1)`: Acklam's
/// rational approximation (relative error below 1.15e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quantiles from `scipy.stats.norm.ppf` (SciPy 1.11).
    #[test]
    fn normal_quantiles_match_scipy() {
        for (p, want) in [
            (0.5, 0.0),
            (0.05, -1.644_853_626_951_472_2),
            (0.975, 1.959_963_984_540_054),
            (0.01, -2.326_347_874_040_841),
            (0.999, 3.090_232_306_167_813_5),
        ] {
            let got = normal_quantile(p);
            assert!((got - want).abs() < 1e-8, "{p}: {got} vs {want}");
        }
    }
}
