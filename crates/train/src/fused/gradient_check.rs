//! The fused engine's gradients against central finite differences of an
//! independent f64 forward pass (plain loops and libm, written here from
//! the definitions), for every activation, deeper stacks, tied weights and
//! the L1 code penalty, and the variational autoencoder (its loss with the
//! draws of the step held fixed). The gradient is read off one SGD step with
//! learning rate 1: the parameters move by exactly minus the gradient (to
//! f32 rounding).

use aelab_data::normal::fill_standard_normal;
use aelab_models::{Activation, Architecture, Autoencoder, DenseParams, Init, Kind};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::FusedNet;
use crate::OptimizerKind;

/// SELU's constants as Klambauer et al. (2017) publish them.
const PUBLISHED_SELU_SCALE: f64 = 1.050_700_987_355_480_5;
const PUBLISHED_SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
/// PyTorch's `LeakyReLU` default slope, which aelab's leaky ReLU uses.
const PYTORCH_LEAKY_SLOPE: f64 = 0.01;

/// The activation from its definition, in f64, with the published constants.
fn activate(activation: Activation, x: f64) -> f64 {
    match activation {
        Activation::Selu if x > 0.0 => PUBLISHED_SELU_SCALE * x,
        Activation::Selu => PUBLISHED_SELU_SCALE * PUBLISHED_SELU_ALPHA * (x.exp() - 1.0),
        Activation::Relu => x.max(0.0),
        Activation::LeakyRelu if x > 0.0 => x,
        Activation::LeakyRelu => PYTORCH_LEAKY_SLOPE * x,
        Activation::Elu if x > 0.0 => x,
        Activation::Elu => x.exp() - 1.0,
        Activation::Tanh => x.tanh(),
        Activation::Gelu => 0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2)),
    }
}

/// Mean BCE of `sigmoid(logits)` against the targets plus the code
/// penalty, for a batch, in f64; for a variational autoencoder, the BCE
/// summed over the pixels plus beta KL, per image, decoding
/// `mu + e^{lv/2} eps` with `draws` as eps (a row per image). `weights[j]`
/// is layer j's effective weight, `[outputs][inputs]`.
fn loss(
    architecture: &Architecture,
    layers: &[(Vec<Vec<f64>>, Vec<f64>)],
    input: &[Vec<f64>],
    target: &[Vec<f64>],
    draws: &[Vec<f64>],
) -> f64 {
    let last = layers.len() - 1;
    let code_layer = architecture.depth() - 1;
    let (mut bce, mut penalty, mut count, mut kl) = (0.0, 0.0, 0.0, 0.0);
    for (r, (x, y)) in input.iter().zip(target).enumerate() {
        let mut h = x.clone();
        for (j, (w, b)) in layers.iter().enumerate() {
            let z: Vec<f64> = w
                .iter()
                .zip(b)
                .map(|(row, bias)| row.iter().zip(&h).map(|(a, v)| a * v).sum::<f64>() + bias)
                .collect();
            h = if j == last {
                z
            } else if let (true, Some(_)) = (j == code_layer, architecture.beta()) {
                let (mean, log_variance) = z.split_at(z.len() / 2);
                kl += mean
                    .iter()
                    .zip(log_variance)
                    .map(|(m, l)| 0.5 * (m * m + l.exp() - 1.0 - l))
                    .sum::<f64>();
                mean.iter()
                    .zip(log_variance)
                    .zip(&draws[r])
                    .map(|((m, l), e)| m + (0.5 * l).exp() * e)
                    .collect()
            } else {
                z.iter()
                    .map(|&v| activate(architecture.activation, v))
                    .collect()
            };
            if j == code_layer {
                penalty += h.iter().map(|v| v.abs()).sum::<f64>();
            }
        }
        for (z, t) in h.iter().zip(y) {
            let p = 1.0 / (1.0 + (-z).exp());
            bce -= t * p.ln() + (1.0 - t) * (1.0 - p).ln();
            count += 1.0;
        }
    }
    let rows = input.len() as f64;
    match architecture.beta() {
        Some(beta) => (bce + f64::from(beta) * kl) / rows,
        None => bce / count + f64::from(architecture.sparsity) * penalty / rows,
    }
}

/// The effective layers of `model` in f64, tied ones transposed from their
/// mirror.
fn effective(model: &Autoencoder) -> Vec<(Vec<Vec<f64>>, Vec<f64>)> {
    let tied_to = model.architecture.tied_to();
    model
        .layers
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let weight: Vec<Vec<f64>> = (0..l.outputs)
                .map(|o| {
                    (0..l.inputs)
                        .map(|i| match tied_to[j] {
                            Some(m) => f64::from(model.layers[m].weight[i * l.outputs + o]),
                            None => f64::from(l.weight[o * l.inputs + i]),
                        })
                        .collect()
                })
                .collect();
            (weight, l.bias.iter().map(|&b| f64::from(b)).collect())
        })
        .collect()
}

