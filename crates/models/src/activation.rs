//! The element-wise steps of a pass on flat buffers (rows of a layer's
//! outputs): bias plus an [`Activation`] for hidden layers and its
//! derivative for training, bias plus sigmoid for the pixels. Branch-free
//! loops on `aelab_kernels::elementary` polynomials, compiled for AVX2
//! where the CPU has it (one function per activation, so each loop is
//! vectorised on its own); the fused training engine and
//! [`crate::inference`] share them.
//!
//! Every loop uses selects rather than `min`/`max`, so that a NaN (a
//! diverged run) propagates instead of being hidden.

use aelab_kernels::elementary::exp_nonpositive;
use aelab_kernels::vectorised;

use crate::{Activation, SELU_ALPHA, SELU_SCALE};

/// Slope of the leaky ReLU below zero.
pub const LEAKY_SLOPE: f32 = 0.01;

/// `1 / sqrt(2)`.
const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// `1 / sqrt(2 pi)`.
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// `e^x - 1` for any `x`, through `e^min(x, 0)` (the positive side is not
/// needed by ELU and SELU, which are linear there).
#[inline(always)]
fn exp_minus_one_nonpositive(x: f32) -> f32 {
    let nonpositive = if x > 0.0 { 0.0 } else { x };
    exp_nonpositive(nonpositive) - 1.0
}

/// `tanh(x)` from `e^-2|x|`: within about 1e-7 absolute.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    let e = exp_nonpositive(-2.0 * x.abs());
    let magnitude = (1.0 - e) / (1.0 + e);
    let signed = if x < 0.0 { -magnitude } else { magnitude };
    if x.is_nan() {
        x
    } else {
        signed
    }
}

/// `erf(x)` by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let mut p = 1.061_405_4f32;
    p = p * t - 1.453_152_1;
    p = p * t + 1.421_413_8;
    p = p * t - 0.284_496_74;
    p = p * t + 0.254_829_6;
    let magnitude = 1.0 - p * t * exp_nonpositive(-a * a);
    if x < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// The exact GELU, `x Phi(x)`.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))
}

/// GELU's slope, `Phi(x) + x phi(x)`.
#[inline(always)]
fn gelu_slope(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * FRAC_1_SQRT_2)) + x * FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * x * x)
}

macro_rules! bias_activation {
    ($name:ident, $doc:literal, |$x:ident| $f:expr) => {
        vectorised! {
            #[doc = $doc]
            fn $name(values: &mut [f32], bias: &[f32]) {
                for row in values.chunks_exact_mut(bias.len()) {
                    for (v, b) in row.iter_mut().zip(bias) {
                        let $x = *v + b;
                        *v = $f;
                    }
                }
            }
        }
    };
}

bias_activation!(
    bias_selu,
    "SELU: `scale x` above zero, `scale alpha (e^x - 1)` below.",
    |x| {
        let negative = SELU_SCALE * SELU_ALPHA * exp_minus_one_nonpositive(x);
        if x > 0.0 {
            SELU_SCALE * x
        } else {
            negative
        }
    }
);
bias_activation!(bias_relu, "ReLU.", |x| if x < 0.0 { 0.0 } else { x });
bias_activation!(bias_leaky_relu, "Leaky ReLU.", |x| if x < 0.0 {
    LEAKY_SLOPE * x
} else {
    x
});
bias_activation!(bias_elu, "ELU with `alpha = 1`.", |x| {
    let negative = exp_minus_one_nonpositive(x);
    if x > 0.0 {
        x
    } else {
        negative
    }
});
bias_activation!(bias_tanh, "tanh.", |x| tanh(x));
bias_activation!(bias_gelu, "Exact GELU.", |x| gelu(x));
bias_activation!(
    bias_sigmoid,
    "The sigmoid, from `e^-|x|` so that neither tail overflows.",
    |x| {
        let e = exp_nonpositive(-x.abs());
        let numerator = if x >= 0.0 { 1.0 } else { e };
        numerator / (1.0 + e)
    }
);

/// `values` (rows of `bias.len()`) become `activation(values + bias)`.
pub fn bias_activate_in_place(activation: Activation, values: &mut [f32], bias: &[f32]) {
    match activation {
        Activation::Selu => bias_selu(values, bias),
        Activation::Relu => bias_relu(values, bias),
        Activation::LeakyRelu => bias_leaky_relu(values, bias),
        Activation::Elu => bias_elu(values, bias),
        Activation::Tanh => bias_tanh(values, bias),
        Activation::Gelu => bias_gelu(values, bias),
    }
}

/// `values` (rows of `bias.len()`) become `selu(values + bias)`.
pub fn bias_selu_in_place(values: &mut [f32], bias: &[f32]) {
    bias_selu(values, bias);
}

