//! aelab's PCA and t-SNE beside linfa's (`bench --compare-linfa`):
//! linfa-reduction 0.8's `Pca` and linfa-tsne 0.8's `TSneParams` on the same
//! 5,000 validation digits and their PCA-30 codes, in this invocation: time,
//! the variance share (PCA) or the map's leave-one-out 5-NN accuracy
//! (t-SNE), and whether two runs give the same numbers.
//!
//! aelab keeps its own where it wins: these rows say by how much.

use std::time::Instant;

use aelab_models::Reconstructor;
use aelab_pipeline::Dataset;
use aelab_reduce::{knn_leave_one_out_accuracy, tsne, Pca, TsneParams};
use linfa::traits::{Fit, Predict, Transformer};
use linfa::DatasetBase;
use ndarray::{Array2, Axis};

use crate::BenchError;

/// Digits per row (linfa's PCA takes 13-15 s at this size without BLAS).
const DIGITS: usize = 5_000;
/// Components, as the notebook's code.
const COMPONENTS: usize = 30;

/// Hands `push` the rows (name, value, unit, note).
pub fn compare_linfa(
    data: &Dataset,
    push: &mut dyn FnMut(String, f64, &str, String),
) -> Result<(), BenchError> {
    let pixels = data.pixels();
    let labels = data
        .split
        .validation
        .labels
        .as_deref()
        .filter(|l| l.len() >= DIGITS)
        .ok_or_else(|| BenchError::Measurement("5,000 labelled validation digits".into()))?;
    let labels = &labels[..DIGITS];
    let digits = &data.validation[..DIGITS * pixels];

    let started = Instant::now();
    let ours = Pca::fit(digits, pixels, COMPONENTS)?;
    let our_seconds = started.elapsed().as_secs_f64();
    let our_share: f64 = ours.explained_variance_ratio().iter().sum();
    let codes = ours.encode(digits);

    let records =
        Array2::from_shape_fn((DIGITS, pixels), |(i, j)| f64::from(digits[i * pixels + j]));
    let started = Instant::now();
    let theirs = linfa_reduction::Pca::params(COMPONENTS)
        .fit(&DatasetBase::from(records.clone()))
        .map_err(|e| BenchError::Measurement(format!("linfa-reduction PCA: {e}")))?;
    let their_seconds = started.elapsed().as_secs_f64();
    let mean = records
        .mean_axis(Axis(0))
        .ok_or_else(|| BenchError::Measurement("no digits".into()))?;
    let total: f64 = (&records - &mean).iter().map(|v| v * v).sum();
    let their_share: f64 = theirs.singular_values().iter().map(|s| s * s / total).sum();
    let their_codes: Array2<f64> = theirs.predict(&records);
    let mut largest = 0.0f64;
    for c in 0..COMPONENTS {
        let sign = (f64::from(codes[c]) * their_codes[[0, c]]).signum();
        for i in 0..DIGITS {
            let d = (f64::from(codes[i * COMPONENTS + c]) - sign * their_codes[[i, c]]).abs();
            largest = largest.max(d);
        }
    }
    push(
        format!("PCA-{COMPONENTS} of {DIGITS} x {pixels}, aelab"),
        our_seconds,
        "s",
        format!("{:.2}% of the variance", 100.0 * our_share),
    );
    push(
        format!("linfa-reduction PCA-{COMPONENTS} of the same digits"),
        their_seconds,
        "s",
        format!(
            "{:.2}% of the variance; aelab / linfa = {:.3}; largest code difference {largest:.1e}",
            100.0 * their_share,
            our_seconds / their_seconds
        ),
    );

    let params = TsneParams::default();
    let started = Instant::now();
    let map = tsne(&codes, COMPONENTS, params)?;
    let our_seconds = started.elapsed().as_secs_f64();
    let again = tsne(&codes, COMPONENTS, params)?;
    let flat: Vec<f32> = map.iter().flatten().copied().collect();
    let our_acc = knn_leave_one_out_accuracy(&flat, labels, 2, 5);
    push(
        format!("t-SNE of {DIGITS} x {COMPONENTS} PCA codes, aelab (bhtsne path)"),
        our_seconds,
        "s",
        format!(
            "5-NN accuracy {our_acc:.4}; two runs identical: {}",
            if map == again { "yes" } else { "no" }
        ),
    );
    let records = Array2::from_shape_fn((DIGITS, COMPONENTS), |(i, j)| {
        f64::from(codes[i * COMPONENTS + j])
    });
    let linfa_params = linfa_tsne::TSneParams::embedding_size(2)
        .perplexity(params.perplexity)
        .approx_threshold(params.theta)
        .max_iter(params.epochs);
    let linfa_map = |records: Array2<f64>| {
        linfa_params
            .transform(records)
            .map_err(|e| BenchError::Measurement(format!("linfa-tsne: {e}")))
    };
    let started = Instant::now();
    let their_map = linfa_map(records.clone())?;
    let their_seconds = started.elapsed().as_secs_f64();
    let their_again = linfa_map(records)?;
    let flat: Vec<f32> = their_map.iter().map(|&v| v as f32).collect();
    let their_acc = knn_leave_one_out_accuracy(&flat, labels, 2, 5);
    push(
        "linfa-tsne of the same codes (same perplexity, angle, iterations)".into(),
        their_seconds,
        "s",
        format!(
            "5-NN accuracy {their_acc:.4}; two runs identical: {}; aelab / linfa = {:.2}",
            if their_map == their_again {
                "yes"
            } else {
                "no"
            },
            our_seconds / their_seconds
        ),
    );
    Ok(())
}
