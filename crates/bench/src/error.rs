//! The one error type of the benchmark.

/// What can stop a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Pipeline(#[from] aelab_pipeline::PipelineError),

    #[error(transparent)]
    Reduce(#[from] aelab_reduce::ReduceError),

    #[error(transparent)]
    Tasks(#[from] aelab_tasks::TasksError),

    #[error(transparent)]
    Spec(#[from] aelab_spec::SpecError),

    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    /// A comparison program (Python) failed or printed something unexpected.
    #[error("{0}")]
    Reference(String),

    /// A measurement that could not be made.
    #[error("{0}")]
    Measurement(String),
}

impl BenchError {
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
        let action = action.into();
        move |source| BenchError::Io { action, source }
    }
}
