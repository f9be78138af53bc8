//! [`LayeredTrainer`]: a layered network, its optimizer and the buffers of
//! one step. A variational network's decoder reads codes drawn from the
//! encoder's heads ([`CodeDraws`]), and its loss per image is the
//! reconstruction summed over the values plus `beta` KL.

use aelab_models::layers::apply::{backward, forward_train, row_bias, Finish, Saved, Scratch};
use aelab_models::layers::{LayeredNet, Loss};

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::code_draws::CodeDraws;
use crate::fused::bias_sigmoid_bce_backward;
use crate::update_rule::UpdateRule;

/// A network in training.
pub(crate) struct LayeredTrainer {
    pub(crate) net: LayeredNet,
    rule: UpdateRule,
    /// Each layer's output in the last forward pass (the last layer's
    /// before its sigmoid, for BCE).
    outputs: Vec<Vec<f32>>,
    saved: Vec<Saved>,
    grads: Vec<Vec<Vec<f32>>>,
    grad_out: Vec<f32>,
    grad_in: Vec<f32>,
    scratch: Scratch,
    /// A variational network's draws (`None`: a point code).
    draws: Option<CodeDraws>,
}

impl LayeredTrainer {
    pub(crate) fn new(net: LayeredNet, rule: impl FnOnce(&[usize]) -> UpdateRule) -> Self {
        let lens: Vec<usize> = net.params.iter().flatten().map(Vec::len).collect();
        let grads = net
            .params
            .iter()
            .map(|tensors| tensors.iter().map(|t| vec![0.0; t.len()]).collect())
            .collect();
        let layers = net.params.len();
        let draws = net
            .architecture
            .beta
            .map(|beta| CodeDraws::new(beta, net.plan.code().len(), 0));
        LayeredTrainer {
            draws,
            rule: rule(&lens),
            net,
            outputs: vec![Vec::new(); layers],
            saved: vec![Saved::Nothing; layers],
            grads,
            grad_out: Vec::new(),
            grad_in: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Where a variational network's draws come from from now on.
    pub(crate) fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        if let Some(draws) = &mut self.draws {
            draws.reseed(rng);
        }
    }

    /// The optimizer.
    pub(crate) fn rule(&mut self) -> &mut UpdateRule {
        &mut self.rule
    }

    fn finish(&self, j: usize) -> Finish {
        let last = self.net.params.len() - 1;
        if j == last && self.net.architecture.loss == Loss::Bce {
            Finish::Bare
        } else {
            Finish::Activated
        }
    }

    /// The loss of a batch and the gradients of every tensor, without an
    /// update (the gradient check's entry point).
    pub(crate) fn loss_and_gradients(&mut self, input: &[f32], target: &[f32]) -> f32 {
        let layers: Vec<_> = self.net.plan.layers().cloned().collect();
        let count = layers.len();
        let rows = input.len() / self.net.architecture.input.len();
        // the first decoder layer, which reads a variational network's draws
        let decoder_start = self.net.plan.encoder.len();
        for (j, layer) in layers.iter().enumerate() {
            let finish = self.finish(j);
            let (before, rest) = self.outputs.split_at_mut(j);
            let layer_input = match (j, &self.draws) {
                (0, _) => input,
                (j, Some(draws)) if j == decoder_start => draws.codes(before[j - 1].len() / 2),
                (j, _) => &before[j - 1][..],
            };
            self.saved[j] = forward_train(
                layer,
                &self.net.params[j],
                &mut self.net.state[j],
                layer_input,
                &mut rest[0],
                finish,
                &mut self.scratch,
            );
            if let (Some(draws), true) = (&mut self.draws, j + 1 == decoder_start) {
                draws.draw(&rest[0], rows);
            }
        }
        let output = &self.outputs[count - 1];
        self.grad_out.resize(output.len(), 0.0);
        let mut loss = match self.net.architecture.loss {
            Loss::Bce => {
                let bias = row_bias(&layers[count - 1], &self.net.params[count - 1]);
                bias_sigmoid_bce_backward(output, &bias, target, &mut self.grad_out)
            }
            Loss::Mse => mse_backward(output, target, &mut self.grad_out),
        };
        if let Some(draws) = &self.draws {
            // per image: the reconstruction summed over the values, plus beta KL
            let values = self.net.architecture.input.len();
            let scale = values as f32;
            self.grad_out.iter_mut().for_each(|d| *d *= scale);
            loss = draws.loss(loss, values, &self.outputs[decoder_start - 1], rows);
        }
        if !loss.is_finite() {
            return loss;
        }
        for j in (0..count).rev() {
            let finish = self.finish(j);
            let layer_input = match (j, &self.draws) {
                (0, _) => input,
                (j, Some(draws)) if j == decoder_start => {
                    draws.codes(self.outputs[j - 1].len() / 2)
                }
                (j, _) => &self.outputs[j - 1][..],
            };
            let grad_in = if j > 0 {
                self.grad_in.resize(layer_input.len(), 0.0);
                Some(&mut self.grad_in[..])
            } else {
                None
            };
            backward(
                &layers[j],
                &self.net.params[j],
                &self.saved[j],
                layer_input,
                &self.outputs[j],
                &mut self.grad_out,
                finish,
                &mut self.grads[j],
                grad_in,
                &mut self.scratch,
            );
            std::mem::swap(&mut self.grad_out, &mut self.grad_in);
            if let (Some(draws), true) = (&self.draws, j == decoder_start) {
                // through the draw to the heads, which have no activation
                let heads = &self.outputs[j - 1];
                self.grad_in.resize(heads.len(), 0.0);
                draws.heads_delta(&self.grad_out, heads, &mut self.grad_in);
                std::mem::swap(&mut self.grad_out, &mut self.grad_in);
            }
        }
        loss
    }

    /// One step: the batch's mean loss before the update. A loss that is not
    /// finite is returned without an update.
    pub(crate) fn step(&mut self, input: &[f32], target: &[f32]) -> f32 {
        let loss = self.loss_and_gradients(input, target);
        if !loss.is_finite() {
            return loss;
        }
        self.rule.begin_step();
        let mut index = 0;
        for (tensors, grads) in self.net.params.iter_mut().zip(&mut self.grads) {
            for (params, grads) in tensors.iter_mut().zip(grads) {
                self.rule.update(index, params, grads);
                index += 1;
            }
        }
        loss
    }

    /// The gradients of the last [`loss_and_gradients`](Self::loss_and_gradients).
    #[cfg(test)]
    pub(crate) fn gradients(&self) -> &[Vec<Vec<f32>>] {
        &self.grads
    }
}

/// The mean squared error of `output` against `target` and its gradient.
fn mse_backward(output: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
    let scale = 2.0 / output.len() as f32;
    let mut lanes = [0.0f64; 8];
    for (i, ((g, &y), &t)) in grad.iter_mut().zip(output).zip(target).enumerate() {
        let d = y - t;
        lanes[i % 8] += f64::from(d * d);
        *g = scale * d;
    }
    (lanes.iter().sum::<f64>() / output.len() as f64) as f32
}
