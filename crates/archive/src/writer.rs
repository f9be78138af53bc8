//! Opens an archive for an experiment (a new one, a given folder shared by
//! shards, or an interrupted one to resume) and keeps its manifest current:
//! written when the experiment starts (status `running`), after each run,
//! and when the report is built. Every update re-reads the manifest under a
//! file lock, so shards running at once merge their runs' statuses instead
//! of overwriting each other's.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{clock, create_archive, write_atomic, ArchiveError, Manifest, RunStatus};

/// An archive folder being written.
pub struct ArchiveWriter {
    pub dir: PathBuf,
}

impl ArchiveWriter {
    /// Creates `results/<experiment>/<stamp>-<id>/` with the spec `text`
    /// and `manifest`.
    pub fn create(
        results: &Path,
        spec_text: &str,
        manifest: &Manifest,
    ) -> Result<ArchiveWriter, ArchiveError> {
        let dir = create_archive(results, &manifest.experiment, &clock::stamp())?;
        ArchiveWriter::start(dir, spec_text, manifest)
    }

    /// Uses `dir` (creating it) as the archive; if another process (a
    /// shard) already started it, joins it.
    pub fn create_or_join(
        dir: &Path,
        spec_text: &str,
        manifest: &Manifest,
    ) -> Result<ArchiveWriter, ArchiveError> {
        std::fs::create_dir_all(dir).map_err(|source| ArchiveError::Create {
            path: dir.to_path_buf(),
            source,
        })?;
        let _lock = ManifestLock::take(dir)?;
        if dir.join("manifest.json").is_file() {
            // Another shard started it: it must be this very experiment.
            let existing = Manifest::read(&dir.join("manifest.json"))?;
            let spec = std::fs::read_to_string(dir.join("experiment.toml")).unwrap_or_default();
            if existing.experiment != manifest.experiment
                || existing.overrides != manifest.overrides
                || spec != spec_text
            {
                return Err(ArchiveError::NotAnArchive {
                    path: dir.to_path_buf(),
                    message: format!(
                        "it holds another experiment or other --set overrides (`{}`, {:?}) than this shard's (`{}`, {:?}); shards of one archive share one spec",
                        existing.experiment, existing.overrides, manifest.experiment, manifest.overrides
                    ),
                });
            }
            return Ok(ArchiveWriter {
                dir: dir.to_path_buf(),
            });
        }
        ArchiveWriter::start(dir.to_path_buf(), spec_text, manifest)
    }

    /// Opens an existing archive (to resume it or rebuild its report).
    pub fn open(dir: &Path) -> Result<ArchiveWriter, ArchiveError> {
        Manifest::read_archive(dir)?;
        Ok(ArchiveWriter {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes `experiment.toml`, `runs/` and the manifest.
    fn start(
        dir: PathBuf,
        spec_text: &str,
        manifest: &Manifest,
    ) -> Result<ArchiveWriter, ArchiveError> {
        write_atomic(&dir.join("experiment.toml"), spec_text.as_bytes())?;
        let runs = dir.join("runs");
        std::fs::create_dir_all(&runs)
            .map_err(|source| ArchiveError::Create { path: runs, source })?;
        manifest.write(&dir.join("manifest.json"))?;
        Ok(ArchiveWriter { dir })
    }

    /// The manifest as it is on disk now.
    pub fn manifest(&self) -> Result<Manifest, ArchiveError> {
        Manifest::read(&self.dir.join("manifest.json"))
    }

    /// The folder of run `run`.
    pub fn run_dir(&self, run: &str) -> PathBuf {
        self.dir.join("runs").join(run)
    }

    /// Records how run `run` ended.
    pub fn set_run_status(&self, run: &str, status: RunStatus) -> Result<(), ArchiveError> {
        self.update(|m| {
            if let Some(entry) = m.runs.iter_mut().find(|e| e.name == run) {
                entry.status = status;
            }
        })
    }

    /// Leaves the experiment `running` while runs are still pending (other
    /// shards), then marks it `failed` if a run failed, else `complete`.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        self.update(|m| {
            let failed = m.runs.iter().any(|r| r.status == RunStatus::Failed);
            let pending = m.runs.iter().any(|r| r.status == RunStatus::Pending);
            m.status = if pending {
                "running"
            } else if failed {
                "failed"
            } else {
                "complete"
            }
            .into();
            m.finished = (!pending).then(clock::now);
        })
    }

    /// Read, modify, write the manifest under the archive's lock.
    fn update(&self, change: impl FnOnce(&mut Manifest)) -> Result<(), ArchiveError> {
        let _lock = ManifestLock::take(&self.dir)?;
        let mut manifest = self.manifest()?;
        change(&mut manifest);
        manifest.write(&self.dir.join("manifest.json"))
    }
}

/// An exclusive lock on `.manifest.lock` in the archive, released on drop.
struct ManifestLock(File);

impl ManifestLock {
    fn take(dir: &Path) -> Result<ManifestLock, ArchiveError> {
        let path = dir.join(".manifest.lock");
        let fail = |e: std::io::Error| ArchiveError::Write {
            path: path.clone(),
            message: e.to_string(),
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        file.lock().map_err(fail)?;
        Ok(ManifestLock(file))
    }
}

impl Drop for ManifestLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
