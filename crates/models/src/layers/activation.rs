//! The activation after a layer of a list, in place on its output, and its
//! slope for the backward pass (from the output alone). The family's
//! activations come from [`crate::activation`]; `linear`, `sigmoid` and a
//! leaky ReLU of any slope are added here.

use aelab_kernels::vectorised;

use crate::activation::{activation_backward, bias_activate_in_place, bias_sigmoid_in_place};
use crate::layers::LayerActivation;
use crate::{Activation, LEAKY_SLOPE};

impl LayerActivation {
    /// Whether [`LayerActivation::backward`] can work from the output (every
    /// activation but GELU, whose slope needs its input).
    pub fn backward_from_output(self) -> bool {
        self != LayerActivation::Family(Activation::Gelu)
    }

    /// `values` (rows of `bias.len()`) become `activation(values + bias)`.
    /// Callers broadcast a per-channel bias to a whole example's row (and
    /// pass zeros for a layer without one), so the loops run long.
    pub fn apply(self, values: &mut [f32], bias: &[f32]) {
        match self {
            LayerActivation::Linear => crate::add_bias_in_place(values, bias),
            LayerActivation::Sigmoid => bias_sigmoid_in_place(values, bias),
            LayerActivation::LeakyRelu(slope) if slope == LEAKY_SLOPE => {
                bias_activate_in_place(Activation::LeakyRelu, values, bias)
            }
            LayerActivation::LeakyRelu(slope) => {
                crate::add_bias_in_place(values, bias);
                leaky(values, slope);
            }
            LayerActivation::Family(a) => bias_activate_in_place(a, values, bias),
        }
    }

    /// `grad` (of the activation's output) becomes the gradient of its
    /// input; `output` is the activation's output.
    pub fn backward(self, grad: &mut [f32], output: &[f32]) {
        match self {
            LayerActivation::Linear => {}
            LayerActivation::Sigmoid => sigmoid_backward(grad, output),
            LayerActivation::LeakyRelu(slope) => leaky_backward(grad, output, slope),
            LayerActivation::Family(a) => activation_backward(a, grad, output),
        }
    }
}

vectorised! {
    fn leaky(values: &mut [f32], slope: f32) {
        for v in values.iter_mut() {
            *v = if *v < 0.0 { slope * *v } else { *v };
        }
    }
}

vectorised! {
    fn leaky_backward(grad: &mut [f32], output: &[f32], slope: f32) {
        for (g, &y) in grad.iter_mut().zip(output) {
            *g *= if y > 0.0 { 1.0 } else { slope };
        }
    }
}

vectorised! {
    fn sigmoid_backward(grad: &mut [f32], output: &[f32]) {
        for (g, &y) in grad.iter_mut().zip(output) {
            *g *= y * (1.0 - y);
        }
    }
}
