//! [`Learner`]: what the loop in [`crate::fit`] needs of a model in
//! training, whichever engine steps it: a dense member of the family on
//! the fused or dfdx engine ([`DenseLearner`]), or a layered network on
//! the layered engine ([`LayeredTrainer`]).

use aelab_models::layers::{LayeredNet, Loss};
use aelab_models::score::score;
use aelab_models::variational::variational_scores;
use aelab_models::{Autoencoder, Network, Reconstructor};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::checkpoint::Checkpoint;
use crate::config::FitConfig;
use crate::engine::Stepper;
use crate::layered::LayeredTrainer;
use crate::update_rule::UpdateRule;
use crate::{Engine, TrainError};

/// The parameters (each tensor as a flat list), the optimizer's step count
/// and its slots: what a checkpoint holds of a model.
pub(crate) type State = (Vec<Vec<f32>>, u64, Vec<Vec<f32>>);

/// A model being trained.
pub(crate) trait Learner {
    /// One gradient step; the batch's mean loss before the update (not
    /// finite: no update).
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError>;
    /// Where a variational autoencoder's draws come from from now on.
    fn reseed_draws(&mut self, _rng: Xoshiro256PlusPlus) {}
    /// The learning rate from now on (a schedule's step).
    fn set_lr(&mut self, lr: f64);
    /// The loss an epoch's validation records, in the units of the
    /// training loss.
    fn validation_loss(&mut self, inputs: &[f32], targets: &[f32]) -> f64;
    /// The model as it is now, for evaluation.
    fn model(&mut self) -> Box<dyn Reconstructor>;
    /// The state a checkpoint holds; `None` where the engine cannot give it.
    fn state(&mut self) -> Option<State>;
}

/// The learner `config` describes, with its initial parameters drawn from
/// `init`, or continuing from `resume` (a state of this same config).
pub(crate) fn learner(
    config: &FitConfig,
    batch_size: usize,
    resume: Option<&Checkpoint>,
    init: &mut impl rand::Rng,
) -> Result<Box<dyn Learner>, TrainError> {
    match &config.network {
        Network::Dense(architecture) => {
            let mut model = Autoencoder::new(architecture.clone(), init);
            if let Some(resume) = resume {
                restore_dense(&mut model, resume)?;
            }
            let mut stepper = Stepper::new(
                config.engine,
                &model,
                config.optimizer,
                config.lr,
                batch_size,
            )?;
            if let Some(resume) = resume {
                let fused = stepper.fused().ok_or_else(|| {
                    TrainError::Checkpoint("only the fused engine can be checkpointed".into())
                })?;
                fused
                    .import_moments(resume.optimizer_step, &resume.moments)
                    .ok_or_else(|| {
                        TrainError::Checkpoint(
                            "its optimizer state does not fit this optimizer".into(),
                        )
                    })?;
            }
            Ok(Box::new(DenseLearner { model, stepper }))
        }
        Network::Layered(architecture) => {
            if config.engine != Engine::Fused {
                return Err(TrainError::Unsupported(
                    "layered models train on aelab's own engine only (train.engine = \"fused\")"
                        .into(),
                ));
            }
            let net = LayeredNet::new(architecture.clone(), init)
                .map_err(|e| TrainError::Unsupported(e.to_string()))?;
            let mut trainer = LayeredTrainer::new(net, |lens| {
                UpdateRule::new(
                    config.optimizer,
                    config.lr,
                    config.momentum,
                    config.weight_decay,
                    lens,
                )
            });
            if let Some(resume) = resume {
                restore_layered(&mut trainer, resume)?;
            }
            Ok(Box::new(trainer))
        }
    }
}

/// A dense autoencoder and the engine that steps it.
pub(crate) struct DenseLearner {
    pub(crate) model: Autoencoder,
    pub(crate) stepper: Stepper,
}

impl Learner for DenseLearner {
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError> {
        self.stepper.step(input, target)
    }

    fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        self.stepper.reseed_draws(rng);
    }

    fn set_lr(&mut self, _lr: f64) {
        // the spec refuses schedules for dense models
    }

    fn validation_loss(&mut self, inputs: &[f32], targets: &[f32]) -> f64 {
        self.stepper.sync(&mut self.model);
        // the mean BCE per pixel, or a VAE's own loss (BCE summed over the
        // pixels plus beta KL, per image, on the mean code)
        match variational_scores(&self.model, inputs, targets) {
            Some(scores) => scores.loss,
            None => score(&self.model.reconstruct(inputs), targets).bce,
        }
    }

    fn model(&mut self) -> Box<dyn Reconstructor> {
        self.stepper.sync(&mut self.model);
        Box::new(self.model.clone())
    }

    fn state(&mut self) -> Option<State> {
        let net = self.stepper.fused()?;
        let parameters = net
            .export()
            .into_iter()
            .flat_map(|l| [l.weight, l.bias])
            .collect();
        let (step, moments) = net.export_moments().unwrap_or_default();
        Some((parameters, step, moments))
    }
}

/// Sets `model`'s parameters to the checkpoint's, checking their sizes.
fn restore_dense(model: &mut Autoencoder, resume: &Checkpoint) -> Result<(), TrainError> {
    {
        if resume.parameters.len() != 2 * model.layers.len() {
            return Err(TrainError::Checkpoint(format!(
                "it holds {} parameter lists, not {}",
                resume.parameters.len(),
                2 * model.layers.len()
            )));
        }
        for (j, layer) in model.layers.iter_mut().enumerate() {
            let (w, b) = (&resume.parameters[2 * j], &resume.parameters[2 * j + 1]);
            if w.len() != layer.weight.len() || b.len() != layer.bias.len() {
                return Err(TrainError::Checkpoint(format!(
                    "layer {j} has other sizes than this model's"
                )));
            }
            layer.weight.clone_from(w);
            layer.bias.clone_from(b);
        }
        Ok(())
    }
}

impl Learner for LayeredTrainer {
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError> {
        Ok(LayeredTrainer::step(self, input, target))
    }

    fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        LayeredTrainer::reseed_draws(self, rng);
    }

    fn set_lr(&mut self, lr: f64) {
        self.rule().set_lr(lr);
    }

    fn validation_loss(&mut self, inputs: &[f32], targets: &[f32]) -> f64 {
        if let Some(scores) = variational_scores(&self.net, inputs, targets) {
            return scores.loss;
        }
        let scores = score(&self.net.reconstruct(inputs), targets);
        match self.net.architecture.loss {
            Loss::Bce => scores.bce,
            Loss::Mse => scores.mse,
        }
    }

    fn model(&mut self) -> Box<dyn Reconstructor> {
        Box::new(self.net.clone())
    }

    fn state(&mut self) -> Option<State> {
        let net: &LayeredNet = &self.net;
        let parameters = net
            .params
            .iter()
            .chain(&net.state)
            .flatten()
            .cloned()
            .collect();
        let (step, slots) = self.rule().export();
        Some((parameters, step, slots))
    }
}

/// Sets the trainer's tensors and optimizer state to the checkpoint's.
fn restore_layered(trainer: &mut LayeredTrainer, resume: &Checkpoint) -> Result<(), TrainError> {
    {
        let net = &mut trainer.net;
        let slots: Vec<&mut Vec<f32>> = net
            .params
            .iter_mut()
            .chain(&mut net.state)
            .flatten()
            .collect();
        if slots.len() != resume.parameters.len() {
            return Err(TrainError::Checkpoint(format!(
                "it holds {} tensors, this network {}",
                resume.parameters.len(),
                slots.len()
            )));
        }
        for (k, (slot, saved)) in slots.into_iter().zip(&resume.parameters).enumerate() {
            if slot.len() != saved.len() {
                return Err(TrainError::Checkpoint(format!(
                    "tensor {k} has another size than this network's"
                )));
            }
            slot.clone_from(saved);
        }
        trainer
            .rule()
            .import(resume.optimizer_step, &resume.moments)
            .ok_or_else(|| {
                TrainError::Checkpoint("its optimizer state does not fit this optimizer".into())
            })
    }
}
