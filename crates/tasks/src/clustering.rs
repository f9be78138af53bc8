//! k-means on codes, best of several starts by inertia, as the clustering
//! experiments of DEC, IDEC and DCEC score an encoder: scikit-learn's
//! `KMeans(n_clusters=k, n_init=starts)` on the codes.
//!
//! Two algorithms are offered ([`KMeansAlgorithm`]):
//!
//! * [`KMeansAlgorithm::Lloyd`] (the default) is scikit-learn's: greedy
//!   k-means++ seeding with `2 + floor(ln k)` local trials, Lloyd iterations
//!   until no label changes or the summed squared centre shift is at most
//!   `tolerance * mean variance of the dimensions` (scikit-learn's
//!   `_tolerance`), or `max_iterations`; empty clusters take the farthest
//!   point. Start `s` draws from `ChaCha8Rng::seed_from_u64(seed)` on
//!   stream `s`, so starts are independent of one another and of how many
//!   threads run them; they run in parallel (rayon) and the best is chosen
//!   by inertia, the lowest start index on ties, so the result is
//!   bit-identical for the same inputs and seed on any number of threads.
//! * [`KMeansAlgorithm::Linfa`] is `linfa-clustering` 0.8's `KMeans` with
//!   its (non-greedy) k-means++ seeding and `Xoshiro256Plus` seeded from
//!   `seed`. Its centre update is not Lloyd's: the new centre is the mean of
//!   the cluster's points *and the old centre*, counted as one more point,
//!   so centres move more slowly and stop earlier. Its tolerance is on the
//!   (unsquared) Frobenius norm of the centre shift; it is given
//!   `sqrt(tolerance * mean variance)`, the same stopping threshold as
//!   Lloyd's. Its own `inertia()` is a mean over points measured before the
//!   last update; here the inertia is recomputed as a sum for the returned
//!   centres and assignments, like Lloyd's.
//!
//! Whatever the algorithm, [`Clustering::inertia`] is the sum, in `f64`, of
//! the squared distances from each code to the centroid it is assigned to,
//! as scikit-learn's `inertia_`.
//!
//! # Measured: scikit-learn vs Lloyd vs linfa
//!
//! PCA-10 codes (scikit-learn `PCA(10, svd_solver="full")` of the 70,000
//! MNIST digits, pixels scaled to 0..1), k = 10, 20 starts, max 300
//! iterations, tol 1e-4, seeds 0, 1, 2; scores against the digit labels. On
//! a 2-core AMD EPYC (Zen 3, AVX2, no AVX-512) VM; `cargo run --release
//! --example kmeans_speed`, scikit-learn 1.9.1 with `OMP_NUM_THREADS`.
//!
//! (`tests/reference/kmeans_speed.py` writes the codes and times
//! scikit-learn). Seconds per fit, 2 threads (1 thread in brackets):
//!
//! | algorithm | seconds, seeds 0/1/2 | inertia | ACC | NMI |
//! |---|---|---|---|---|
//! | scikit-learn 1.9.1 | 1.63 / 2.18 / 1.58 (2.87 / 3.33 / 2.68) | 898,586-898,588 | 0.500-0.501 | 0.466 |
//! | Lloyd (this crate) | 0.64 / 0.97 / 0.71 (1.42 / 1.91 / 1.30) | 898,584-898,590 | 0.501 | 0.466 |
//! | linfa 0.8 | 6.47 / 6.79 / 7.24 (12.2 for seed 0) | 898,588-898,590 | 0.500 | 0.466 |
//!
//! All three reach the same optimum (inertia within 6 in 898,587, ACC and
//! NMI to the third decimal); this crate's Lloyd is 2.3x faster than
//! scikit-learn and linfa 4x slower, so Lloyd is the default and linfa the
//! comparison.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::blocks::Blocked;
use crate::{linfa_kmeans, lloyd, plusplus, validate, TasksError};

/// Which k-means to run; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KMeansAlgorithm {
    /// scikit-learn's greedy k-means++ and Lloyd iterations (this crate's).
    #[default]
    Lloyd,
    /// `linfa-clustering` 0.8's `KMeans` (old centre counted in the mean).
    Linfa,
}

/// What to run k-means with.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters, 1 up to the number of points.
    pub k: usize,
    /// Number of starts (scikit-learn's `n_init`); the best by inertia wins.
    pub starts: usize,
    /// Seed of the starts' random draws.
    pub seed: u64,
    /// Largest number of iterations per start (default 300, as scikit-learn).
    pub max_iterations: usize,
    /// Relative tolerance on the centre shift (default 1e-4, as
    /// scikit-learn): multiplied by the mean variance of the dimensions.
    pub tolerance: f64,
    /// Which algorithm (default [`KMeansAlgorithm::Lloyd`]).
    pub algorithm: KMeansAlgorithm,
}