fn check(architecture: Architecture) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let mut model = Autoencoder::new(architecture.clone(), &mut rng);
    // biases away from zero, so that their gradients are exercised too
    for layer in &mut model.layers {
        for b in &mut layer.bias {
            *b = rng.gen_range(-0.3..0.3);
        }
    }
    let rows = 5;
    let pixels = architecture.pixels;
    let input: Vec<f32> = (0..rows * pixels)
        .map(|_| rng.gen_range(0.0..1.0))
        .collect();
    let target: Vec<f32> = (0..rows * pixels)
        .map(|_| rng.gen_range(0.0..1.0))
        .collect();
    let as_rows = |v: &[f32]| -> Vec<Vec<f64>> {
        v.chunks(pixels)
            .map(|r| r.iter().map(|&x| f64::from(x)).collect())
            .collect()
    };
    let (x, y) = (as_rows(&input), as_rows(&target));
    // the draws a variational step makes, and the same ones for the reference
    let draws_seed = 8;
    let latent = architecture.latent();
    let mut draws = vec![0.0f32; rows * latent];
    fill_standard_normal(
        &mut Xoshiro256PlusPlus::seed_from_u64(draws_seed),
        &mut draws,
    );
    let draws: Vec<Vec<f64>> = draws
        .chunks(latent)
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();

    let mut net = FusedNet::new(&architecture, &model.layers, OptimizerKind::Sgd, 1.0, rows);
    net.reseed_draws(Xoshiro256PlusPlus::seed_from_u64(draws_seed));
    let fused_loss = net.step(&input, &target);
    let after = net.export();
    let reference = loss(&architecture, &effective(&model), &x, &y, &draws);
    assert!(
        (f64::from(fused_loss) - reference).abs() < 1e-5 * reference,
        "{architecture}: loss {fused_loss} vs {reference}"
    );

    let tied_to = architecture.tied_to();
    let step = 1e-5;
    let mut worst = 0.0f64;
    for j in 0..model.layers.len() {
        let weights = if tied_to[j].is_some() {
            0
        } else {
            model.layers[j].weight.len()
        };
        for k in 0..weights + model.layers[j].bias.len() {
            let layer: &DenseParams = &model.layers[j];
            let value = if k < weights {
                layer.weight[k]
            } else {
                layer.bias[k - weights]
            };
            let at = |delta: f64, m: &Autoencoder| {
                // f64 copies of the layers with this one parameter moved
                let mut layers = effective(m);
                let (w, b) = &mut layers[j];
                if k < weights {
                    let l = &m.layers[j];
                    w[k / l.inputs][k % l.inputs] += delta;
                    // a tied decoder layer sees this weight transposed
                    for (d, tie) in tied_to.iter().enumerate() {
                        if *tie == Some(j) {
                            layers[d].0[k % l.inputs][k / l.inputs] += delta;
                        }
                    }
                } else {
                    b[k - weights] += delta;
                }
                loss(&architecture, &layers, &x, &y, &draws)
            };
            let numeric = (at(step, &model) - at(-step, &model)) / (2.0 * step);
            let moved = if k < weights {
                after[j].weight[k]
            } else {
                after[j].bias[k - weights]
            };
            let analytic = f64::from(value) - f64::from(moved);
            let error = (analytic - numeric).abs() / (1e-4 + numeric.abs());
            worst = worst.max(error);
            assert!(error < 2e-3, "{architecture}: layer {j} parameter {k}: {analytic} vs finite difference {numeric}");
        }
    }
    assert!(worst < 2e-3, "{worst}");
}

fn small(activation: Activation) -> Architecture {
    Architecture {
        pixels: 7,
        layers: vec![6, 4, 3],
        activation,
        init: Init::GlorotUniform,
        tied: false,
        sparsity: 0.0,
        kind: Kind::Autoencoder,
    }
}

#[test]
fn every_activation_has_the_finite_difference_gradient() {
    for (_, activation) in Activation::NAMES {
        check(small(activation));
    }
}

#[test]
fn tied_weights_and_the_code_penalty_have_the_finite_difference_gradient() {
    for activation in [Activation::Selu, Activation::Tanh, Activation::Gelu] {
        check(Architecture {
            tied: true,
            ..small(activation)
        });
        check(Architecture {
            sparsity: 0.05,
            ..small(activation)
        });
        check(Architecture {
            tied: true,
            sparsity: 0.05,
            layers: vec![5],
            ..small(activation)
        });
    }
}

#[test]
fn the_variational_autoencoder_has_the_finite_difference_gradient() {
    for (activation, layers, beta) in [
        (Activation::Relu, vec![6, 3], 1.0),
        (Activation::Selu, vec![6, 4, 2], 4.0),
        (Activation::Tanh, vec![3], 0.5),
    ] {
        check(Architecture {
            layers,
            kind: Kind::Variational { beta },
            ..small(activation)
        });
    }
}
