//! One training step of the stacked autoencoder on flat buffers: forward
//! through four dense layers (SELU, SELU, SELU, logits), sigmoid with binary
//! cross-entropy, backward, and the optimizer update, with every buffer
//! allocated once per run.
//!
//! What this saves over dfdx's tape (same arithmetic, different summation
//! order): no tensor or tape entry per op, SELU and the loss in one pass
//! each, no gradient for the input images, and for SGD no gradient buffers
//! at all, since `W -= lr * delta^T x` is a single matrix product.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};
use aelab_models::DenseParams;

use super::adam::{AdamMoments, AdamStep};
use super::elementwise::{
    bias_selu_in_place, bias_sigmoid_bce_backward, column_sums, selu_backward,
};
use crate::OptimizerKind;

/// The network's four layers, input side first.
const LAYERS: usize = 4;

/// Moments for Adam, and scratch for the weight gradient it is applying;
/// SGD needs neither.
struct AdamState {
    lr: f64,
    step: i32,
    grad: Vec<f32>,
    weight_moments: [AdamMoments; LAYERS],
    bias_moments: [AdamMoments; LAYERS],
}

enum Update {
    Sgd { lr: f32 },
    Adam(Box<AdamState>),
}

/// The autoencoder's parameters, optimizer state and per-batch buffers.
pub(crate) struct FusedNet {
    layers: [DenseParams; LAYERS],
    /// Each layer's output for the current batch, `[rows, outputs]`: SELU
    /// activations, then the logits without the last layer's bias (which
    /// the loss adds as it reads them).
    outputs: [Vec<f32>; LAYERS],
    /// Gradient of the mean loss with respect to each layer's
    /// pre-activation output, `[rows, outputs]`.
    deltas: [Vec<f32>; LAYERS],
    /// Scratch for a layer's bias gradient (column sums of its delta).
    bias_sums: Vec<f32>,
    max_rows: usize,
    update: Update,
}

impl FusedNet {
    /// A network starting from `layers` that takes batches of up to
    /// `max_rows` images.
    pub(crate) fn new(
        layers: [DenseParams; LAYERS],
        optimizer: OptimizerKind,
        lr: f64,
        max_rows: usize,
    ) -> Self {
        let batch_buffers = || std::array::from_fn(|j| vec![0.0; max_rows * layers[j].outputs]);
        let update = match optimizer {
            OptimizerKind::Sgd => Update::Sgd { lr: lr as f32 },
            OptimizerKind::Adam => Update::Adam(Box::new(AdamState {
                lr,
                step: 0,
                grad: vec![0.0; layers.iter().map(|l| l.weight.len()).max().unwrap_or(0)],
                weight_moments: std::array::from_fn(|j| AdamMoments::zeros(layers[j].weight.len())),
                bias_moments: std::array::from_fn(|j| AdamMoments::zeros(layers[j].bias.len())),
            })),
        };
        FusedNet {
            outputs: batch_buffers(),
            deltas: batch_buffers(),
            bias_sums: Vec::with_capacity(layers.iter().map(|l| l.outputs).max().unwrap_or(0)),
            max_rows,
            update,
            layers,
        }
    }

    /// The current parameters.
    pub(crate) fn layers(&self) -> &[DenseParams; LAYERS] {
        &self.layers
    }

    /// The optimizer's state as flat lists (Adam's step count, then each
    /// layer's weight moments m and v and bias moments m and v, input side
    /// first); `None` for SGD, which keeps none. See `crate::checkpoint`.
    pub(crate) fn export_moments(&self) -> Option<(u64, Vec<Vec<f32>>)> {
        let Update::Adam(adam) = &self.update else {
            return None;
        };
        let lists = (0..LAYERS)
            .flat_map(|j| {
                let [wm, wv] = adam.weight_moments[j].parts();
                let [bm, bv] = adam.bias_moments[j].parts();
                [wm.to_vec(), wv.to_vec(), bm.to_vec(), bv.to_vec()]
            })
            .collect();
        Some((u64::try_from(adam.step).unwrap_or(0), lists))
    }

