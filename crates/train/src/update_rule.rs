//! Optimizers as update rules on flat parameter buffers, for the layered
//! engine: SGD with momentum, Keras' Adam, Adadelta and RMSprop, each with
//! an optional L2 weight decay added to the gradient (PyTorch's
//! `weight_decay`). Every rule keeps at most two slots per tensor.
//!
//! - SGD (PyTorch's form): `v = mu v + g; p -= lr v`.
//! - Adam: Keras' rule ([`crate::fused`]'s `AdamStep`).
//! - Adadelta (Zeiler 2012, Keras' and PyTorch's): `a = rho a + (1 - rho)
//!   g^2; u = g sqrt(d + eps) / sqrt(a + eps); d = rho d + (1 - rho) u^2;
//!   p -= lr u`.
//! - RMSprop (Keras'): `a = rho a + (1 - rho) g^2; p -= lr g / (sqrt(a) +
//!   eps)`.

use aelab_kernels::vectorised;

use crate::fused::{AdamMoments, AdamStep};
use crate::OptimizerKind;

/// Adadelta's decay and epsilon (Keras 2's defaults when the blog was
/// written: rho 0.95, eps 1e-7).
pub const ADADELTA: (f32, f32) = (0.95, 1e-7);
/// RMSprop's decay and epsilon (Keras' defaults).
pub const RMSPROP: (f32, f32) = (0.9, 1e-7);

/// An optimizer with its state for a list of tensors.
#[derive(Debug, Clone)]
pub(crate) struct UpdateRule {
    kind: OptimizerKind,
    lr: f64,
    momentum: f32,
    weight_decay: f32,
    step: i32,
    /// Per tensor: Adam's (m, v), Adadelta's (a, d), RMSprop's (a, -),
    /// momentum SGD's (v, -); empty for plain SGD.
    slots: Vec<AdamMoments>,
}

