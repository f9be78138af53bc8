//! `linfa-clustering` 0.8's `KMeans`, kept beside this crate's Lloyd so the
//! two can be compared on the same codes (see the `clustering` module docs
//! for how its update differs). Its k-means++ seeding draws from
//! `Xoshiro256Plus::seed_from_u64(seed)`; its parallel loops (rayon) work
//! point by point and its sums are sequential, so it is deterministic too.

use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use crate::{KMeansParams, TasksError};

/// Fits linfa's k-means and returns the assignments and the centroids
/// (`k * dim`, row-major). `tolerance` is the absolute squared-shift
/// tolerance of scikit-learn; linfa is given its square root, as its
/// threshold is on the unsquared shift (and must be above 0).
pub(crate) fn fit(
    codes: &[f32],
    n: usize,
    dim: usize,
    params: &KMeansParams,
    tolerance: f64,
) -> Result<(Vec<usize>, Vec<f32>), TasksError> {
    let records = Array2::from_shape_vec((n, dim), codes.to_vec())?;
    let dataset = DatasetBase::from(records);
    let threshold = (tolerance.sqrt() as f32).max(f32::MIN_POSITIVE);
    let model = KMeans::params_with_rng(params.k, Xoshiro256Plus::seed_from_u64(params.seed))
        .n_runs(params.starts)
        .max_n_iterations(params.max_iterations as u64)
        .tolerance(threshold)
        .fit(&dataset)?;
    let assignments = model.predict(dataset.records()).to_vec();
    let centroids = model.centroids().iter().copied().collect();
    Ok((assignments, centroids))
}
