//! The report's search section from an archive: the method and metric,
//! the decided rungs of halving or of each Hyperband bracket, the best
//! trial at full budget
//! and its drawn settings, the epochs spent against every trial at full
//! budget, and `search.png`, the metric against epochs for every trial.

use std::path::Path;

use aelab_archive::{MetricsRow, RunStatus};
use aelab_report::{trial_curves, Figure, RunReport, RungRow, SearchSection, TrialCurve};
use aelab_spec::{Experiment, Goal, RunConfig, Sampler, SearchMethod};

use crate::search::rungs::{read_brackets, Rung};
use crate::Result;

/// The section for `experiment`'s search, if it has one; `histories` are
/// the runs' epochs, in the order of `reports`.
pub(crate) fn search_section(
    experiment: &Experiment,
    dir: &Path,
    reports: &[RunReport],
    histories: &[(String, Vec<MetricsRow>)],
) -> Result<Option<SearchSection>> {
    let Some(search) = &experiment.search else {
        return Ok(None);
    };
    let brackets = read_brackets(dir, search.method)?;
    let last_epochs = brackets
        .iter()
        .filter_map(|rungs| rungs.last().map(|r| r.epochs))
        .max();
    let budget = match last_epochs {
        Some(epochs) => epochs,
        None => experiment
            .runs
            .iter()
            .map(|r| r.train.epochs)
            .max()
            .unwrap_or(1),
    };
    let n = experiment.runs.len();
    let drawn = match search.sampler {
        Sampler::Random => "at random",
        Sampler::Sobol => "from a Sobol' sequence",
    };
    let rung_list = search
        .rungs(budget)
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let method = match search.method {
        SearchMethod::Random => format!("Random search over {n} trials"),
        SearchMethod::Sobol => format!("Quasi-random (Sobol') search over {n} trials"),
        SearchMethod::Halving => format!(
            "Successive halving (eta {}, rungs at {rung_list} epochs) over {n} trials drawn {drawn}",
            search.eta,
        ),
        SearchMethod::Hyperband => {
            let brackets = search.brackets(budget);
            let list = |f: &dyn Fn(&aelab_spec::Bracket) -> usize| {
                brackets
                    .iter()
                    .map(|b| f(b).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "Hyperband (eta {}, rungs at {rung_list} epochs; {} brackets of {} trial(s) starting at {} epochs) over {n} trials drawn {drawn}",
                search.eta,
                brackets.len(),
                list(&|b| b.trials.len()),
                list(&|b| b.rungs.first().copied().unwrap_or(budget)),
            )
        }
    };
    // The search's one objective, the same quantity its rungs promoted on
    // (`val_loss`: the epoch validation loss, read by the rungs too).
    let metric_of = |r: &RunReport| {
        match search.metric.as_str() {
            "val_loss" => r.summary.val_loss,
            "clean_val_bce" => r.summary.clean_val_bce,
            _ => r.summary.val_bce,
        }
        .filter(|v| v.is_finite())
    };
    let finished = |r: &RunReport| {
        r.summary.status == Some(RunStatus::Ok) && r.summary.epochs_completed == budget
    };
    let mut best: Option<(&RunReport, f64)> = None;
    for r in reports.iter().filter(|r| finished(r)) {
        if let Some(v) = metric_of(r) {
            if best.is_none_or(|(_, b)| search.better(v, b)) {
                best = Some((r, v));
            }
        }
    }
    let config =
        |name: &str| -> Option<&RunConfig> { experiment.runs.iter().find(|c| c.name == name) };
    let best = best.map(|(r, v)| {
        let settings = config(&r.name).map(|c| c.sweep.clone()).unwrap_or_default();
        (r.name.clone(), v, settings)
    });
    let hyperband = search.method == SearchMethod::Hyperband;
    let rung_rows = brackets
        .iter()
        .enumerate()
        .flat_map(|(b, rungs)| rungs.iter().map(move |rung: &Rung| (b, rung)))
        .map(|(b, rung)| RungRow {
            bracket: hyperband.then_some(b),
            rung: rung.rung,
            epochs: rung.epochs,
            trials: rung.trials.len(),
            promoted: rung.trials.iter().filter(|t| t.promoted).count(),
            best: rung.trials.iter().filter_map(|t| t.metric).reduce(|a, b| {
                if search.better(b, a) {
                    b
                } else {
                    a
                }
            }),
        })
        .collect();
    let curves: Vec<TrialCurve> = reports
        .iter()
        .zip(histories)
        .map(|(r, (_, rows))| TrialCurve {
            points: rows
                .iter()
                .filter_map(|m| m.val_loss.map(|v| (m.epoch as f64, v)))
                .collect(),
            finished: finished(r),
        })
        .collect();
    let figure = if curves.iter().any(|c| !c.points.is_empty()) {
        trial_curves(
            &dir.join("search.png"),
            "Validation loss of every trial (grey: stopped early)",
            "validation loss",
            &curves,
        )?;
        Some(Figure {
            path: "search.png".into(),
            caption: "Each trial's validation loss after every epoch (`val_loss`: the training objective on the validation digits, noisy inputs for a denoising run; BCE per pixel for a dense autoencoder, the beta-weighted ELBO per image for a VAE), the quantity rungs promote on; trials a rung stopped are grey.".into(),
        })
    } else {
        None
    };
    Ok(Some(SearchSection {
        method,
        metric: format!(
            "{}, {} is better",
            search.metric,
            match search.goal {
                Goal::Min => "lower",
                Goal::Max => "higher",
            }
        ),
        rungs: rung_rows,
        best,
        epochs_spent: reports.iter().map(|r| r.summary.epochs_completed).sum(),
        epochs_full: n * budget,
        figure,
    }))
}
