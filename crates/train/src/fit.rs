//! The training loop: one [`fit`] call trains one autoencoder.

use std::borrow::Cow;
use std::time::Instant;

use aelab_data::noise::Corruption;
use aelab_models::score::score;
use aelab_models::{Architecture, Autoencoder, Reconstructor};
use rand::seq::SliceRandom;

use crate::engine::{Engine, Stepper};
use crate::optimizer::OptimizerKind;
use crate::streams::{noise_lanes, rng, Stream};
use crate::TrainError;

/// When a denoising run draws its input corruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resample {
    /// Once before training, as the notebook does.
    Once,
    /// Afresh every epoch.
    Epoch,
}

/// Everything that decides how a run trains.
#[derive(Debug, Clone, PartialEq)]
pub struct FitConfig {
    pub architecture: Architecture,
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub noise: Corruption,
    pub resample: Resample,
    pub seed: u64,
    pub engine: Engine,
}

/// Clean training and validation pixels (`architecture.pixels` per
/// image), scaled to `[0, 1]`.
#[derive(Debug, Clone, Copy)]
pub struct FitData<'a> {
    pub train: &'a [f32],
    pub validation: &'a [f32],
}

/// One finished epoch: the mean training loss over its batches (as Keras
/// reports it), the validation loss after it, and its duration including the
/// validation pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    pub seconds: f64,
}

/// How training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitStatus {
    Completed,
    /// The loss became NaN or infinite at this epoch and step (1-based).
    Diverged {
        epoch: usize,
        step: usize,
    },
}

/// Progress, for the caller to display.
#[derive(Debug, Clone, Copy)]
pub enum FitEvent {
    /// Training is about to start.
    Start {
        epochs: usize,
        steps_per_epoch: usize,
    },
    /// A batch was processed.
    Step { epoch: usize, step: usize },
    /// An epoch finished.
    Epoch(EpochRecord),
}

/// A trained model and its history.
pub struct FitOutcome {
    pub status: FitStatus,
    pub history: Vec<EpochRecord>,
    pub model: Box<dyn Reconstructor>,
}

/// The validation inputs a run is judged on: the clean images, or for a
/// denoising run the images with its corruption (drawn once, from its own
/// stream), always against clean targets.
pub fn validation_inputs(config: &FitConfig, validation: &[f32]) -> Vec<f32> {
    config.noise.apply_lanes(
        validation,
        &mut noise_lanes(config.seed, Stream::ValidationNoise),
    )
}

/// Trains the autoencoder `config` describes on `data`.
pub fn fit(
    config: &FitConfig,
    data: FitData<'_>,
    observer: &mut dyn FnMut(FitEvent),
) -> Result<FitOutcome, TrainError> {
    let pixels = config.architecture.pixels;
    if data.train.is_empty() || !data.train.len().is_multiple_of(pixels) {
        return Err(TrainError::Data(format!(
            "training data must be whole {pixels}-pixel images, got {} values",
            data.train.len()
        )));
    }
    let mut model = Autoencoder::new(
        config.architecture.clone(),
        &mut rng(config.seed, Stream::Init),
    );
    let examples = data.train.len() / pixels;
    let batch_size = config.batch_size.min(examples);
    let mut stepper = Stepper::new(
        config.engine,
        &model,
        config.optimizer,
        config.lr,
        batch_size,
    )?;
    let steps_per_epoch = examples.div_ceil(batch_size);
    let mut shuffle_rng = rng(config.seed, Stream::Shuffle);
    let mut noise = noise_lanes(config.seed, Stream::TrainNoise);
    let mut order: Vec<usize> = (0..examples).collect();
    // A plain autoencoder's inputs are its targets: no copy, one gather.
    let corrupted = !config.noise.is_none();
    let mut train_inputs = if corrupted {
        Cow::Owned(config.noise.apply_lanes(data.train, &mut noise))
    } else {
        Cow::Borrowed(data.train)
    };
    let validation_inputs = validation_inputs(config, data.validation);

    observer(FitEvent::Start {
        epochs: config.epochs,
        steps_per_epoch,
    });
    let mut history = Vec::with_capacity(config.epochs);
    let mut input = Vec::with_capacity(batch_size * pixels);
    let mut target = Vec::with_capacity(batch_size * pixels);
    for epoch in 1..=config.epochs {
        let started = Instant::now();
        if config.resample == Resample::Epoch && epoch > 1 && corrupted {
            config
                .noise
                .apply_lanes_into(data.train, train_inputs.to_mut(), &mut noise);
        }
        order.shuffle(&mut shuffle_rng);
        let mut loss_sum = 0.0f64;
        for (step, indices) in order.chunks(batch_size).enumerate() {
            let rows = indices.len();
            input.clear();
            target.clear();
            for &i in indices {
                let span = i * pixels..(i + 1) * pixels;
                input.extend_from_slice(&train_inputs[span.clone()]);
                if corrupted {
                    target.extend_from_slice(&data.train[span]);
                }
            }
            let target = if corrupted { &target } else { &input };
            let loss_value = stepper.step(&input, target)?;
            if !loss_value.is_finite() {
                stepper.sync(&mut model);
                return Ok(diverged(model, history, epoch, step + 1));
            }
            loss_sum += f64::from(loss_value) * rows as f64;
            observer(FitEvent::Step {
                epoch,
                step: step + 1,
            });
        }
        stepper.sync(&mut model);
        let val_loss = (!data.validation.is_empty())
            .then(|| score(&model.reconstruct(&validation_inputs), data.validation).bce);
        let record = EpochRecord {
            epoch,
            train_loss: loss_sum / examples as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
        };
        history.push(record);
        observer(FitEvent::Epoch(record));
        if val_loss.is_some_and(|v| !v.is_finite()) {
            return Ok(diverged(model, history, epoch, steps_per_epoch));
        }
    }
    Ok(FitOutcome {
        status: FitStatus::Completed,
        history,
        model: Box::new(model),
    })
}

