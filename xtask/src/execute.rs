//! Executes one run into its folder `runs/<run>/`: trains the autoencoder
//! (or fits PCA), evaluates it, and writes `config.toml`, `metrics.csv`,
//! the weights, the plots and `summary.json`.

use std::path::Path;
use std::time::Instant;

use aelab_archive::{
    write_atomic, write_atomic_with, write_metrics_csv, Divergence, MetricsRow, RunStatus, Summary,
};
use aelab_data::noise::{Corruption, NoiseKind};
use aelab_models::score::score;
use aelab_models::Reconstructor;
use aelab_reduce::Pca;
use aelab_report::{digit_grid, embedding_scatter, line_chart, Figure, Series, XAxis};
use aelab_spec::{EngineName, ModelKind, OptimizerName, ResampleName, RunConfig, TsneInput};
use aelab_train::{
    fit, Engine, EpochRecord, FitConfig, FitData, FitEvent, FitOutcome, FitStatus, OptimizerKind,
    Resample,
};
use anyhow::{Context, Result};

use crate::dataset::Dataset;
use crate::evaluate::{evaluate, Evaluation, KNN_K};
use crate::progress;

/// Threads a run trains with. dfdx parallelises only its matrix products,
/// and at these sizes a second thread costs more than it gives: one thread
/// trained 1.05 s per epoch against 1.25 s with two (3 epochs of the
/// notebook's AE, this 2-core machine), with bit-identical losses.
pub const TRAIN_THREADS: usize = 1;

/// Runs `run` on `data`, writing into `dir` (created here); returns the
/// summary it wrote last, which marks the run complete.
pub fn execute(run: &RunConfig, data: &Dataset, dir: &Path) -> Result<Summary> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut resolved = run.clone();
    resolved.data.source = data.source.clone();
    write_atomic(&dir.join("config.toml"), resolved.to_toml().as_bytes())?;

    let started = Instant::now();
    let mut explained_variance_ratio = None;
    let (model, history, status): (Box<dyn Reconstructor>, Vec<EpochRecord>, FitStatus) =
        match run.model.kind {
            ModelKind::Autoencoder => {
                let outcome = train_autoencoder(run, data)?;
                (outcome.model, outcome.history, outcome.status)
            }
            ModelKind::Pca => {
                let pca = Pca::fit(&data.train, data.pixels(), run.model.latent)?;
                let record = EpochRecord {
                    epoch: 1,
                    train_loss: score(&pca.reconstruct(&data.train), &data.train).bce,
                    val_loss: (!data.validation.is_empty())
                        .then(|| score(&pca.reconstruct(&data.validation), &data.validation).bce),
                    seconds: started.elapsed().as_secs_f64(),
                };
                explained_variance_ratio = Some(pca.explained_variance_ratio());
                (Box::new(pca), vec![record], FitStatus::Completed)
            }
        };
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
        identity: crate::identity::run_identity(run, data),
        run: run.name.clone(),
        status: Some(RunStatus::Ok),
        model: match run.model.kind {
            ModelKind::Autoencoder => format!(
                "autoencoder 784-{h}-{l}-{h}-784",
                h = run.model.hidden,
                l = run.model.latent
            ),
            ModelKind::Pca => format!("pca {}", run.model.latent),
        },
        epochs_completed: history.len(),
        val_bce: history.last().and_then(|r| r.val_loss),
        seconds_per_epoch: match run.model.kind {
            ModelKind::Autoencoder => median(history.iter().map(|r| r.seconds).collect()),
            ModelKind::Pca => None,
        },
        train_seconds: Some(train_seconds),
        explained_variance_ratio,
        ..Summary::default()
    };
    let mut figures = Vec::new();
    let rel = |file: &str| format!("runs/{}/{file}", run.name);
    if run.model.kind == ModelKind::Autoencoder {
        let series = [
            Series {
                label: "train".into(),
                points: history
                    .iter()
                    .map(|r| (r.epoch as f64, r.train_loss))
                    .collect(),
            },
            Series {
                label: "validation".into(),
                points: history
                    .iter()
                    .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
                    .collect(),
            },
        ];
        line_chart(
            &dir.join("loss.png"),
            &format!("{}: loss per epoch", run.name),
            ("epoch", "binary cross-entropy"),
            XAxis::Count,
            &series,
        )?;
        figures.push(Figure {
            path: rel("loss.png"),
            caption: format!(
                "{}: training and validation loss (BCE) per epoch{}",
                run.name,
                noisy_note(run)
            ),
        });
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
        return Ok(summary);
    }

    write_atomic_with(&dir.join("weights.safetensors"), |tmp| {
        model.save_weights(tmp)
    })?;
    let evaluation = evaluate(model.as_ref(), data, run)?;
    summary.test_bce = evaluation.test.map(|s| s.bce);
    summary.test_mse = evaluation.test.map(|s| s.mse);
    summary.test_psnr = evaluation.test.map(|s| s.psnr());
    summary.noisy_test_bce = evaluation.noisy_test.map(|s| s.bce);
    summary.noisy_test_mse = evaluation.noisy_test.map(|s| s.mse);
    summary.knn5_latent_acc = evaluation.knn5_latent_acc;
    summary.trust5_latent = evaluation.trust5_latent;
    summary.per_class_test_mse = evaluation.per_class_test_mse.clone();
    summary.denoising_curve = evaluation.denoising_curve.clone();
    figures.extend(run_figures(run, data, dir, &evaluation, &mut summary)?);
    summary.figures = figures;
    summary.write(&dir.join("summary.json"))?;
    Ok(summary)
}

