//! One training step of any plain member of the stacked family on flat
//! buffers: forward through `2 * depth` dense layers (the activation after
//! each but the last), sigmoid with binary cross-entropy, an optional L1
//! penalty on the codes, backward, and the optimizer update, with every
//! buffer allocated once per run.
//!
//! What this saves over dfdx's tape (same arithmetic, different summation
//! order): no tensor or tape entry per op, the activation and the loss in
//! one pass each, no gradient for the input images, and for SGD on untied
//! weights no gradient buffers at all, since `W -= lr * delta^T x` is a
//! single matrix product.
//!
//! Tied decoder layers have no weight of their own: they multiply by their
//! encoder mirror's weight untransposed, and their weight gradient
//! (`x^T delta`, already in the mirror's layout) is added to the mirror's,
//! which is updated when the backward pass reaches the mirror (so every
//! use of a weight in the backward pass sees it before its update).
//!
//! A variational autoencoder's code layer is its two heads (mean and
//! log-variance, one affine layer of twice the code's width, no
//! activation); the decoder reads a draw `z = mu + e^{lv/2} eps` from them,
//! `eps` from the stream the caller seeds each epoch ([`CodeDraws`]). The
//! loss per image is the BCE summed over the pixels plus `beta` times the
//! closed-form KL, averaged over the batch, so the output delta is scaled
//! by the pixel count, and the heads' delta adds the KL's gradient to the
//! code's.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};
use aelab_models::{
    activation_backward, add_bias_in_place, backward_needs_input, bias_activate_in_place,
    transposed, Activation, Architecture, DenseParams,
};

use super::adam::{AdamMoments, AdamStep};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::elementwise::{add_l1_gradient, bias_sigmoid_bce_backward, l1_norm};
use crate::code_draws::CodeDraws;
use crate::OptimizerKind;
use aelab_models::layers::apply::column_sums;

/// Moments for Adam, and scratch for the weight gradient it is applying;
/// SGD needs neither.
struct AdamState {
    lr: f64,
    step: i32,
    grad: Vec<f32>,
    weight_moments: Vec<AdamMoments>,
    bias_moments: Vec<AdamMoments>,
}

enum Update {
    Sgd { lr: f32 },
    Adam(Box<AdamState>),
}

/// A variational autoencoder's per-batch state: its draws, and the
/// scratch for the code's gradient, `[rows, latent]`.
struct Variational {
    draws: CodeDraws,
    code_delta: Vec<f32>,
}

/// The autoencoder's parameters, optimizer state and per-batch buffers.
pub(crate) struct FusedNet {
    activation: Activation,
    /// L1 weight on the codes (0: no penalty).
    sparsity: f32,
    /// The layer whose output is the code.
    code_layer: usize,
    /// Parameters; a tied decoder layer's `weight` is empty.
    layers: Vec<DenseParams>,
    /// For each layer, the encoder layer whose weight it uses transposed.
    tied_to: Vec<Option<usize>>,
    /// Gradient buffers of tied encoder weights, summed over both uses
    /// (empty for untied layers).
    tied_grads: Vec<Vec<f32>>,
    /// Each layer's output for the current batch, `[rows, outputs]`:
    /// activations, then the logits without the last layer's bias (which
    /// the loss adds as it reads them).
    outputs: Vec<Vec<f32>>,
    /// The activations' inputs, for activations whose slope needs them
    /// (empty otherwise).
    pre_activations: Vec<Vec<f32>>,
    /// Gradient of the mean loss with respect to each layer's
    /// pre-activation output, `[rows, outputs]`.
    deltas: Vec<Vec<f32>>,
    /// Scratch for a layer's bias gradient (column sums of its delta).
    bias_sums: Vec<f32>,
    /// Zeros as wide as the widest layer (a bias already added).
    zero_bias: Vec<f32>,
    max_rows: usize,
    update: Update,
    variational: Option<Variational>,
}

