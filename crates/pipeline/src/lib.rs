//! Running aelab experiments: the library behind `cargo xtask`. Given a
//! validated spec ([`aelab_spec::Experiment`]), it loads the data once,
//! schedules the runs `jobs` at a time, trains each autoencoder (or fits
//! the PCA baseline), evaluates it, draws its figures, writes everything
//! into an archive, and builds the comparison report; it also rebuilds
//! reports, reproduces archived results bit for bit, compares archives,
//! lists them and prepares Slurm jobs (a search in rungs as one array
//! per rung, each after the decision on the one before).
//!
//! ```no_run
//! use aelab_pipeline::{run_experiment, Destination, NoProgress, Observe, RunOptions};
//! let experiment = aelab_pipeline::load_spec("experiments/dae.toml".as_ref(), &[])?;
//! let options = RunOptions {
//!     destination: Destination::NewArchive { results_dir: "results".into() },
//!     jobs: 2,
//!     force: false,
//!     shard: None,
//! };
//! let outcome = run_experiment(&experiment, &options, Observe::quiet())?;
//! for summary in &outcome.summaries {
//!     println!("{}: val BCE {:?}", summary.run, summary.val_bce);
//! }
//! # Ok::<(), aelab_pipeline::PipelineError>(())
//! ```
//!
//! Below it: `aelab-spec` (what to run), `aelab-train` and `aelab-reduce`
//! (training and reductions), `aelab-report` (figures and report files),
//! `aelab-archive` (files, manifests, identities, reuse). It prints
//! nothing: progress goes to a [`Progress`] the caller supplies, log lines
//! to `tracing`, and results come back as values.

#![forbid(unsafe_code)]

mod archives;
mod cluster;
mod error;
mod evaluation;
mod input;
mod reporting;
mod running;
mod search;
mod training;

#[cfg(feature = "fault-injection")]
pub mod faults;

use std::path::Path;
use std::time::Instant;

pub use aelab_archive::{human_bytes, ArchiveError, GcPlan, RunStatus, Summary};
pub use aelab_data::fetch::Fetched;
pub use aelab_export::Exported;
pub use aelab_spec::Experiment;
pub use archives::compare::{compare_archives, Presence, RunComparison};
pub use archives::export::{export_run, ExportFormat};
pub use archives::listing::{list_archives, ArchiveListing};
pub use archives::mlflow::export_mlflow;
pub use archives::reproduce::{reproduce, Agreement, Reproduction, CROSS_CPU_TOLERANCE};
pub use cluster::slurm::{write_slurm_job, SlurmJob, SlurmOptions};
pub use error::{PipelineError, Result};
pub use evaluation::detail::DETAILED_CONFIGURATIONS;
pub use evaluation::evaluate::{KNN_K, TRUST_ROWS};
pub use input::dataset::{load as load_data, load_with as load_data_with, Dataset};
pub use input::fetching::fetch_dataset;
pub use reporting::report::{rebuild_report, ReportOutcome};
pub use running::experiment::{
    planned_runs, resumed_experiment, run_experiment, Destination, ExperimentOutcome, RunOptions,
};
pub use running::progress::{Bar, NoProgress, Progress};
pub use running::provenance::workspace_root;
pub use running::selection::{glob_match, select_runs, Shard};
pub use search::rung_jobs::{decide_rung, run_rung_task, RungTask};
pub use search::rungs::{read_brackets, read_rungs, Rung, RungTrial};
pub use training::execute::execute;
pub use training::shapes::{experiment_shapes, layer_rows, ModelShapes};
pub use training::train_run::{fit_config, fit_on_training_threads, median, training_threads};

/// Reads and validates the spec at `path` with `--set key=value`
/// `overrides` applied to every run.
pub fn load_spec(path: &Path, overrides: &[String]) -> Result<Experiment> {
    Ok(Experiment::load_with(path, overrides)?)
}

/// Plans removing all but the newest `keep` finished archives of
/// `results/<experiment>` (see [`aelab_archive::plan_gc`]).
pub fn plan_gc(results: &Path, experiment: &str, keep: usize) -> Result<GcPlan> {
    Ok(aelab_archive::plan_gc(&results.join(experiment), keep)?)
}

/// Removes what `plan` names; returns the bytes freed.
pub fn execute_gc(plan: &GcPlan) -> Result<u64> {
    Ok(aelab_archive::execute_gc(plan)?)
}

/// Where a run reports besides its files: bars, and when the process
/// started (for the log line that times start-up to the first step).
#[derive(Clone, Copy)]
pub struct Observe<'a> {
    pub progress: &'a dyn Progress,
    pub process_started: Option<Instant>,
}

impl Observe<'static> {
    /// No bars, no start-up timing.
    pub fn quiet() -> Observe<'static> {
        Observe {
            progress: &NoProgress,
            process_started: None,
        }
    }
}
