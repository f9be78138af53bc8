//! aelab's PCA against linfa-reduction 0.8's (a truncated SVD of the
//! centred data, an independent route to the same components) on the
//! built-in 8x8 digits: the same variance shares, the same codes up to each
//! component's sign.
//!
//! linfa's own `explained_variance()` divides by the number of kept
//! components minus one rather than the number of points, and its ratio is
//! a share of the kept components only, so the shares are computed here from
//! its singular values and the data's total sum of squares.

use aelab_models::Reconstructor;
use aelab_reduce::Pca;
use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use ndarray::Array2;

const K: usize = 10;

#[test]
fn components_and_variance_shares_match_linfa_reduction() {
    let digits = aelab_data::digits::load().expect("built-in digits");
    let dim = 64;
    let pixels: Vec<f32> = digits.pixels.iter().map(|&p| f32::from(p) / 16.0).collect();
    let n = pixels.len() / dim;

    let ours = Pca::fit(&pixels, dim, K).expect("aelab PCA");
    let records = Array2::from_shape_fn((n, dim), |(i, j)| f64::from(pixels[i * dim + j]));
    let theirs = linfa_reduction::Pca::params(K)
        .fit(&DatasetBase::from(records.clone()))
        .expect("linfa PCA");

    let mean = records.mean_axis(ndarray::Axis(0)).expect("rows");
    let total: f64 = (&records - &mean).iter().map(|v| v * v).sum();
    let shares: Vec<f64> = theirs
        .singular_values()
        .iter()
        .map(|s| s * s / total)
        .collect();
    for (i, (a, b)) in ours
        .explained_variance_ratio()
        .iter()
        .zip(&shares)
        .enumerate()
    {
        assert!(
            (a - b).abs() < 1e-6,
            "component {i}: aelab share {a}, linfa {b}"
        );
    }

    let our_codes = ours.encode(&pixels);
    let their_codes = theirs.predict(&records);
    for c in 0..K {
        // each component's sign is a convention: fix it by the first code
        let sign = (f64::from(our_codes[c]) * their_codes[[0, c]]).signum();
        for i in 0..n {
            let (a, b) = (f64::from(our_codes[i * K + c]), sign * their_codes[[i, c]]);
            assert!(
                (a - b).abs() < 1e-3,
                "code {i}, component {c}: aelab {a}, linfa {b}"
            );
        }
    }
}
