//! Crash-safe file writes: temporary file in the same folder, fsync, rename.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ArchiveError;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    write_atomic_with(path, |tmp| {
        let mut file = File::create(tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// Lets `write` create the file at a temporary path beside `path` (same
/// extension, so writers that go by it still work), syncs it and renames it
/// into place. On failure the temporary file is removed and `path` is left
/// as it was.
pub fn write_atomic_with<E: std::fmt::Display>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), ArchiveError> {
    let tmp = temporary_path(path);
    let fail = |message: String| ArchiveError::Write {
        path: path.to_path_buf(),
        message,
    };
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e.to_string()));
    }
    let synced = File::open(&tmp).and_then(|f| f.sync_all());
    if let Err(e) = synced.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e.to_string()));
    }
    if let Some(dir) = path.parent() {
        // Persist the rename itself; not every platform can open a folder.
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Makes `dest` a hard link to `source` (the same bytes on disk, no copy),
/// or a copy where a link cannot be made (another file system); either way
/// through a temporary name, so `dest` appears whole or not at all. Safe
/// because no archive file is ever changed in place: every write replaces
/// the name with a new file.
pub fn link_or_copy_atomic(source: &Path, dest: &Path) -> Result<(), ArchiveError> {
    let tmp = temporary_path(dest);
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(source, &tmp).is_ok() {
        if let Err(e) = std::fs::rename(&tmp, dest) {
            let _ = std::fs::remove_file(&tmp);
            return Err(ArchiveError::Write {
                path: dest.to_path_buf(),
                message: e.to_string(),
            });
        }
        return Ok(());
    }
    let bytes = std::fs::read(source).map_err(|e| ArchiveError::Read {
        path: source.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(dest, &bytes)
}

/// `dir/.name.tmp-PID.ext`: hidden, unique per process, same extension.
fn temporary_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
    let ext = path
        .extension()
        .and_then(|s| s.to_str())
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    path.with_file_name(format!(".{stem}.tmp-{}{ext}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");

        let err = write_atomic_with(&path, |tmp| {
            std::fs::write(tmp, b"half")?;
            Err::<(), std::io::Error>(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"));
        assert_eq!(std::fs::read(&path).unwrap(), b"two", "old file kept");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary left behind: {names:?}");
    }

    #[test]
    fn links_share_the_bytes_on_disk() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        write_atomic(&a, b"pixels").unwrap();
        link_or_copy_atomic(&a, &b).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"pixels");
        let (ma, mb) = (
            std::fs::metadata(&a).unwrap(),
            std::fs::metadata(&b).unwrap(),
        );
        assert_eq!((ma.dev(), ma.ino()), (mb.dev(), mb.ino()), "one inode");
        assert_eq!(ma.nlink(), 2);
        // Replacing one name leaves the other's bytes alone.
        write_atomic(&a, b"new").unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"pixels");
    }

    #[test]
    fn temporary_keeps_the_extension() {
        let tmp = temporary_path(Path::new("/a/loss.png"));
        assert!(tmp.to_str().unwrap().ends_with(".png"));
        assert!(tmp
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(".loss.tmp-"));
    }
}
