//! The one error type of the data crate.

use std::path::PathBuf;

/// Everything that can go wrong while finding, reading or splitting data.
/// Each variant names the file involved, and where the bytes or text are at
/// fault, the byte offset or line.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: the gzip stream is corrupt or cut off")]
    Gzip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: not an IDX {expected} file: magic number at byte offset 0 is {found:#010x}, expected {magic:#010x}")]
    BadMagic {
        path: PathBuf,
        expected: &'static str,
        magic: u32,
        found: u32,
    },

    #[error("{path}: truncated at byte offset {offset}: {what} needs {needed} bytes, the file has {available}")]
    Truncated {
        path: PathBuf,
        offset: usize,
        what: String,
        needed: usize,
        available: usize,
    },

    #[error("{path}: {extra} unexpected bytes after the data, starting at byte offset {offset}")]
    TrailingBytes {
        path: PathBuf,
        offset: usize,
        extra: usize,
    },

    #[error("{images} holds {image_count} images but {labels} holds {label_count} labels")]
    CountMismatch {
        images: PathBuf,
        image_count: usize,
        labels: PathBuf,
        label_count: usize,
    },

    #[error("{path}, line {line}: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },

    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },

    #[error("{0}")]
    NotFound(String),

    /// A file whose digest is not the published one. A downloaded file in
    /// this state is deleted, never left in the cache.
    #[error("{path}: wrong checksum: {algorithm} is {actual}, expected {expected}")]
    Checksum {
        path: PathBuf,
        algorithm: &'static str,
        expected: String,
        actual: String,
    },

    /// Every mirror failed for `file`: `tried` has one line per attempt
    /// (`URL: what went wrong`), `help` the files needed, their checksums and
    /// how to point aelab at a folder instead.
    #[error("cannot download {file}; tried:\n{}\n{help}", tried.join("\n"))]
    Download {
        file: String,
        tried: Vec<String>,
        help: String,
    },

    /// The download cache cannot be created or written.
    #[error("cannot write to the data cache {dir}: {error}; set AELAB_DATA to a writable folder, or point aelab at a folder that holds the files (data.dir in the spec, or MNIST_DIR for MNIST)")]
    CacheNotWritable { dir: PathBuf, error: std::io::Error },

    #[error("{0}")]
    Split(String),
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
}
