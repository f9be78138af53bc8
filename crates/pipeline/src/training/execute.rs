//! Executes one run into its folder `runs/<run>/`: trains the autoencoder
//! (or fits PCA), evaluates it, and writes `config.toml`, `metrics.csv`,
//! the weights, the figures and, last, `summary.json`, which marks the run
//! complete.

use std::path::Path;
use std::time::Instant;

use aelab_archive::{
    write_atomic, write_atomic_with, write_metrics_csv, Divergence, MetricsRow, RunStatus, Summary,
};
use aelab_data::noise::NoiseKind;
use aelab_models::score::{score, score_model};
use aelab_models::{Activation, Architecture, Init, Reconstructor};
use aelab_reduce::Pca;
use aelab_report::{line_chart, Figure, Series, XAxis};
use aelab_spec::{EvalDetail, ModelKind, RunConfig};
use aelab_train::{validation_inputs, EpochRecord, FitStatus};

use crate::evaluation::evaluate::{evaluate, Evaluation};
use crate::evaluation::run_figures::run_figures;
use crate::input::dataset::Dataset;
use crate::reporting::tensorboard::{RunLog, PROJECTED};
use crate::running::identity::{resolved, run_identity};
use crate::training::train_run::{fit_config, median, train_autoencoder_from};
use crate::{Observe, PipelineError, Result};

/// Runs `run` on `data`, writing into `dir` (created here); returns the
/// summary it wrote last.
pub fn execute(run: &RunConfig, data: &Dataset, dir: &Path, observe: Observe) -> Result<Summary> {
    execute_from(run, data, dir, observe, None)
}

