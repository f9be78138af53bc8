//! Searches in rungs, run here: synchronous successive halving, rung by
//! rung, and Hyperband as its brackets one after another. In a bracket
//! every trial trains to the first rung's epochs; the best 1/eta by the
//! search's metric (ties to the earlier trial) go on from their checkpoints
//! to the next rung, and so on up to `train.epochs`. A decision
//! (`rungs::decide`) depends on the rung's results alone, never on timing
//! or `--jobs`.
//!
//! An interrupted search resumes from the archive's `search/` folder (see
//! `rungs.rs`): decided rungs are read back, trials already at a rung's
//! epochs are not trained again, and the same results give the same
//! decisions. Afterwards each trial is an ordinary run with `train.epochs`
//! set to the epochs it reached, executed (without training again) from
//! its checkpoint.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aelab_spec::{Experiment, RunConfig, SearchConfig, SearchMethod};

use crate::input::dataset::Dataset;
use crate::search::rungs::{
    bracket_runs, budget, checkpoint_path, checkpoints_dir, decide, promoted_runs, read_bracket,
    write_rung, RungTrial,
};
use crate::training::checkpoint_file::{read_checkpoint, write_checkpoint};
use crate::training::train_run::{fit_config, fit_from_on_training_threads, training_threads};
use crate::{Observe, PipelineError, Result};

/// Runs every rung of every bracket of `search` over `experiment`'s trials
/// into `archive` (resuming what an earlier attempt left; with `may_train`
/// false, as in a shard, every rung must be decided already); returns the
/// trials as runs with the epochs each reached, and the checkpoint folder
/// to execute them from.
pub(crate) fn run_rungs(
    experiment: &Experiment,
    search: &SearchConfig,
    data: &Dataset,
    archive: &Path,
    (jobs, may_train): (usize, bool),
    observe: Observe,
) -> Result<(Vec<RunConfig>, PathBuf)> {
    let checkpoints = checkpoints_dir(archive);
    std::fs::create_dir_all(&checkpoints)
        .map_err(|e| PipelineError::io("cannot create", &checkpoints, e))?;
    let mut reached = vec![0usize; experiment.runs.len()];
    let brackets = search.brackets(budget(experiment));
    for (b, bracket) in brackets.iter().enumerate() {
        let decided = read_bracket(archive, search.method, b)?;
        let name = match search.method {
            SearchMethod::Hyperband => format!("bracket {b}, rung"),
            _ => "rung".to_string(),
        };
        let mut alive = bracket_runs(experiment, bracket);
        for (i, &epochs) in bracket.rungs.iter().enumerate() {
            if alive.is_empty() {
                break;
            }
            let rung = match decided.get(i) {
                Some(rung) => {
                    tracing::info!("{name} {i} ({epochs} epochs) was decided earlier; reading it");
                    rung.clone()
                }
                None if !may_train => {
                    return Err(PipelineError::Mismatch(format!(
                        "{name} {i} ({epochs} epochs) of this {} search is not decided; a shard only executes trials whose rungs are (`cargo xtask slurm` decides them first, rung by rung)",
                        search.method.name()
                    )))
                }
                None => {
                    tracing::info!("{name} {i}: {} trial(s) to {epochs} epoch(s)", alive.len());
                    let trials = train_rung(
                        experiment,
                        data,
                        &checkpoints,
                        (&format!("{name} {i}"), epochs),
                        &alive,
                        jobs,
                        observe,
                    )?;
                    let last = i + 1 == bracket.rungs.len();
                    let rung = decide(search, (i, epochs, last), trials);
                    write_rung(archive, search.method, b, &rung)?;
                    rung
                }
            };
            for t in &rung.trials {
                if let Some(k) = experiment.runs.iter().position(|r| r.name == t.run) {
                    reached[k] = t.epochs;
                }
            }
            alive = promoted_runs(experiment, &rung);
        }
    }
    let runs = experiment
        .runs
        .iter()
        .zip(reached)
        .map(|(run, epochs)| {
            let mut run = run.clone();
            run.train.epochs = epochs.max(1);
            run
        })
        .collect();
    Ok((runs, checkpoints))
}

/// Trains the `alive` trials to `epochs` (from their checkpoints), `jobs`
/// at a time; returns their results in the order of `alive`.
fn train_rung(
    experiment: &Experiment,
    data: &Dataset,
    checkpoints: &Path,
    (name, epochs): (&str, usize),
    alive: &[usize],
    jobs: usize,
    observe: Observe,
) -> Result<Vec<RungTrial>> {
    let bar = observe.progress.bar(name, alive.len() as u64, "trials");
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RungTrial>>>> =
        Mutex::new((0..alive.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, alive.len().max(1)) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&k) = alive.get(n) else { break };
                let outcome = advance(&experiment.runs[k], data, checkpoints, epochs);
                lock(&results)[n] = Some(outcome);
                bar.inc(1);
            });
        }
    });
    bar.finish();
    let mut trials = Vec::with_capacity(alive.len());
    for r in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        trials.push(r.ok_or_else(|| PipelineError::Other("a trial did not report".into()))??);
    }
    Ok(trials)
}

/// Brings one trial to `epochs` from its checkpoint (unless it is there
/// already, or diverged) and records its metric.
pub(crate) fn advance(
    run: &RunConfig,
    data: &Dataset,
    checkpoints: &Path,
    epochs: usize,
) -> Result<RungTrial> {
    let path = checkpoint_path(checkpoints, &run.name);
    let before = if path.exists() {
        Some(read_checkpoint(&path)?)
    } else {
        None
    };
    let target = epochs.min(run.train.epochs);
    let state = match before {
        Some(state) if state.epoch >= target || state.diverged.is_some() => state,
        before => {
            let data = &*data.for_run(run);
            let mut config = fit_config(run, data.pixels());
            config.epochs = target;
            let threads = training_threads(run);
            let (_, state) =
                fit_from_on_training_threads(&config, threads, data, before.as_ref(), &mut |_| {})?;
            let state = state.ok_or_else(|| {
                PipelineError::Other(format!("{}: no checkpoint from this engine", run.name))
            })?;
            write_checkpoint(&path, &state)?;
            tracing::info!(
                "{}: epoch {}, val loss {}",
                run.name,
                state.epoch,
                state
                    .history
                    .last()
                    .and_then(|r| r.val_loss)
                    .map_or("–".into(), |v| format!("{v:.5}"))
            );
            state
        }
    };
    // A checkpoint may be further along than this rung (a rerun of a rung
    // whose decision was lost): the rung's metric is the one at its epochs.
    let at = state.epoch.min(target);
    let metric = match state.diverged {
        Some(_) => None,
        None => at
            .checked_sub(1)
            .and_then(|i| state.history.get(i))
            .and_then(|r| r.val_loss)
            .filter(|v| v.is_finite()),
    };
    Ok(RungTrial {
        run: run.name.clone(),
        epochs: match state.diverged {
            Some((epoch, _)) => epoch,
            None => at,
        },
        metric,
        promoted: false,
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
