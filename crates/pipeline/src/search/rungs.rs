//! A search in rungs (halving, Hyperband) on disk, and its decisions:
//! which trials a bracket holds, which enter each rung, and who goes on
//! from a rung. The local driver (`halving.rs`) and Slurm's per-rung jobs
//! (`rung_jobs.rs`) both decide through [`decide`], so they promote the
//! same trials.
//!
//! In the archive's `search/`: `checkpoints/<run>.ckpt` (each trial's
//! latest state), the decided rungs (halving's `rung-<i>.json`,
//! Hyperband's `bracket-<b>/rung-<i>.json`), and on Slurm each trial's
//! result at a rung before its decision (`rung-<i>/<run>.json` beside the
//! rung's record). Every file is written to a temporary name and renamed.

use std::path::{Path, PathBuf};

use aelab_archive::{write_atomic, ArchiveWriter, RunStatus};
use aelab_spec::{Bracket, Experiment, SearchConfig, SearchMethod};
use serde::{Deserialize, Serialize};

use crate::{PipelineError, Result};

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

/// A decided rung (`search/rung-<i>.json`, or under `bracket-<b>/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    pub rung: usize,
    pub epochs: usize,
    pub trials: Vec<RungTrial>,
}

/// A trial's result at a rung before the decision. Its metric reads back
/// bit for bit (serde_json's `float_roundtrip`: the decision must see what
/// the local run sees); results written before held its bits too
/// (`metric_bits`), which win when present.
#[derive(Serialize, Deserialize)]
struct TrialResult {
    run: String,
    epochs: usize,
    metric: Option<f64>,
    #[serde(default, skip_serializing)]
    metric_bits: Option<u64>,
}

/// The folder of a search's files in `archive`.
pub(crate) fn search_dir(archive: &Path) -> PathBuf {
    archive.join("search")
}

/// The trials' checkpoints in `archive`.
pub(crate) fn checkpoints_dir(archive: &Path) -> PathBuf {
    search_dir(archive).join("checkpoints")
}

/// Where `run`'s checkpoint is in a `checkpoints` folder.
pub(crate) fn checkpoint_path(checkpoints: &Path, run: &str) -> PathBuf {
    checkpoints.join(format!("{run}.ckpt"))
}

/// The folder of bracket `b`'s rungs: halving's one bracket keeps them in
/// `search/` itself.
fn bracket_dir(archive: &Path, method: SearchMethod, b: usize) -> PathBuf {
    match method {
        SearchMethod::Hyperband => search_dir(archive).join(format!("bracket-{b}")),
        _ => search_dir(archive),
    }
}

fn rung_path(archive: &Path, method: SearchMethod, b: usize, i: usize) -> PathBuf {
    bracket_dir(archive, method, b).join(format!("rung-{i}.json"))
}

fn result_path(archive: &Path, method: SearchMethod, b: usize, i: usize, run: &str) -> PathBuf {
    bracket_dir(archive, method, b)
        .join(format!("rung-{i}"))
        .join(format!("{run}.json"))
}

/// The budget of `experiment`'s search: the most epochs of any run.
pub(crate) fn budget(experiment: &Experiment) -> usize {
    experiment
        .runs
        .iter()
        .map(|r| r.train.epochs)
        .max()
        .unwrap_or(1)
}

/// The search of `experiment` if it trains in rungs, else an error naming
/// `what` cannot be done.
pub(crate) fn rung_search<'a>(experiment: &'a Experiment, what: &str) -> Result<&'a SearchConfig> {
    experiment
        .search
        .as_ref()
        .filter(|s| s.method.has_rungs())
        .ok_or_else(|| {
            PipelineError::Mismatch(format!(
                "{what}: experiment {} has no search in rungs (search.method \"halving\" or \"hyperband\")",
                experiment.name
            ))
        })
}

/// The positions in `experiment.runs` of the trials `bracket` holds.
pub(crate) fn bracket_runs(experiment: &Experiment, bracket: &Bracket) -> Vec<usize> {
    experiment
        .runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.trial.is_none_or(|k| bracket.trials.contains(&k)))
        .map(|(i, _)| i)
        .collect()
}

/// The positions in `experiment.runs` of the trials `rung` promoted.
pub(crate) fn promoted_runs(experiment: &Experiment, rung: &Rung) -> Vec<usize> {
    rung.trials
        .iter()
        .filter(|t| t.promoted)
        .filter_map(|t| experiment.runs.iter().position(|r| r.name == t.run))
        .collect()
}

