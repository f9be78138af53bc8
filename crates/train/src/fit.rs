//! The training loop: one [`fit`] call trains one autoencoder.

use std::borrow::Cow;
use std::time::Instant;

use aelab_models::Reconstructor;
use rand::seq::SliceRandom;

use crate::checkpoint::Checkpoint;
use crate::config::{EpochRecord, FitConfig, FitData, Resample};
use crate::learner::{learner, Learner};
use crate::streams::{epoch_rng, noise_lanes, rng, Stream};
use crate::TrainError;

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
    Ok(fit_from(config, data, None, observer)?.0)
}

/// Trains to `config.epochs`, starting from `resume` (a state of this same
/// config after fewer epochs) when given; returns the outcome and, for the
/// fused engine, the state at the end, from which a later call can go on.
/// `config.epochs` counts from the start of training, not from `resume`.
pub fn fit_from(
    config: &FitConfig,
    data: FitData<'_>,
    resume: Option<&Checkpoint>,
    observer: &mut dyn FnMut(FitEvent),
) -> Result<(FitOutcome, Option<Checkpoint>), TrainError> {
    let pixels = config.network.pixels();
    if data.train.is_empty() || !data.train.len().is_multiple_of(pixels) {
        return Err(TrainError::Data(format!(
            "training data must be whole {pixels}-pixel images, got {} values",
            data.train.len()
        )));
    }
    let examples = data.train.len() / pixels;
    let batch_size = config.batch_size.min(examples);
    let start = resume.map_or(0, |c| c.epoch);
    if let Some(resume) = resume {
        if resume.config != crate::checkpoint::config_key(config) {
            return Err(TrainError::Checkpoint(format!(
                "it belongs to another configuration ({})",
                resume.config
            )));
        }
        if resume.epoch > config.epochs {
            return Err(TrainError::Checkpoint(format!(
                "it is after epoch {}, beyond the {} epochs asked for",
                resume.epoch, config.epochs
            )));
        }
    }
    let mut learner = learner(
        config,
        batch_size,
        resume,
        &mut rng(config.seed, Stream::Init),
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
    let mut history = Vec::with_capacity(config.epochs);
    if let Some(resume) = resume {
        // Replay the streams to where the checkpoint left them.
        for epoch in 1..=start {
            if config.resample == Resample::Epoch && epoch > 1 && corrupted {
                config
                    .noise
                    .apply_lanes_into(data.train, train_inputs.to_mut(), &mut noise);
            }
            order.shuffle(&mut shuffle_rng);
        }
        if shuffle_rng.get_word_pos() != resume.shuffle_position {
            return Err(TrainError::Checkpoint(
                "its shuffling stream does not match this run's (another seed or data set?)".into(),
            ));
        }
        history.extend_from_slice(&resume.history);
        if let Some((epoch, step)) = resume.diverged {
            let outcome = diverged(learner.model(), history, epoch, step);
            return Ok((outcome, Some(resume.clone())));
        }
    }

    observer(FitEvent::Start {
        epochs: config.epochs - start,
        steps_per_epoch,
    });
    let mut input = Vec::with_capacity(batch_size * pixels);
    let mut target = Vec::with_capacity(batch_size * pixels);
    for epoch in start + 1..=config.epochs {
        let started = Instant::now();
        if config.resample == Resample::Epoch && epoch > 1 && corrupted {
            config
                .noise
                .apply_lanes_into(data.train, train_inputs.to_mut(), &mut noise);
        }
        order.shuffle(&mut shuffle_rng);
        learner.reseed_draws(epoch_rng(config.seed, Stream::CodeDraws, epoch));
        if !config.schedule.is_constant() {
            learner.set_lr(config.schedule.lr_at(config.lr, epoch));
        }
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
            let loss_value = learner.step(&input, target)?;
            if !loss_value.is_finite() {
                let at = (epoch, step + 1);
                let state =
                    checkpoint_after(config, learner.as_mut(), &history, &shuffle_rng, Some(at));
                return Ok((diverged(learner.model(), history, epoch, step + 1), state));
            }
            loss_sum += f64::from(loss_value) * rows as f64;
            observer(FitEvent::Step {
                epoch,
                step: step + 1,
            });
        }
        let val_loss = (!data.validation.is_empty())
            .then(|| learner.validation_loss(&validation_inputs, data.validation));
        let record = EpochRecord {
            epoch,
            train_loss: loss_sum / examples as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
        };
        history.push(record);
        observer(FitEvent::Epoch(record));
        if val_loss.is_some_and(|v| !v.is_finite()) {
            let at = (epoch, steps_per_epoch);
            let state =
                checkpoint_after(config, learner.as_mut(), &history, &shuffle_rng, Some(at));
            return Ok((
                diverged(learner.model(), history, epoch, steps_per_epoch),
                state,
            ));
        }
    }
    let state = checkpoint_after(config, learner.as_mut(), &history, &shuffle_rng, None);
    let outcome = FitOutcome {
        status: FitStatus::Completed,
        history,
        model: learner.model(),
    };
    Ok((outcome, state))
}

