//! [`CodeDraws`]: a variational autoencoder's reparameterisation trick,
//! shared by the fused dense engine and the layered one. The encoder's
//! heads are rows of `latent` means then `latent` log-variances; the
//! decoder reads `z = mu + e^{lv/2} eps` with `eps` drawn from a stream the
//! caller seeds each epoch, and the backward pass turns the code's gradient
//! `dz` into the heads' with the KL term's added:
//! `dz + beta mu / rows` and `dz eps e^{lv/2} / 2 + beta (e^lv - 1) / 2 rows`
//! (the loss is per image, the mean over the batch's `rows`).

use aelab_data::normal::fill_standard_normal;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The draws of one batch and what the backward pass needs of them, each
/// `[rows, latent]`.
pub(crate) struct CodeDraws {
    pub(crate) beta: f32,
    pub(crate) latent: usize,
    draws: Vec<f32>,
    /// `e^{lv/2}` of each code value.
    deviations: Vec<f32>,
    codes: Vec<f32>,
    rng: Xoshiro256PlusPlus,
}

impl CodeDraws {
    /// Buffers for batches of up to `max_rows` codes of `latent` values (a
    /// larger batch grows them), drawing from a fixed stream until
    /// [`reseed`](Self::reseed).
    pub(crate) fn new(beta: f32, latent: usize, max_rows: usize) -> Self {
        CodeDraws {
            beta,
            latent,
            draws: vec![0.0; max_rows * latent],
            deviations: vec![0.0; max_rows * latent],
            codes: vec![0.0; max_rows * latent],
            rng: Xoshiro256PlusPlus::seed_from_u64(0),
        }
    }

    /// Where the draws come from from now on (the caller gives each epoch
    /// its own stream, so that a run continued from a checkpoint draws
    /// what an uninterrupted one draws).
    pub(crate) fn reseed(&mut self, rng: Xoshiro256PlusPlus) {
        self.rng = rng;
    }

    /// The codes of the last [`draw`](Self::draw), `len` values.
    pub(crate) fn codes(&self, len: usize) -> &[f32] {
        &self.codes[..len]
    }

    /// Draws the codes of `heads` (`rows` rows): `mu + e^{lv/2} eps`.
    pub(crate) fn draw(&mut self, heads: &[f32], rows: usize) {
        let n = rows * self.latent;
        for buffer in [&mut self.draws, &mut self.deviations, &mut self.codes] {
            if buffer.len() < n {
                buffer.resize(n, 0.0);
            }
        }
        fill_standard_normal(&mut self.rng, &mut self.draws[..n]);
        let latent = self.latent;
        for (r, row) in heads[..2 * n].chunks_exact(2 * latent).enumerate() {
            let (mean, log_variance) = row.split_at(latent);
            let span = r * latent..(r + 1) * latent;
            let draws = &self.draws[span.clone()];
            let deviations = &mut self.deviations[span.clone()];
            let codes = &mut self.codes[span];
            for i in 0..latent {
                deviations[i] = (0.5 * log_variance[i]).exp();
                codes[i] = mean[i] + deviations[i] * draws[i];
            }
        }
    }

    /// The heads' gradient (`[rows, 2 latent]`) from the code's (`dz`,
    /// `[rows, latent]`) and the KL term's, for the `heads` of the last
    /// [`draw`](Self::draw).
    pub(crate) fn heads_delta(&self, dz: &[f32], heads: &[f32], heads_delta: &mut [f32]) {
        let latent = self.latent;
        let rows = dz.len() / latent.max(1);
        let kl_scale = self.beta / rows as f32;
        let rows_iter = heads[..2 * rows * latent]
            .chunks_exact(2 * latent)
            .zip(heads_delta.chunks_exact_mut(2 * latent))
            .enumerate();
        for (r, (head, delta)) in rows_iter {
            let span = r * latent..(r + 1) * latent;
            let (dz, draws, deviations) = (
                &dz[span.clone()],
                &self.draws[span.clone()],
                &self.deviations[span],
            );
            let (mean, _) = head.split_at(latent);
            let (d_mean, d_log_variance) = delta.split_at_mut(latent);
            for i in 0..latent {
                let variance = deviations[i] * deviations[i];
                d_mean[i] = dz[i] + kl_scale * mean[i];
                d_log_variance[i] =
                    0.5 * dz[i] * draws[i] * deviations[i] + 0.5 * kl_scale * (variance - 1.0);
            }
        }
    }

    /// The batch's loss per image from its reconstruction loss per value
    /// (`per_value`, the mean over the batch's values) and its `heads`: the
    /// reconstruction summed over an image's `values` plus `beta` KL, the
    /// mean over the `rows` images.
    pub(crate) fn loss(&self, per_value: f32, values: usize, heads: &[f32], rows: usize) -> f32 {
        per_value * values as f32
            + self.beta * kl_sum(&heads[..2 * rows * self.latent], self.latent) / rows as f32
    }
}

/// `sum 0.5 (mu^2 + e^lv - 1 - lv)` over `heads` (rows of `latent` means
/// then `latent` log-variances).
fn kl_sum(heads: &[f32], latent: usize) -> f32 {
    heads
        .chunks_exact(2 * latent)
        .map(|row| {
            let (mean, log_variance) = row.split_at(latent);
            mean.iter()
                .zip(log_variance)
                .map(|(&m, &l)| 0.5 * (m * m + l.exp() - 1.0 - l))
                .sum::<f32>()
        })
        .sum()
}
