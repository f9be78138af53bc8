//! Reuse of completed runs: a run whose identity (config, data checksums,
//! code version) matches a completed run in an earlier archive of the same
//! experiment is copied from there instead of trained again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aelab_archive::{write_atomic, RunStatus, Summary};
use anyhow::{Context, Result};

/// Completed runs of earlier archives, by identity.
#[derive(Default)]
pub struct RunCache {
    runs: HashMap<String, PathBuf>,
}

impl RunCache {
    /// Scans `experiment_dir` (`results/<experiment>`) for completed runs,
    /// skipping the archive `current`.
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

    /// Copies the completed run with `identity` into `into`, its
    /// `summary.json` last so the copy looks complete only once it is;
    /// returns where it came from, or `None` if no such run is cached.
    pub fn reuse(&self, identity: &str, into: &Path) -> Result<Option<Summary>> {
        let Some(source) = self.runs.get(identity) else {
            return Ok(None);
        };
        std::fs::create_dir_all(into).with_context(|| format!("creating {}", into.display()))?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(source)
            .with_context(|| format!("reading {}", source.display()))?
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
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            write_atomic(&into.join(file.file_name().unwrap_or_default()), &bytes)?;
        }
        tracing::info!(
            "reusing {} (same identity {})",
            source.display(),
            &identity[..12.min(identity.len())]
        );
        Ok(Some(Summary::read(&into.join("summary.json"))?))
    }
}
