//! Training a run's autoencoder: its config in the training crate's terms,
//! a private pool of its training threads, and progress (a bar of steps, a
//! log line per epoch).

use aelab_data::noise::Corruption;
use aelab_spec::{EngineName, OptimizerName, ResampleName, RunConfig};
use aelab_train::{
    fit_from, Checkpoint, Engine, EpochRecord, FitConfig, FitData, FitEvent, FitOutcome,
    LrSchedule, OptimizerKind, Resample,
};

use crate::input::dataset::Dataset;
use crate::{Observe, PipelineError, Result};

/// Threads `run` trains on: `train.threads`, else the threads of the pool
/// it is started on (the scheduler's worker pools share the machine out
/// among the runs that go at once). The matrix products split across them
/// (`aelab_kernels::matmul`) without changing a bit, so the choice is
/// about speed only.
pub fn training_threads(run: &RunConfig) -> usize {
    run.train.threads.unwrap_or_else(rayon::current_num_threads)
}

/// The training crate's config for `run`, on images of `pixels` values.
pub fn fit_config(run: &RunConfig, pixels: usize) -> FitConfig {
    FitConfig {
        network: run.network(pixels),
        epochs: run.train.epochs,
        batch_size: run.train.batch_size,
        optimizer: match run.train.optimizer {
            OptimizerName::Sgd => OptimizerKind::Sgd,
            OptimizerName::Adam => OptimizerKind::Adam,
            OptimizerName::Adadelta => OptimizerKind::Adadelta,
            OptimizerName::Rmsprop => OptimizerKind::RmsProp,
        },
        lr: run.train.lr,
        momentum: run.train.momentum,
        weight_decay: run.train.weight_decay,
        schedule: LrSchedule {
            after: run.train.lr_steps.clone(),
            factor: run.train.lr_step_factor,
        },
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
            EngineName::Dfdx => Engine::Dfdx,
        },
    }
}

/// Trains `run`'s autoencoder on `data` (from `resume`, a state of this
/// run after fewer epochs, when given), showing a bar of steps and logging
/// each epoch; also returns the state at the end (fused engine).
pub(crate) fn train_autoencoder_from(
    run: &RunConfig,
    data: &Dataset,
    resume: Option<&Checkpoint>,
    observe: Observe,
    on_epoch: &mut (dyn FnMut(&EpochRecord, Option<f64>) + Send),
) -> Result<(FitOutcome, Option<Checkpoint>)> {
    let config = fit_config(run, data.pixels());
    for record in resume.map_or(&[][..], |c| &c.history[..]) {
        on_epoch(record, Some(config.schedule.lr_at(config.lr, record.epoch)));
    }
    let mut bar = None;
    let name = run.name.clone();
    let threads = training_threads(run);
    let outcome =
        fit_from_on_training_threads(&config, threads, data, resume, &mut |event| match event {
            FitEvent::Start {
                epochs,
                steps_per_epoch,
            } => {
                if let Some(started) = observe.process_started {
                    let seconds = started.elapsed().as_secs_f64();
                    tracing::info!("{name}: first training step after {seconds:.3} s");
                }
                bar = Some(
                    observe
                        .progress
                        .bar(&name, (epochs * steps_per_epoch) as u64, "steps"),
                );
            }
            FitEvent::Step { .. } => {
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
            }
            FitEvent::Epoch(r) => {
                on_epoch(&r, Some(config.schedule.lr_at(config.lr, r.epoch)));
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
        bar.finish();
    }
    Ok(outcome)
}

/// Trains on a private pool of `threads` threads.
pub fn fit_on_training_threads(
    config: &FitConfig,
    threads: usize,
    data: &Dataset,
    observer: &mut (dyn FnMut(FitEvent) + Send),
) -> Result<FitOutcome> {
    Ok(fit_from_on_training_threads(config, threads, data, None, observer)?.0)
}

/// [`fit_on_training_threads`] from a checkpoint, returning the state at
/// the end too.
pub(crate) fn fit_from_on_training_threads(
    config: &FitConfig,
    threads: usize,
    data: &Dataset,
    resume: Option<&Checkpoint>,
    observer: &mut (dyn FnMut(FitEvent) + Send),
) -> Result<(FitOutcome, Option<Checkpoint>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| PipelineError::Other(format!("cannot start the training thread pool: {e}")))?;
    let data = FitData {
        train: &data.train,
        validation: &data.validation,
    };
    Ok(pool.install(|| fit_from(config, data, resume, observer))?)
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
