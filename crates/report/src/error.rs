//! Errors of the report crate.

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot draw {path}: {message}")]
    Plot { path: String, message: String },

    #[error(transparent)]
    Archive(#[from] aelab_archive::ArchiveError),
}
