//! The optimizers the dense engines run: plain SGD, and Adam with Keras'
//! update rule (the layered engine's, these and more, are in
//! [`crate::update_rule`]).
//!
//! Keras adds epsilon to `sqrt(v)` before the bias correction:
//! `step = lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`.
//! dfdx's Adam is the textbook form `lr * m_hat / (sqrt(v_hat) + eps')`; the
//! two agree exactly when `eps' = eps / sqrt(1 - b2^t)`, so Keras' rule is
//! dfdx's kernel with epsilon rescaled before every step.

use dfdx::nn::tensor_collection::TensorCollection;
use dfdx::optim::{Adam, Optimizer, Sgd};
use dfdx::prelude::*;
use dfdx::tensor_ops::{AdamConfig, SgdConfig};

use crate::TrainError;

/// Which optimizer a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    Sgd,
    Adam,
    /// Adadelta (the layered engine only).
    Adadelta,
    /// RMSprop (the layered engine only).
    RmsProp,
}

impl OptimizerKind {
    /// Whether the dense engines (fused and dfdx) have it.
    pub fn dense_engines_have(self) -> bool {
        matches!(self, OptimizerKind::Sgd | OptimizerKind::Adam)
    }
}

/// Keras' Adam defaults except the learning rate: betas and epsilon.
pub const KERAS_ADAM: (f64, f64, f64) = (0.9, 0.999, 1e-7);

pub(crate) enum StepOptimizer<M> {
    Sgd(Sgd<M, f32, Cpu>),
    KerasAdam { adam: Adam<M, f32, Cpu>, step: i32 },
}

impl<M: TensorCollection<f32, Cpu>> StepOptimizer<M> {
    pub(crate) fn new(model: &M, kind: OptimizerKind, lr: f64) -> Self {
        match kind {
            OptimizerKind::Sgd => StepOptimizer::Sgd(Sgd::new(
                model,
                SgdConfig {
                    lr,
                    momentum: None,
                    weight_decay: None,
                },
            )),
            OptimizerKind::Adam | OptimizerKind::Adadelta | OptimizerKind::RmsProp => {
                // the engine refuses the other two before it gets here
                let (b1, b2, eps) = KERAS_ADAM;
                StepOptimizer::KerasAdam {
                    adam: Adam::new(
                        model,
                        AdamConfig {
                            lr,
                            betas: [b1, b2],
                            eps,
                            weight_decay: None,
                        },
                    ),
                    step: 0,
                }
            }
        }
    }

    pub(crate) fn update(
        &mut self,
        model: &mut M,
        grads: &Gradients<f32, Cpu>,
    ) -> Result<(), TrainError> {
        let result = match self {
            StepOptimizer::Sgd(sgd) => sgd.update(model, grads),
            StepOptimizer::KerasAdam { adam, step } => {
                *step += 1;
                let (_, b2, eps) = KERAS_ADAM;
                adam.cfg.eps = eps / (1.0 - b2.powi(*step)).sqrt();
                adam.update(model, grads)
            }
        };
        result.map_err(|e| TrainError::Optimizer(e.to_string()))
    }
}

/// Keras' Adam on one scalar starting at 1, written out in f64: the
/// reference both engines' Adam is tested against.
#[cfg(test)]
pub(crate) fn keras_adam_reference(grads: &[f64], lr: f64) -> f64 {
    let (b1, b2, eps) = KERAS_ADAM;
    let (mut p, mut m, mut v) = (1.0f64, 0.0, 0.0);
    for (i, g) in grads.iter().enumerate() {
        let t = (i + 1) as i32;
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        p -= lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t)) * m / (v.sqrt() + eps);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_adam_matches_the_keras_rule_at_tiny_gradients() {
        // gradients of d(p * g)/dp = g, small enough that eps matters
        let dev = Cpu::default();
        let gs = [2e-6f32, -1e-6, 3e-6, 5e-7];
        let mut p: Tensor<Rank1<1>, f32, Cpu> = dev.tensor([1.0]);
        let mut opt = StepOptimizer::new(&p, OptimizerKind::Adam, 1e-3);
        for g in gs {
            let grads = (p.leaky_trace() * g).sum().backward();
            opt.update(&mut p, &grads).unwrap();
        }
        let expected = keras_adam_reference(&gs.map(f64::from), 1e-3);
        let got = f64::from(p.array()[0]);
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
        // textbook Adam (eps after the bias correction) lands elsewhere
        let (b1, b2, eps) = KERAS_ADAM;
        let (mut q, mut m, mut v) = (1.0f64, 0.0, 0.0);
        for (i, g) in gs.map(f64::from).iter().enumerate() {
            let t = (i + 1) as i32;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            q -= 1e-3 * (m / (1.0 - b1.powi(t))) / ((v / (1.0 - b2.powi(t))).sqrt() + eps);
        }
        assert!(
            (got - q).abs() > 100.0 * (got - expected).abs(),
            "{got} {q} {expected}"
        );
    }

    #[test]
    fn one_sgd_step_moves_against_the_gradient() {
        let dev = Cpu::default();
        let mut p: Tensor<Rank1<2>, f32, Cpu> = dev.tensor([1.0, -1.0]);
        let mut opt = StepOptimizer::new(&p, OptimizerKind::Sgd, 0.5);
        let grads = p.leaky_trace().square().sum().backward(); // grad = 2p
        opt.update(&mut p, &grads).unwrap();
        assert_eq!(p.array(), [0.0, 0.0]);
    }
}
