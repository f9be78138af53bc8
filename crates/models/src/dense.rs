//! The autoencoder's layers as plain arrays: a way out of and back into the
//! dfdx modules for code that works on flat buffers (the training crate's
//! fused kernels), without copying tensors on every step.

use dfdx::nn::modules::Linear;
use dfdx::prelude::*;

use crate::ModelError;

/// One fully connected layer, `y = x W^T + b`, in dfdx's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseParams {
    pub inputs: usize,
    pub outputs: usize,
    /// Row-major `[outputs, inputs]`.
    pub weight: Vec<f32>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
}

impl DenseParams {
    /// A copy of a dfdx layer's parameters.
    pub fn of<const I: usize, const O: usize>(layer: &Linear<I, O, f32, Cpu>) -> Self {
        DenseParams {
            inputs: I,
            outputs: O,
            weight: layer.weight.as_vec(),
            bias: layer.bias.as_vec(),
        }
    }

    /// Whether these parameters fit a `Linear<I, O>`.
    pub fn check<const I: usize, const O: usize>(&self) -> Result<(), ModelError> {
        if (self.inputs, self.outputs) != (I, O)
            || self.weight.len() != I * O
            || self.bias.len() != O
        {
            return Err(ModelError::LayerShape {
                expected: (I, O),
                got: (self.inputs, self.outputs),
            });
        }
        Ok(())
    }

    /// Overwrites a dfdx layer's parameters with these.
    pub fn store<const I: usize, const O: usize>(
        &self,
        layer: &mut Linear<I, O, f32, Cpu>,
    ) -> Result<(), ModelError> {
        self.check::<I, O>()?;
        layer.weight.copy_from(&self.weight);
        layer.bias.copy_from(&self.bias);
        Ok(())
    }
}

/// The weight of `layer` transposed: `[inputs, outputs]` row-major.
pub fn transposed(layer: &DenseParams) -> Vec<f32> {
    let mut t = vec![0.0; layer.weight.len()];
    for o in 0..layer.outputs {
        for i in 0..layer.inputs {
            t[i * layer.outputs + o] = layer.weight[o * layer.inputs + i];
        }
    }
    t
}
