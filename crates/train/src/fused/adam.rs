//! Keras' Adam applied in place to flat parameter and gradient buffers.
//! Same rule as [`crate::optimizer`]'s dfdx-based version:
//! `p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`.

use crate::optimizer::KERAS_ADAM;
use aelab_kernels::vectorised;

/// The moment estimates of one parameter buffer.
#[derive(Debug, Clone)]
pub(crate) struct AdamMoments {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl AdamMoments {
    pub(crate) fn zeros(len: usize) -> Self {
        AdamMoments {
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// The first and second moments, for a checkpoint.
    pub(crate) fn parts(&self) -> [&[f32]; 2] {
        [&self.m, &self.v]
    }

    /// The two slots, for rules that keep other state in them.
    pub(crate) fn parts_mut(&mut self) -> [&mut [f32]; 2] {
        [&mut self.m, &mut self.v]
    }

    /// Replaces the moments with a checkpoint's; `None` if a length differs.
    pub(crate) fn set_parts(&mut self, m: &[f32], v: &[f32]) -> Option<()> {
        if m.len() != self.m.len() || v.len() != self.v.len() {
            return None;
        }
        self.m.copy_from_slice(m);
        self.v.copy_from_slice(v);
        Some(())
    }
}

/// The per-step constants of Keras' Adam at step `t` (1-based).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamStep {
    b1: f32,
    b2: f32,
    eps: f32,
    step_size: f32,
}

impl AdamStep {
    pub(crate) fn new(lr: f64, t: i32) -> Self {
        let (b1, b2, eps) = KERAS_ADAM;
        AdamStep {
            b1: b1 as f32,
            b2: b2 as f32,
            eps: eps as f32,
            step_size: (lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t))) as f32,
        }
    }

    /// Updates `params` and `moments` with `grads`.
    pub(crate) fn apply(&self, params: &mut [f32], grads: &[f32], moments: &mut AdamMoments) {
        let AdamMoments { m, v } = moments;
        keras_adam(*self, params, grads, m, v);
    }
}

vectorised! {
    fn keras_adam(step: AdamStep, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]) {
        let AdamStep {
            b1,
            b2,
            eps,
            step_size,
        } = step;
        assert!(grads.len() == params.len() && m.len() == params.len() && v.len() == params.len());
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= step_size * *m / (v.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_keras_rule_on_one_scalar() {
        let grads = [2e-6f32, -1e-6, 3e-6, 0.5];
        let mut p = [1.0f32];
        let mut moments = AdamMoments::zeros(1);
        for (i, &g) in grads.iter().enumerate() {
            let t = i as i32 + 1;
            AdamStep::new(1e-3, t).apply(&mut p, &[g], &mut moments);
            let seen: Vec<f64> = grads[..=i].iter().map(|&g| f64::from(g)).collect();
            let q = crate::optimizer::keras_adam_reference(&seen, 1e-3);
            assert!(
                (f64::from(p[0]) - q).abs() < 1e-6,
                "step {t}: {} vs {q}",
                p[0]
            );
        }
    }
}
