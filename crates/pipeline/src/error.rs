//! The one error type of the pipeline, and which errors are the user's.

use std::path::PathBuf;

/// Everything that can stop an experiment, a report or a reproduction.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Spec(#[from] aelab_spec::SpecError),

    #[error(transparent)]
    Data(#[from] aelab_data::DataError),

    #[error(transparent)]
    Archive(#[from] aelab_archive::ArchiveError),

    #[error(transparent)]
    Train(#[from] aelab_train::TrainError),

    #[error(transparent)]
    Reduce(#[from] aelab_reduce::ReduceError),

    #[error(transparent)]
    Model(#[from] aelab_models::ModelError),

    #[error(transparent)]
    Report(#[from] aelab_report::ReportError),

    #[error(transparent)]
    Tasks(#[from] aelab_tasks::TasksError),

    #[error(transparent)]
    Export(#[from] aelab_export::ExportError),

    /// Data or a request that does not fit the spec's runs (an image size
    /// the model cannot take, a glob that matches no run, ...).
    #[error("{0}")]
    Mismatch(String),

    /// A file of an archive that is not whole or not what it claims to
    /// be (a checkpoint, a rung record, a trial's result): bad input,
    /// named, never a crash.
    #[error("{path}: not a whole {what}: {why}")]
    Damaged {
        path: PathBuf,
        what: &'static str,
        why: String,
    },

    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Other(String),
}

impl PipelineError {
    pub(crate) fn damaged(path: &std::path::Path, what: &'static str, why: impl ToString) -> Self {
        PipelineError::Damaged {
            path: path.to_path_buf(),
            what,
            why: why.to_string(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        PipelineError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Whether the error is a mistake in what the user supplied (a spec,
    /// data files, an archive path, a request): exit code 2 rather than 1.
    pub fn is_bad_input(&self) -> bool {
        match self {
            PipelineError::Spec(_) | PipelineError::Mismatch(_) | PipelineError::Damaged { .. } => {
                true
            }
            // A download that failed is the network's doing, not the user's.
            PipelineError::Data(e) => !matches!(
                e,
                aelab_data::DataError::Download { .. }
                    | aelab_data::DataError::CacheNotWritable { .. }
            ),
            PipelineError::Archive(e) => e.is_bad_input(),
            _ => false,
        }
    }
}

/// The pipeline's results.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;
