//! Forward passes for evaluation on flat buffers: the dense layers of a
//! trained model (as [`DenseParams`]) applied to many images, a block of
//! rows at a time, through `aelab_kernels::matmul` and the vectorised
//! element-wise steps of [`crate::activation`]. Evaluation scores tens of
//! thousands of images per run, and this path avoids a tensor (and its
//! copies) per operation.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

use crate::activation::{add_bias_in_place, bias_activate_in_place, bias_sigmoid_in_place};
use crate::dense::transposed;
use crate::{Activation, DenseParams};

/// Rows per block: large enough for efficient products, small enough that
/// a block's activations stay in cache. Forward passes over whole blocks
/// give the same bits whether the blocks come in one call or several.
pub const BLOCK_ROWS: usize = 256;

/// What follows the last layer of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The activation, as on every hidden layer (and the code).
    Activated,
    /// The sigmoid that turns logits into pixel probabilities.
    Sigmoid,
    /// Nothing: the layer's affine output (a variational encoder's heads).
    Linear,
}

/// `input` (rows of `layers[0].inputs`) through `layers`, `activation`
/// after every layer but the last, which is followed by `output`. Layers
/// must chain (each one's outputs are the next one's inputs).
pub fn forward(
    layers: &[DenseParams],
    activation: Activation,
    output: Output,
    input: &[f32],
) -> Vec<f32> {
    let Some(last) = layers.last() else {
        return input.to_vec();
    };
    let mut out = Vec::with_capacity(input.len() / layers[0].inputs * last.outputs);
    forward_each_block(layers, activation, output, input, |block| {
        out.extend_from_slice(block)
    });
    out
}

/// [`forward`], handing each block of [`BLOCK_ROWS`] rows' outputs to
/// `each` in order, while they are still in cache, instead of collecting
/// them.
pub fn forward_each_block(
    layers: &[DenseParams],
    activation: Activation,
    output: Output,
    input: &[f32],
    mut each: impl FnMut(&[f32]),
) {
    let Some(first) = layers.first() else {
        each(input);
        return;
    };
    // `inputs x outputs`: the products read this layout about 8% faster
    // than the transpose of the stored `outputs x inputs` (measured here)
    let weights: Vec<Vec<f32>> = layers.iter().map(transposed).collect();
    let widest = layers.iter().map(|l| l.outputs).max().unwrap_or(0);
    let mut buffers = [
        vec![0.0; BLOCK_ROWS * widest],
        vec![0.0; BLOCK_ROWS * widest],
    ];
    for block in input.chunks(BLOCK_ROWS * first.inputs) {
        let n = block.len() / first.inputs;
        for (j, (layer, weight)) in layers.iter().zip(&weights).enumerate() {
            let [a, b] = &mut buffers;
            let (x, y) = if j % 2 == 0 { (&*a, b) } else { (&*b, a) };
            let x = if j == 0 {
                block
            } else {
                &x[..n * layer.inputs]
            };
            let y = &mut y[..n * layer.outputs];
            matmul(
                ViewMut::rows(y, n, layer.outputs),
                View::rows(x, n, layer.inputs),
                View::rows(weight, layer.inputs, layer.outputs),
                ProductInto::Overwrite,
            );
            match (j + 1 < layers.len(), output) {
                (true, _) | (false, Output::Activated) => {
                    bias_activate_in_place(activation, y, &layer.bias)
                }
                (false, Output::Sigmoid) => bias_sigmoid_in_place(y, &layer.bias),
                (false, Output::Linear) => add_bias_in_place(y, &layer.bias),
            }
        }
        // layer j wrote into buffer 1 when j was even, 0 when odd
        let last = layers.len() - 1;
        let written = if last.is_multiple_of(2) {
            &buffers[1]
        } else {
            &buffers[0]
        };
        each(&written[..n * layers[last].outputs]);
    }
}
