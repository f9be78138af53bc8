//! What a training run is told ([`FitConfig`], with its [`LrSchedule`]
//! and [`Resample`]), what it trains on ([`FitData`]) and what each epoch
//! leaves ([`EpochRecord`]): the types the loop in [`crate::fit`], the
//! learners and checkpoints share.

use aelab_data::noise::Corruption;
use aelab_models::Network;

use crate::{Engine, OptimizerKind};

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
    pub network: Network,
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// SGD's momentum (the layered engine only; 0 elsewhere).
    pub momentum: f64,
    /// L2 weight decay added to every gradient (the layered engine only).
    pub weight_decay: f64,
    /// When the learning rate drops.
    pub schedule: LrSchedule,
    pub noise: Corruption,
    pub resample: Resample,
    pub seed: u64,
    pub engine: Engine,
}

/// A step schedule: the learning rate times `factor` after each of the
/// epochs in `after` (PyTorch's `MultiStepLR` milestones).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LrSchedule {
    pub after: Vec<usize>,
    pub factor: f64,
}

impl LrSchedule {
    /// No drops.
    pub fn constant() -> Self {
        LrSchedule {
            after: Vec::new(),
            factor: 1.0,
        }
    }

    /// The learning rate of (1-based) `epoch`, from the starting `lr`.
    pub fn lr_at(&self, lr: f64, epoch: usize) -> f64 {
        let drops = self.after.iter().filter(|&&e| e < epoch).count();
        lr * self.factor.powi(drops as i32)
    }

    /// Whether the rate never changes.
    pub fn is_constant(&self) -> bool {
        self.after.is_empty() || self.factor == 1.0
    }
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