/// Draws the run's evaluation figures into `dir`; records the t-SNE map's
/// numbers in `summary`.
fn run_figures(
    run: &RunConfig,
    data: &Dataset,
    dir: &Path,
    evaluation: &Evaluation,
    summary: &mut Summary,
) -> Result<Vec<Figure>> {
    let rel = |file: &str| format!("runs/{}/{file}", run.name);
    let side = data.side();
    let mut figures = Vec::new();
    let n = evaluation.grid.first().map_or(0, |r| r.images.len());
    digit_grid(
        &dir.join("reconstructions.png"),
        &format!(
            "{}: {n} {} digits and their reconstructions",
            run.name, evaluation.grid_source
        ),
        &evaluation.grid,
        side,
    )?;
    figures.push(Figure {
        path: rel("reconstructions.png"),
        caption: format!(
            "{}: the first {n} {} digits, their reconstructions, and the same digits with {} {} noise and what the model makes of them",
            run.name,
            evaluation.grid_source,
            run.eval.noise.kind.name(),
            run.eval.noise.level
        ),
    });
    if let Some((rows, labels)) = &evaluation.worst {
        let classes: Vec<String> = labels.iter().map(u8::to_string).collect();
        digit_grid(
            &dir.join("worst.png"),
            &format!(
                "{}: the {} worst-reconstructed test digits",
                run.name,
                labels.len()
            ),
            rows,
            side,
        )?;
        figures.push(Figure {
            path: rel("worst.png"),
            caption: format!(
                "{}: the {} test digits with the highest reconstruction MSE (classes {}), where the model fails",
                run.name,
                labels.len(),
                classes.join(", ")
            ),
        });
    }
    if !evaluation.interpolations.is_empty() {
        digit_grid(
            &dir.join("interpolation.png"),
            &format!(
                "{}: decoded mixes of the codes of two test digits",
                run.name
            ),
            &evaluation.interpolations,
            side,
        )?;
        figures.push(Figure {
            path: rel("interpolation.png"),
            caption: format!(
                "{}: each row decodes (1 - t) a + t b for t from 0 to 1, a and b the codes of the first test digits of two classes",
                run.name
            ),
        });
    }
    if let Some(plane) = &evaluation.latent_plane {
        digit_grid(
            &dir.join("manifold.png"),
            &format!(
                "{}: images decoded from a grid over the 2-D code plane",
                run.name
            ),
            &plane.manifold,
            side,
        )?;
        let [(x0, x1), (y0, y1)] = plane.span;
        figures.push(Figure {
            path: rel("manifold.png"),
            caption: format!(
                "{}: decoded manifold; columns step z1 from {x0:.2} to {x1:.2}, rows z2 from {y1:.2} down to {y0:.2} (2nd to 98th percentiles of the validation codes)",
                run.name
            ),
        });
        embedding_scatter(
            &dir.join("codes.png"),
            &format!(
                "{}: the 2-D codes of {} validation digits",
                run.name,
                plane.codes.len()
            ),
            ("z1", "z2"),
            &plane.codes,
            &plane.labels,
        )?;
        figures.push(Figure {
            path: rel("codes.png"),
            caption: format!(
                "{}: validation digits at their 2-D codes, coloured by label",
                run.name
            ),
        });
    }
    if let Some(map) = &evaluation.tsne {
        summary.tsne_knn5_acc = Some(map.knn5_acc);
        summary.trust5_tsne = Some(map.trust5);
        summary.tsne_seconds = Some(map.seconds);
        let mut csv = String::from("x,y,label\n");
        for (p, l) in map.points.iter().zip(&map.labels) {
            csv.push_str(&format!("{},{},{l}\n", p[0], p[1]));
        }
        write_atomic(&dir.join("tsne.csv"), csv.as_bytes())?;
        let input = match run.eval.tsne.input {
            TsneInput::Latent => format!("{}-d codes", run.model.latent),
            TsneInput::Reconstruction => "reconstructions".to_string(),
        };
        embedding_scatter(
            &dir.join("tsne.png"),
            &format!(
                "{}: t-SNE of {} validation {input} ({KNN_K}-NN acc {:.3})",
                run.name,
                map.points.len(),
                map.knn5_acc
            ),
            ("t-SNE 1", "t-SNE 2"),
            &map.points,
            &map.labels,
        )?;
        figures.push(Figure {
            path: rel("tsne.png"),
            caption: format!(
                "{}: t-SNE (perplexity {}) of the {} of {} validation digits, coloured by label; \
                 leave-one-out {KNN_K}-NN accuracy {:.4}, trustworthiness {:.4} ({:.1} s)",
                run.name,
                run.eval.tsne.perplexity,
                input,
                map.points.len(),
                map.knn5_acc,
                map.trust5,
                map.seconds
            ),
        });
    }
    Ok(figures)
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

fn train_autoencoder(run: &RunConfig, data: &Dataset) -> Result<aelab_train::FitOutcome> {
    let config = FitConfig {
        latent: run.model.latent,
        hidden: run.model.hidden,
        epochs: run.train.epochs,
        batch_size: run.train.batch_size,
        optimizer: match run.train.optimizer {
            OptimizerName::Sgd => OptimizerKind::Sgd,
            OptimizerName::Adam => OptimizerKind::Adam,
        },
        lr: run.train.lr,
        noise: Corruption {
            kind: run.noise.kind,
            level: run.noise.level as f32,
        },
        resample: match run.noise.resample {
            ResampleName::Once => Resample::Once,
            ResampleName::Epoch => Resample::Epoch,
        },
        seed: run.seed,
        engine: match run.train.engine {
            EngineName::Fused => Engine::Fused,
            EngineName::Dfdx => Engine::Autodiff,
        },
    };
    let mut bar = None;
    let name = run.name.clone();
    let outcome = fit_on_training_threads(&config, data, &mut |event| match event {
        FitEvent::Start {
            epochs,
            steps_per_epoch,
        } => {
            if let Some(started) = crate::STARTED.get() {
                let seconds = started.elapsed().as_secs_f64();
                tracing::info!("{name}: first training step after {seconds:.3} s");
            }
            bar = Some(progress::bar(
                &name,
                (epochs * steps_per_epoch) as u64,
                "steps",
            ));
        }
        FitEvent::Step { .. } => {
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
        FitEvent::Epoch(r) => {
            let val = r.val_loss.map_or("–".to_string(), |v| format!("{v:.5}"));
            tracing::info!(
                "{name} epoch {}/{}: train loss {:.5}, val loss {val} ({:.2} s)",
                r.epoch,
                config.epochs,
                r.train_loss,
                r.seconds
            );
            if let Some(bar) = &bar {
                bar.set_message(format!("val {val}"));
            }
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(outcome)
}

/// Trains on a private pool of [`TRAIN_THREADS`] threads.
pub fn fit_on_training_threads(
    config: &FitConfig,
    data: &Dataset,
    observer: &mut (dyn FnMut(FitEvent) + Send),
) -> Result<FitOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(TRAIN_THREADS)
        .build()
        .context("starting the training thread pool")?;
    let data = FitData {
        train: &data.train,
        validation: &data.validation,
    };
    Ok(pool.install(|| fit(config, data, observer))?)
}

/// The median of `values`, if any.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}
