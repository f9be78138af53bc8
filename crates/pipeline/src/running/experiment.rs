//! Running an experiment: load the data once, open the archive (new,
//! joined by shards, or resumed), keep the runs an earlier attempt already
//! finished, execute the rest `jobs` at a time (reusing runs completed with
//! the same identity in earlier archives), then write the report.

use std::path::{Path, PathBuf};

use aelab_archive::{ArchiveWriter, RunCache, RunStatus, Summary};
use aelab_spec::{Experiment, RunConfig};

use crate::input::dataset;
use crate::reporting::report::{build_report, flatten_settings};
use crate::running::manifest::new_manifest;
use crate::running::schedule;
use crate::running::selection::Shard;
use crate::search::{halving, rungs};
use crate::{Observe, PipelineError, Result};

/// Where an experiment's results go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A new archive folder under this results root.
    NewArchive { results_dir: PathBuf },
    /// This archive folder, created or joined (shards share one).
    Archive(PathBuf),
    /// An interrupted archive whose missing runs are to be finished.
    Resume(PathBuf),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub destination: Destination,
    /// Runs executed at once (at least 1).
    pub jobs: usize,
    /// Train again even runs completed earlier with the same identity.
    pub force: bool,
    /// Execute only this shard's runs, and write no report (the report of
    /// a sharded archive is built once every shard is in).
    pub shard: Option<Shard>,
}

/// What a run of an experiment produced.
pub struct ExperimentOutcome {
    /// The archive folder.
    pub archive: PathBuf,
    /// `report.html`, unless this was one shard.
    pub report: Option<PathBuf>,
    /// The summaries of the runs this invocation executed or reused.
    pub summaries: Vec<Summary>,
    /// Whether any run of the archive failed.
    pub failed: bool,
}

/// The experiment an interrupted archive holds (for [`Destination::Resume`]).
pub fn resumed_experiment(archive: &Path) -> Result<Experiment> {
    crate::reporting::report::spec_experiment(archive)
}

/// Runs `experiment`'s runs as `options` says.
pub fn run_experiment(
    experiment: &Experiment,
    options: &RunOptions,
    observe: Observe,
) -> Result<ExperimentOutcome> {
    tracing::info!(
        "experiment {}: {} run(s): {}",
        experiment.name,
        experiment.runs.len(),
        experiment
            .runs
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let data = dataset::load_with(experiment, observe.progress)?;
    tracing::info!(
        "data: {} training, {} validation, {} test images of {}x{}",
        data.split.train.len(),
        data.split.validation.len(),
        data.split.test.as_ref().map_or(0, |t| t.len()),
        data.split.train.rows,
        data.split.train.cols
    );
    let jobs = options.jobs.max(1);
    let manifest = || new_manifest(experiment, &data, jobs);
    let archive = match &options.destination {
        Destination::Resume(dir) => ArchiveWriter::open(dir)?,
        Destination::Archive(dir) => {
            ArchiveWriter::create_or_join(dir, &experiment.text, &manifest())?
        }
        Destination::NewArchive { results_dir } => {
            ArchiveWriter::create(results_dir, &experiment.text, &manifest())?
        }
    };
    tracing::info!(
        "archive: {} ({jobs} run(s) at a time)",
        archive.dir.display()
    );

    // A search in rungs trains rung by rung first (a shard only reads the
    // decided rungs); its trials then run as ordinary runs with the epochs
    // they reached, from their checkpoints.
    let halved;
    let (experiment, checkpoints) = match &experiment.search {
        Some(search) if search.method.has_rungs() => {
            let may_train = options.shard.is_none();
            let (runs, checkpoints) = halving::run_rungs(
                experiment,
                search,
                &data,
                &archive.dir,
                (jobs, may_train),
                observe,
            )?;
            halved = Experiment {
                runs,
                ..experiment.clone()
            };
            (&halved, Some(checkpoints))
        }
        _ => (experiment, None),
    };
    let todo = unfinished_runs(experiment, &archive, options.shard)?;
    let cache = match (options.force, archive.dir.parent()) {
        (false, Some(parent)) => RunCache::scan(parent, &archive.dir),
        _ => RunCache::default(),
    };
    let summaries = schedule::execute_all(
        &todo,
        &data,
        &archive,
        &cache,
        jobs,
        observe,
        checkpoints.as_deref(),
    )?;

    // Every trial complete: the checkpoints have served. Shards running at
    // once leave them to the report job.
    if checkpoints.is_some() && options.shard.is_none() {
        rungs::remove_spent_checkpoints(experiment, &archive)?;
    }

    let report = match options.shard {
        Some(shard) => {
            archive.finish()?;
            tracing::info!(
                "shard {}/{} done; once every shard is, build the report: cargo xtask report {}",
                shard.index,
                shard.count,
                archive.dir.display()
            );
            None
        }
        None => {
            build_report(&archive, experiment, &data, &[])?;
            let report = archive.dir.join("report.html");
            tracing::info!("report: {}", report.display());
            Some(report)
        }
    };
    let failed = archive
        .manifest()?
        .runs
        .iter()
        .any(|r| r.status == RunStatus::Failed);
    Ok(ExperimentOutcome {
        archive: archive.dir,
        report,
        summaries,
        failed,
    })
}

/// The runs this invocation owns that are not complete in the archive;
/// the folders of interrupted ones are cleared, and completed ones are
/// recorded in the manifest (a run may have ended just before an
/// interruption could record it).
fn unfinished_runs<'a>(
    experiment: &'a Experiment,
    archive: &ArchiveWriter,
    shard: Option<Shard>,
) -> Result<Vec<&'a RunConfig>> {
    let mut todo = Vec::new();
    for (i, run) in experiment.runs.iter().enumerate() {
        if shard.is_some_and(|s| !s.owns(i)) {
            continue;
        }
        let dir = archive.run_dir(&run.name);
        if let Some(status) = completed_status(&dir) {
            tracing::info!("run {} is complete in this archive; keeping it", run.name);
            archive.set_run_status(&run.name, status)?;
            continue;
        }
        if dir.exists() {
            // Interrupted: nothing in it is a result (no summary.json).
            std::fs::remove_dir_all(&dir)
                .map_err(|e| PipelineError::io("cannot clear the interrupted run", &dir, e))?;
        }
        todo.push(run);
    }
    Ok(todo)
}

/// A run is complete once its `summary.json` says `ok` or `diverged`.
fn completed_status(dir: &Path) -> Option<RunStatus> {
    Summary::read(&dir.join("summary.json"))
        .ok()?
        .status
        .filter(|s| matches!(s, RunStatus::Ok | RunStatus::Diverged))
}

/// Each run with the settings that vary between the runs (`--dry-run`).
pub fn planned_runs(experiment: &Experiment) -> Vec<(String, Vec<(String, String)>)> {
    let settings: Vec<Vec<(String, String)>> =
        experiment.runs.iter().map(flatten_settings).collect();
    let varying: Vec<String> = settings
        .first()
        .map(|first| {
            first
                .iter()
                .map(|(k, _)| k)
                .filter(|k| {
                    *k != "name"
                        && settings.iter().any(|s| {
                            s.iter().find(|(sk, _)| sk == *k)
                                != first.iter().find(|(fk, _)| fk == *k)
                        })
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    experiment
        .runs
        .iter()
        .zip(settings)
        .map(|(run, s)| {
            let shown = s.into_iter().filter(|(k, _)| varying.contains(k)).collect();
            (run.name.clone(), shown)
        })
        .collect()
}