impl FusedNet {
    /// A network of `architecture` starting from `layers` (as
    /// [`aelab_models::Autoencoder`] holds them) that takes batches of up
    /// to `max_rows` images.
    pub(crate) fn new(
        architecture: &Architecture,
        layers: &[DenseParams],
        optimizer: OptimizerKind,
        lr: f64,
        max_rows: usize,
    ) -> Self {
        let tied_to = architecture.tied_to();
        let layers: Vec<DenseParams> = layers
            .iter()
            .zip(&tied_to)
            .map(|(layer, tie)| DenseParams {
                weight: if tie.is_some() {
                    Vec::new()
                } else {
                    layer.weight.clone()
                },
                ..layer.clone()
            })
            .collect();
        let is_tied_owner = |j: usize| tied_to.contains(&Some(j));
        let tied_grads = (0..layers.len())
            .map(|j| {
                if is_tied_owner(j) {
                    vec![0.0; layers[j].weight.len()]
                } else {
                    Vec::new()
                }
            })
            .collect();
        let batch_buffers = || -> Vec<Vec<f32>> {
            layers
                .iter()
                .map(|l| vec![0.0; max_rows * l.outputs])
                .collect()
        };
        let needs_input = backward_needs_input(architecture.activation);
        let pre_activations = layers
            .iter()
            .map(|l| {
                if needs_input {
                    vec![0.0; max_rows * l.outputs]
                } else {
                    Vec::new()
                }
            })
            .collect();
        let update = match optimizer {
            OptimizerKind::Sgd => Update::Sgd { lr: lr as f32 },
            // the engine refuses Adadelta and RMSprop before it gets here
            OptimizerKind::Adam | OptimizerKind::Adadelta | OptimizerKind::RmsProp => {
                Update::Adam(Box::new(AdamState {
                    lr,
                    step: 0,
                    grad: vec![0.0; layers.iter().map(|l| l.weight.len()).max().unwrap_or(0)],
                    weight_moments: layers
                        .iter()
                        .map(|l| AdamMoments::zeros(l.weight.len()))
                        .collect(),
                    bias_moments: layers
                        .iter()
                        .map(|l| AdamMoments::zeros(l.bias.len()))
                        .collect(),
                }))
            }
        };
        let widest = layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        let variational = architecture.beta().map(|beta| {
            let latent = architecture.latent();
            Variational {
                draws: CodeDraws::new(beta, latent, max_rows),
                code_delta: vec![0.0; max_rows * latent],
            }
        });
        FusedNet {
            variational,
            activation: architecture.activation,
            sparsity: architecture.sparsity,
            code_layer: architecture.depth() - 1,
            outputs: batch_buffers(),
            deltas: batch_buffers(),
            pre_activations,
            bias_sums: Vec::with_capacity(widest),
            zero_bias: vec![0.0; widest],
            max_rows,
            update,
            tied_to,
            tied_grads,
            layers,
        }
    }

    /// Where a variational autoencoder's draws come from from now on (the
    /// caller gives each epoch its own stream, so that a run continued
    /// from a checkpoint draws what an uninterrupted one draws).
    pub(crate) fn reseed_draws(&mut self, rng: Xoshiro256PlusPlus) {
        if let Some(v) = &mut self.variational {
            v.draws.reseed(rng);
        }
    }

    /// The current parameters, tied decoder weights written out as the
    /// transposes they are.
    pub(crate) fn export(&self) -> Vec<DenseParams> {
        self.layers
            .iter()
            .zip(&self.tied_to)
            .map(|(layer, tie)| match tie {
                Some(mirror) => DenseParams {
                    weight: transposed(&self.layers[*mirror]),
                    ..layer.clone()
                },
                None => layer.clone(),
            })
            .collect()
    }

