//! What is in a results folder: the archives of every experiment, and how
//! much disk each takes. Files a reused run shares with an earlier archive
//! are hard links, so sizes count each file once and say how much of it is
//! shared with other archives.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::ArchiveError;

/// The archive folders (those with a `manifest.json`) of every experiment
/// under `results`, in name (= time) order.
pub fn all_archives(results: &Path) -> Vec<PathBuf> {
    let mut archives: Vec<PathBuf> = std::fs::read_dir(results)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|experiment| archive_folders(&experiment))
        .filter(|p| p.join("manifest.json").is_file())
        .collect();
    archives.sort();
    archives
}

/// The folders of one experiment's folder (`results/<name>`), hidden ones
/// left out, in name (= time) order.
pub fn archive_folders(experiment_dir: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(experiment_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    folders.sort();
    folders
}

/// Bytes an archive takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// Every file once (hard links within the folder counted once).
    pub bytes: u64,
    /// The part of `bytes` in files also linked from elsewhere (another
    /// archive's reused runs): removing this archive would not free it.
    pub shared: u64,
}

/// The disk usage of everything under `dir`.
pub fn disk_usage(dir: &Path) -> Result<DiskUsage, ArchiveError> {
    let mut usage = DiskUsage::default();
    let mut seen = HashSet::new();
    for (meta, _) in files_under(dir)? {
        if seen.insert((meta.dev(), meta.ino())) {
            usage.bytes += meta.len();
            if meta.nlink() > 1 {
                usage.shared += meta.len();
            }
        }
    }
    Ok(usage)
}

/// Every file under `dir` with its metadata (links not followed).
pub(crate) fn files_under(dir: &Path) -> Result<Vec<(std::fs::Metadata, PathBuf)>, ArchiveError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| ArchiveError::Read {
            path: folder.clone(),
            message: e.to_string(),
        })?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(path);
            } else {
                out.push((meta, path));
            }
        }
    }
    Ok(out)
}

/// `1.5 MB`, `320 kB`, `12 B`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_files_count_once_and_as_shared() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::create_dir_all(a.join("runs/x")).unwrap();
        std::fs::write(a.join("runs/x/w.bin"), vec![0u8; 1000]).unwrap();
        std::fs::write(a.join("manifest.json"), vec![b' '; 10]).unwrap();
        std::fs::hard_link(a.join("runs/x/w.bin"), a.join("runs/x/copy.bin")).unwrap();
        assert_eq!(
            disk_usage(&a).unwrap(),
            DiskUsage {
                bytes: 1010,
                shared: 1000
            }
        );
        assert_eq!(human_bytes(1010), "1.0 kB");
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(all_archives(dir.path()), Vec::<PathBuf>::new());
    }
}
