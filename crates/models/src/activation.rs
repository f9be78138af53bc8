//! The element-wise steps of a forward pass on flat buffers (rows of a
//! layer's outputs): bias plus SELU for hidden layers, bias plus sigmoid
//! for the pixels. Branch-free loops on `aelab_kernels::elementary`
//! polynomials, compiled for AVX2 where the CPU has it; the training
//! crate's fused engine and [`crate::inference`] share them.

use aelab_kernels::elementary::exp_nonpositive;
use aelab_kernels::vectorised;

use crate::{SELU_ALPHA, SELU_SCALE};

vectorised! {
    /// `values` (rows of `bias.len()`) become `selu(values + bias)`: `scale * x`
    /// above zero, `scale * alpha * (e^x - 1)` below.
    pub fn bias_selu_in_place(values: &mut [f32], bias: &[f32]) {
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                let x = *v + b;
                // selects rather than `min`, so that NaN (a diverged run) propagates
                let nonpositive = if x > 0.0 { 0.0 } else { x };
                let negative = SELU_SCALE * SELU_ALPHA * (exp_nonpositive(nonpositive) - 1.0);
                *v = if x > 0.0 { SELU_SCALE * x } else { negative };
            }
        }
    }
}

vectorised! {
    /// `values` (rows of `bias.len()`) become `sigmoid(values + bias)`,
    /// computed from `e^-|x|` so that neither tail overflows.
    pub fn bias_sigmoid_in_place(values: &mut [f32], bias: &[f32]) {
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                let x = *v + b;
                let e = exp_nonpositive(-x.abs());
                let numerator = if x >= 0.0 { 1.0 } else { e };
                *v = numerator / (1.0 + e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selu_forward_matches_the_definition_and_keeps_nan() {
        let xs = [-5.0f32, -0.5, -1e-3, 0.0, 1e-3, 2.0];
        let mut ys = xs.map(|x| x - 0.5);
        bias_selu_in_place(&mut ys, &[0.5]);
        for (x, y) in xs.iter().zip(ys) {
            let x = f64::from(*x);
            let (s, a) = (f64::from(SELU_SCALE), f64::from(SELU_ALPHA));
            let want = if x > 0.0 {
                s * x
            } else {
                s * a * (x.exp() - 1.0)
            };
            assert!((f64::from(y) - want).abs() < 1e-6, "{x}");
        }
        let mut nan = [f32::NAN];
        bias_selu_in_place(&mut nan, &[0.0]);
        assert!(nan[0].is_nan(), "SELU must not hide a NaN");
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