/// [`execute`], continuing training from the run's checkpoint in
/// `checkpoints` (`<run>.ckpt`, see `rungs.rs`) when there is one.
pub(crate) fn execute_from(
    run: &RunConfig,
    data: &Dataset,
    dir: &Path,
    observe: Observe,
    checkpoints: Option<&Path>,
) -> Result<Summary> {
    #[cfg(feature = "fault-injection")]
    crate::faults::trip(&run.name);
    let data = &*data.for_run(run);
    std::fs::create_dir_all(dir).map_err(|e| PipelineError::io("cannot create", dir, e))?;
    write_atomic(
        &dir.join("config.toml"),
        resolved(run, data).to_toml().as_bytes(),
    )?;

    let mut log = RunLog::start(dir, run)?;
    let mut log_error: Option<PipelineError> = None;
    let started = Instant::now();
    let mut explained_variance_ratio = None;
    let (model, history, status): (Box<dyn Reconstructor>, Vec<EpochRecord>, FitStatus) =
        match run.model.kind {
            ModelKind::Autoencoder | ModelKind::Vae | ModelKind::Conv => {
                let resume = checkpoints
                    .map(|d| crate::search::rungs::checkpoint_path(d, &run.name))
                    .filter(|p| p.exists())
                    .map(|p| crate::training::checkpoint_file::read_checkpoint(&p))
                    .transpose()?;
                let (outcome, _) =
                    train_autoencoder_from(run, data, resume.as_ref(), observe, &mut |r, lr| {
                        if let Err(e) = log.epoch(r, lr) {
                            log_error.get_or_insert(e);
                        }
                    })?;
                (outcome.model, outcome.history, outcome.status)
            }
            ModelKind::Pca => {
                let pca = Pca::fit(&data.train, data.pixels(), run.model.latent())?;
                let record = EpochRecord {
                    epoch: 1,
                    train_loss: score(&pca.reconstruct(&data.train), &data.train).bce,
                    val_loss: (!data.validation.is_empty())
                        .then(|| score(&pca.reconstruct(&data.validation), &data.validation).bce),
                    seconds: started.elapsed().as_secs_f64(),
                };
                explained_variance_ratio = Some(pca.explained_variance_ratio());
                log.epoch(&record, None)?;
                (Box::new(pca), vec![record], FitStatus::Completed)
            }
        };
    if let Some(e) = log_error {
        return Err(e);
    }
    let train_seconds = started.elapsed().as_secs_f64();
    let rows: Vec<MetricsRow> = history
        .iter()
        .map(|r| MetricsRow {
            epoch: r.epoch,
            train_loss: r.train_loss,
            val_loss: r.val_loss,
            seconds: r.seconds,
        })
        .collect();
    write_metrics_csv(&dir.join("metrics.csv"), &rows)?;

    let mut summary = Summary {
        identity: run_identity(run, data),
        run: run.name.clone(),
        status: Some(RunStatus::Ok),
        model: match run.model.kind {
            ModelKind::Autoencoder | ModelKind::Vae if run.dense_on_layers() => format!(
                "{}, {} loss, as a layer list",
                describe_autoencoder(&run.model.architecture(data.pixels())),
                run.loss().name()
            ),
            ModelKind::Vae if run.model.layered.is_some() => {
                format!("vae {}", run.network(data.pixels()))
            }
            ModelKind::Autoencoder | ModelKind::Vae => {
                describe_autoencoder(&run.model.architecture(data.pixels()))
            }
            ModelKind::Conv => format!("conv {}", run.network(data.pixels())),
            ModelKind::Pca => format!("pca {}", run.model.latent()),
        },
        epochs_completed: history.len(),
        val_bce: history.last().and_then(|r| r.val_loss),
        val_loss: history.last().and_then(|r| r.val_loss),
        seconds_per_epoch: match run.model.kind {
            ModelKind::Autoencoder | ModelKind::Vae | ModelKind::Conv => {
                median(history.iter().map(|r| r.seconds).collect())
            }
            ModelKind::Pca => None,
        },
        train_seconds: Some(train_seconds),
        explained_variance_ratio,
        layers: crate::training::shapes::layer_rows(run)?,
        ..Summary::default()
    };
    let own_loss =
        matches!(run.model.kind, ModelKind::Vae | ModelKind::Conv) || run.dense_on_layers();
    if own_loss && !data.validation.is_empty() {
        // a VAE's (or an MSE-trained conv model's) epochs record its own
        // loss; val_bce stays the mean BCE per pixel on the inputs it
        // validated on, comparable with any model's
        let inputs = validation_inputs(&fit_config(run, data.pixels()), &data.validation);
        let scores = score_model(model.as_ref(), &inputs, &data.validation, data.pixels()).0;
        summary.val_bce = Some(scores.bce);
    }
    let full = run.eval.detail != EvalDetail::Light;
    summary.detail = Some(if full { "full" } else { "light" }.to_string());
    let mut figures = Vec::new();
    if run.model.kind.trains() && full {
        figures.push(loss_figure(run, &history, dir)?);
    }
    if let FitStatus::Diverged { epoch, step } = status {
        tracing::warn!(
            "run {} diverged at epoch {epoch}, step {step}: the loss is not finite",
            run.name
        );
        summary.status = Some(RunStatus::Diverged);
        summary.diverged_at = Some(Divergence { epoch, step });
        summary.figures = figures;
        summary.write(&dir.join("summary.json"))?;
        log.finish(&summary, dir, None)?;
        return Ok(summary);
    }

    write_atomic_with(&dir.join("weights.safetensors"), |tmp| {
        model.save_weights(tmp)
    })?;
    let evaluation = evaluate(model.as_ref(), data, run, run.eval.detail)?;
    record_evaluation(&mut summary, &evaluation);
    if full {
        figures.extend(run_figures(run, data, dir, &evaluation, &mut summary)?);
    }
    summary.figures = figures;
    summary.write(&dir.join("summary.json"))?;
    let (digits, labels) = match data.validation.is_empty() {
        false => (&data.validation, &data.split.validation.labels),
        true => (&data.train, &data.split.train.labels),
    };
    let n = PROJECTED.min(digits.len() / data.pixels().max(1));
    let codes = model.encode(&digits[..n * data.pixels()]);
    let labels = labels.as_deref().map(|l| &l[..n.min(l.len())]);
    log.finish(
        &summary,
        dir,
        labels.map(|labels| (&codes[..], model.latent_dim(), labels)),
    )?;
    Ok(summary)
}

