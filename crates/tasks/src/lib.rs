//! What the codes are for: scores an autoencoder's codes the way papers do.
//!
//! Everything here is pure computation on flat row-major `f32` slices
//! (`codes`, `dim`, `n = codes.len() / dim`) and `u8` labels:
//!
//! * [`clustering`]: k-means, best of several starts by inertia
//!   (scikit-learn's Lloyd, or linfa's for comparison);
//! * [`matching`]: clustering accuracy under the best one-to-one matching
//!   of clusters to labels (Hungarian), as DEC/IDEC/DCEC;
//! * [`information`]: normalised mutual information and adjusted Rand
//!   index, as scikit-learn;
//! * [`probe`]: a multinomial logistic regression probe on standardised
//!   codes (scikit-learn's objective, L-BFGS), fitted on train and scored
//!   on test;
//! * [`ranking`]: one-class anomaly detection scores (AUROC, average
//!   precision, ROC curve), as Deep SVDD.
//!
//! Same inputs and seed give bit-identical outputs. Errors are one
//! [`TasksError`] that says what was wrong with the numbers.

#![forbid(unsafe_code)]

mod blocks;
pub mod clustering;
mod error;
pub mod information;
mod lbfgs;
mod linfa_kmeans;
mod lloyd;
pub mod matching;
mod plusplus;
pub mod probe;
pub mod ranking;
mod validate;

pub use clustering::{kmeans, Clustering, KMeansAlgorithm, KMeansParams};
pub use error::TasksError;
pub use information::{adjusted_rand_index, normalized_mutual_info};
pub use matching::{cluster_accuracy, Matched};
pub use probe::{linear_probe, Probe, ProbeParams};
pub use ranking::{auroc, average_precision, roc_curve};
