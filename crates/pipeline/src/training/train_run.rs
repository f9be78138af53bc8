//! Training a run's autoencoder: its config in the training crate's terms,
//! a private one-thread pool, and progress (a bar of steps, a log line per
//! epoch).

use aelab_data::noise::Corruption;
use aelab_spec::{EngineName, OptimizerName, ResampleName, RunConfig};
use aelab_train::{
    fit_from, Checkpoint, Engine, EpochRecord, FitConfig, FitData, FitEvent, FitOutcome,
    LrSchedule, OptimizerKind, Resample,
};

use crate::input::dataset::Dataset;
use crate::{Observe, PipelineError, Result};

/// Threads a run trains with. dfdx parallelises only its matrix products,
/// and at these sizes a second thread costs more than it gives: one thread
/// trained 1.05 s per epoch against 1.25 s with two (3 epochs of the
/// notebook's AE, this 2-core machine), with bit-identical losses.
pub const TRAIN_THREADS: usize = 1;

/// The training crate's config for `run`, on images of `pixels` values.
pub fn fit_config(run: &RunConfig, pixels: usize) -> FitConfig {
    FitConfig {
        network: run.model.network(pixels),
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
    let outcome = fit_from_on_training_threads(&config, data, resume, &mut |event| match event {
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

/// Trains on a private pool of [`TRAIN_THREADS`] threads.
pub fn fit_on_training_threads(
    config: &FitConfig,
    data: &Dataset,
    observer: &mut (dyn FnMut(FitEvent) + Send),
) -> Result<FitOutcome> {
    Ok(fit_from_on_training_threads(config, data, None, observer)?.0)
}

/// [`fit_on_training_threads`] from a checkpoint, returning the state at
/// the end too.
pub(crate) fn fit_from_on_training_threads(
    config: &FitConfig,
    data: &Dataset,
    resume: Option<&Checkpoint>,
    observer: &mut (dyn FnMut(FitEvent) + Send),
) -> Result<(FitOutcome, Option<Checkpoint>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(TRAIN_THREADS)
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
