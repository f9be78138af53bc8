//! A variational autoencoder's loss in closed form, on the mean code as
//! evaluation decodes it: per image, the binary cross-entropy summed over
//! the pixels of the decoded mean plus `beta` times the KL divergence of
//! the encoder's Gaussian from the N(0, I) prior,
//! `KL = 0.5 sum_d (mu_d^2 + e^{lv_d} - 1 - lv_d)` (Kingma and Welling
//! 2014, appendix B). With beta 1 the loss is the negative ELBO of
//! PyTorch's VAE example, in nats per image.

use crate::score::score;
use crate::Reconstructor;

/// The KL divergence of `N(mean, e^log_variance)` from `N(0, 1)`.
pub fn kl_term(mean: f32, log_variance: f32) -> f64 {
    let (mu, lv) = (f64::from(mean), f64::from(log_variance));
    0.5 * (mu * mu + lv.exp() - 1.0 - lv)
}

/// A variational autoencoder scored on some images.
#[derive(Debug, Clone, PartialEq)]
pub struct VariationalScores {
    /// Reconstruction BCE summed over the pixels plus `beta` KL, the mean
    /// over the images (nats per image; the negative ELBO when beta is 1).
    pub loss: f64,
    /// The KL term alone, the mean over the images (nats per image).
    pub kl: f64,
    /// The KL of each code dimension, the mean over the images: dimensions
    /// near 0 are unused by the model ("inactive units").
    pub kl_per_dimension: Vec<f64>,
}

/// `model`'s [`VariationalScores`] on `inputs` against `targets` (whole
/// images); `None` for a plain autoencoder or no images.
pub fn variational_scores(
    model: &dyn Reconstructor,
    inputs: &[f32],
    targets: &[f32],
) -> Option<VariationalScores> {
    let beta = f64::from(model.variational_beta()?);
    let latent = model.latent_dim();
    let (mean, log_variance) = model.encode_distribution(inputs)?;
    let images = mean.len() / latent.max(1);
    if images == 0 {
        return None;
    }
    let pixels = inputs.len() / images;
    let reconstruction_bce = score(&model.decode(&mean), targets).bce * pixels as f64;
    let mut kl_per_dimension = vec![0.0; latent];
    for (mu, lv) in mean
        .chunks_exact(latent)
        .zip(log_variance.chunks_exact(latent))
    {
        for ((sum, &m), &l) in kl_per_dimension.iter_mut().zip(mu).zip(lv) {
            *sum += kl_term(m, l);
        }
    }
    kl_per_dimension
        .iter_mut()
        .for_each(|k| *k /= images as f64);
    let kl: f64 = kl_per_dimension.iter().sum();
    Some(VariationalScores {
        loss: reconstruction_bce + beta * kl,
        kl,
        kl_per_dimension,
    })
}

