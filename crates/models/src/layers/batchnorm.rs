//! Batch normalisation over rows of `channels` values (every position of a
//! channels-last map, or the units of a flat vector). Training normalises
//! with the batch's mean and biased variance and moves the running
//! statistics towards the batch's (PyTorch's rule: `momentum` of the new
//! value, the unbiased variance); evaluation normalises with the running
//! ones. Sums run in f64, in row order, so results do not depend on how
//! the rows were produced.

/// What the backward pass needs from a training forward pass.
#[derive(Debug, Clone, Default)]
pub struct BatchStats {
    pub mean: Vec<f32>,
    pub inv_std: Vec<f32>,
}

/// `out` from `input` with the batch's statistics; `scale_shift` is the
/// learned `(gamma, beta)` if the layer is affine. Updates `running`
/// (`mean`, `variance`).
pub fn batchnorm_train_forward(
    channels: usize,
    eps: f32,
    momentum: f32,
    scale_shift: Option<(&[f32], &[f32])>,
    running: (&mut [f32], &mut [f32]),
    input: &[f32],
    out: &mut [f32],
) -> BatchStats {
    let rows = input.len() / channels;
    let mut sum = vec![0.0f64; channels];
    for row in input.chunks_exact(channels) {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += f64::from(v);
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / rows as f64).collect();
    let mut squares = vec![0.0f64; channels];
    for row in input.chunks_exact(channels) {
        for ((s, &v), m) in squares.iter_mut().zip(row).zip(&mean) {
            let d = f64::from(v) - m;
            *s += d * d;
        }
    }
    let variance: Vec<f64> = squares.iter().map(|s| s / rows as f64).collect();
    let stats = BatchStats {
        mean: mean.iter().map(|&m| m as f32).collect(),
        inv_std: variance
            .iter()
            .map(|&v| (1.0 / (v + f64::from(eps)).sqrt()) as f32)
            .collect(),
    };
    let (running_mean, running_variance) = running;
    let unbiased = rows as f64 / (rows.max(2) - 1) as f64;
    for c in 0..channels {
        running_mean[c] = (1.0 - momentum) * running_mean[c] + momentum * stats.mean[c];
        running_variance[c] =
            (1.0 - momentum) * running_variance[c] + momentum * (variance[c] * unbiased) as f32;
    }
    normalise(&stats.mean, &stats.inv_std, scale_shift, input, out);
    stats
}

/// `out` from `input` with the running statistics.
pub fn batchnorm_eval_forward(
    eps: f32,
    scale_shift: Option<(&[f32], &[f32])>,
    running: (&[f32], &[f32]),
    input: &[f32],
    out: &mut [f32],
) {
    let (mean, variance) = running;
    let inv_std: Vec<f32> = variance
        .iter()
        .map(|&v| (1.0 / (f64::from(v) + f64::from(eps)).sqrt()) as f32)
        .collect();
    normalise(mean, &inv_std, scale_shift, input, out);
}

fn normalise(
    mean: &[f32],
    inv_std: &[f32],
    scale_shift: Option<(&[f32], &[f32])>,
    input: &[f32],
    out: &mut [f32],
) {
    let channels = mean.len();
    for (o_row, i_row) in out
        .chunks_exact_mut(channels)
        .zip(input.chunks_exact(channels))
    {
        for c in 0..channels {
            let x_hat = (i_row[c] - mean[c]) * inv_std[c];
            o_row[c] = match scale_shift {
                Some((gamma, beta)) => gamma[c] * x_hat + beta[c],
                None => x_hat,
            };
        }
    }
}

/// The input's gradient (overwritten) and, for an affine layer, the
/// gradients of `gamma` and `beta` (overwritten), through the batch
/// statistics of a training forward pass.
pub fn batchnorm_backward(
    stats: &BatchStats,
    gamma: Option<&[f32]>,
    input: &[f32],
    grad_out: &[f32],
    grad_input: &mut [f32],
    grad_scale_shift: Option<(&mut [f32], &mut [f32])>,
) {
    let channels = stats.mean.len();
    let rows = input.len() / channels;
    let x_hat = |i: f32, c: usize| (i - stats.mean[c]) * stats.inv_std[c];
    let mut sum_g = vec![0.0f64; channels];
    let mut sum_gx = vec![0.0f64; channels];
    for (g_row, i_row) in grad_out
        .chunks_exact(channels)
        .zip(input.chunks_exact(channels))
    {
        for c in 0..channels {
            sum_g[c] += f64::from(g_row[c]);
            sum_gx[c] += f64::from(g_row[c] * x_hat(i_row[c], c));
        }
    }
    if let Some((grad_gamma, grad_beta)) = grad_scale_shift {
        for c in 0..channels {
            grad_gamma[c] = sum_gx[c] as f32;
            grad_beta[c] = sum_g[c] as f32;
        }
    }
    // with g' = gamma g: dx = inv_std (g' - mean(g') - x_hat mean(g' x_hat))
    let n = rows as f64;
    let mean_g: Vec<f32> = sum_g.iter().map(|s| (s / n) as f32).collect();
    let mean_gx: Vec<f32> = sum_gx.iter().map(|s| (s / n) as f32).collect();
    for ((d_row, g_row), i_row) in grad_input
        .chunks_exact_mut(channels)
        .zip(grad_out.chunks_exact(channels))
        .zip(input.chunks_exact(channels))
    {
        for c in 0..channels {
            let scale = gamma.map_or(1.0, |g| g[c]);
            d_row[c] =
                scale * stats.inv_std[c] * (g_row[c] - mean_g[c] - x_hat(i_row[c], c) * mean_gx[c]);
        }
    }
}
