//! Opens a new archive for an experiment and keeps its manifest current:
//! written when the experiment starts (status `running`), after each run,
//! and when it ends.

use std::path::{Path, PathBuf};

use aelab_archive::{create_archive, write_atomic, DataFile, Manifest, RunEntry, RunStatus};
use aelab_spec::Experiment;
use anyhow::{Context, Result};

use crate::dataset::Dataset;
use crate::provenance;

pub struct ArchiveWriter {
    pub dir: PathBuf,
    manifest: Manifest,
}

impl ArchiveWriter {
    /// Creates `results/<name>/<stamp>-<id>/` with `experiment.toml` and a
    /// `running` manifest.
    pub fn create(
        results: &Path,
        experiment: &Experiment,
        data: &Dataset,
        jobs: usize,
    ) -> Result<ArchiveWriter> {
        let dir = create_archive(results, &experiment.name, &provenance::stamp())?;
        write_atomic(&dir.join("experiment.toml"), experiment.text.as_bytes())?;
        std::fs::create_dir(dir.join("runs"))
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
            started: provenance::now(),
            finished: None,
            runs: experiment
                .runs
                .iter()
                .map(|r| RunEntry {
                    name: r.name.clone(),
                    seed: r.seed,
                    status: RunStatus::Pending,
                })
                .collect(),
        };
        let writer = ArchiveWriter { dir, manifest };
        writer.save()?;
        Ok(writer)
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn run_dir(&self, run: &str) -> PathBuf {
        self.dir.join("runs").join(run)
    }

    pub fn set_run_status(&mut self, run: &str, status: RunStatus) -> Result<()> {
        if let Some(entry) = self.manifest.runs.iter_mut().find(|e| e.name == run) {
            entry.status = status;
        }
        self.save()
    }

    /// Marks the experiment `complete` (or `failed` if a run failed).
    pub fn finish(&mut self) -> Result<()> {
        let failed = self
            .manifest
            .runs
            .iter()
            .any(|r| r.status == RunStatus::Failed);
        self.manifest.status = if failed { "failed" } else { "complete" }.into();
        self.manifest.finished = Some(provenance::now());
        self.save()
    }

    fn save(&self) -> Result<()> {
        self.manifest.write(&self.dir.join("manifest.json"))?;
        Ok(())
    }
}