/// For each bracket, each rung's epochs and the most trials that can enter
/// it: the bracket's trials, then the best 1/eta of those before (fewer
/// only when some diverge), so a cluster job can be sized up front.
pub(crate) fn rung_sizes(
    experiment: &Experiment,
    search: &SearchConfig,
) -> Vec<Vec<(usize, usize)>> {
    search
        .brackets(budget(experiment))
        .iter()
        .map(|bracket| {
            let mut n = bracket_runs(experiment, bracket).len();
            bracket
                .rungs
                .iter()
                .map(|&epochs| {
                    let size = (epochs, n);
                    n = search.promoted(n);
                    size
                })
                .collect()
        })
        .collect()
}

/// Ranks rung `i`'s `trials` (at `epochs`) by the search's metric, better
/// first and ties to the earlier trial, and promotes the best 1/eta (none
/// from the `last` rung, and never a trial without a finite metric).
pub(crate) fn decide(
    search: &SearchConfig,
    (i, epochs, last): (usize, usize, bool),
    mut trials: Vec<RungTrial>,
) -> Rung {
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
    for t in trials.iter_mut() {
        t.promoted = false;
    }
    for &a in order.iter().take(keep) {
        trials[a].promoted = trials[a].metric.is_some();
    }
    if !last {
        let promoted: Vec<&str> = trials
            .iter()
            .filter(|t| t.promoted)
            .map(|t| t.run.as_str())
            .collect();
        tracing::info!("rung {i}: promoted {}", promoted.join(", "));
    }
    Rung {
        rung: i,
        epochs,
        trials,
    }
}

/// The rungs of bracket `b` decided in `archive`, in order.
pub(crate) fn read_bracket(archive: &Path, method: SearchMethod, b: usize) -> Result<Vec<Rung>> {
    let mut rungs = Vec::new();
    loop {
        let path = rung_path(archive, method, b, rungs.len());
        if !path.exists() {
            return Ok(rungs);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| PipelineError::io("cannot read", &path, e))?;
        rungs.push(
            serde_json::from_str(&text)
                .map_err(|e| PipelineError::damaged(&path, "rung record", e))?,
        );
    }
}

/// The rungs a halving search decided in `archive`, in order.
pub fn read_rungs(archive: &Path) -> Result<Vec<Rung>> {
    read_bracket(archive, SearchMethod::Halving, 0)
}

/// The rungs each bracket of a `method` search decided in `archive`:
/// halving's one bracket, Hyperband's `bracket-<b>` up to the last one on
/// disk (none for other methods).
pub fn read_brackets(archive: &Path, method: SearchMethod) -> Result<Vec<Vec<Rung>>> {
    match method {
        SearchMethod::Random | SearchMethod::Sobol => Ok(Vec::new()),
        SearchMethod::Halving => Ok(vec![read_rungs(archive)?]),
        SearchMethod::Hyperband => {
            let dir = search_dir(archive);
            let count = match std::fs::read_dir(&dir) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()?
                            .strip_prefix("bracket-")?
                            .parse::<usize>()
                            .ok()
                    })
                    .map(|b| b + 1)
                    .max()
                    .unwrap_or(0),
                Err(_) => 0,
            };
            (0..count)
                .map(|b| read_bracket(archive, method, b))
                .collect()
        }
    }
}

/// Writes bracket `b`'s decided `rung`.
pub(crate) fn write_rung(
    archive: &Path,
    method: SearchMethod,
    b: usize,
    rung: &Rung,
) -> Result<()> {
    let text = serde_json::to_string_pretty(rung)
        .map_err(|e| PipelineError::Other(format!("cannot encode a rung: {e}")))?;
    write_in_folder(&rung_path(archive, method, b, rung.rung), &text)
}

/// Writes `text` to `path` atomically, creating its folder.
fn write_in_folder(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| PipelineError::io("cannot create", dir, e))?;
    }
    Ok(write_atomic(path, text.as_bytes())?)
}

/// Writes `trial`'s result at rung `i` of bracket `b`, for the decision.
pub(crate) fn write_result(
    archive: &Path,
    method: SearchMethod,
    (b, i): (usize, usize),
    trial: &RungTrial,
) -> Result<()> {
    let result = TrialResult {
        run: trial.run.clone(),
        epochs: trial.epochs,
        metric: trial.metric,
        metric_bits: None,
    };
    let text = serde_json::to_string_pretty(&result)
        .map_err(|e| PipelineError::Other(format!("cannot encode a trial's result: {e}")))?;
    write_in_folder(&result_path(archive, method, b, i, &trial.run), &text)
}

/// Reads `run`'s result at rung `i` of bracket `b`.
pub(crate) fn read_result(
    archive: &Path,
    method: SearchMethod,
    (b, i): (usize, usize),
    run: &str,
) -> Result<RungTrial> {
    let path = result_path(archive, method, b, i, run);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        PipelineError::io(
            "no result of this trial at the rung (did its array task finish?):",
            &path,
            e,
        )
    })?;
    let result: TrialResult = serde_json::from_str(&text)
        .map_err(|e| PipelineError::damaged(&path, "trial's result", e))?;
    Ok(RungTrial {
        run: result.run,
        epochs: result.epochs,
        metric: result.metric_bits.map(f64::from_bits).or(result.metric),
        promoted: false,
    })
}

