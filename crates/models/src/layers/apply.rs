//! One planned layer applied to a batch, forward (in training or
//! evaluation mode) and backward: the dispatch from a [`PlannedLayer`] to
//! the kernels of its kind, with the bias and the activation after it.
//! Batches are `rows` examples of the layer's input shape, one after
//! another, channels last.

use aelab_kernels::vectorised;

use crate::layers::batchnorm::{
    batchnorm_backward, batchnorm_eval_forward, batchnorm_train_forward, BatchStats,
};
use crate::layers::conv::{conv_backward, conv_forward};
use crate::layers::deconv::{deconv_backward, deconv_forward};
use crate::layers::dense::{dense_backward, dense_forward};
use crate::layers::pool::{maxpool_backward, maxpool_forward};
use crate::layers::upsample::{upsample_backward, upsample_forward};
use crate::layers::{LayerKind, PlannedLayer};

/// What a training forward pass keeps for the backward pass, besides the
/// layer's input and output.
#[derive(Debug, Clone, Default)]
pub enum Saved {
    #[default]
    Nothing,
    /// Where each pooled maximum came from.
    Argmax(Vec<u32>),
    /// A batch norm's batch statistics.
    Stats(BatchStats),
}

/// Buffers reused from call to call.
#[derive(Debug, Default)]
pub struct Scratch {
    patches: Vec<f32>,
}

/// Whether the activation is applied (it is not on an output layer whose
/// sigmoid the loss takes together with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Bias and activation.
    Activated,
    /// The bare product, no bias or activation (see [`row_bias`]).
    Bare,
}

/// The layer's bias broadcast over one example's output (zeros for a layer
/// without one), for the element-wise passes.
pub fn row_bias(layer: &PlannedLayer, params: &[Vec<f32>]) -> Vec<f32> {
    let len = layer.output.len();
    let bias = match layer.spec.kind {
        LayerKind::Conv { bias: true, .. }
        | LayerKind::Deconv { bias: true, .. }
        | LayerKind::Dense { bias: true, .. } => &params[1],
        _ => return vec![0.0; len],
    };
    bias.iter().cycle().take(len).copied().collect()
}

/// `layer` on `input` in evaluation mode (a batch norm uses its running
/// statistics), into `out`.
pub fn forward_eval(
    layer: &PlannedLayer,
    params: &[Vec<f32>],
    state: &[Vec<f32>],
    input: &[f32],
    out: &mut Vec<f32>,
    scratch: &mut Scratch,
) {
    let norm = Norm::Running(state);
    forward(layer, params, norm, input, out, Finish::Activated, scratch);
}

/// `layer` on `input` in training mode (a batch norm uses the batch's
/// statistics and updates its running ones in `state`), into `out`.
pub fn forward_train(
    layer: &PlannedLayer,
    params: &[Vec<f32>],
    state: &mut [Vec<f32>],
    input: &[f32],
    out: &mut Vec<f32>,
    finish: Finish,
    scratch: &mut Scratch,
) -> Saved {
    forward(
        layer,
        params,
        Norm::Batch(state),
        input,
        out,
        finish,
        scratch,
    )
}

