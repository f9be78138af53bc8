//! The two ways a step can be computed, behind one interface for the loop
//! in [`crate::fit`]: aelab's fused kernels (the default, see
//! [`crate::fused`]), and dfdx's autodiff tape, the reference the fused
//! kernels are tested against (here, step by step) and a baseline for the
//! benchmark. Both run every member of the family: dfdx through its
//! compile-time modules and optimizers for the notebook's shapes (see
//! [`Architecture::is_compiled_notebook_shape`]) and through tensors of
//! run-time widths for the rest ([`crate::dfdx_runtime`]), every
//! activation but GELU (see `aelab_models::shapes::check_dfdx`).

use aelab_models::shapes::{check_dfdx, with_shape, ShapeVisitor};
use aelab_models::{Autoencoder, DenseParams, Net, StackedAutoencoder, IMAGE_PIXELS};
use dfdx::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dfdx_runtime::RuntimeTape;
use crate::dfdx_step::DfdxStep;
use crate::fused::FusedNet;
use crate::optimizer::{OptimizerKind, StepOptimizer};
use crate::TrainError;

/// Which code computes the gradient steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// aelab's fused forward/backward on flat buffers.
    #[default]
    Fused,
    /// dfdx's tape-based autodiff and its `Sgd` / `Adam` (`"dfdx"` in specs).
    Dfdx,
}

/// An engine set up for one model.
pub(crate) enum Stepper {
    Fused(Box<FusedNet>),
    Dfdx(Box<dyn DfdxStep>),
}

/// dfdx's module, its optimizer and the gradients its tape fills.
struct DfdxTape<const L: usize, const H: usize> {
    model: StackedAutoencoder<L, H>,
    optimizer: StepOptimizer<Net<L, H>>,
    grads: Gradients<f32, Cpu>,
}

impl<const L: usize, const H: usize> DfdxStep for DfdxTape<L, H> {
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError> {
        let DfdxTape {
            model,
            optimizer,
            grads,
        } = self;
        let shape = (input.len() / IMAGE_PIXELS, Const::<IMAGE_PIXELS>);
        let input = model.dev.tensor_from_vec(input.to_vec(), shape);
        let target = model.dev.tensor_from_vec(target.to_vec(), shape);
        let tape = std::mem::replace(grads, Gradients::leaky());
        let logits = model.net.forward_mut(input.traced(tape));
        let loss = binary_cross_entropy_with_logits_loss(logits, target);
        let loss_value = loss.array();
        if !loss_value.is_finite() {
            // the tape (and the gradients in it) goes unused
            *grads = model.net.alloc_grads();
            return Ok(loss_value);
        }
        *grads = loss.backward();
        optimizer.update(&mut model.net, grads)?;
        model.net.zero_grads(grads);
        Ok(loss_value)
    }

    fn export(&self) -> Vec<DenseParams> {
        self.model.dense_layers().to_vec()
    }
}

/// Builds a [`DfdxTape`] of the compiled shape, starting from `layers`.
struct BuildTape<'a> {
    layers: &'a [DenseParams],
    optimizer: OptimizerKind,
    lr: f64,
}

impl ShapeVisitor for BuildTape<'_> {
    type Output = Result<Box<dyn DfdxStep>, TrainError>;

    fn visit<const L: usize, const H: usize>(self) -> Self::Output {
        // Any initialisation: every parameter is overwritten.
        let mut model =
            StackedAutoencoder::<L, H>::keras_init(&mut rand::rngs::StdRng::seed_from_u64(0));
        let layers: [DenseParams; 4] = self.layers.to_vec().try_into().map_err(|_| {
            TrainError::Data(format!("{} layers for a 4-layer module", self.layers.len()))
        })?;
        model.set_dense_layers(&layers)?;
        Ok(Box::new(DfdxTape {
            optimizer: StepOptimizer::new(&model.net, self.optimizer, self.lr),
            grads: model.net.alloc_grads(),
            model,
        }))
    }
}

