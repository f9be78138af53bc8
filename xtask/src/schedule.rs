//! Runs an experiment's runs, `jobs` at a time. Each run trains on one
//! thread (see `execute::TRAIN_THREADS`), so on a 2-core machine two runs
//! proceed side by side. A run already completed with the same identity in
//! an earlier archive is reused, not trained again. The manifest is updated
//! as each run ends; a run that fails is recorded and the others go on.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aelab_archive::{RunStatus, Summary};
use aelab_spec::RunConfig;
use anyhow::Result;

use crate::archive_writer::ArchiveWriter;
use crate::cache::RunCache;
use crate::dataset::Dataset;
use crate::execute::execute;
use crate::identity::run_identity;
use crate::progress;

pub fn execute_all(
    runs: &[&RunConfig],
    data: &Dataset,
    archive: &ArchiveWriter,
    cache: &RunCache,
    jobs: usize,
) -> Result<()> {
    let overall = progress::bar("experiment", runs.len() as u64, "runs");
    let next = AtomicUsize::new(0);
    let manifest_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, runs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(run) = runs.get(i) else { break };
                let dir = archive.run_dir(&run.name);
                let summary = cache
                    .reuse(&run_identity(run, data), &dir)
                    .transpose()
                    .unwrap_or_else(|| execute(run, data, &dir))
                    .unwrap_or_else(|e| {
                        tracing::error!("run {} failed: {e:#}", run.name);
                        failed(run, &dir, &e)
                    });
                let status = summary.status.unwrap_or(RunStatus::Failed);
                if let Err(e) = archive.set_run_status(&run.name, status) {
                    manifest_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
                overall.inc(1);
            });
        }
    });
    overall.finish_and_clear();
    match manifest_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A run that broke (not one that diverged): its summary says why.
fn failed(run: &RunConfig, dir: &Path, error: &anyhow::Error) -> Summary {
    let summary = Summary {
        run: run.name.clone(),
        status: Some(RunStatus::Failed),
        error: Some(format!("{error:#}")),
        ..Summary::default()
    };
    if let Err(e) = std::fs::create_dir_all(dir)
        .map_err(anyhow::Error::from)
        .and_then(|_| Ok(summary.write(&dir.join("summary.json"))?))
    {
        tracing::error!("cannot record the failure of {}: {e:#}", run.name);
    }
    summary
}