/// Each image's loss as [`VariationalScores::loss`] counts it (the BCE of
/// the decoded mean code summed over the pixels, plus `beta` times the
/// image's KL): the negative ELBO per image when beta is 1. `None` for a
/// plain autoencoder.
pub fn variational_image_losses(
    model: &dyn Reconstructor,
    inputs: &[f32],
    targets: &[f32],
) -> Option<Vec<f64>> {
    let beta = f64::from(model.variational_beta()?);
    let latent = model.latent_dim().max(1);
    let (mean, log_variance) = model.encode_distribution(inputs)?;
    let images = mean.len() / latent;
    if images == 0 {
        return Some(Vec::new());
    }
    let pixels = targets.len() / images;
    let decoded = model.decode(&mean);
    Some(
        decoded
            .chunks_exact(pixels)
            .zip(targets.chunks_exact(pixels))
            .zip(
                mean.chunks_exact(latent)
                    .zip(log_variance.chunks_exact(latent)),
            )
            .map(|((decoded, target), (mu, lv))| {
                let kl: f64 = mu.iter().zip(lv).map(|(&m, &l)| kl_term(m, l)).sum();
                score(decoded, target).bce * pixels as f64 + beta * kl
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// The closed form against a Monte-Carlo estimate of
    /// `E_q[ln q(z) - ln p(z)]` from draws of `q = N(mu, sigma^2)`.
    #[test]
    fn closed_form_kl_matches_a_monte_carlo_estimate() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for &(mu, lv) in &[(0.0f32, 0.0f32), (1.5, -1.0), (-0.7, 0.8), (2.0, -3.0)] {
            let sigma = (0.5 * f64::from(lv)).exp();
            let n = 400_000;
            let mut sum = 0.0;
            for _ in 0..n {
                let e: f64 = StandardNormal.sample(&mut rng);
                let z = f64::from(mu) + sigma * e;
                // ln q - ln p; the 0.5 ln(2 pi) terms cancel
                sum += -sigma.ln() - 0.5 * e * e + 0.5 * z * z;
            }
            let estimate = sum / n as f64;
            let exact = kl_term(mu, lv);
            // the estimator's standard deviation is below 3 / sqrt(n) here
            assert!(
                (estimate - exact).abs() < 0.01,
                "mu {mu} lv {lv}: {estimate} vs {exact}"
            );
        }
        assert_eq!(kl_term(0.0, 0.0), 0.0);
    }

    /// A stand-in VAE with known parts: every image's code distribution is
    /// `N(mu, e^lv)` per dimension as given, and it decodes any code to a
    /// uniform grey `p`.
    struct KnownVae {
        beta: f32,
        mu: [f32; 2],
        lv: [f32; 2],
        p: f32,
        pixels: usize,
    }

    impl Reconstructor for KnownVae {
        fn latent_dim(&self) -> usize {
            2
        }
        fn encode(&self, images: &[f32]) -> Vec<f32> {
            self.mu.repeat(images.len() / self.pixels)
        }
        fn decode(&self, codes: &[f32]) -> Vec<f32> {
            vec![self.p; codes.len() / 2 * self.pixels]
        }
        fn variational_beta(&self) -> Option<f32> {
            Some(self.beta)
        }
        fn encode_distribution(&self, images: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
            let n = images.len() / self.pixels;
            Some((self.mu.repeat(n), self.lv.repeat(n)))
        }
        fn save_weights(&self, _: &std::path::Path) -> Result<(), crate::ModelError> {
            Ok(())
        }
    }

    #[test]
    fn the_loss_is_the_summed_bce_plus_beta_kl_in_closed_form() {
        // 3 images of 4 pixels, targets 0 and 1 half each, decoded to 0.25:
        // BCE per pixel is (ln 4 + ln 4/3) / 2, summed over 4 pixels; the
        // KL of N(1, e^0) and N(0, e^-2) from N(0, 1) is 0.5 (1 + 1 - 1 - 0)
        // + 0.5 (0 + e^-2 - 1 + 2)
        let vae = KnownVae {
            beta: 4.0,
            mu: [1.0, 0.0],
            lv: [0.0, -2.0],
            p: 0.25,
            pixels: 4,
        };
        let targets: Vec<f32> = [0.0, 1.0, 0.0, 1.0].repeat(3);
        let scores = variational_scores(&vae, &targets, &targets).unwrap();
        let bce = 4.0 * (4f64.ln() + (4.0f64 / 3.0).ln()) / 2.0;
        let kl = [0.5, 0.5 * ((-2f64).exp() + 1.0)];
        assert!((scores.kl_per_dimension[0] - kl[0]).abs() < 1e-9);
        assert!((scores.kl_per_dimension[1] - kl[1]).abs() < 1e-7);
        assert!((scores.kl - (kl[0] + kl[1])).abs() < 1e-7);
        assert!(
            (scores.loss - (bce + 4.0 * (kl[0] + kl[1]))).abs() < 1e-5,
            "{scores:?}"
        );
        // each image's loss is the same, and their mean is the loss
        let each = variational_image_losses(&vae, &targets, &targets).unwrap();
        assert_eq!(each.len(), 3);
        for loss in each {
            assert!((loss - scores.loss).abs() < 1e-9);
        }
    }
}
