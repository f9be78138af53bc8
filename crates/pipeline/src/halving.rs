//! Successive halving, synchronously, rung by rung: every trial trains to
//! the first rung's epochs; the best 1/eta by the search's metric (ties to
//! the earlier trial) go on from their checkpoints to the next rung, and so
//! on up to `train.epochs`. A decision depends on the rung's results alone,
//! never on timing or `--jobs`.
//!
//! Everything lives in the archive's `search/` folder: `checkpoints/<run>.ckpt`
//! (each trial's latest state, replaced atomically) and `rung-<i>.json`
//! (each rung's metrics and promotions, written once the rung is done). An
//! interrupted search resumes from them: decided rungs are read back,
//! trials already at a rung's epochs are not trained again, and the same
//! results give the same decisions. Afterwards each trial is an ordinary
//! run with `train.epochs` set to the epochs it reached, executed (without
//! training again) from its checkpoint.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aelab_archive::write_atomic;
use aelab_spec::{Experiment, RunConfig, SearchConfig};
use serde::{Deserialize, Serialize};

use crate::checkpoint_file::{read_checkpoint, write_checkpoint};
use crate::dataset::Dataset;
use crate::train_run::{fit_config, fit_from_on_training_threads};
use crate::{Observe, PipelineError, Result};

/// One trial at one rung.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RungTrial {
    pub run: String,
    /// Epochs it had trained at this rung (fewer if it diverged).
    pub epochs: usize,
    /// The search's metric after them; `None` if not finite.
    pub metric: Option<f64>,
    pub promoted: bool,
}

/// A decided rung (`search/rung-<i>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    pub rung: usize,
    pub epochs: usize,
    pub trials: Vec<RungTrial>,
}

/// The folder of a search's files in `archive`.
pub(crate) fn search_dir(archive: &Path) -> PathBuf {
    archive.join("search")
}

/// Where `run`'s checkpoint is in a `checkpoints` folder.
pub(crate) fn checkpoint_path(checkpoints: &Path, run: &str) -> PathBuf {
    checkpoints.join(format!("{run}.ckpt"))
}

fn rung_path(archive: &Path, rung: usize) -> PathBuf {
    search_dir(archive).join(format!("rung-{rung}.json"))
}

/// The rungs decided in `archive`, in order.
pub fn read_rungs(archive: &Path) -> Result<Vec<Rung>> {
    let mut rungs = Vec::new();
    loop {
        let path = rung_path(archive, rungs.len());
        if !path.exists() {
            return Ok(rungs);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| PipelineError::io("cannot read", &path, e))?;
        rungs.push(serde_json::from_str(&text).map_err(|e| {
            PipelineError::Other(format!("{}: not a rung record: {e}", path.display()))
        })?);
    }
}

/// Sets each trial's `train.epochs` to the epochs it reached in the rungs
/// `archive` decided (nothing for other experiments).
pub(crate) fn apply_reached(experiment: &mut Experiment, archive: &Path) -> Result<()> {
    let halving = experiment
        .search
        .as_ref()
        .is_some_and(|s| s.method == aelab_spec::SearchMethod::Halving);
    if !halving {
        return Ok(());
    }
    for rung in read_rungs(archive)? {
        for t in &rung.trials {
            if let Some(run) = experiment.runs.iter_mut().find(|r| r.name == t.run) {
                run.train.epochs = t.epochs.max(1);
            }
        }
    }
    Ok(())
}

/// Runs every rung of `search` over `experiment`'s trials into `archive`
/// (resuming what an earlier attempt left); returns the trials as runs
/// with the epochs each reached, and the checkpoint folder to execute
/// them from.
pub(crate) fn run_rungs(
    experiment: &Experiment,
    search: &SearchConfig,
    data: &Dataset,
    archive: &Path,
    jobs: usize,
    observe: Observe,
) -> Result<(Vec<RunConfig>, PathBuf)> {
    let checkpoints = search_dir(archive).join("checkpoints");
    std::fs::create_dir_all(&checkpoints)
        .map_err(|e| PipelineError::io("cannot create", &checkpoints, e))?;
    let budget = experiment
        .runs
        .iter()
        .map(|r| r.train.epochs)
        .max()
        .unwrap_or(1);
    let rungs = search.rungs(budget);
    let decided = read_rungs(archive)?;
    let mut alive: Vec<usize> = (0..experiment.runs.len()).collect();
    let mut reached = vec![0usize; experiment.runs.len()];
    for (i, &epochs) in rungs.iter().enumerate() {
        if alive.is_empty() {
            break;
        }
        let rung = match decided.get(i) {
            Some(rung) => {
                tracing::info!("rung {i} ({epochs} epochs) was decided earlier; reading it");
                rung.clone()
            }
            None => {
                let rung = train_rung(
                    experiment,
                    search,
                    data,
                    &checkpoints,
                    (i, epochs, i + 1 == rungs.len()),
                    &alive,
                    jobs,
                    observe,
                )?;
                let path = rung_path(archive, i);
                let text = serde_json::to_string_pretty(&rung)
                    .map_err(|e| PipelineError::Other(format!("cannot encode a rung: {e}")))?;
                write_atomic(&path, text.as_bytes())?;
                rung
            }
        };
        for t in &rung.trials {
            if let Some(k) = experiment.runs.iter().position(|r| r.name == t.run) {
                reached[k] = t.epochs;
            }
        }
        alive = rung
            .trials
            .iter()
            .filter(|t| t.promoted)
            .filter_map(|t| experiment.runs.iter().position(|r| r.name == t.run))
            .collect();
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

/// Trains the `alive` trials to rung `i`'s `epochs` (from their
/// checkpoints), `jobs` at a time, and decides who goes on.
#[allow(clippy::too_many_arguments)]
fn train_rung(
    experiment: &Experiment,
    search: &SearchConfig,
    data: &Dataset,
    checkpoints: &Path,
    (i, epochs, last): (usize, usize, bool),
    alive: &[usize],
    jobs: usize,
    observe: Observe,
) -> Result<Rung> {
    tracing::info!("rung {i}: {} trial(s) to {epochs} epoch(s)", alive.len());
    let bar = observe
        .progress
        .bar(&format!("rung {i}"), alive.len() as u64, "trials");
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
    // Rank: better metric first, then the earlier trial.
    let mut order: Vec<usize> = (0..trials.len()).collect();
    let value = |t: &RungTrial| t.metric.unwrap_or(f64::NAN);
    order.sort_by(|&a, &b| {
        let (x, y) = (value(&trials[a]), value(&trials[b]));
        if search.better(x, y) {
            std::cmp::Ordering::Less
        } else if search.better(y, x) {
            std::cmp::Ordering::Greater
        } else {
            a.cmp(&b)
        }
    });
    let keep = if last {
        0
    } else {
        search.promoted(trials.len())
    };
    for &a in order.iter().take(keep) {
        // A trial that diverged or has no finite metric goes no further.
        trials[a].promoted = trials[a].metric.is_some();
    }
    let promoted: Vec<&str> = trials
        .iter()
        .filter(|t| t.promoted)
        .map(|t| t.run.as_str())
        .collect();
    if !last {
        tracing::info!("rung {i}: promoted {}", promoted.join(", "));
    }
    Ok(Rung {
        rung: i,
        epochs,
        trials,
    })
}

/// Brings one trial to `epochs` from its checkpoint (unless it is there
/// already, or diverged) and records its metric.
fn advance(
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
            let mut config = fit_config(run, data.pixels());
            config.epochs = target;
            let (_, state) =
                fit_from_on_training_threads(&config, data, before.as_ref(), &mut |_| {})?;
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