impl Stepper {
    /// `engine` set up to train `model` from its current parameters, in
    /// batches of up to `max_rows` images.
    pub(crate) fn new(
        engine: Engine,
        model: &Autoencoder,
        optimizer: OptimizerKind,
        lr: f64,
        max_rows: usize,
    ) -> Result<Self, TrainError> {
        if !optimizer.dense_engines_have() {
            return Err(TrainError::Unsupported(format!(
                "the dense engines have SGD and Adam only, not {optimizer:?}; a layer list has it (a plain dense stack: Architecture::as_layer_list)"
            )));
        }
        match engine {
            Engine::Fused => Ok(Stepper::Fused(Box::new(FusedNet::new(
                &model.architecture,
                &model.layers,
                optimizer,
                lr,
                max_rows,
            )))),
            Engine::Dfdx if !model.architecture.is_compiled_notebook_shape() => {
                check_dfdx(&model.architecture).map_err(TrainError::Unsupported)?;
                Ok(Stepper::Dfdx(Box::new(RuntimeTape::new(
                    &model.architecture,
                    &model.layers,
                    optimizer,
                    lr,
                ))))
            }
            Engine::Dfdx => {
                let architecture = &model.architecture;
                let build = BuildTape {
                    layers: &model.layers,
                    optimizer,
                    lr,
                };
                let (hidden, latent) = (architecture.layers[0], architecture.layers[1]);
                Ok(Stepper::Dfdx(with_shape(latent, hidden, build)??))
            }
        }
    }

    /// One gradient step on a batch; returns its mean loss before the update.
    /// A loss that is not finite is returned without an update, so a
    /// diverged run keeps its last finite parameters.
    pub(crate) fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError> {
        match self {
            Stepper::Fused(net) => Ok(net.step(input, target)),
            Stepper::Dfdx(tape) => tape.step(input, target),
        }
    }

