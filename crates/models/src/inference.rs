//! Forward passes for evaluation on flat buffers: the dense layers of a
//! trained model (as [`DenseParams`]) applied to many images, a block of
//! rows at a time, through `aelab_kernels::matmul` and the vectorised
//! element-wise steps of [`crate::activation`]. Evaluation scores tens of
//! thousands of images per run, and this path avoids a tensor (and its
//! copies) per operation.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

use crate::activation::{bias_activate_in_place, bias_sigmoid_in_place};
use crate::{Activation, DenseParams};

/// Rows per block: large enough for efficient products, small enough that
/// a block's activations stay in cache.
const BLOCK_ROWS: usize = 256;

/// What follows the last layer of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The activation, as on every hidden layer (and the code).
    Activated,
    /// The sigmoid that turns logits into pixel probabilities.
    Sigmoid,
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
    let (Some(first), Some(last)) = (layers.first(), layers.last()) else {
        return input.to_vec();
    };
    let rows = input.len() / first.inputs;
    let widest = layers.iter().map(|l| l.outputs).max().unwrap_or(0);
    let mut out = vec![0.0; rows * last.outputs];
    let mut buffers = [
        vec![0.0; BLOCK_ROWS * widest],
        vec![0.0; BLOCK_ROWS * widest],
    ];
    let blocks = input
        .chunks(BLOCK_ROWS * first.inputs)
        .zip(out.chunks_mut(BLOCK_ROWS * last.outputs));
    for (block, block_out) in blocks {
        let n = block.len() / first.inputs;
        for (j, layer) in layers.iter().enumerate() {
            let [a, b] = &mut buffers;
            let (x, y) = if j % 2 == 0 { (&*a, b) } else { (&*b, a) };
            let x = if j == 0 {
                block
            } else {
                &x[..n * layer.inputs]
            };
            let y = if j + 1 == layers.len() {
                &mut block_out[..]
            } else {
                &mut y[..n * layer.outputs]
            };
            matmul(
                ViewMut::rows(y, n, layer.outputs),
                View::rows(x, n, layer.inputs),
                View::rows(&layer.weight, layer.outputs, layer.inputs).t(),
                ProductInto::Overwrite,
            );
            if j + 1 < layers.len() || output == Output::Activated {
                bias_activate_in_place(activation, y, &layer.bias);
            } else {
                bias_sigmoid_in_place(y, &layer.bias);
            }
        }
    }
    out
}
