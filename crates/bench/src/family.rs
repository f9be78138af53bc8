//! The model family next to PyTorch (`bench --compare-torch`): for each
//! shape the issue names, seconds per epoch on one thread and on two
//! (aelab's `train.threads`, torch's `set_num_threads`) and the
//! validation loss after the same epochs, aelab's fused engine and
//! `../shared/reference/torch_ae.py` with the same architecture,
//! optimizer, learning rate and batch size on the same split; and the
//! VAE's validation ELBO after 10 epochs, three seeds each.

use std::path::Path;

use aelab_data::noise::Corruption;
use aelab_models::{Activation, Architecture, Kind, Network};
use aelab_pipeline::{fit_on_training_threads, median, Dataset};
use aelab_train::{Engine, FitConfig, LrSchedule, OptimizerKind, Resample};

use crate::reference::run_torch_with;
use crate::BenchError;

/// One member of the family with how it is trained.
struct Case {
    label: &'static str,
    layers: Vec<usize>,
    activation: Activation,
    tied: bool,
    variational: bool,
    optimizer: OptimizerKind,
    lr: f64,
    batch: usize,
}

fn cases() -> Vec<Case> {
    let case = |label, layers: &[usize], activation, optimizer, lr, batch| Case {
        label,
        layers: layers.to_vec(),
        activation,
        tied: false,
        variational: false,
        optimizer,
        lr,
        batch,
    };
    vec![
        case(
            "784-256-64 relu adam b32",
            &[256, 64],
            Activation::Relu,
            OptimizerKind::Adam,
            1e-3,
            32,
        ),
        case(
            "784-500-500-2000-10 relu adam b256",
            &[500, 500, 2000, 10],
            Activation::Relu,
            OptimizerKind::Adam,
            1e-3,
            256,
        ),
        Case {
            tied: true,
            ..case(
                "784-100-30 tied tanh sgd b32",
                &[100, 30],
                Activation::Tanh,
                OptimizerKind::Sgd,
                0.5,
                32,
            )
        },
        Case {
            variational: true,
            ..case(
                "vae 784-400-20 relu adam b128",
                &[400, 20],
                Activation::Relu,
                OptimizerKind::Adam,
                1e-3,
                128,
            )
        },
    ]
}

impl Case {
    fn config(&self, epochs: usize, seed: u64) -> FitConfig {
        FitConfig {
            momentum: 0.0,
            weight_decay: 0.0,
            schedule: LrSchedule::constant(),
            network: Network::Dense(Architecture {
                layers: self.layers.clone(),
                activation: self.activation,
                tied: self.tied,
                kind: if self.variational {
                    Kind::Variational { beta: 1.0 }
                } else {
                    Kind::Autoencoder
                },
                ..Architecture::notebook(784, 100, 30)
            }),
            epochs,
            batch_size: self.batch,
            optimizer: self.optimizer,
            lr: self.lr,
            noise: Corruption::NONE,
            resample: Resample::Epoch,
            seed,
            engine: Engine::Fused,
        }
    }

    fn torch_args(&self, epochs: usize, seed: u64, threads: usize) -> Vec<String> {
        let layers: Vec<String> = self.layers.iter().map(usize::to_string).collect();
        let mut args = vec![
            "--layers".into(),
            layers.join(","),
            "--activation".into(),
            self.activation.name().into(),
            "--optimizer".into(),
            format!("{:?}", self.optimizer).to_lowercase(),
            "--lr".into(),
            self.lr.to_string(),
            "--batch-size".into(),
            self.batch.to_string(),
            "--epochs".into(),
            epochs.to_string(),
            "--seed".into(),
            seed.to_string(),
            "--threads".into(),
            threads.to_string(),
        ];
        if self.tied {
            args.push("--tied".into());
        }
        if self.variational {
            args.extend(["--kind".into(), "vae".into()]);
        }
        args
    }

    /// aelab's median seconds per epoch and last validation loss.
    fn train(
        &self,
        data: &Dataset,
        epochs: usize,
        seed: u64,
        threads: usize,
    ) -> Result<(f64, f64), BenchError> {
        let outcome =
            fit_on_training_threads(&self.config(epochs, seed), threads, data, &mut |_| {})?;
        let epoch = median(outcome.history.iter().map(|r| r.seconds).collect())
            .ok_or_else(|| BenchError::Measurement("training ran no epoch".into()))?;
        let val = outcome
            .history
            .last()
            .and_then(|r| r.val_loss)
            .unwrap_or(f64::NAN);
        Ok((epoch, val))
    }
}

/// Seeds of the VAE's ELBO comparison.
const VAE_SEEDS: [u64; 3] = [42, 43, 44];
/// Epochs of the VAE's ELBO comparison.
const VAE_EPOCHS: usize = 10;

/// Trains every case with aelab and with PyTorch, one after the other in
/// this invocation, and hands `push` a row per case (name, value, note).
pub fn compare_family(
    python: &str,
    script: &Path,
    data: &Dataset,
    epochs: usize,
    push: &mut dyn FnMut(String, f64, String),
) -> Result<(), BenchError> {
    for case in cases() {
        for threads in [1, 2] {
            let (mine, my_val) = case.train(data, epochs, 42, threads)?;
            let (torch, torch_val) =
                run_torch_with(python, script, &case.torch_args(epochs, 42, threads))?;
            // the one-thread row keeps the name saved baselines know
            let name = match threads {
                1 => format!("family {}: s/epoch, aelab / torch", case.label),
                _ => format!(
                    "family {}: s/epoch, aelab / torch, {threads} threads",
                    case.label
                ),
            };
            push(
                name,
                mine / torch,
                format!(
                    "aelab {mine:.2} s, torch {torch:.2} s per epoch ({threads} thread(s), \
                     {epochs} epochs); val loss aelab {my_val:.4}, torch {torch_val:.4} ({:+.1}%)",
                    100.0 * (my_val / torch_val - 1.0)
                ),
            );
        }
        if case.variational {
            let (mut mine, mut theirs) = (Vec::new(), Vec::new());
            for seed in VAE_SEEDS {
                mine.push(case.train(data, VAE_EPOCHS, seed, 1)?.1);
                theirs
                    .push(run_torch_with(python, script, &case.torch_args(VAE_EPOCHS, seed, 1))?.1);
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (mine, theirs) = (mean(&mine), mean(&theirs));
            push(
                format!(
                    "family {}: val ELBO after {VAE_EPOCHS} epochs, aelab / torch",
                    case.label
                ),
                mine / theirs,
                format!(
                    "mean of {} seeds: aelab {mine:.2}, torch {theirs:.2} nats per image ({:+.2}%)",
                    VAE_SEEDS.len(),
                    100.0 * (mine / theirs - 1.0)
                ),
            );
        }
    }
    Ok(())
}
