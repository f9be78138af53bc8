//! A fully connected layer in a layer list: `out = input * weight^T`,
//! the weight `[units, inputs]` row-major as in the dense family.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

/// `out` (`rows x units`) from `input` (`rows x inputs`); no bias.
pub fn dense_forward(weight: &[f32], inputs: usize, input: &[f32], out: &mut [f32]) {
    let units = weight.len() / inputs;
    let rows = input.len() / inputs;
    matmul(
        ViewMut::rows(out, rows, units),
        View::rows(input, rows, inputs),
        View::rows(weight, units, inputs).t(),
        ProductInto::Overwrite,
    );
}

/// The weight's gradient (overwritten) and, when asked, the input's.
pub fn dense_backward(
    weight: &[f32],
    inputs: usize,
    input: &[f32],
    grad_out: &[f32],
    grad_weight: &mut [f32],
    grad_input: Option<&mut [f32]>,
) {
    let units = weight.len() / inputs;
    let rows = input.len() / inputs;
    matmul(
        ViewMut::rows(grad_weight, units, inputs),
        View::rows(grad_out, rows, units).t(),
        View::rows(input, rows, inputs),
        ProductInto::Overwrite,
    );
    if let Some(grad_input) = grad_input {
        matmul(
            ViewMut::rows(grad_input, rows, inputs),
            View::rows(grad_out, rows, units),
            View::rows(weight, units, inputs),
            ProductInto::Overwrite,
        );
    }
}
