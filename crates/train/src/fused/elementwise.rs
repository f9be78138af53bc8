//! The element-wise parts of a training step, written as branch-free loops
//! over plain slices so the compiler vectorises them: bias plus sigmoid
//! with binary cross-entropy on logits and the L1 penalty on codes (the
//! column sums of bias gradients, activations and their slopes are in
//! `aelab_models`, shared with evaluation and the layered engine).
//!
//! `exp` and `ln(1 + x)` are the only transcendental functions needed, and
//! only on `(-inf, 0]` and `[0, 1]`, so both are `aelab_kernels::elementary`
//! polynomials rather than calls into libm (which the compiler cannot
//! vectorise).

use aelab_kernels::elementary::{exp_nonpositive, ln_1p_unit};
use aelab_kernels::vectorised;

vectorised! {
    /// `sum |v|`, in [`LANES`] lanes.
    pub(crate) fn l1_norm(values: &[f32]) -> f32 {
        let mut lanes = [0.0f32; LANES];
        let whole = values.len() / LANES * LANES;
        for chunk in values[..whole].chunks_exact(LANES) {
            for lane in 0..LANES {
                lanes[lane] += chunk[lane].abs();
            }
        }
        lanes.iter().sum::<f32>() + values[whole..].iter().map(|v| v.abs()).sum::<f32>()
    }
}

vectorised! {
    /// Adds the gradient of `scale * sum |v|` to `grad`: `scale * sign(v)`
    /// (0 at 0).
    pub(crate) fn add_l1_gradient(grad: &mut [f32], values: &[f32], scale: f32) {
        for (g, &v) in grad.iter_mut().zip(values) {
            let sign = if v > 0.0 { 1.0 } else if v < 0.0 { -1.0 } else { 0.0 };
            *g += scale * sign;
        }
    }
}

/// Lanes of the loss sum; a fixed count keeps the summation order (and so
/// the result) independent of the vector width.
const LANES: usize = 8;

vectorised! {
    /// Binary cross-entropy between `sigmoid(logits + bias)` and `targets`
    /// (rows of `bias.len()`), averaged over every element as dfdx's
    /// `binary_cross_entropy_with_logits_loss` does, and its gradient with
    /// respect to the biased logits, written to `grads`.
    ///
    /// Per element, with `e = e^-|z|`: loss `max(z, 0) - z y + ln(1 + e)`,
    /// gradient `(sigmoid(z) - y) / count`.
    pub(crate) fn bias_sigmoid_bce_backward(
        logits: &[f32],
        bias: &[f32],
        targets: &[f32],
        grads: &mut [f32],
    ) -> f32 {
        assert!(logits.len() == targets.len() && grads.len() == logits.len());
        let width = bias.len();
        let scale = 1.0 / logits.len() as f32;
        let mut lanes = [0.0f32; LANES];
        let mut tail = 0.0f32;
        let whole = width / LANES * LANES;
        for ((z_row, y_row), g_row) in logits
            .chunks_exact(width)
            .zip(targets.chunks_exact(width))
            .zip(grads.chunks_exact_mut(width))
        {
            let chunks = z_row[..whole]
                .chunks_exact(LANES)
                .zip(bias[..whole].chunks_exact(LANES))
                .zip(y_row[..whole].chunks_exact(LANES))
                .zip(g_row[..whole].chunks_exact_mut(LANES));
            for (((zs, bs), ys), gs) in chunks {
                for lane in 0..LANES {
                    let (loss, grad) = sigmoid_bce(zs[lane] + bs[lane], ys[lane], scale);
                    lanes[lane] += loss;
                    gs[lane] = grad;
                }
            }
            for c in whole..width {
                let (loss, grad) = sigmoid_bce(z_row[c] + bias[c], y_row[c], scale);
                tail += loss;
                g_row[c] = grad;
            }
        }
        (lanes.iter().sum::<f32>() + tail) * scale
    }
}

#[inline(always)]
fn sigmoid_bce(z: f32, y: f32, scale: f32) -> (f32, f32) {
    let e = exp_nonpositive(-z.abs());
    let numerator = if z >= 0.0 { 1.0 } else { e };
    let sigmoid = numerator / (1.0 + e);
    let loss = z.max(0.0) - z * y + ln_1p_unit(e);
    (loss, (sigmoid - y) * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_bce_matches_the_definition() {
        let logits = [-30.0f32, -2.0, -0.1, 0.0, 0.3, 4.0, 25.0, 1.0, -1.0];
        let targets = [0.0f32, 0.2, 1.0, 0.5, 0.0, 1.0, 0.7, 0.9, 0.1];
        let mut grads = [0.0f32; 9];
        // three rows of three; the bias shifts every column's logits
        let bias = [0.5f32, -0.25, 0.0];
        let unbiased: Vec<f32> = logits
            .iter()
            .zip(bias.iter().cycle())
            .map(|(z, b)| z - b)
            .collect();
        let loss = bias_sigmoid_bce_backward(&unbiased, &bias, &targets, &mut grads);
        let n = logits.len() as f64;
        let mut want_loss = 0.0;
        for i in 0..logits.len() {
            let z = f64::from(unbiased[i] + bias[i % 3]);
            let y = f64::from(targets[i]);
            let p = 1.0 / (1.0 + (-z).exp());
            want_loss += z.max(0.0) - z * y + (-z.abs()).exp().ln_1p();
            let want_grad = (p - y) / n;
            assert!((f64::from(grads[i]) - want_grad).abs() < 1e-7, "{z}");
        }
        assert!((f64::from(loss) - want_loss / n).abs() < 1e-6);
    }

    #[test]
    fn the_vector_and_portable_paths_give_the_same_bits() {
        // a width that leaves a tail after the 8-lane chunks
        let width = 13;
        let logits: Vec<f32> = (0..5 * width)
            .map(|i| ((i * 37) % 23) as f32 - 11.5)
            .collect();
        let targets: Vec<f32> = (0..5 * width).map(|i| (i % 7) as f32 / 6.0).collect();
        let bias: Vec<f32> = (0..width).map(|i| i as f32 * 0.1).collect();
        let mut grads = vec![0.0; logits.len()];
        let loss = bias_sigmoid_bce_backward(&logits, &bias, &targets, &mut grads);
        // the same loop, element by element, without the lanes' vector code
        let scale = 1.0 / logits.len() as f32;
        let mut lanes = [0.0f32; LANES];
        let mut tail = 0.0f32;
        for (i, &z) in logits.iter().enumerate() {
            let c = i % width;
            let (l, g) = sigmoid_bce(z + bias[c], targets[i], scale);
            assert_eq!(g.to_bits(), grads[i].to_bits());
            if c < width / LANES * LANES {
                lanes[c % LANES] += l;
            } else {
                tail += l;
            }
        }
        let want = (lanes.iter().sum::<f32>() + tail) * scale;
        assert_eq!(loss.to_bits(), want.to_bits());
    }
}
