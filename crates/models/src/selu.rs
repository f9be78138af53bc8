//! SELU, the scaled exponential linear unit (Klambauer et al. 2017), which
//! dfdx 0.13 lacks. Its kernels are crate-private there, so SELU is composed
//! from public ops:
//! `selu(x) = scale * relu(x) + scale * alpha * (exp(min(x, 0)) - 1)`.

use dfdx::nn::{Module, NonMutableModule, ZeroSizedModule};
use dfdx::prelude::*;

/// `scale` of SELU (the value Keras and PyTorch use).
pub const SELU_SCALE: f32 = 1.050_701;
/// `alpha` of SELU.
pub const SELU_ALPHA: f32 = 1.673_263_2;

/// The SELU activation as a parameter-free dfdx module.
#[derive(Default, Debug, Clone, Copy)]
pub struct Selu;

impl ZeroSizedModule for Selu {}
impl NonMutableModule for Selu {}

impl<S: Shape, D: Device<f32>, T: Tape<f32, D> + Merge<T>> Module<Tensor<S, f32, D, T>> for Selu {
    type Output = Tensor<S, f32, D, T>;
    type Error = D::Err;

    fn try_forward(&self, x: Tensor<S, f32, D, T>) -> Result<Self::Output, D::Err> {
        let positive = x.with_empty_tape().try_relu()?.try_mul(SELU_SCALE)?;
        let negative = x
            .try_clamp(f32::MIN, 0.0)?
            .try_exp()?
            .try_sub(1.0)?
            .try_mul(SELU_SCALE * SELU_ALPHA)?;
        positive.try_add(negative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selu_reference(x: f32) -> f32 {
        if x > 0.0 {
            SELU_SCALE * x
        } else {
            SELU_SCALE * SELU_ALPHA * (x.exp() - 1.0)
        }
    }

    #[test]
    fn constants_are_the_published_ones_to_f32_rounding() {
        // Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. 14
        let (scale, alpha) = (1.050_700_987_355_480_5f64, 1.673_263_242_354_377_3f64);
        assert_eq!(SELU_SCALE, scale as f32);
        assert_eq!(SELU_ALPHA, alpha as f32);
        // PyTorch's `nn.LeakyReLU(negative_slope=0.01)` default
        assert_eq!(crate::LEAKY_SLOPE, 0.01f64 as f32);
    }

    #[test]
    fn matches_the_definition_and_its_gradient() {
        let dev = Cpu::default();
        let xs = [-3.0f32, -0.5, 0.0, 0.25, 2.0];
        let x = dev.tensor(xs);
        let y = Selu.forward(x.clone()).array();
        for (i, &v) in xs.iter().enumerate() {
            assert!((y[i] - selu_reference(v)).abs() < 1e-6, "{v}: {}", y[i]);
        }
        let grads = Selu.forward(x.leaky_trace()).sum().backward();
        let g = grads.get(&x).array();
        for (i, &v) in xs.iter().enumerate() {
            let expected = if v > 0.0 {
                SELU_SCALE
            } else {
                SELU_SCALE * SELU_ALPHA * v.exp()
            };
            assert!(
                (g[i] - expected).abs() < 1e-5,
                "{v}: {} vs {expected}",
                g[i]
            );
        }
    }
}
