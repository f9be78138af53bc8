//! The state a training run can stop at and go on from: after epoch `k`,
//! the parameters, the optimizer's moments and step count, the position of
//! the shuffling stream and the history so far. Continuing from it to
//! epoch `n` gives the same bits as training `1..=n` straight (tested in
//! `fit.rs`): the order of examples and the training noise are replayed
//! from their seeded streams (cheap next to an epoch of training), and the
//! recorded shuffle position checks that the replay matches.
//!
//! This crate does no I/O: the pipeline writes a [`Checkpoint`] to disk.
//! Only the fused engine can be checkpointed (dfdx keeps its optimizer
//! state private).

use crate::config::EpochRecord;

/// What a checkpoint belongs to: the config without its epoch count,
/// which is the only setting a continuation may change. A dense config
/// without the settings added since keeps the key it had before they were
/// (the fields of that time, in their order), so checkpoints written then
/// still resume.
pub(crate) fn config_key(config: &crate::config::FitConfig) -> String {
    match &config.network {
        aelab_models::Network::Dense(architecture)
            if config.momentum == 0.0
                && config.weight_decay == 0.0
                && config.schedule.is_constant() =>
        {
            format!("{:?}", legacy::FitConfig::of(config, architecture))
        }
        _ => format!(
            "{:?}",
            crate::config::FitConfig {
                epochs: 0,
                ..config.clone()
            }
        ),
    }
}

mod legacy {
    /// `crate::config::FitConfig` as it was before layered networks and the
    /// optimizer settings: its `Debug` is the key of dense checkpoints.
    #[derive(Debug)]
    #[allow(dead_code)] // read through `Debug` only
    pub(super) struct FitConfig<'a> {
        architecture: &'a aelab_models::Architecture,
        epochs: usize,
        batch_size: usize,
        optimizer: crate::OptimizerKind,
        lr: f64,
        noise: aelab_data::noise::Corruption,
        resample: crate::Resample,
        seed: u64,
        engine: crate::Engine,
    }

    impl<'a> FitConfig<'a> {
        pub(super) fn of(
            config: &crate::config::FitConfig,
            architecture: &'a aelab_models::Architecture,
        ) -> Self {
            FitConfig {
                architecture,
                epochs: 0,
                batch_size: config.batch_size,
                optimizer: config.optimizer,
                lr: config.lr,
                noise: config.noise,
                resample: config.resample,
                seed: config.seed,
                engine: config.engine,
            }
        }
    }
}

/// A run's state after [`Checkpoint::epoch`] epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The config it belongs to, less the epoch count (checked on resume).
    pub config: String,
    /// Epochs completed.
    pub epoch: usize,
    /// Their records (losses; the seconds are those of the first attempt).
    pub history: Vec<EpochRecord>,
    /// Each layer's weight then bias, input side first, as flat lists.
    pub parameters: Vec<Vec<f32>>,
    /// Adam's step count (0 for SGD).
    pub optimizer_step: u64,
    /// Adam's moments (see `FusedNet::export_moments`); empty for SGD.
    pub moments: Vec<Vec<f32>>,
    /// The shuffling stream's word position after the last epoch.
    pub shuffle_position: u128,
    /// Where the loss stopped being finite, if it did (epoch, step): such a
    /// run goes no further.
    pub diverged: Option<(usize, usize)>,
}
