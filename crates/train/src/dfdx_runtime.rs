//! dfdx's autodiff for every member of the family: the layers as dfdx
//! tensors whose widths are known at run time (`(usize, usize)` shapes),
//! the forward pass composed from dfdx's public ops on a gradient tape,
//! and the gradient of every parameter from `backward()`. dfdx's
//! optimizers need compile-time modules (`TensorCollection` has no
//! run-time layer lists), so the update applies SGD or Keras' Adam by hand
//! ([`crate::fused`]'s `AdamStep`, the one place Keras' rule is written).
//!
//! This is the reference the fused engine is held to for the members the
//! compile-time modules cannot express: every activation, tied weights
//! (one tensor used twice, its gradients summed by the tape), the L1 code
//! penalty and the variational autoencoder (heads sliced from one layer,
//! the draw `mu + e^{lv/2} eps` with the fused engine's draws, the KL in
//! closed form). It copies the parameters into tensors every step: a
//! reference, not a fast path.

use aelab_data::normal::fill_standard_normal;
use aelab_models::{Activation, Architecture, DenseParams, LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE};
use dfdx::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dfdx_step::DfdxStep;
use crate::fused::{AdamMoments, AdamStep};
use crate::{OptimizerKind, TrainError};

type Matrix<T = NoneTape> = Tensor<(usize, usize), f32, Cpu, T>;
type Taped = OwnedTape<f32, Cpu>;

/// How the gradients are applied.
enum Update {
    Sgd {
        lr: f32,
    },
    Adam {
        lr: f64,
        step: i32,
        /// Weight then bias moments of each layer.
        moments: Vec<(AdamMoments, AdamMoments)>,
    },
}

/// Any member of the family on dfdx's tape.
pub(crate) struct RuntimeTape {
    architecture: Architecture,
    layers: Vec<DenseParams>,
    tied_to: Vec<Option<usize>>,
    update: Update,
    draws: Xoshiro256PlusPlus,
    dev: Cpu,
}

impl RuntimeTape {
    pub(crate) fn new(
        architecture: &Architecture,
        layers: &[DenseParams],
        optimizer: OptimizerKind,
        lr: f64,
    ) -> Self {
        let update = match optimizer {
            OptimizerKind::Sgd => Update::Sgd { lr: lr as f32 },
            OptimizerKind::Adam | OptimizerKind::Adadelta | OptimizerKind::RmsProp => {
                Update::Adam {
                    lr,
                    step: 0,
                    moments: layers
                        .iter()
                        .map(|l| {
                            (
                                AdamMoments::zeros(l.weight.len()),
                                AdamMoments::zeros(l.bias.len()),
                            )
                        })
                        .collect(),
                }
            }
        };
        RuntimeTape {
            architecture: architecture.clone(),
            layers: layers.to_vec(),
            tied_to: architecture.tied_to(),
            update,
            draws: Xoshiro256PlusPlus::seed_from_u64(0),
            dev: Cpu::default(),
        }
    }

    fn matrix(&self, values: &[f32], rows: usize, cols: usize) -> Matrix {
        self.dev.tensor_from_vec(values.to_vec(), (rows, cols))
    }
}

/// `activation(x)` from dfdx's public ops.
fn activate(activation: Activation, x: Matrix<Taped>) -> Matrix<Taped> {
    match activation {
        Activation::Relu => x.relu(),
        Activation::LeakyRelu => x.prelu(LEAKY_SLOPE),
        Activation::Tanh => x.tanh(),
        Activation::Gelu => x.accurate_gelu(),
        Activation::Elu => {
            let positive = x.with_empty_tape().relu();
            positive + (x.clamp(f32::MIN, 0.0).exp() - 1.0)
        }
        Activation::Selu => {
            let positive = x.with_empty_tape().relu() * SELU_SCALE;
            positive + (x.clamp(f32::MIN, 0.0).exp() - 1.0) * (SELU_SCALE * SELU_ALPHA)
        }
    }
}

