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
//! - t-SNE is `bhtsne` 0.7, not `linfa-tsne` 0.8 (which wraps bhtsne 0.4):
//!   the older one seeds its tree from an unseeded RNG, so the same seed gave
//!   different maps; 0.7 with spectral initialisation on one thread is
//!   bit-reproducible, and matches scikit-learn's 5-NN accuracy with an
//!   explicit learning rate.
//!
//! This crate does no file I/O except [`Pca`]'s weight file.

mod affinities;
mod barnes_hut;
mod distances;
mod error;
mod fft_tsne;
mod interpolation;
mod knn;
mod pca;
mod plane_neighbors;
mod trust;
mod tsne;
mod umap;

pub use distances::THREADS;
pub use error::ReduceError;
pub use fft_tsne::{fft_tsne, FftTsneParams, Repulsion};
pub use knn::{knn_accuracy, knn_leave_one_out_accuracy};
pub use pca::Pca;
pub use trust::{trustworthiness, trustworthiness_sampled, Trust};
pub use tsne::{tsne, TsneParams};
pub use umap::{umap, UmapParams};