/// Copies `evaluation`'s numbers into `summary` (the t-SNE map's are
/// recorded with its figure).
pub(crate) fn record_evaluation(summary: &mut Summary, evaluation: &Evaluation) {
    summary.clean_val_bce = evaluation.clean_val.map(|s| s.bce);
    summary.test_bce = evaluation.test.map(|s| s.bce);
    summary.test_mse = evaluation.test.map(|s| s.mse);
    summary.test_psnr = evaluation.test.map(|s| s.psnr());
    summary.noisy_test_bce = evaluation.noisy_test.map(|s| s.bce);
    summary.noisy_test_mse = evaluation.noisy_test.map(|s| s.mse);
    summary.latent_knn5_acc = evaluation.latent_knn5_acc;
    summary.latent_trust5 = evaluation.latent_trust5.map(|t| t.value);
    summary.latent_trust5_se = evaluation.latent_trust5.map(|t| t.standard_error);
    summary.trust5_rows = evaluation.latent_trust5.map(|t| t.rows);
    summary.code_mean_abs = evaluation.code_activity.map(|(mean_abs, _)| mean_abs);
    summary.code_near_zero = evaluation.code_activity.map(|(_, near_zero)| near_zero);
    summary.per_class_test_mse = evaluation.per_class_test_mse.clone();
    summary.denoising_curve = evaluation.denoising_curve.clone();
    summary.val_elbo = evaluation.variational_val.as_ref().map(|s| s.loss);
    summary.test_elbo = evaluation.variational_test.as_ref().map(|s| s.loss);
    summary.test_kl = evaluation.variational_test.as_ref().map(|s| s.kl);
    summary.test_kl_per_dimension = evaluation
        .variational_test
        .as_ref()
        .map(|s| s.kl_per_dimension.clone());
    let tasks = &evaluation.tasks;
    summary.cluster_acc = tasks.cluster.as_ref().map(|c| c.accuracy);
    summary.cluster_nmi = tasks.cluster.as_ref().map(|c| c.nmi);
    summary.cluster_ari = tasks.cluster.as_ref().map(|c| c.ari);
    summary.cluster_points = tasks.cluster.as_ref().map(|c| c.points);
    summary.probe_acc = tasks.probe_acc;
    summary.normal_class = tasks.one_class.as_ref().map(|o| o.normal_class);
    summary.auroc = tasks.one_class.as_ref().map(|o| o.auroc);
    summary.average_precision = tasks.one_class.as_ref().map(|o| o.average_precision);
}

/// `loss.png`: training and validation loss per epoch.
pub(crate) fn loss_figure(run: &RunConfig, history: &[EpochRecord], dir: &Path) -> Result<Figure> {
    let series = [
        Series::new(
            "train",
            history
                .iter()
                .map(|r| (r.epoch as f64, r.train_loss))
                .collect(),
        ),
        Series::new(
            "validation",
            history
                .iter()
                .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
                .collect(),
        ),
    ];
    let mse = run.loss() == aelab_models::layers::Loss::Mse;
    let unit = match run.model.kind {
        ModelKind::Vae => "loss per image (nats)",
        _ if mse => "mean squared error",
        _ => "binary cross-entropy",
    };
    line_chart(
        &dir.join("loss.png"),
        &format!("{}: loss per epoch", run.name),
        ("epoch", unit),
        XAxis::Count,
        &series,
    )?;
    Ok(Figure {
        path: format!("runs/{}/loss.png", run.name),
        caption: format!(
            "{}: training and validation loss ({}) per epoch{}",
            run.name,
            match run.model.kind {
                ModelKind::Vae => "per image, the BCE summed over the pixels plus beta KL; validation decodes the mean code",
                _ if mse => "MSE",
                _ => "BCE",
            },
            noisy_note(run)
        ),
    })
}

fn noisy_note(run: &RunConfig) -> String {
    if run.noise.kind == NoiseKind::None {
        String::new()
    } else {
        format!(
            "; inputs corrupted by {} noise {}, targets clean",
            run.noise.kind.name(),
            run.noise.level
        )
    }
}

/// The summary's `model`: `autoencoder 784-100-30-100-784` for the
/// notebook's, with what differs from it (activation, init, ties, penalty).
fn describe_autoencoder(architecture: &Architecture) -> String {
    let mut widths = vec![architecture.pixels];
    widths.extend(&architecture.layers);
    widths.extend(architecture.layers.iter().rev().skip(1));
    widths.push(architecture.pixels);
    let widths: Vec<String> = widths.iter().map(usize::to_string).collect();
    let name = match architecture.beta() {
        Some(_) => "vae",
        None => "autoencoder",
    };
    let mut text = format!("{name} {}", widths.join("-"));
    if architecture.activation != Activation::Selu {
        text += &format!(", {}", architecture.activation);
    }
    if architecture.init != Init::GlorotUniform {
        text += &format!(", {}", architecture.init.name());
    }
    if architecture.tied {
        text += ", tied";
    }
    if architecture.sparsity > 0.0 {
        text += &format!(", L1 {} on codes", architecture.sparsity);
    }
    if let Some(beta) = architecture.beta().filter(|&b| b != 1.0) {
        text += &format!(", beta {beta}");
    }
    text
}