    /// Layer `j`'s weight as the right-hand side of its forward product:
    /// `[inputs, outputs]`.
    fn forward_weight(&self, j: usize) -> View<'_, f32> {
        let layer = &self.layers[j];
        match self.tied_to[j] {
            Some(mirror) => View::rows(&self.layers[mirror].weight, layer.inputs, layer.outputs),
            None => View::rows(&layer.weight, layer.outputs, layer.inputs).t(),
        }
    }

    /// The optimizer's state as flat lists (Adam's step count, then each
    /// layer's weight moments m and v and bias moments m and v, input side
    /// first); `None` for SGD, which keeps none. See `crate::checkpoint`.
    pub(crate) fn export_moments(&self) -> Option<(u64, Vec<Vec<f32>>)> {
        let Update::Adam(adam) = &self.update else {
            return None;
        };
        let lists = (0..self.layers.len())
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
                if lists.len() != 4 * self.layers.len() {
                    return None;
                }
                adam.step = i32::try_from(step).ok()?;
                for j in 0..self.layers.len() {
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
        let last = self.layers.len() - 1;
        let width = rows * self.layers[last].outputs;
        let mut loss = bias_sigmoid_bce_backward(
            &self.outputs[last][..width],
            &self.layers[last].bias,
            target,
            &mut self.deltas[last][..width],
        );
        if let Some(v) = &self.variational {
            // per image: the BCE summed over the pixels, plus beta KL
            let scale = pixels as f32;
            self.deltas[last][..width]
                .iter_mut()
                .for_each(|d| *d *= scale);
            let heads = &self.outputs[self.code_layer];
            loss = v.draws.loss(loss, self.layers[0].inputs, heads, rows);
        }
        if self.sparsity > 0.0 {
            let codes =
                &self.outputs[self.code_layer][..rows * self.layers[self.code_layer].outputs];
            loss += self.sparsity * l1_norm(codes) / rows as f32;
        }
        if !loss.is_finite() {
            return loss;
        }
        if let Update::Adam(adam) = &mut self.update {
            adam.step += 1;
        }
        for j in (0..self.layers.len()).rev() {
            self.backward_layer(j, input, rows);
        }
        loss
    }

    fn forward(&mut self, input: &[f32], rows: usize) {
        let last = self.layers.len() - 1;
        for j in 0..=last {
            let (inputs, outputs) = (self.layers[j].inputs, self.layers[j].outputs);
            let mut out = std::mem::take(&mut self.outputs[j]);
            let y = &mut out[..rows * outputs];
            let x = self.layer_input(j, input, rows);
            matmul(
                ViewMut::rows(y, rows, outputs),
                View::rows(x, rows, inputs),
                self.forward_weight(j),
                ProductInto::Overwrite,
            );
            if j == self.code_layer && self.variational.is_some() {
                add_bias_in_place(y, &self.layers[j].bias);
                if let Some(v) = &mut self.variational {
                    v.draws.draw(y, rows);
                }
            } else if j < last {
                let bias = &self.layers[j].bias;
                if self.pre_activations[j].is_empty() {
                    bias_activate_in_place(self.activation, y, bias);
                } else {
                    let pre = &mut self.pre_activations[j][..rows * outputs];
                    add_bias_copy(pre, y, bias);
                    y.copy_from_slice(pre);
                    bias_activate_in_place(self.activation, y, &self.zero_bias[..outputs]);
                }
            }
            self.outputs[j] = out;
        }
    }

    /// What layer `j` reads: the images, a variational decoder's drawn
    /// codes, or the layer below's output.
    fn layer_input<'a>(&'a self, j: usize, input: &'a [f32], rows: usize) -> &'a [f32] {
        let len = rows * self.layers[j].inputs;
        layer_input(
            (input, &self.outputs, self.variational.as_ref()),
            self.code_layer,
            j,
            len,
        )
    }

    /// Passes layer `j`'s delta down to layer `j - 1` (through its
    /// activation, plus the code penalty's gradient at the code), then
    /// updates layer `j`'s parameters (or adds to its tied mirror's
    /// gradient); the order matters, as the first uses the weights before
    /// the update.
    fn backward_layer(&mut self, j: usize, input: &[f32], rows: usize) {
        let (inputs, outputs) = (self.layers[j].inputs, self.layers[j].outputs);
        let mut deltas = std::mem::take(&mut self.deltas);
        let (below, rest) = deltas.split_at_mut(j);
        let delta = &rest[0][..rows * outputs];
        if j > 0 && j == self.code_layer + 1 && self.variational.is_some() {
            // through the draw to the heads, which have no activation (a
            // variational decoder is never tied: its weight is its own)
            if let Some(v) = &mut self.variational {
                let dz = &mut v.code_delta[..rows * inputs];
                matmul(
                    ViewMut::rows(dz, rows, inputs),
                    View::rows(delta, rows, outputs),
                    View::rows(&self.layers[j].weight, outputs, inputs),
                    ProductInto::Overwrite,
                );
                let heads = &self.outputs[j - 1][..rows * self.layers[j - 1].outputs];
                v.draws
                    .heads_delta(dz, heads, &mut below[j - 1][..heads.len()]);
            }
        }
        let x = layer_input(
            (input, &self.outputs, self.variational.as_ref()),
            self.code_layer,
            j,
            rows * inputs,
        );
        if j > 0 && !(j == self.code_layer + 1 && self.variational.is_some()) {
            let delta_below = &mut below[j - 1][..rows * inputs];
            matmul(
                ViewMut::rows(delta_below, rows, inputs),
                View::rows(delta, rows, outputs),
                self.forward_weight(j).t(),
                ProductInto::Overwrite,
            );
            if j - 1 == self.code_layer && self.sparsity > 0.0 {
                add_l1_gradient(delta_below, x, self.sparsity / rows as f32);
            }
            let saved = if self.pre_activations[j - 1].is_empty() {
                x
            } else {
                &self.pre_activations[j - 1][..rows * inputs]
            };
            activation_backward(self.activation, delta_below, saved);
        }
        self.bias_sums.resize(outputs, 0.0);
        column_sums(&mut self.bias_sums, delta);
        let delta_t = View::rows(delta, rows, outputs).t();
        let x_view = View::rows(x, rows, inputs);
        if let Some(mirror) = self.tied_to[j] {
            // `x^T delta` is `[inputs, outputs]`: the mirror's layout
            let grad = ViewMut::rows(&mut self.tied_grads[mirror], inputs, outputs);
            matmul(
                grad,
                x_view.t(),
                View::rows(delta, rows, outputs),
                ProductInto::Overwrite,
            );
            self.update_bias(j);
        } else if !self.tied_grads[j].is_empty() {
            let grad = ViewMut::rows(&mut self.tied_grads[j], outputs, inputs);
            matmul(grad, delta_t, x_view, ProductInto::AddScaled(1.0));
            let grad = std::mem::take(&mut self.tied_grads[j]);
            self.update_weight(j, &grad);
            self.tied_grads[j] = grad;
            self.update_bias(j);
        } else {
            let layer = &mut self.layers[j];
            match &mut self.update {
                Update::Sgd { lr } => {
                    let weight = ViewMut::rows(&mut layer.weight, outputs, inputs);
                    matmul(weight, delta_t, x_view, ProductInto::AddScaled(-*lr));
                }
                Update::Adam(adam) => {
                    let step = AdamStep::new(adam.lr, adam.step);
                    let weight_grad = &mut adam.grad[..layer.weight.len()];
                    let grad = ViewMut::rows(weight_grad, outputs, inputs);
                    matmul(grad, delta_t, x_view, ProductInto::Overwrite);
                    step.apply(&mut layer.weight, weight_grad, &mut adam.weight_moments[j]);
                }
            }
            self.update_bias(j);
        }
        self.deltas = deltas;
    }

    /// Applies the optimizer to layer `j`'s weight with gradient `grad`.
    fn update_weight(&mut self, j: usize, grad: &[f32]) {
        let weight = &mut self.layers[j].weight;
        match &mut self.update {
            Update::Sgd { lr } => {
                for (w, g) in weight.iter_mut().zip(grad) {
                    *w -= *lr * g;
                }
            }
            Update::Adam(adam) => {
                let step = AdamStep::new(adam.lr, adam.step);
                step.apply(weight, grad, &mut adam.weight_moments[j]);
            }
        }
    }

    /// Applies the optimizer to layer `j`'s bias with the gradient in
    /// `bias_sums`.
    fn update_bias(&mut self, j: usize) {
        let bias = &mut self.layers[j].bias;
        match &mut self.update {
            Update::Sgd { lr } => {
                for (b, s) in bias.iter_mut().zip(&self.bias_sums) {
                    *b -= *lr * s;
                }
            }
            Update::Adam(adam) => {
                let step = AdamStep::new(adam.lr, adam.step);
                step.apply(bias, &self.bias_sums, &mut adam.bias_moments[j]);
            }
        }
    }
}

/// What layer `j` reads (`len` values) of `(images, layer outputs, a
/// variational autoencoder's state)`: the images, a variational decoder's
/// drawn codes, or the layer below's output.
fn layer_input<'a>(
    (input, outputs, variational): (&'a [f32], &'a [Vec<f32>], Option<&'a Variational>),
    code_layer: usize,
    j: usize,
    len: usize,
) -> &'a [f32] {
    match (j, variational) {
        (0, _) => &input[..len],
        (j, Some(v)) if j == code_layer + 1 => v.draws.codes(len),
        (j, _) => &outputs[j - 1][..len],
    }
}

/// `pre` (rows of `bias.len()`) becomes `values + bias`.
fn add_bias_copy(pre: &mut [f32], values: &[f32], bias: &[f32]) {
    for (p_row, v_row) in pre
        .chunks_exact_mut(bias.len())
        .zip(values.chunks_exact(bias.len()))
    {
        for ((p, v), b) in p_row.iter_mut().zip(v_row).zip(bias) {
            *p = v + b;
        }
    }
}
