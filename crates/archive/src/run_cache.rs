//! Reuse of completed runs: a run whose identity matches a completed run in
//! an earlier archive of the same experiment is taken from there instead of
//! trained again. Its files are hard-linked (copied where a link cannot be
//! made), so a reused run costs no disk space; `summary.json` is written
//! last, so the run looks complete only once it is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{link_or_copy_atomic, ArchiveError, RunStatus, Summary};

/// Completed runs of earlier archives, by identity.
#[derive(Default)]
pub struct RunCache {
    runs: HashMap<String, PathBuf>,
}

impl RunCache {
    /// Scans `experiment_dir` (`results/<experiment>`) for completed runs,
    /// skipping the archive `current`. Unreadable folders are skipped: the
    /// cache only ever saves work.
    pub fn scan(experiment_dir: &Path, current: &Path) -> RunCache {
        let mut runs = HashMap::new();
        let Ok(archives) = std::fs::read_dir(experiment_dir) else {
            return RunCache { runs };
        };
        let mut archives: Vec<PathBuf> =
            archives.filter_map(|e| e.ok().map(|e| e.path())).collect();
        archives.sort();
        for archive in archives.iter().filter(|a| a.as_path() != current) {
            let Ok(entries) = std::fs::read_dir(archive.join("runs")) else {
                continue;
            };
            for run in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                if let Ok(summary) = Summary::read(&run.join("summary.json")) {
                    let done = matches!(summary.status, Some(RunStatus::Ok | RunStatus::Diverged));
                    if done && !summary.identity.is_empty() {
                        runs.insert(summary.identity, run);
                    }
                }
            }
        }
        RunCache { runs }
    }

    /// Links the completed run with `identity` into `into`, `summary.json`
    /// last; returns its summary, or `None` if no such run is cached.
    pub fn reuse(&self, identity: &str, into: &Path) -> Result<Option<Summary>, ArchiveError> {
        let Some(source) = self.runs.get(identity) else {
            return Ok(None);
        };
        std::fs::create_dir_all(into).map_err(|e| ArchiveError::Write {
            path: into.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(source)
            .map_err(|e| ArchiveError::Read {
                path: source.clone(),
                message: e.to_string(),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort_by_key(|p| p.file_name().is_some_and(|n| n == "summary.json"));
        for file in &files {
            if let Some(name) = file.file_name() {
                link_or_copy_atomic(file, &into.join(name))?;
            }
        }
        tracing::info!(
            "reusing {} (same identity {})",
            source.display(),
            &identity[..12.min(identity.len())]
        );
        Ok(Some(Summary::read(&into.join("summary.json"))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_reused_run_links_its_files_and_skips_unfinished_ones() {
        let root = tempfile::tempdir().unwrap();
        let old = root.path().join("exp/20260101-000000-000aaa/runs/ae");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("weights.safetensors"), b"weights").unwrap();
        let summary = Summary {
            run: "ae".into(),
            status: Some(RunStatus::Ok),
            identity: "abc".into(),
            ..Summary::default()
        };
        summary.write(&old.join("summary.json")).unwrap();
        let pending = root.path().join("exp/20260101-000000-000aaa/runs/dae");
        std::fs::create_dir_all(&pending).unwrap();
        Summary {
            run: "dae".into(),
            status: Some(RunStatus::Failed),
            identity: "def".into(),
            ..Summary::default()
        }
        .write(&pending.join("summary.json"))
        .unwrap();

        let current = root.path().join("exp/20260102-000000-000bbb");
        let cache = RunCache::scan(&root.path().join("exp"), &current);
        let into = current.join("runs/ae");
        assert_eq!(cache.reuse("abc", &into).unwrap(), Some(summary));
        assert!(cache
            .reuse("def", &current.join("runs/dae"))
            .unwrap()
            .is_none());
        let (a, b) = (
            std::fs::metadata(old.join("weights.safetensors")).unwrap(),
            std::fs::metadata(into.join("weights.safetensors")).unwrap(),
        );
        assert_eq!(a.ino(), b.ino(), "the weights are linked, not copied");
    }
}