enum Norm<'a> {
    Running(&'a [Vec<f32>]),
    Batch(&'a mut [Vec<f32>]),
}

fn forward(
    layer: &PlannedLayer,
    params: &[Vec<f32>],
    norm: Norm<'_>,
    input: &[f32],
    out: &mut Vec<f32>,
    finish: Finish,
    scratch: &mut Scratch,
) -> Saved {
    let rows = input.len() / layer.input.len();
    out.resize(rows * layer.output.len(), 0.0);
    let mut saved = Saved::Nothing;
    match layer.spec.kind {
        LayerKind::Conv { .. } => {
            let window = layer.window.expect("a planned conv has a window");
            conv_forward(&window, &params[0], input, out, &mut scratch.patches);
        }
        LayerKind::Deconv { .. } => {
            let window = layer.window.expect("a planned deconv has a window");
            deconv_forward(&window, &params[0], input, out, &mut scratch.patches);
        }
        LayerKind::Dense { .. } => dense_forward(&params[0], layer.input.len(), input, out),
        LayerKind::MaxPool { .. } => {
            let window = layer.window.expect("a planned pool has a window");
            let mut argmax = Vec::new();
            maxpool_forward(&window, input, out, &mut argmax);
            saved = Saved::Argmax(argmax);
        }
        LayerKind::Upsample { factor } => {
            let (h, w, c) = layer.input.dims();
            upsample_forward(h, w, c, factor, input, out);
        }
        LayerKind::BatchNorm {
            affine,
            eps,
            momentum,
        } => {
            let scale_shift = affine.then(|| (&params[0][..], &params[1][..]));
            match norm {
                Norm::Running(state) => {
                    batchnorm_eval_forward(eps, scale_shift, (&state[0], &state[1]), input, out)
                }
                Norm::Batch(state) => {
                    let (mean, variance) = state.split_at_mut(1);
                    let running = (&mut mean[0][..], &mut variance[0][..]);
                    let channels = layer.input.channels();
                    saved = Saved::Stats(batchnorm_train_forward(
                        channels,
                        eps,
                        momentum,
                        scale_shift,
                        running,
                        input,
                        out,
                    ));
                }
            }
        }
        LayerKind::Flatten | LayerKind::Reshape { .. } | LayerKind::Activation => {
            out.copy_from_slice(input)
        }
    }
    if finish == Finish::Activated {
        layer.spec.activation.apply(out, &row_bias(layer, params));
    }
    saved
}

/// The backward pass of `layer`: `grad_out` (the gradient of its activated
/// output, or of its bare product for [`Finish::Bare`], and then clobbered)
/// gives the parameters' gradients in `grads` (one per parameter tensor,
/// overwritten) and, when asked, the input's (overwritten).
#[allow(clippy::too_many_arguments)]
pub fn backward(
    layer: &PlannedLayer,
    params: &[Vec<f32>],
    saved: &Saved,
    input: &[f32],
    output: &[f32],
    grad_out: &mut [f32],
    finish: Finish,
    grads: &mut [Vec<f32>],
    grad_input: Option<&mut [f32]>,
    scratch: &mut Scratch,
) {
    if finish == Finish::Activated {
        layer.spec.activation.backward(grad_out, output);
    }
    let has_bias = matches!(
        layer.spec.kind,
        LayerKind::Conv { bias: true, .. }
            | LayerKind::Deconv { bias: true, .. }
            | LayerKind::Dense { bias: true, .. }
    );
    if has_bias {
        let (_, bias_grad) = grads.split_at_mut(1);
        column_sums(&mut bias_grad[0], grad_out);
    }
    match layer.spec.kind {
        LayerKind::Conv { .. } | LayerKind::Deconv { .. } => {
            let window = layer.window.expect("a planned conv has a window");
            let kernel_backward = match layer.spec.kind {
                LayerKind::Conv { .. } => conv_backward,
                _ => deconv_backward,
            };
            kernel_backward(
                &window,
                &params[0],
                input,
                grad_out,
                &mut grads[0],
                grad_input,
                &mut scratch.patches,
            );
        }
        LayerKind::Dense { .. } => {
            let (weight_grad, _) = grads.split_at_mut(1);
            dense_backward(
                &params[0],
                layer.input.len(),
                input,
                grad_out,
                &mut weight_grad[0],
                grad_input,
            );
        }
        LayerKind::MaxPool { .. } => {
            if let (Some(grad_input), Saved::Argmax(argmax)) = (grad_input, saved) {
                maxpool_backward(argmax, grad_out, grad_input);
            }
        }
        LayerKind::Upsample { factor } => {
            if let Some(grad_input) = grad_input {
                let (h, w, c) = layer.input.dims();
                upsample_backward(h, w, c, factor, grad_out, grad_input);
            }
        }
        LayerKind::BatchNorm { affine, .. } => {
            let Saved::Stats(stats) = saved else {
                panic!("a batch norm's backward pass needs its batch statistics");
            };
            let mut scratch_input;
            let grad_input = match grad_input {
                Some(g) => g,
                None => {
                    scratch_input = vec![0.0; input.len()];
                    &mut scratch_input[..]
                }
            };
            let gamma = affine.then(|| &params[0][..]);
            let grad_scale_shift = if affine {
                let (g, b) = grads.split_at_mut(1);
                Some((&mut g[0][..], &mut b[0][..]))
            } else {
                None
            };
            batchnorm_backward(stats, gamma, input, grad_out, grad_input, grad_scale_shift);
        }
        LayerKind::Flatten | LayerKind::Reshape { .. } | LayerKind::Activation => {
            if let Some(grad_input) = grad_input {
                grad_input.copy_from_slice(grad_out);
            }
        }
    }
}

vectorised! {
    /// `sums` (`sums.len()` wide) becomes the sum of the rows of `m`, in
    /// row order (a bias's gradient).
    pub fn column_sums(sums: &mut [f32], m: &[f32]) {
        sums.fill(0.0);
        for row in m.chunks_exact(sums.len()) {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += v;
            }
        }
    }
}
