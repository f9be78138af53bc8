//! Creating a fresh archive folder.

use std::path::{Path, PathBuf};

use rand::Rng;

/// Errors of the archive crate.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot create archive folder {path}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },

    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },

    /// A folder given as an archive (or an experiment's folder of archives)
    /// that is missing, or lacks a file every archive has, or holds one
    /// that cannot be read: the user pointed at the wrong place.
    #[error("{path} is not a readable archive: {message}")]
    NotAnArchive { path: PathBuf, message: String },

    /// A record written by a newer aelab, whose schema this one cannot know.
    #[error("{path} has schema version {found}; this aelab reads versions up to {supported}: update aelab")]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
}

impl ArchiveError {
    /// Whether the error is the user's (a wrong or damaged archive path)
    /// rather than the machine's (a full disk, a lost lock).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ArchiveError::NotAnArchive { .. } | ArchiveError::NewerSchema { .. }
        )
    }
}

/// Creates `root/<name>/<stamp>-<id>/`, where `stamp` is `YYYYmmdd-HHMMSS`
/// and `id` the milliseconds of the clock and three random hex digits, so
/// folders sort in creation order; never reuses an existing folder (two
/// runs started at once get different ids).
pub fn create_archive(root: &Path, name: &str, stamp: &str) -> Result<PathBuf, ArchiveError> {
    let parent = root.join(name);
    std::fs::create_dir_all(&parent).map_err(|source| ArchiveError::Create {
        path: parent.clone(),
        source,
    })?;
    let mut rng = rand::thread_rng();
    loop {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_millis());
        let id: u32 = rng.gen_range(0..0x1000);
        let path = parent.join(format!("{stamp}-{millis:03}{id:03x}"));
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(ArchiveError::Create { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_never_collide() {
        let root = tempfile::tempdir().unwrap();
        let a = create_archive(root.path(), "exp", "20261127-120000").unwrap();
        let b = create_archive(root.path(), "exp", "20261127-120000").unwrap();
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
        assert!(a
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("20261127-120000-"));
    }
}
