//! A transposed convolution on channels-last maps: the adjoint of the
//! convolution from its output back to its input (`window` is that
//! convolution's). Each input position times the weight, `[in_channels,
//! kernel x kernel x filters]` row-major, gives a patch that
//! [`PatchLayout::scatter_add`] adds onto the output.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

use crate::layers::conv::add_weight_gradient;
use crate::layers::patch_matrix::PatchLayout;
use crate::layers::Window;

/// `out` (`rows` maps of `window.in_len()`, overwritten) from `input`
/// (`rows x window.positions() x in_channels`); no bias.
pub fn deconv_forward(
    window: &Window,
    weight: &[f32],
    input: &[f32],
    out: &mut [f32],
    patches: &mut Vec<f32>,
) {
    let (p, positions) = (window.patch_len(), window.positions());
    let in_channels = weight.len() / p;
    let layout = PatchLayout::of(window);
    let chunk = window.images_per_chunk();
    for (inputs, outs) in input
        .chunks(chunk * positions * in_channels)
        .zip(out.chunks_mut(chunk * window.in_len()))
    {
        let m = inputs.len() / in_channels;
        let inputs = View::rows(inputs, m, in_channels);
        layout.product_into(
            window,
            patches,
            m,
            inputs,
            View::rows(weight, in_channels, p),
        );
        outs.fill(0.0);
        layout.scatter_add(window, patches, m, outs);
    }
}

/// The weight's gradient (overwritten) and, when asked, the input's
/// (overwritten), from the gradient of the output.
pub fn deconv_backward(
    window: &Window,
    weight: &[f32],
    input: &[f32],
    grad_out: &[f32],
    grad_weight: &mut [f32],
    mut grad_input: Option<&mut [f32]>,
    patches: &mut Vec<f32>,
) {
    let (p, positions) = (window.patch_len(), window.positions());
    let in_channels = weight.len() / p;
    let layout = PatchLayout::of(window);
    let chunk = window.images_per_chunk();
    let in_step = chunk * positions * in_channels;
    for (c, (inputs, grads)) in input
        .chunks(in_step)
        .zip(grad_out.chunks(chunk * window.in_len()))
        .enumerate()
    {
        let m = layout.gather(window, grads, patches);
        let patch_matrix = layout.view(window, patches, m);
        let inputs_view = View::rows(inputs, m, in_channels);
        add_weight_gradient(grad_weight, inputs_view, patch_matrix, c == 0);
        if let Some(grad_input) = grad_input.as_deref_mut() {
            let start = c * in_step;
            matmul(
                ViewMut::rows(&mut grad_input[start..start + inputs.len()], m, in_channels),
                patch_matrix,
                View::rows(weight, in_channels, p).t(),
                ProductInto::Overwrite,
            );
        }
    }
}
