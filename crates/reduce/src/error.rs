//! Errors of the reduction crate.

#[derive(Debug, thiserror::Error)]
pub enum ReduceError {
    #[error("{0}")]
    Input(String),

    #[error("the eigendecomposition failed: {0}")]
    Eigen(String),
}
