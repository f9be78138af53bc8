//! Dimensionality reduction and embedding quality for aelab: PCA (the linear
//! baseline model and the 2-D view of the digits), t-SNE maps of codes,
//! k-nearest-neighbour accuracy and trustworthiness, which turn "these codes
//! separate digits well" into numbers.
//!
//! Choices, with reasons (see `../shared/notes/` for the measurements):
//! - PCA is the covariance matrix, then subspace iteration for the top
//!   components with `linfa_linalg`'s symmetric eigensolver on the small
//!   projected matrix, not `linfa_reduction::Pca`: the latter took 13-15 s
//!   for 30 components of 5,000 images without BLAS, and its
//!   `explained_variance_ratio()` divides by the kept components only, while
//!   aelab reports shares of the total variance, as scikit-learn does.
//! - t-SNE ([`fft_tsne`]) is our own, on openTSNE's schedule, so that it
//!   runs on two threads and stays bit-reproducible (`bhtsne` 0.7's parallel
//!   sums are not; its one-thread path, [`tsne`], is kept). The repulsion
//!   is FFT-accelerated interpolation (FIt-SNE, openTSNE's default) by
//!   default, with f32 grids; Barnes-Hut is kept as an option
//!   ([`Repulsion`]): measured at 70,000 points, interpolation was the
//!   faster once its grids were f32 and the points renumbered for cache.
//!   `linfa-tsne` 0.8 wraps bhtsne 0.4, whose tree is seeded from an
//!   unseeded RNG.
//! - UMAP ([`umap`]) is our own too (umap-learn 0.5's graph and descent,
//!   seeded, on two threads that meet once per epoch, so reproducible); the
//!   Rust UMAP crates were not evaluated.
//! - k-NN and trustworthiness are exact, on blocked matrix products; above
//!   a size the pipeline estimates trustworthiness from some rows
//!   ([`trustworthiness_sampled`]), each row's ranks still exact.
//!
//! - Each reduction is also reachable through linfa's traits (`Fit`,
//!   `Predict`, `Transformer` on `DatasetBase`/`Array2`), so it composes
//!   with linfa's algorithms ([`PcaParams`]; the `linfa_traits` module).
//!
//! This crate does no file I/O except [`Pca`]'s weight file.

#![forbid(unsafe_code)]

mod affinities;
mod barnes_hut;
mod distances;
mod error;
mod fft_tsne;
mod interpolation;
mod knn;
mod linfa_traits;
mod locality;
mod pca;
mod plane_neighbors;
mod spectral;
#[cfg(test)]
mod test_data;
mod trust;
mod tsne;
mod umap;
mod umap_descent;

pub use distances::machine_threads;
pub use error::ReduceError;
pub use fft_tsne::{fft_tsne, FftTsneParams, Repulsion};
pub use knn::{knn_accuracy, knn_leave_one_out_accuracy};
pub use linfa_traits::PcaParams;
pub use pca::Pca;
pub use trust::{trustworthiness, trustworthiness_sampled, Trust};
pub use tsne::{tsne, TsneParams};
pub use umap::{umap, UmapParams};
