//! Opens an archive for an experiment (a new one, a given folder shared by
//! shards, or an interrupted one to resume) and keeps its manifest current:
//! written when the experiment starts (status `running`), after each run,
//! and when the report is built. Every update re-reads the manifest under a
//! file lock, so shards running at once merge their runs' statuses instead
//! of overwriting each other's.

use std::fs::File;
use std::path::{Path, PathBuf};

use aelab_archive::{create_archive, write_atomic, DataFile, Manifest, RunEntry, RunStatus};
use aelab_spec::Experiment;
use anyhow::{Context, Result};

use crate::dataset::Dataset;
use crate::identity::run_identity;
use crate::provenance;

pub struct ArchiveWriter {
    pub dir: PathBuf,
}

impl ArchiveWriter {
    /// Creates `results/<name>/<stamp>-<id>/`.
    pub fn create(
        results: &Path,
        experiment: &Experiment,
        data: &Dataset,
        jobs: usize,
    ) -> Result<ArchiveWriter> {
        let dir = create_archive(results, &experiment.name, &provenance::stamp())?;
        ArchiveWriter::start(dir, experiment, data, jobs)
    }

    /// Uses `dir` (creating it) as the archive; if another process (a
    /// shard) already started it, joins it.
    pub fn create_or_join(
        dir: &Path,
        experiment: &Experiment,
        data: &Dataset,
        jobs: usize,
    ) -> Result<ArchiveWriter> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating archive folder {}", dir.display()))?;
        let _lock = ManifestLock::take(dir)?;
        if dir.join("manifest.json").is_file() {
            return Ok(ArchiveWriter {
                dir: dir.to_path_buf(),
            });
        }
        ArchiveWriter::start(dir.to_path_buf(), experiment, data, jobs)
    }

    /// Opens an existing archive (to resume it or rebuild its report).
    pub fn open(dir: &Path) -> Result<ArchiveWriter> {
        Manifest::read(&dir.join("manifest.json"))?;
        Ok(ArchiveWriter {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes `experiment.toml`, `runs/` and a `running` manifest.
    fn start(
        dir: PathBuf,
        experiment: &Experiment,
        data: &Dataset,
        jobs: usize,
    ) -> Result<ArchiveWriter> {
        write_atomic(&dir.join("experiment.toml"), experiment.text.as_bytes())?;
        std::fs::create_dir_all(dir.join("runs"))
            .with_context(|| format!("creating {}/runs", dir.display()))?;
        let manifest = Manifest {
            experiment: experiment.name.clone(),
            description: experiment.description.clone(),
            status: "running".into(),
            spec: experiment.path.display().to_string(),
            command: std::env::args().collect(),
            aelab_version: env!("CARGO_PKG_VERSION").into(),
            git: provenance::git(),
            rustc: provenance::rustc(),
            crates: provenance::crates(),
            seed: experiment.runs.first().map_or(0, |r| r.seed),
            data: data
                .files
                .iter()
                .map(|f| DataFile {
                    path: f.path.display().to_string(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            threads: crate::execute::TRAIN_THREADS,
            jobs,
            overrides: experiment.overrides.clone(),
            host: provenance::host(),
            cpu: provenance::cpu(),
            started: provenance::now(),
            finished: None,
            runs: experiment
                .runs
                .iter()
                .map(|r| RunEntry {
                    name: r.name.clone(),
                    seed: r.seed,
                    status: RunStatus::Pending,
                    identity: run_identity(r, data),
                })
                .collect(),
        };
        manifest.write(&dir.join("manifest.json"))?;
        Ok(ArchiveWriter { dir })
    }

    /// The manifest as it is on disk now.
    pub fn manifest(&self) -> Result<Manifest> {
        Ok(Manifest::read(&self.dir.join("manifest.json"))?)
    }

    pub fn run_dir(&self, run: &str) -> PathBuf {
        self.dir.join("runs").join(run)
    }

    pub fn set_run_status(&self, run: &str, status: RunStatus) -> Result<()> {
        self.update(|m| {
            if let Some(entry) = m.runs.iter_mut().find(|e| e.name == run) {
                entry.status = status;
            }
        })
    }

    /// Marks the experiment `complete`, or `failed` if a run failed, or
    /// leaves it `running` while runs are still pending (other shards).
    pub fn finish(&self) -> Result<()> {
        self.update(|m| {
            let failed = m.runs.iter().any(|r| r.status == RunStatus::Failed);
            let pending = m.runs.iter().any(|r| r.status == RunStatus::Pending);
            m.status = if failed {
                "failed"
            } else if pending {
                "running"
            } else {
                "complete"
            }
            .into();
            m.finished = (!pending).then(provenance::now);
        })
    }

    /// Read, modify, write the manifest under the archive's lock.
    fn update(&self, change: impl FnOnce(&mut Manifest)) -> Result<()> {
        let _lock = ManifestLock::take(&self.dir)?;
        let mut manifest = self.manifest()?;
        change(&mut manifest);
        manifest.write(&self.dir.join("manifest.json"))?;
        Ok(())
    }
}

/// An exclusive lock on `.manifest.lock` in the archive, released on drop.
struct ManifestLock(File);

impl ManifestLock {
    fn take(dir: &Path) -> Result<ManifestLock> {
        let path = dir.join(".manifest.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(ManifestLock(file))
    }
}

impl Drop for ManifestLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