impl DfdxStep for RuntimeTape {
    fn step(&mut self, input: &[f32], target: &[f32]) -> Result<f32, TrainError> {
        let pixels = self.architecture.pixels;
        let rows = input.len() / pixels;
        let depth = self.architecture.depth();
        let last = self.layers.len() - 1;
        let weights: Vec<Matrix> = self
            .layers
            .iter()
            .map(|l| self.matrix(&l.weight, l.outputs, l.inputs))
            .collect();
        let biases: Vec<Tensor<(usize,), f32, Cpu>> = self
            .layers
            .iter()
            .map(|l| self.dev.tensor_from_vec(l.bias.clone(), (l.outputs,)))
            .collect();

        let mut h: Matrix<Taped> = self.matrix(input, rows, pixels).traced(Gradients::leaky());
        let mut penalty = None;
        let mut kl = None;
        for (j, layer) in self.layers.iter().enumerate() {
            // a tied layer multiplies by its mirror's weight untransposed
            let product = match self.tied_to[j] {
                Some(mirror) => h.matmul(weights[mirror].clone()),
                None => h.matmul(weights[j].clone().permute()),
            };
            let z = product
                + biases[j]
                    .clone()
                    .broadcast_like::<_, Axis<0>>(&(rows, layer.outputs));
            h = if j == last {
                z
            } else if let (true, Some(_)) = (j == depth - 1, self.architecture.beta()) {
                let latent = layer.outputs / 2;
                let mean = z.with_empty_tape().slice((.., ..latent));
                let log_variance = z.slice((.., latent..));
                let mut eps = vec![0.0f32; rows * latent];
                fill_standard_normal(&mut self.draws, &mut eps);
                let eps = self.matrix(&eps, rows, latent);
                let terms = mean.with_empty_tape().square() + log_variance.with_empty_tape().exp()
                    - 1.0
                    - log_variance.with_empty_tape();
                kl = Some(terms.sum::<Rank0, _>() * (0.5 / rows as f32));
                mean + (log_variance * 0.5).exp() * eps
            } else {
                activate(self.architecture.activation, z)
            };
            if j == depth - 1 && self.architecture.sparsity > 0.0 {
                let l1 = h.with_empty_tape().abs().sum::<Rank0, _>();
                penalty = Some(l1 * (self.architecture.sparsity / rows as f32));
            }
        }
        let targets = self.matrix(target, rows, pixels);
        let mut loss = binary_cross_entropy_with_logits_loss(h, targets);
        if let Some(beta) = self.architecture.beta() {
            loss = loss * pixels as f32;
            if let Some(kl) = kl {
                loss = loss + kl * beta;
            }
        }
        if let Some(penalty) = penalty {
            loss = loss + penalty;
        }
        let value = loss.array();
        if !value.is_finite() {
            return Ok(value);
        }
        let grads = loss.backward();

        if let Update::Adam { step, .. } = &mut self.update {
            *step += 1;
        }
        for (j, layer) in self.layers.iter_mut().enumerate() {
            let bias_grad = grads.get(&biases[j]).as_vec();
            let weight_grad = match self.tied_to[j] {
                // a tied layer's weight is its mirror's, updated there
                Some(_) => None,
                None => Some(grads.get(&weights[j]).as_vec()),
            };
            match &mut self.update {
                Update::Sgd { lr } => {
                    let descend = |values: &mut [f32], grad: &[f32]| {
                        for (v, g) in values.iter_mut().zip(grad) {
                            *v -= *lr * g;
                        }
                    };
                    if let Some(g) = &weight_grad {
                        descend(&mut layer.weight, g);
                    }
                    descend(&mut layer.bias, &bias_grad);
                }
                Update::Adam { lr, step, moments } => {
                    let adam = AdamStep::new(*lr, *step);
                    let (weight_moments, bias_moments) = &mut moments[j];
                    if let Some(g) = &weight_grad {
                        adam.apply(&mut layer.weight, g, weight_moments);
                    }
                    adam.apply(&mut layer.bias, &bias_grad, bias_moments);
                }
            }
        }
        // tied decoder layers hold the transposes of their mirrors
        for j in 0..self.layers.len() {
            if let Some(mirror) = self.tied_to[j] {
                self.layers[j].weight = aelab_models::transposed(&self.layers[mirror]);
            }
        }
        Ok(value)
    }

    fn export(&self) -> Vec<DenseParams> {
        self.layers.clone()
    }

    fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        self.draws = rng;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why the dfdx engine refuses GELU: dfdx 0.13's `accurate_gelu`
    /// slope at 1 is `Phi(1) + e^{-1/2} / sqrt(pi)` = 1.18354, not GELU's
    /// `Phi(1) + phi(1)` = 1.08332 (SciPy: `norm.cdf(1) + norm.pdf(1)`).
    /// When this fails, dfdx has been fixed and the refusal can go.
    #[test]
    fn dfdx_gelu_slope_is_wrong_so_the_dfdx_engine_refuses_gelu() {
        let dev = Cpu::default();
        let x = dev.tensor([1.0f32]);
        let y = x.leaky_trace().accurate_gelu().sum::<Rank0, _>();
        let slope = y.backward().get(&x).array()[0];
        assert!(
            (slope - 1.183_542_5).abs() < 1e-5,
            "dfdx's GELU slope {slope}"
        );
        assert!((slope - 1.083_315_5).abs() > 0.05);

        let gelu = Architecture {
            activation: Activation::Gelu,
            layers: vec![8, 2],
            ..Architecture::notebook(784, 100, 30)
        };
        let model = aelab_models::Autoencoder::new(gelu, &mut rand::rngs::StdRng::seed_from_u64(1));
        let refused =
            crate::engine::Stepper::new(crate::Engine::Dfdx, &model, OptimizerKind::Sgd, 0.1, 4);
        assert!(matches!(refused, Err(TrainError::Unsupported(_))));
    }
}