/// Sets each trial's `train.epochs` to the epochs it reached in the rungs
/// `archive` decided (nothing for other experiments).
pub(crate) fn apply_reached(experiment: &mut Experiment, archive: &Path) -> Result<()> {
    let Some(search) = experiment.search.as_ref().filter(|s| s.method.has_rungs()) else {
        return Ok(());
    };
    for bracket in read_brackets(archive, search.method)? {
        for rung in bracket {
            for t in &rung.trials {
                if let Some(run) = experiment.runs.iter_mut().find(|r| r.name == t.run) {
                    run.train.epochs = t.epochs.max(1);
                }
            }
        }
    }
    Ok(())
}

/// Once every trial of `experiment` is complete in `archive`, removes the
/// checkpoints: they have served, and are most of a search's bytes (the
/// rung records stay).
pub(crate) fn remove_spent_checkpoints(
    experiment: &Experiment,
    archive: &ArchiveWriter,
) -> Result<()> {
    let dir = checkpoints_dir(&archive.dir);
    if !dir.exists() {
        return Ok(());
    }
    let manifest = archive.manifest()?;
    let done = experiment.runs.iter().all(|r| {
        manifest
            .runs
            .iter()
            .any(|m| m.name == r.name && matches!(m.status, RunStatus::Ok | RunStatus::Diverged))
    });
    if done {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| PipelineError::io("cannot remove the checkpoints", &dir, e))?;
        tracing::info!("every trial is complete; removed {}", dir.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_spec::{Goal, Sampler};

    fn search(eta: usize, goal: Goal) -> SearchConfig {
        SearchConfig {
            method: SearchMethod::Halving,
            sampler: Sampler::Random,
            trials: 9,
            metric: "val_loss".into(),
            goal,
            min_epochs: 1,
            eta,
            space: Vec::new(),
        }
    }

    fn trials(metrics: &[Option<f64>]) -> Vec<RungTrial> {
        metrics
            .iter()
            .enumerate()
            .map(|(i, &metric)| RungTrial {
                run: format!("t{i}"),
                epochs: 1,
                metric,
                promoted: true,
            })
            .collect()
    }

    fn promoted(rung: &Rung) -> Vec<&str> {
        rung.trials
            .iter()
            .filter(|t| t.promoted)
            .map(|t| t.run.as_str())
            .collect()
    }

    #[test]
    fn a_rung_promotes_the_best_nth_ties_to_the_earlier_trial() {
        // 9 trials, eta 3: the 3 lowest; t2 and t7 tie at 0.2, t2 goes on
        let metrics = [0.5, 0.1, 0.2, 0.9, 0.3, 0.15, 0.8, 0.2, 0.7].map(Some);
        let rung = decide(&search(3, Goal::Min), (0, 1, false), trials(&metrics));
        assert_eq!(promoted(&rung), ["t1", "t2", "t5"]);
        // the same trials, goal max: the 3 highest
        let rung = decide(&search(3, Goal::Max), (0, 1, false), trials(&metrics));
        assert_eq!(promoted(&rung), ["t3", "t6", "t8"]);
        // eta 4 of 9: two go on
        let rung = decide(&search(4, Goal::Min), (0, 1, false), trials(&metrics));
        assert_eq!(promoted(&rung), ["t1", "t5"]);
    }

    #[test]
    fn diverged_trials_never_go_on_and_the_last_rung_promotes_none() {
        let metrics = [None, Some(0.4), None];
        // one of three goes on, and it is the only finite one
        let rung = decide(&search(3, Goal::Min), (1, 3, false), trials(&metrics));
        assert_eq!(promoted(&rung), ["t1"]);
        // all diverged: the best "one" has no metric, so none goes on
        let rung = decide(&search(3, Goal::Min), (1, 3, false), trials(&[None, None]));
        assert!(promoted(&rung).is_empty());
        let rung = decide(
            &search(3, Goal::Min),
            (2, 9, true),
            trials(&[Some(0.1), Some(0.2)]),
        );
        assert!(promoted(&rung).is_empty());
        assert_eq!((rung.rung, rung.epochs), (2, 9));
    }

    #[test]
    fn a_damaged_rung_record_is_bad_input_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = rung_path(tmp.path(), SearchMethod::Halving, 0, 0);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{\"rung\": 0, \"epo").unwrap();
        let error = read_rungs(tmp.path()).unwrap_err();
        assert!(
            matches!(&error, PipelineError::Damaged { path: p, what: "rung record", .. } if *p == path),
            "{error:?}"
        );
        assert!(error.is_bad_input());
    }
}