impl KMeansParams {
    /// `k` clusters, `starts` starts, `seed`; scikit-learn's defaults for
    /// the rest and the Lloyd algorithm.
    pub fn new(k: usize, starts: usize, seed: u64) -> Self {
        Self {
            k,
            starts,
            seed,
            max_iterations: 300,
            tolerance: 1e-4,
            algorithm: KMeansAlgorithm::Lloyd,
        }
    }
}

/// The best clustering found.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Cluster of each code, `0..k`.
    pub assignments: Vec<usize>,
    /// Centroids, `k * dim` values, row-major.
    pub centroids: Vec<f32>,
    /// Sum of squared distances from each code to its centroid (in `f64`),
    /// as scikit-learn's `inertia_`.
    pub inertia: f64,
}

/// k-means, best of `starts` by inertia.
///
/// `codes` holds `n = codes.len() / dim` codes row-major. Fails on `dim = 0`,
/// a length that is not a multiple of `dim`, no codes, a non-finite value,
/// `k = 0`, `k > n`, `starts = 0`, `max_iterations = 0` or a negative or
/// non-finite tolerance.
pub fn kmeans(codes: &[f32], dim: usize, params: &KMeansParams) -> Result<Clustering, TasksError> {
    let n = validate::codes("codes", codes, dim)?;
    check(params, n)?;
    let data = Blocked::new(codes, dim);
    let tolerance = params.tolerance * data.mean_variance;
    match params.algorithm {
        KMeansAlgorithm::Lloyd => lloyd_best(codes, &data, params, tolerance),
        KMeansAlgorithm::Linfa => {
            let (assignments, centroids) = linfa_kmeans::fit(codes, n, dim, params, tolerance)?;
            let inertia = inertia(codes, dim, &centroids, &assignments);
            Ok(Clustering {
                assignments,
                centroids,
                inertia,
            })
        }
    }
}

/// Checks the parameters against the number of points.
fn check(params: &KMeansParams, n: usize) -> Result<(), TasksError> {
    if params.k == 0 {
        return Err(TasksError::ZeroClusters);
    }
    if params.k > n {
        return Err(TasksError::TooManyClusters {
            k: params.k,
            points: n,
        });
    }
    if params.starts == 0 {
        return Err(TasksError::ZeroStarts);
    }
    if params.max_iterations == 0 {
        return Err(TasksError::ZeroIterations { what: "k-means" });
    }
    if !params.tolerance.is_finite() || params.tolerance < 0.0 {
        return Err(TasksError::BadTolerance(params.tolerance));
    }
    Ok(())
}

/// Runs every Lloyd start and keeps the lowest inertia (first on ties).
fn lloyd_best(
    codes: &[f32],
    data: &Blocked,
    params: &KMeansParams,
    tolerance: f64,
) -> Result<Clustering, TasksError> {
    let (k, dim) = (params.k, data.dim);
    let runs: Vec<Clustering> = (0..params.starts)
        .into_par_iter()
        .map(|start| {
            let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
            rng.set_stream(start as u64);
            let initial = plusplus::seed(data, k, &mut rng);
            let run = lloyd::run(data, &initial, k, params.max_iterations, tolerance);
            let centroids: Vec<f32> = run
                .centres
                .chunks_exact(dim)
                .flat_map(|centre| centre.iter().zip(&data.mean).map(|(c, m)| (c + m) as f32))
                .collect();
            let assignments: Vec<usize> = run.labels.iter().map(|&l| l as usize).collect();
            let inertia = inertia(codes, dim, &centroids, &assignments);
            tracing::debug!(
                start,
                inertia,
                iterations = run.iterations,
                converged = run.converged,
                "k-means start"
            );
            Clustering {
                assignments,
                centroids,
                inertia,
            }
        })
        .collect();
    runs.into_iter()
        .reduce(|best, run| {
            if run.inertia < best.inertia {
                run
            } else {
                best
            }
        })
        .ok_or(TasksError::ZeroStarts)
}

/// Sum over codes of the squared distance to the assigned centroid, in `f64`.
fn inertia(codes: &[f32], dim: usize, centroids: &[f32], assignments: &[usize]) -> f64 {
    codes
        .chunks_exact(dim)
        .zip(assignments)
        .map(|(code, &a)| {
            let centroid = &centroids[a * dim..(a + 1) * dim];
            code.iter()
                .zip(centroid)
                .map(|(&x, &c)| {
                    let d = f64::from(x) - f64::from(c);
                    d * d
                })
                .sum::<f64>()
        })
        .sum()
}
