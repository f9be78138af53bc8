//! Views of the code space: interpolation strips between test digits of
//! different classes (decoded from linear mixes of their codes), and for
//! 2-D codes the decoded manifold over a regular grid and the codes
//! themselves.

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
    pub codes: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
}

/// Decodes a regular `GRID x GRID` grid spanning the 2nd to 98th
/// percentile of `codes` on each axis.
pub fn latent_plane(model: &dyn Reconstructor, codes: &[f32], labels: &[u8]) -> LatentPlane {
    let percentile = |axis: usize, q: f64| {
        let mut v: Vec<f32> = codes.chunks(2).map(|c| c[axis]).collect();
        v.sort_by(f32::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let span = [0, 1].map(|axis| (percentile(axis, 0.02), percentile(axis, 0.98)));
    let at = |axis: usize, i: usize| {
        let (lo, hi) = span[axis];
        lo + (hi - lo) * i as f32 / (GRID - 1) as f32
    };
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
        codes: codes.chunks(2).map(|c| [c[0], c[1]]).collect(),
        labels: labels.to_vec(),
    }
}