    /// Where a variational autoencoder's draws come from from now on (the
    /// caller gives each epoch its own stream).
    pub(crate) fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        match self {
            Stepper::Fused(net) => net.reseed_draws(rng),
            Stepper::Dfdx(tape) => tape.reseed_draws(rng),
        }
    }

    /// The fused network, whose state a checkpoint can hold; `None` for dfdx.
    pub(crate) fn fused(&mut self) -> Option<&mut FusedNet> {
        match self {
            Stepper::Fused(net) => Some(net),
            Stepper::Dfdx(_) => None,
        }
    }

    /// Brings `model` up to date with the engine's parameters.
    pub(crate) fn sync(&self, model: &mut Autoencoder) {
        model.layers = match self {
            Stepper::Fused(net) => net.export(),
            Stepper::Dfdx(tape) => tape.export(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_models::{Activation, Architecture, Kind};
    use rand::{Rng, SeedableRng};

    /// Runs `steps` steps of `engine` on `architecture` from the same
    /// initial model and batches; returns the losses and the final parameters.
    fn train_member(
        architecture: Architecture,
        engine: Engine,
        optimizer: OptimizerKind,
        lr: f64,
        steps: usize,
    ) -> (Vec<f32>, Vec<DenseParams>) {
        let mut init = rand::rngs::StdRng::seed_from_u64(11);
        let mut model = Autoencoder::new(architecture, &mut init);
        let mut data = rand::rngs::StdRng::seed_from_u64(12);
        let rows = 24;
        let mut stepper = Stepper::new(engine, &model, optimizer, lr, rows).unwrap();
        stepper.reseed_draws(Xoshiro256PlusPlus::seed_from_u64(3));
        let mut losses = Vec::new();
        for step in 0..steps {
            // the last batch is shorter, as an epoch's last batch can be
            let n = if step + 1 == steps { rows - 5 } else { rows };
            let target: Vec<f32> = (0..n * IMAGE_PIXELS).map(|_| data.gen::<f32>()).collect();
            let input: Vec<f32> = target.iter().map(|t| (t * 0.8 + 0.1).min(1.0)).collect();
            losses.push(stepper.step(&input, &target).unwrap());
        }
        stepper.sync(&mut model);
        (losses, model.layers)
    }

    /// The notebook's shape on the compiled modules: parameters within
    /// `tolerance` after six steps, losses within 1e-5.
    fn assert_close(optimizer: OptimizerKind, lr: f64, tolerance: f32) {
        let notebook = Architecture::notebook(IMAGE_PIXELS, 100, 10);
        let worst = compare_members(&notebook, optimizer, lr, 1e-5);
        assert!(
            worst <= tolerance,
            "{optimizer:?}: parameters differ by {worst}"
        );
    }

    #[test]
    fn a_non_finite_loss_leaves_the_parameters_alone() {
        for engine in [Engine::Fused, Engine::Dfdx] {
            let mut init = rand::rngs::StdRng::seed_from_u64(11);
            let mut model =
                Autoencoder::new(Architecture::notebook(IMAGE_PIXELS, 100, 10), &mut init);
            let before = model.layers.clone();
            let mut stepper = Stepper::new(engine, &model, OptimizerKind::Sgd, 0.1, 4).unwrap();
            let mut input = vec![0.5f32; 4 * IMAGE_PIXELS];
            input[3] = f32::NAN;
            let loss = stepper.step(&input, &input).unwrap();
            assert!(loss.is_nan(), "{engine:?}: {loss}");
            stepper.sync(&mut model);
            assert!(model.layers == before, "{engine:?} updated on NaN");
        }
    }

    /// The largest parameter difference after six steps of each engine from
    /// the same start, once the losses are checked to agree to
    /// `loss_tolerance` (relative) and training is checked to move them.
    fn compare_members(
        architecture: &Architecture,
        optimizer: OptimizerKind,
        lr: f64,
        loss_tolerance: f32,
    ) -> f32 {
        let (fused_losses, fused) =
            train_member(architecture.clone(), Engine::Fused, optimizer, lr, 6);
        let (dfdx_losses, reference) =
            train_member(architecture.clone(), Engine::Dfdx, optimizer, lr, 6);
        for (a, b) in fused_losses.iter().zip(&dfdx_losses) {
            assert!(
                (a - b).abs() <= loss_tolerance * b.abs(),
                "{architecture} {optimizer:?}: loss {a} vs {b}"
            );
        }
        let (_, start) = train_member(architecture.clone(), Engine::Fused, optimizer, lr, 0);
        assert_ne!(start, fused, "{architecture}: training moved nothing");
        let mut worst = 0.0f32;
        for (f, r) in fused.iter().zip(&reference) {
            let pairs = f
                .weight
                .iter()
                .zip(&r.weight)
                .chain(f.bias.iter().zip(&r.bias));
            for (a, b) in pairs {
                worst = worst.max((a - b).abs());
            }
        }
        worst
    }

    /// Every member the compiled modules cannot express, on dfdx's tape
    /// with run-time widths, step by step against the fused engine.
    #[test]
    fn fused_steps_match_dfdx_autodiff_for_every_member() {
        let member = |layers: &[usize], activation| Architecture {
            layers: layers.to_vec(),
            activation,
            ..Architecture::notebook(IMAGE_PIXELS, 100, 10)
        };
        let mut cases = Vec::new();
        // not GELU: see `crate::dfdx_runtime`
        for (_, activation) in Activation::NAMES {
            if activation != Activation::Gelu {
                cases.push(member(&[48, 12, 6], activation));
            }
        }
        cases.push(Architecture {
            tied: true,
            ..member(&[40, 8], Activation::Tanh)
        });
        cases.push(Architecture {
            sparsity: 0.01,
            ..member(&[40, 8], Activation::Tanh)
        });
        cases.push(Architecture {
            tied: true,
            sparsity: 0.01,
            ..member(&[40, 8], Activation::Selu)
        });
        // a smooth activation: at ReLU's kink a rounding difference in a
        // product's last bit can switch a unit on in one engine only, and
        // with the VAE's summed loss that one unit's update (1e-5 after
        // six steps) dwarfs every other difference (below 6e-8); ReLU
        // itself is held above
        cases.push(Architecture {
            kind: Kind::Variational { beta: 1.0 },
            ..member(&[40, 4], Activation::Tanh)
        });
        cases.push(Architecture {
            kind: Kind::Variational { beta: 4.0 },
            ..member(&[40, 16, 2], Activation::Elu)
        });
        for architecture in &cases {
            // a VAE's loss is summed over the pixels: a step 784 times larger
            let sgd_lr = if architecture.beta().is_some() {
                1e-3
            } else {
                0.5
            };
            for (optimizer, lr) in [(OptimizerKind::Sgd, sgd_lr), (OptimizerKind::Adam, 1e-3)] {
                // the reported losses are summed differently (dfdx's mean
                // against the fused engine's lanes): they agree to 5e-5,
                // the parameters far closer
                let worst = compare_members(architecture, optimizer, lr, 5e-5);
                assert!(
                    worst <= 1e-5,
                    "{architecture} {optimizer:?}: parameters differ by {worst}"
                );
            }
        }
    }

    #[test]
    fn fused_sgd_steps_match_dfdx_autodiff() {
        assert_close(OptimizerKind::Sgd, 1.5, 1e-5);
    }

    #[test]
    fn fused_keras_adam_steps_match_dfdx_autodiff() {
        assert_close(OptimizerKind::Adam, 1e-3, 1e-5);
    }
}
