//! Errors of the training crate.

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Model(#[from] aelab_models::ModelError),

    #[error("the optimizer could not update the parameters: {0}")]
    Optimizer(String),

    #[error("{0}")]
    Data(String),

    /// The engine cannot train this architecture.
    #[error("{0}")]
    Unsupported(String),

    #[error("cannot continue from the checkpoint: {0}")]
    Checkpoint(String),
}