fn diverged(
    model: Autoencoder,
    history: Vec<EpochRecord>,
    epoch: usize,
    step: usize,
) -> FitOutcome {
    FitOutcome {
        status: FitStatus::Diverged { epoch, step },
        history,
        model: Box::new(model),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_data::noise::NoiseKind;
    use aelab_models::IMAGE_PIXELS;
    use rand::{Rng, SeedableRng};

    /// Blurry strokes: a few hundred synthetic 28x28 "digits".
    fn synthetic(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out = vec![0.0f32; n * IMAGE_PIXELS];
        for img in out.chunks_mut(IMAGE_PIXELS) {
            let row = rng.gen_range(4..24);
            let col = rng.gen_range(4..24);
            for r in 0..28 {
                img[r * 28 + col] = 0.9;
            }
            for c in 0..28 {
                img[row * 28 + c] = 0.7;
            }
        }
        out
    }

    fn config(optimizer: OptimizerKind, lr: f64) -> FitConfig {
        FitConfig {
            architecture: Architecture::notebook(IMAGE_PIXELS, 100, 10),
            epochs: 3,
            batch_size: 16,
            optimizer,
            lr,
            noise: Corruption::NONE,
            resample: Resample::Once,
            seed: 5,
            engine: Engine::Fused,
        }
    }

    #[test]
    fn loss_falls_and_runs_are_bit_identical() {
        let train = synthetic(256, 1);
        let validation = synthetic(64, 2);
        let data = FitData {
            train: &train,
            validation: &validation,
        };
        let mut steps = 0;
        let cfg = FitConfig {
            noise: Corruption {
                kind: NoiseKind::Gaussian,
                level: 0.3,
            },
            resample: Resample::Epoch,
            ..config(OptimizerKind::Adam, 1e-3)
        };
        let a = fit(&cfg, data, &mut |e| {
            if let FitEvent::Step { .. } = e {
                steps += 1
            }
        })
        .unwrap();
        assert_eq!(steps, 3 * 16);
        assert_eq!(a.status, FitStatus::Completed);
        let first = a.history[0].val_loss.unwrap();
        let last = a.history[2].val_loss.unwrap();
        assert!(last < first, "val loss should fall: {first} -> {last}");
        let b = fit(&cfg, data, &mut |_| {}).unwrap();
        let losses = |o: &FitOutcome| {
            o.history
                .iter()
                .map(|r| (r.train_loss.to_bits(), r.val_loss.map(f64::to_bits)))
                .collect::<Vec<_>>()
        };
        assert_eq!(losses(&a), losses(&b));
    }

    #[test]
    fn a_huge_learning_rate_is_reported_as_divergence() {
        let train = synthetic(64, 3);
        let out = fit(
            &FitConfig {
                epochs: 50,
                ..config(OptimizerKind::Sgd, 1e6)
            },
            FitData {
                train: &train,
                validation: &train[..IMAGE_PIXELS * 8],
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(
            matches!(out.status, FitStatus::Diverged { .. }),
            "{:?}",
            out.status
        );
    }

    #[test]
    fn the_dfdx_engine_refuses_what_it_cannot_build() {
        let train = synthetic(4, 4);
        let mut cfg = config(OptimizerKind::Sgd, 0.1);
        cfg.engine = Engine::Dfdx;
        cfg.architecture.layers = vec![64, 3];
        let err = fit(
            &cfg,
            FitData {
                train: &train,
                validation: &[],
            },
            &mut |_| {},
        );
        assert!(matches!(err, Err(TrainError::Unsupported(_))));
        cfg.engine = Engine::Fused;
        assert!(fit(
            &cfg,
            FitData {
                train: &train,
                validation: &[]
            },
            &mut |_| {}
        )
        .is_ok());
    }
}