impl UpdateRule {
    /// A rule for tensors of `lens` values.
    pub(crate) fn new(
        kind: OptimizerKind,
        lr: f64,
        momentum: f64,
        weight_decay: f64,
        lens: &[usize],
    ) -> Self {
        let keeps_slots = kind != OptimizerKind::Sgd || momentum != 0.0;
        UpdateRule {
            kind,
            lr,
            momentum: momentum as f32,
            weight_decay: weight_decay as f32,
            step: 0,
            slots: if keeps_slots {
                lens.iter().map(|&n| AdamMoments::zeros(n)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The learning rate from now on (a schedule's step).
    pub(crate) fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// Starts a step: call once before the tensors' [`update`](Self::update)s.
    pub(crate) fn begin_step(&mut self) {
        self.step += 1;
    }

    /// Updates tensor `index` with its gradient `grads` (clobbered when
    /// there is weight decay).
    pub(crate) fn update(&mut self, index: usize, params: &mut [f32], grads: &mut [f32]) {
        if self.weight_decay != 0.0 {
            add_scaled(grads, params, self.weight_decay);
        }
        let lr = self.lr as f32;
        match self.kind {
            OptimizerKind::Sgd if self.slots.is_empty() => add_scaled(params, grads, -lr),
            OptimizerKind::Sgd => {
                let [v, _] = self.slots[index].parts_mut();
                momentum_sgd(params, grads, v, self.momentum, lr);
            }
            OptimizerKind::Adam => {
                AdamStep::new(self.lr, self.step).apply(params, grads, &mut self.slots[index])
            }
            OptimizerKind::Adadelta => {
                let [a, d] = self.slots[index].parts_mut();
                let (rho, eps) = ADADELTA;
                adadelta(params, grads, a, d, rho, eps, lr);
            }
            OptimizerKind::RmsProp => {
                let [a, _] = self.slots[index].parts_mut();
                let (rho, eps) = RMSPROP;
                rmsprop(params, grads, a, rho, eps, lr);
            }
        }
    }

    /// The step count and every slot, for a checkpoint.
    pub(crate) fn export(&self) -> (u64, Vec<Vec<f32>>) {
        let lists = self
            .slots
            .iter()
            .flat_map(|s| s.parts().map(<[f32]>::to_vec))
            .collect();
        (u64::try_from(self.step).unwrap_or(0), lists)
    }

    /// Restores what [`export`](Self::export) gave; `None` if it does not fit.
    pub(crate) fn import(&mut self, step: u64, lists: &[Vec<f32>]) -> Option<()> {
        if lists.len() != 2 * self.slots.len() {
            return None;
        }
        self.step = i32::try_from(step).ok()?;
        for (slot, pair) in self.slots.iter_mut().zip(lists.chunks_exact(2)) {
            slot.set_parts(&pair[0], &pair[1])?;
        }
        Some(())
    }
}

vectorised! {
    /// `out += scale * x`.
    fn add_scaled(out: &mut [f32], x: &[f32], scale: f32) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o += scale * v;
        }
    }
}

vectorised! {
    fn momentum_sgd(params: &mut [f32], grads: &[f32], v: &mut [f32], momentum: f32, lr: f32) {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(v) {
            *v = momentum * *v + g;
            *p -= lr * *v;
        }
    }
}

vectorised! {
    fn adadelta(params: &mut [f32], grads: &[f32], a: &mut [f32], d: &mut [f32], rho: f32, eps: f32, lr: f32) {
        for (((p, &g), a), d) in params.iter_mut().zip(grads).zip(a).zip(d) {
            *a = rho * *a + (1.0 - rho) * g * g;
            let u = g * (*d + eps).sqrt() / (*a + eps).sqrt();
            *d = rho * *d + (1.0 - rho) * u * u;
            *p -= lr * u;
        }
    }
}

vectorised! {
    fn rmsprop(params: &mut [f32], grads: &[f32], a: &mut [f32], rho: f32, eps: f32, lr: f32) {
        for ((p, &g), a) in params.iter_mut().zip(grads).zip(a) {
            *a = rho * *a + (1.0 - rho) * g * g;
            *p -= lr * g / (a.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each rule on one scalar, three steps, against the rule written out
    /// in f64 from its paper's / library's definition.
    #[test]
    fn rules_follow_their_definitions() {
        let grads = [0.5f64, -0.25, 0.125];
        let run = |kind, lr, momentum, decay| {
            let mut rule = UpdateRule::new(kind, lr, momentum, decay, &[1]);
            let mut p = [1.0f32];
            for g in grads {
                rule.begin_step();
                rule.update(0, &mut p, &mut [g as f32]);
            }
            f64::from(p[0])
        };
        // Adadelta, lr 1
        let (rho, eps) = (0.95f64, 1e-7f64);
        let (mut p, mut a, mut d) = (1.0f64, 0.0, 0.0);
        for g in grads {
            a = rho * a + (1.0 - rho) * g * g;
            let u = g * (d + eps).sqrt() / (a + eps).sqrt();
            d = rho * d + (1.0 - rho) * u * u;
            p -= u;
        }
        assert!((run(OptimizerKind::Adadelta, 1.0, 0.0, 0.0) - p).abs() < 1e-6);
        // SGD with momentum 0.9 and weight decay 0.1 (PyTorch's rule)
        let (mut p, mut v) = (1.0f64, 0.0);
        for g in grads {
            let g = g + 0.1 * p;
            v = 0.9 * v + g;
            p -= 0.5 * v;
        }
        assert!((run(OptimizerKind::Sgd, 0.5, 0.9, 0.1) - p).abs() < 1e-6);
        // RMSprop, lr 0.01
        let (mut p, mut a) = (1.0f64, 0.0);
        for g in grads {
            a = 0.9 * a + 0.1 * g * g;
            p -= 0.01 * g / (a.sqrt() + 1e-7);
        }
        assert!((run(OptimizerKind::RmsProp, 0.01, 0.0, 0.0) - p).abs() < 1e-6);
        // Adam: Keras' rule, as the fused engine has it
        let adam = crate::optimizer::keras_adam_reference(&grads, 1e-3);
        assert!((run(OptimizerKind::Adam, 1e-3, 0.0, 0.0) - adam).abs() < 1e-6);
    }
}