/// `values` (rows of `bias.len()`) become `values + bias`.
pub fn add_bias_in_place(values: &mut [f32], bias: &[f32]) {
    for row in values.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

/// `values` (rows of `bias.len()`) become `sigmoid(values + bias)`.
pub fn bias_sigmoid_in_place(values: &mut [f32], bias: &[f32]) {
    bias_sigmoid(values, bias);
}

macro_rules! slope_from_output {
    ($name:ident, $doc:literal, |$y:ident| $slope:expr) => {
        vectorised! {
            #[doc = $doc]
            fn $name(grad: &mut [f32], activated: &[f32]) {
                for (g, &$y) in grad.iter_mut().zip(activated) {
                    *g *= $slope;
                }
            }
        }
    };
}

slope_from_output!(
    selu_backward,
    "SELU: `scale` above zero, `y + scale alpha` below.",
    |y| {
        if y > 0.0 {
            SELU_SCALE
        } else {
            y + SELU_SCALE * SELU_ALPHA
        }
    }
);
slope_from_output!(
    relu_backward,
    "ReLU: 1 above zero, 0 below.",
    |y| if y > 0.0 { 1.0 } else { 0.0 }
);
slope_from_output!(leaky_relu_backward, "Leaky ReLU.", |y| if y > 0.0 {
    1.0
} else {
    LEAKY_SLOPE
});
slope_from_output!(
    elu_backward,
    "ELU: 1 above zero, `y + 1` below.",
    |y| if y > 0.0 { 1.0 } else { y + 1.0 }
);
slope_from_output!(tanh_backward, "tanh: `1 - y^2`.", |y| 1.0 - y * y);

vectorised! {
    /// GELU, from its input `x`.
    fn gelu_backward(grad: &mut [f32], inputs: &[f32]) {
        for (g, &x) in grad.iter_mut().zip(inputs) {
            *g *= gelu_slope(x);
        }
    }
}

/// Whether [`activation_backward`] needs the activation's input (with the
/// bias) rather than its output.
pub fn backward_needs_input(activation: Activation) -> bool {
    activation == Activation::Gelu
}

/// Turns `grad` (of the activation's output) into the gradient of its
/// input. `saved` is the activation's output, or its input where
/// [`backward_needs_input`] says so.
pub fn activation_backward(activation: Activation, grad: &mut [f32], saved: &[f32]) {
    match activation {
        Activation::Selu => selu_backward(grad, saved),
        Activation::Relu => relu_backward(grad, saved),
        Activation::LeakyRelu => leaky_relu_backward(grad, saved),
        Activation::Elu => elu_backward(grad, saved),
        Activation::Tanh => tanh_backward(grad, saved),
        Activation::Gelu => gelu_backward(grad, saved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definitions in f64 with libm, and the published constants
    /// (SELU: Klambauer et al. 2017; the leaky slope: PyTorch's default),
    /// not the code's own.
    fn reference(activation: Activation, x: f64) -> (f64, f64) {
        let (s, a) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_3);
        let leaky = 0.01;
        match activation {
            Activation::Selu if x > 0.0 => (s * x, s),
            Activation::Selu => (s * a * (x.exp() - 1.0), s * a * x.exp()),
            Activation::Relu => (x.max(0.0), if x > 0.0 { 1.0 } else { 0.0 }),
            Activation::LeakyRelu if x > 0.0 => (x, 1.0),
            Activation::LeakyRelu => (leaky * x, leaky),
            Activation::Elu if x > 0.0 => (x, 1.0),
            Activation::Elu => (x.exp() - 1.0, x.exp()),
            Activation::Tanh => (x.tanh(), 1.0 - x.tanh().powi(2)),
            Activation::Gelu => {
                let erf = libm::erf(x / std::f64::consts::SQRT_2);
                let pdf = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                (0.5 * x * (1.0 + erf), 0.5 * (1.0 + erf) + x * pdf)
            }
        }
    }

    #[test]
    fn every_activation_and_slope_matches_its_definition() {
        let xs: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.0125 + 0.003).collect();
        for (name, activation) in Activation::NAMES {
            let bias = [0.25f32];
            let mut ys: Vec<f32> = xs.iter().map(|x| x - 0.25).collect();
            bias_activate_in_place(activation, &mut ys, &bias);
            let mut grads = vec![1.0f32; xs.len()];
            let saved = if backward_needs_input(activation) {
                &xs
            } else {
                &ys
            };
            activation_backward(activation, &mut grads, saved);
            for i in 0..xs.len() {
                let (y, slope) = reference(activation, f64::from(xs[i]));
                assert!(
                    (f64::from(ys[i]) - y).abs() < 3e-6 * (1.0 + y.abs()),
                    "{name}({}) = {} vs {y}",
                    xs[i],
                    ys[i]
                );
                assert!(
                    (f64::from(grads[i]) - slope).abs() < 3e-6 * (1.0 + slope.abs()),
                    "{name}'({}) = {} vs {slope}",
                    xs[i],
                    grads[i]
                );
            }
            let mut nan = [f32::NAN];
            bias_activate_in_place(activation, &mut nan, &[0.0]);
            assert!(nan[0].is_nan(), "{name} must not hide a NaN");
        }
    }

    #[test]
    fn sigmoid_matches_the_definition_in_both_tails() {
        let xs = [-100.0f32, -20.0, -1.0, 0.0, 0.5, 20.0, 100.0];
        let mut ys = xs;
        bias_sigmoid_in_place(&mut ys, &[0.0]);
        for (x, y) in xs.iter().zip(ys) {
            let want = 1.0 / (1.0 + (-f64::from(*x)).exp());
            assert!(
                (f64::from(y) - want).abs() <= 1e-7 * want.max(1e-30) + 1e-38,
                "{x}: {y}"
            );
        }
    }
}
