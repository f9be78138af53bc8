//! Runs an experiment's runs, `jobs` at a time. Each worker trains (unless
//! a run's `train.threads` says otherwise, see `train_run::training_threads`)
//! and evaluates its runs on a pool of its share of the machine's threads
//! ([`evaluation_threads`]), built once, so on a 2-core machine two runs
//! proceed side by side on one thread each. A run already completed with the same identity in
//! an earlier archive is reused, not trained again. The manifest is updated
//! as each run ends; a run that fails, or panics, is recorded as `failed`
//! with its message and the others go on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aelab_archive::{ArchiveWriter, RunCache, RunStatus, Summary};
use aelab_spec::RunConfig;

use crate::input::dataset::Dataset;
use crate::running::identity::run_identity;
use crate::training::execute::execute_from;
use crate::{Observe, PipelineError, Result};

/// The threads each run's evaluation gets when up to `jobs` of `runs`
/// runs go at once: the machine's shared out, at least one.
pub(crate) fn evaluation_threads(jobs: usize, runs: usize) -> usize {
    (aelab_reduce::machine_threads() / jobs.clamp(1, runs.max(1))).max(1)
}

/// Executes (or reuses) every run of `runs` into `archive`; returns their
/// summaries in the order of `runs`.
pub fn execute_all(
    runs: &[&RunConfig],
    data: &Dataset,
    archive: &ArchiveWriter,
    cache: &RunCache,
    jobs: usize,
    observe: Observe,
    checkpoints: Option<&Path>,
) -> Result<Vec<Summary>> {
    let overall = observe
        .progress
        .bar("experiment", runs.len() as u64, "runs");
    let next = AtomicUsize::new(0);
    let summaries: Mutex<Vec<Option<Summary>>> = Mutex::new(vec![None; runs.len()]);
    let manifest_error: Mutex<Option<PipelineError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, runs.len().max(1)) {
            scope.spawn(|| {
                // this worker's evaluation pool; a pool that cannot start
                // leaves the evaluation on rayon's global one
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(evaluation_threads(jobs, runs.len()))
                    .build()
                    .ok();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(run) = runs.get(i) else { break };
                    let dir = archive.run_dir(&run.name);
                    let execute = || run_one(run, data, &dir, cache, observe, checkpoints);
                    let summary = match &pool {
                        Some(pool) => pool.install(execute),
                        None => execute(),
                    };
                    let status = summary.status.unwrap_or(RunStatus::Failed);
                    if let Err(e) = archive.set_run_status(&run.name, status) {
                        lock(&manifest_error).get_or_insert(e.into());
                    }
                    lock(&summaries)[i] = Some(summary);
                    overall.inc(1);
                }
            });
        }
    });
    overall.finish();
    if let Some(e) = manifest_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(e);
    }
    Ok(summaries
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect())
}

/// Reuses or executes one run; a failure or a panic becomes a `failed`
/// summary, written into the run's folder.
fn run_one(
    run: &RunConfig,
    data: &Dataset,
    dir: &Path,
    cache: &RunCache,
    observe: Observe,
    checkpoints: Option<&Path>,
) -> Summary {
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        match cache.reuse(&run_identity(run, data), dir)? {
            Some(summary) => Ok(summary),
            None => execute_from(run, data, dir, observe, checkpoints),
        }
    }));
    let error = match attempt {
        Ok(Ok(summary)) => return summary,
        Ok(Err(e)) => error_chain(&e),
        Err(panic) => format!("panicked: {}", panic_message(panic.as_ref())),
    };
    tracing::error!("run {} failed: {error}", run.name);
    failed(run, dir, error)
}

/// `error: cause: cause`, as the command line prints it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// A run that broke (not one that diverged): its summary says why.
fn failed(run: &RunConfig, dir: &Path, error: String) -> Summary {
    let summary = Summary {
        run: run.name.clone(),
        status: Some(RunStatus::Failed),
        error: Some(error),
        ..Summary::default()
    };
    let written = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            summary
                .write(&dir.join("summary.json"))
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        tracing::error!("cannot record the failure of {}: {e}", run.name);
    }
    summary
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
