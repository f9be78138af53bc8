//! Runs an experiment's runs, `jobs` at a time. Each run trains on one
//! thread (see `execute::TRAIN_THREADS`), so on a 2-core machine two runs
//! proceed side by side. Results keep the spec's order whatever finishes
//! first; the manifest is updated as each run ends.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aelab_archive::{RunStatus, Summary};
use aelab_spec::RunConfig;
use aelab_train::EpochRecord;
use anyhow::Result;

use crate::archive_writer::ArchiveWriter;
use crate::dataset::Dataset;
use crate::execute::{execute, RunResult};
use crate::progress;

/// Executes `runs` on `jobs` threads; a run that fails is recorded as
/// failed and the others go on.
pub fn execute_all(
    runs: &[RunConfig],
    data: &Dataset,
    archive: &mut ArchiveWriter,
    jobs: usize,
) -> Result<Vec<RunResult>> {
    let overall = progress::bar("experiment", runs.len() as u64, "runs");
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<RunResult>>> = runs.iter().map(|_| Mutex::new(None)).collect();
    let archive_lock = Mutex::new(archive);
    let manifest_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, runs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(run) = runs.get(i) else { break };
                let dir = lock(&archive_lock).run_dir(&run.name);
                let result = execute(run, data, &dir).unwrap_or_else(|e| {
                    tracing::error!("run {} failed: {e:#}", run.name);
                    failed(run, &dir, &e)
                });
                let status = result.summary.status.unwrap_or(RunStatus::Failed);
                if let Err(e) = lock(&archive_lock).set_run_status(&run.name, status) {
                    lock(&manifest_error).get_or_insert(e);
                }
                *lock(&results[i]) = Some(result);
                overall.inc(1);
            });
        }
    });
    overall.finish_and_clear();
    if let Some(e) = manifest_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(e);
    }
    Ok(results
        .into_iter()
        .zip(runs)
        .map(|(slot, run)| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| RunResult {
                    summary: Summary {
                        run: run.name.clone(),
                        status: Some(RunStatus::Failed),
                        error: Some("the run's worker stopped".into()),
                        ..Summary::default()
                    },
                    history: Vec::<EpochRecord>::new(),
                    figures: Vec::new(),
                })
        })
        .collect())
}

/// Locks, recovering the data of a lock whose holder panicked.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A run that broke (not one that diverged): its summary says why.
fn failed(run: &RunConfig, dir: &Path, error: &anyhow::Error) -> RunResult {
    let summary = Summary {
        run: run.name.clone(),
        status: Some(RunStatus::Failed),
        error: Some(format!("{error:#}")),
        ..Summary::default()
    };
    if let Err(e) = summary.write(&dir.join("summary.json")) {
        tracing::error!("cannot record the failure of {}: {e}", run.name);
    }
    RunResult {
        summary,
        history: Vec::new(),
        figures: Vec::new(),
    }
}
