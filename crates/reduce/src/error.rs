//! Errors of the reduction crate.

#[derive(Debug, thiserror::Error)]
pub enum ReduceError {
    #[error("{0}")]
    Input(String),

    #[error("the eigendecomposition failed: {0}")]
    Eigen(String),

    /// An error linfa's traits report (through [`crate::PcaParams`]).
    #[error("linfa: {0}")]
    Linfa(#[from] linfa::Error),
}