/// The state after `history` (and where the run diverged, if it did), for
/// the fused engine (`None` for dfdx).
fn checkpoint_after(
    config: &FitConfig,
    learner: &mut dyn Learner,
    history: &[EpochRecord],
    shuffle: &rand_chacha::ChaCha8Rng,
    diverged: Option<(usize, usize)>,
) -> Option<Checkpoint> {
    let (parameters, optimizer_step, moments) = learner.state()?;
    Some(Checkpoint {
        config: crate::checkpoint::config_key(config),
        epoch: history.len(),
        history: history.to_vec(),
        parameters,
        optimizer_step,
        moments,
        shuffle_position: shuffle.get_word_pos(),
        diverged,
    })
}

fn diverged(
    model: Box<dyn Reconstructor>,
    history: Vec<EpochRecord>,
    epoch: usize,
    step: usize,
) -> FitOutcome {
    FitOutcome {
        status: FitStatus::Diverged { epoch, step },
        history,
        model,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LrSchedule;
    use crate::{Engine, OptimizerKind};
    use aelab_data::noise::{Corruption, NoiseKind};
    use aelab_models::{Architecture, Network, IMAGE_PIXELS};
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
            network: Architecture::notebook(IMAGE_PIXELS, 100, 10).into(),
            epochs: 3,
            batch_size: 16,
            optimizer,
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
            schedule: LrSchedule::constant(),
            noise: Corruption::NONE,
            resample: Resample::Once,
            seed: 5,
            engine: Engine::Fused,
        }
    }

    /// The dense stack trained by the fused dense engine and the same
    /// stack as a layer list on the layered engine (two implementations:
    /// fused sigmoid-BCE and per-layer kernels) start from the same draws
    /// and follow the same losses, epoch by epoch, to summation order.
    #[test]
    fn a_dense_stack_trains_alike_on_both_engines() {
        let train = synthetic(256, 3);
        let validation = synthetic(64, 4);
        let data = FitData {
            train: &train,
            validation: &validation,
        };
        let architecture = Architecture::notebook(IMAGE_PIXELS, 100, 10);
        let map = aelab_models::layers::Shape::Map {
            height: 28,
            width: 28,
            channels: 1,
        };
        let list = architecture
            .as_layer_list(map, aelab_models::layers::Loss::Bce)
            .expect("a plain stack");
        for (optimizer, lr) in [(OptimizerKind::Sgd, 1.5), (OptimizerKind::Adam, 1e-3)] {
            let fused = fit(&config(optimizer, lr), data, &mut |_| {}).unwrap();
            let layered = fit(
                &FitConfig {
                    network: Network::Layered(list.clone()),
                    ..config(optimizer, lr)
                },
                data,
                &mut |_| {},
            )
            .unwrap();
            for (a, b) in fused.history.iter().zip(&layered.history) {
                let (ta, tb) = (a.train_loss, b.train_loss);
                let (va, vb) = (a.val_loss.unwrap(), b.val_loss.unwrap());
                assert!(
                    (ta - tb).abs() <= 1e-6 * ta && (va - vb).abs() <= 1e-6 * va,
                    "{optimizer:?} epoch {}: train {ta} vs {tb}, validation {va} vs {vb}",
                    a.epoch
                );
            }
            assert_eq!(fused.history.len(), layered.history.len());
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

    /// Epochs 1..=2, a checkpoint, then on to 5 gives the bits of 1..=5
    /// straight: losses, parameters and optimizer moments.
    #[test]
    fn continuing_from_a_checkpoint_is_bit_identical_to_training_straight() {
        let train = synthetic(200, 6);
        let validation = synthetic(40, 7);
        let data = FitData {
            train: &train,
            validation: &validation,
        };
        let noisy = Corruption {
            kind: NoiseKind::Gaussian,
            level: 0.4,
        };
        for cfg in [
            FitConfig {
                noise: noisy,
                resample: Resample::Epoch,
                ..config(OptimizerKind::Adam, 1e-3)
            },
            FitConfig {
                noise: noisy,
                ..config(OptimizerKind::Sgd, 0.5)
            },
        ] {
            let full = FitConfig {
                epochs: 5,
                ..cfg.clone()
            };
            let (straight, end) = fit_from(&full, data, None, &mut |_| {}).unwrap();
            let end = end.unwrap();
            let (_, half) = fit_from(
                &FitConfig {
                    epochs: 2,
                    ..cfg.clone()
                },
                data,
                None,
                &mut |_| {},
            )
            .unwrap();
            let half = half.unwrap();
            assert_eq!(half.epoch, 2);
            let mut epochs_seen = Vec::new();
            let (resumed, again) = fit_from(&full, data, Some(&half), &mut |e| {
                if let FitEvent::Epoch(r) = e {
                    epochs_seen.push(r.epoch)
                }
            })
            .unwrap();
            let again = again.unwrap();
            assert_eq!(
                epochs_seen,
                vec![3, 4, 5],
                "only the missing epochs are trained"
            );
            let bits = |h: &[EpochRecord]| {
                h.iter()
                    .map(|r| {
                        (
                            r.epoch,
                            r.train_loss.to_bits(),
                            r.val_loss.map(f64::to_bits),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&straight.history), bits(&resumed.history));
            let flat = |lists: &[Vec<f32>]| {
                lists
                    .iter()
                    .flat_map(|l| l.iter().map(|x| x.to_bits()))
                    .collect::<Vec<u32>>()
            };
            assert_eq!(flat(&end.parameters), flat(&again.parameters));
            assert_eq!(flat(&end.moments), flat(&again.moments));
            assert_eq!(end.optimizer_step, again.optimizer_step);
            assert_eq!(end.shuffle_position, again.shuffle_position);
            assert_eq!(
                cfg.optimizer == OptimizerKind::Adam,
                !end.moments.is_empty()
            );
        }
    }

    /// The blog's conv AE, narrowed: 28x28x1 -> 7x7x4 -> 28x28x1.
    fn conv_config(optimizer: OptimizerKind, lr: f64) -> FitConfig {
        use aelab_models::layers::{
            LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, Loss, Padding, Shape,
        };
        let relu = LayerActivation::Family(aelab_models::Activation::Relu);
        let conv = |filters, activation| LayerSpec {
            kind: LayerKind::Conv {
                filters,
                kernel: 3,
                stride: 1,
                padding: Padding::Same,
                bias: true,
            },
            activation,
        };
        let plain = |kind| LayerSpec {
            kind,
            activation: LayerActivation::Linear,
        };
        let pool = || {
            plain(LayerKind::MaxPool {
                size: 2,
                stride: 2,
                padding: Padding::Same,
            })
        };
        let up = || plain(LayerKind::Upsample { factor: 2 });
        FitConfig {
            network: aelab_models::Network::Layered(LayeredArchitecture {
                input: Shape::Map {
                    height: 28,
                    width: 28,
                    channels: 1,
                },
                encoder: vec![conv(4, relu), pool(), conv(4, relu), pool()],
                decoder: vec![
                    conv(4, relu),
                    up(),
                    conv(4, relu),
                    up(),
                    conv(1, LayerActivation::Sigmoid),
                ],
                loss: Loss::Bce,
                init: aelab_models::Init::GlorotUniform,
                beta: None,
            }),
            ..config(optimizer, lr)
        }
    }

    /// A conv AE trains (the loss falls), reruns to the same bits, and goes
    /// on from a checkpoint to the bits of training straight, with each of
    /// the layered engine's optimizers and a schedule.
    /// The same fits (a dense autoencoder at a batch whose products split,
    /// a conv one) on every kernel path the CPU has, and on pools of 1 to 3
    /// threads: AVX-512 and AVX2 give the same bits (each product value is
    /// one FMA chain, the vectorised loops have no FMA), and so does every
    /// thread count; the baseline, whose products `gemm` sums in its own
    /// order, the same losses to 1e-4.
    #[test]
    fn kernel_paths_and_threads_train_the_same_bits() {
        use aelab_kernels::{with_isa, Isa};
        let train = synthetic(256, 11);
        let validation = synthetic(64, 12);
        let data = FitData {
            train: &train,
            validation: &validation,
        };
        let losses = |cfg: &FitConfig, isa: Isa, threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a training pool");
            let outcome = pool
                .install(|| with_isa(isa, || fit(cfg, data, &mut |_| {})))
                .expect("the fit runs");
            outcome
                .history
                .iter()
                .flat_map(|r| [r.train_loss, r.val_loss.unwrap_or(f64::NAN)])
                .collect::<Vec<f64>>()
        };
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let dense = FitConfig {
            batch_size: 128,
            ..config(OptimizerKind::Adam, 1e-3)
        };
        for cfg in [dense, conv_config(OptimizerKind::Adam, 1e-3)] {
            let reference = losses(&cfg, Isa::widest(), 1);
            for isa in Isa::ALL {
                if !isa.is_supported() {
                    eprintln!(
                        "SKIPPED: this CPU lacks {}; its kernels went untested",
                        isa.name()
                    );
                    continue;
                }
                for threads in [1, 2, 3] {
                    let got = losses(&cfg, isa, threads);
                    let context = format!("{} on {threads} thread(s)", isa.name());
                    if isa == Isa::Baseline && Isa::widest() != Isa::Baseline {
                        for (g, r) in got.iter().zip(&reference) {
                            assert!((g - r).abs() <= 1e-4 * r.abs(), "{context}: {g} vs {r}");
                        }
                    } else {
                        assert_eq!(bits(&got), bits(&reference), "{context}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_conv_autoencoder_trains_reproducibly_and_resumes() {
        let train = synthetic(96, 11);
        let validation = synthetic(32, 12);
        let data = FitData {
            train: &train,
            validation: &validation,
        };
        let noisy = Corruption {
            kind: NoiseKind::Gaussian,
            level: 0.3,
        };
        for cfg in [
            conv_config(OptimizerKind::Adadelta, 1.0),
            FitConfig {
                noise: noisy,
                momentum: 0.9,
                ..conv_config(OptimizerKind::Sgd, 0.5)
            },
            FitConfig {
                weight_decay: 1e-3,
                schedule: LrSchedule {
                    after: vec![2],
                    factor: 0.1,
                },
                ..conv_config(OptimizerKind::Adam, 3e-3)
            },
            conv_config(OptimizerKind::RmsProp, 1e-3),
        ] {
            let full = FitConfig {
                epochs: 4,
                ..cfg.clone()
            };
            let (straight, end) = fit_from(&full, data, None, &mut |_| {}).unwrap();
            let losses: Vec<f64> = straight
                .history
                .iter()
                .map(|r| r.val_loss.unwrap())
                .collect();
            assert!(losses[3] < losses[0], "{:?}: {losses:?}", cfg.optimizer);
            let (again, _) = fit_from(&full, data, None, &mut |_| {}).unwrap();
            let bits = |h: &[EpochRecord]| {
                h.iter()
                    .map(|r| (r.train_loss.to_bits(), r.val_loss.map(f64::to_bits)))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&straight.history), bits(&again.history));
            let (_, half) = fit_from(
                &FitConfig {
                    epochs: 2,
                    ..cfg.clone()
                },
                data,
                None,
                &mut |_| {},
            )
            .unwrap();
            let (resumed, state) = fit_from(&full, data, half.as_ref(), &mut |_| {}).unwrap();
            assert_eq!(
                bits(&straight.history),
                bits(&resumed.history),
                "{:?}",
                cfg.optimizer
            );
            assert_eq!(end.unwrap().parameters, state.unwrap().parameters);
        }
    }

    #[test]
    fn a_checkpoint_of_another_seed_or_engine_is_refused() {
        let train = synthetic(64, 8);
        let data = FitData {
            train: &train,
            validation: &[],
        };
        let cfg = config(OptimizerKind::Adam, 1e-3);
        let (_, state) = fit_from(
            &FitConfig {
                epochs: 1,
                ..cfg.clone()
            },
            data,
            None,
            &mut |_| {},
        )
        .unwrap();
        let state = state.unwrap();
        let other_seed = FitConfig {
            seed: 6,
            ..cfg.clone()
        };
        assert!(matches!(
            fit_from(&other_seed, data, Some(&state), &mut |_| {}),
            Err(TrainError::Checkpoint(_))
        ));
        let dfdx = FitConfig {
            engine: Engine::Dfdx,
            ..cfg.clone()
        };
        assert!(matches!(
            fit_from(&dfdx, data, Some(&state), &mut |_| {}),
            Err(TrainError::Checkpoint(_))
        ));
        let sgd = config(OptimizerKind::Sgd, 0.1);
        assert!(matches!(
            fit_from(&sgd, data, Some(&state), &mut |_| {}),
            Err(TrainError::Checkpoint(_))
        ));
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

    /// Members beyond the compiled shapes train on dfdx's tape with
    /// run-time widths, a VAE with the same draws per epoch as the fused
    /// engine: both engines end where the other does.
    #[test]
    fn the_dfdx_engine_trains_members_of_run_time_widths() {
        let train = synthetic(4, 4);
        for kind in [
            aelab_models::Kind::Autoencoder,
            aelab_models::Kind::Variational { beta: 1.0 },
        ] {
            let mut cfg = config(OptimizerKind::Sgd, 0.1);
            cfg.epochs = 2;
            let mut architecture = Architecture::notebook(IMAGE_PIXELS, 64, 3);
            architecture.kind = kind;
            cfg.network = architecture.into();
            let losses = |engine| {
                let config = FitConfig {
                    engine,
                    ..cfg.clone()
                };
                let data = FitData {
                    train: &train,
                    validation: &train[..IMAGE_PIXELS * 4],
                };
                let history = fit(&config, data, &mut |_| {}).unwrap().history;
                history
                    .iter()
                    .map(|r| (r.train_loss, r.val_loss.unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>()
            };
            let (fused, dfdx) = (losses(Engine::Fused), losses(Engine::Dfdx));
            assert_eq!(fused.len(), 2);
            for ((ft, fv), (dt, dv)) in fused.iter().zip(&dfdx) {
                assert!(
                    (ft - dt).abs() <= 1e-4 * dt.abs(),
                    "{kind:?}: train {ft} vs {dt}"
                );
                assert!(
                    (fv - dv).abs() <= 1e-4 * dv.abs(),
                    "{kind:?}: val {fv} vs {dv}"
                );
            }
        }
    }
}
