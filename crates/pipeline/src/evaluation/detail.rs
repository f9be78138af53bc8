//! The full evaluation of a run after the fact: a large sweep evaluates
//! its runs lightly (`eval.detail = "light"`), then the report gives the
//! best configurations by validation (and any run asked for with
//! `cargo xtask report ARCHIVE --run NAME`) the full evaluation and their
//! figures, from the weights the run saved, without training again.

use std::path::Path;

use aelab_archive::{read_metrics_csv, RunStatus, Summary};
use aelab_models::layers::LayeredNet;
use aelab_models::{Autoencoder, Network, Reconstructor};
use aelab_reduce::Pca;
use aelab_report::Choice;
use aelab_spec::{EvalDetail, Experiment, ModelKind, RunConfig};
use aelab_train::EpochRecord;

use crate::evaluation::evaluate::evaluate;
use crate::evaluation::run_figures::run_figures;
use crate::input::dataset::Dataset;
use crate::training::execute::{loss_figure, record_evaluation};
use crate::{PipelineError, Result};

/// Configurations of a light sweep that get the full evaluation (their
/// first finished run), best by validation first.
pub const DETAILED_CONFIGURATIONS: usize = 3;

/// Gives the full evaluation to the first finished run of the best
/// [`DETAILED_CONFIGURATIONS`] configurations by validation BCE, and to
/// the runs named in `asked`, where they had a light one.
pub fn detail_best_and_asked(
    archive: &Path,
    experiment: &Experiment,
    data: &Dataset,
    asked: &[String],
) -> Result<()> {
    for name in asked {
        if !experiment.runs.iter().any(|r| &r.name == name) {
            let known: Vec<&str> = experiment.runs.iter().map(|r| r.name.as_str()).collect();
            return Err(PipelineError::Mismatch(format!(
                "--run {name}: no such run in {}; its runs: {}",
                archive.display(),
                known.join(", ")
            )));
        }
    }
    let summary_of = |run: &RunConfig| {
        Summary::read(&archive.join("runs").join(&run.name).join("summary.json")).ok()
    };
    // Configurations (seed groups) of finished runs, best by validation.
    let mut groups: Vec<(&str, Vec<&RunConfig>, Vec<Summary>)> = Vec::new();
    for run in &experiment.runs {
        let Some(summary) = summary_of(run).filter(|s| s.status == Some(RunStatus::Ok)) else {
            continue;
        };
        match groups.iter_mut().find(|(g, _, _)| *g == run.group) {
            Some((_, runs, summaries)) => {
                runs.push(run);
                summaries.push(summary);
            }
            None => groups.push((&run.group, vec![run], vec![summary])),
        }
    }
    let summaries: Vec<Vec<&Summary>> = groups.iter().map(|(_, _, s)| s.iter().collect()).collect();
    let order = match Choice::for_runs(summaries.iter().flatten().copied()) {
        Some(choice) => choice.rank(&summaries),
        None => (0..groups.len()).collect(),
    };
    let mut chosen: Vec<&RunConfig> = order
        .into_iter()
        .take(DETAILED_CONFIGURATIONS)
        .map(|g| groups[g].1[0])
        .collect();
    chosen.extend(experiment.runs.iter().filter(|r| asked.contains(&r.name)));
    for run in chosen {
        let dir = archive.join("runs").join(&run.name);
        if summary_of(run).and_then(|s| s.detail).as_deref() == Some("light") {
            tracing::info!("full evaluation of {}", run.name);
            detail_run(&dir, run, data)?;
        }
    }
    Ok(())
}

/// Evaluates the finished run in `dir` fully from its weights, draws its
/// figures and rewrites its `summary.json`; returns the new summary. A run
/// that did not finish normally is left as it is.
pub fn detail_run(dir: &Path, run: &RunConfig, data: &Dataset) -> Result<Summary> {
    let mut summary = Summary::read(&dir.join("summary.json"))?;
    if summary.status != Some(RunStatus::Ok) {
        return Ok(summary);
    }
    let data = &*data.for_run(run);
    let model = stored_model(dir, run, data)?;
    let evaluation = evaluate(model.as_ref(), data, run, EvalDetail::Full)?;
    record_evaluation(&mut summary, &evaluation);
    let mut figures = Vec::new();
    if run.model.kind.trains() {
        let history: Vec<EpochRecord> = read_metrics_csv(&dir.join("metrics.csv"))?
            .into_iter()
            .map(|r| EpochRecord {
                epoch: r.epoch,
                train_loss: r.train_loss,
                val_loss: r.val_loss,
                seconds: r.seconds,
            })
            .collect();
        figures.push(loss_figure(run, &history, dir)?);
    }
    figures.extend(run_figures(run, data, dir, &evaluation, &mut summary)?);
    summary.figures = figures;
    summary.detail = Some("full".into());
    summary.write(&dir.join("summary.json"))?;
    Ok(summary)
}

/// The trained model of the run in `dir`: an autoencoder from its weights,
/// PCA fitted again (deterministic, and cheaper than storing it).
fn stored_model(dir: &Path, run: &RunConfig, data: &Dataset) -> Result<Box<dyn Reconstructor>> {
    if run.model.kind == ModelKind::Pca {
        return Ok(Box::new(Pca::fit(
            &data.train,
            data.pixels(),
            run.model.latent(),
        )?));
    }
    let weights = dir.join("weights.safetensors");
    Ok(match run.network(data.pixels()) {
        Network::Dense(architecture) => Box::new(Autoencoder::load(architecture, &weights)?),
        Network::Layered(architecture) => Box::new(LayeredNet::load(architecture, &weights)?),
    })
}