    /// Restores what [`FusedNet::export_moments`] gave; `None` when the
    /// lists do not fit this network and optimizer.
    pub(crate) fn import_moments(&mut self, step: u64, lists: &[Vec<f32>]) -> Option<()> {
        match &mut self.update {
            Update::Sgd { .. } => lists.is_empty().then_some(()),
            Update::Adam(adam) => {
                if lists.len() != 4 * LAYERS {
                    return None;
                }
                adam.step = i32::try_from(step).ok()?;
                for j in 0..LAYERS {
                    let l = &lists[4 * j..4 * j + 4];
                    adam.weight_moments[j].set_parts(&l[0], &l[1])?;
                    adam.bias_moments[j].set_parts(&l[2], &l[3])?;
                }
                Some(())
            }
        }
    }

    /// One gradient step on a batch (`input` and `target` hold the same
    /// number of whole images); returns the batch's mean loss before the
    /// update. A loss that is not finite is returned without an update.
    pub(crate) fn step(&mut self, input: &[f32], target: &[f32]) -> f32 {
        let pixels = self.layers[0].inputs;
        let rows = input.len() / pixels;
        assert!(
            rows <= self.max_rows && input.len() == rows * pixels && target.len() == input.len(),
            "batch of {} values does not fit {} rows of {pixels}",
            input.len(),
            self.max_rows
        );
        self.forward(input, rows);
        let last = LAYERS - 1;
        let width = rows * self.layers[last].outputs;
        let loss = bias_sigmoid_bce_backward(
            &self.outputs[last][..width],
            &self.layers[last].bias,
            target,
            &mut self.deltas[last][..width],
        );
        if !loss.is_finite() {
            return loss;
        }
        if let Update::Adam(adam) = &mut self.update {
            adam.step += 1;
        }
        for j in (0..LAYERS).rev() {
            self.backward_layer(j, input, rows);
        }
        loss
    }

    fn forward(&mut self, input: &[f32], rows: usize) {
        for j in 0..LAYERS {
            let layer = &self.layers[j];
            let (done, rest) = self.outputs.split_at_mut(j);
            let x = match j {
                0 => input,
                _ => &done[j - 1][..rows * layer.inputs],
            };
            let out = &mut rest[0][..rows * layer.outputs];
            matmul(
                ViewMut::rows(out, rows, layer.outputs),
                View::rows(x, rows, layer.inputs),
                View::rows(&layer.weight, layer.outputs, layer.inputs).t(),
                ProductInto::Overwrite,
            );
            if j + 1 < LAYERS {
                bias_selu_in_place(out, &layer.bias);
            }
        }
    }

    /// Passes layer `j`'s delta down to layer `j - 1` (through its SELU),
    /// then updates layer `j`; the order matters, as the first uses the
    /// weights before the update.
    fn backward_layer(&mut self, j: usize, input: &[f32], rows: usize) {
        let layer = &mut self.layers[j];
        let (below, rest) = self.deltas.split_at_mut(j);
        let delta = &rest[0][..rows * layer.outputs];
        let x = match j {
            0 => input,
            _ => &self.outputs[j - 1][..rows * layer.inputs],
        };
        if j > 0 {
            let delta_below = &mut below[j - 1][..rows * layer.inputs];
            matmul(
                ViewMut::rows(delta_below, rows, layer.inputs),
                View::rows(delta, rows, layer.outputs),
                View::rows(&layer.weight, layer.outputs, layer.inputs),
                ProductInto::Overwrite,
            );
            selu_backward(delta_below, x);
        }
        let delta_t = View::rows(delta, rows, layer.outputs).t();
        let x = View::rows(x, rows, layer.inputs);
        self.bias_sums.resize(layer.outputs, 0.0);
        column_sums(&mut self.bias_sums, delta);
        match &mut self.update {
            Update::Sgd { lr } => {
                let weight = ViewMut::rows(&mut layer.weight, layer.outputs, layer.inputs);
                matmul(weight, delta_t, x, ProductInto::AddScaled(-*lr));
                for (b, s) in layer.bias.iter_mut().zip(&self.bias_sums) {
                    *b -= *lr * s;
                }
            }
            Update::Adam(adam) => {
                let step = AdamStep::new(adam.lr, adam.step);
                let weight_grad = &mut adam.grad[..layer.weight.len()];
                let grad = ViewMut::rows(weight_grad, layer.outputs, layer.inputs);
                matmul(grad, delta_t, x, ProductInto::Overwrite);
                step.apply(&mut layer.weight, weight_grad, &mut adam.weight_moments[j]);
                step.apply(&mut layer.bias, &self.bias_sums, &mut adam.bias_moments[j]);
            }
        }
    }
}
