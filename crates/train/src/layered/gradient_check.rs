//! The layered engine's gradients against central finite differences of an
//! independent forward pass: every layer kind written out in f64 from its
//! definition (PyTorch's for conv, transposed conv and batch norm, Keras'
//! for 'same' padding and pooling), with direct loops rather than patch
//! matrices, at odd sizes, strides 1 and 2, every padding; and a
//! variational network's loss (the reparameterised draw and the KL from
//! Kingma and Welling's closed form) on the trainer's own draws.

use aelab_data::normal::fill_standard_normal;
use aelab_models::layers::{
    LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, LayeredNet, Loss, Padding, Shape,
};
use aelab_models::{Activation, Init};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::layered::LayeredTrainer;
use crate::update_rule::UpdateRule;
use crate::OptimizerKind;

fn layer(kind: LayerKind, activation: LayerActivation) -> LayerSpec {
    LayerSpec { kind, activation }
}

const TANH: LayerActivation = LayerActivation::Family(Activation::Tanh);

/// Padding before the first row: Keras' 'same' split (the odd one after),
/// or the explicit amount.
fn pad_before(size: usize, out: usize, kernel: usize, stride: usize, padding: Padding) -> isize {
    match padding {
        Padding::Valid => 0,
        Padding::Explicit(p) => p as isize,
        Padding::Same => (((out - 1) * stride + kernel).saturating_sub(size) / 2) as isize,
    }
}

/// [`pad_before`] for rows and columns: `(top, left)` of a window over
/// `size` that gives `out`.
fn pads_before(
    size: (usize, usize),
    out: (usize, usize),
    kernel: usize,
    stride: usize,
    padding: Padding,
) -> (isize, isize) {
    (
        pad_before(size.0, out.0, kernel, stride, padding),
        pad_before(size.1, out.1, kernel, stride, padding),
    )
}

fn activate(a: LayerActivation, x: f64) -> f64 {
    match a {
        LayerActivation::Linear => x,
        LayerActivation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        LayerActivation::LeakyRelu(s) => {
            if x < 0.0 {
                f64::from(s) * x
            } else {
                x
            }
        }
        LayerActivation::Family(Activation::Tanh) => x.tanh(),
        LayerActivation::Family(Activation::Relu) => x.max(0.0),
        LayerActivation::Family(Activation::Selu) => {
            // Klambauer et al. 2017's constants
            let (scale, alpha) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_3);
            if x > 0.0 {
                scale * x
            } else {
                scale * alpha * (x.exp() - 1.0)
            }
        }
        other => panic!("no reference for {other:?}"),
    }
}

/// One layer of the batch `x` (`rows` examples of `input`) in f64.
fn reference_layer(
    spec: &LayerSpec,
    input: Shape,
    output: Shape,
    params: &[Vec<f64>],
    x: &[f64],
    rows: usize,
) -> Vec<f64> {
    let (ih, iw, ic) = input.dims();
    let (oh, ow, oc) = output.dims();
    let mut y = vec![0.0; rows * output.len()];
    let at = |_h: usize, w: usize, c: usize, y: usize, x: usize, ch: usize| (y * w + x) * c + ch;
    match spec.kind {
        LayerKind::Conv {
            kernel,
            stride,
            padding,
            bias,
            ..
        } => {
            let (pt, pl) = pads_before((ih, iw), (oh, ow), kernel, stride, padding);
            for n in 0..rows {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for f in 0..oc {
                            let mut s = if bias { params[1][f] } else { 0.0 };
                            for ky in 0..kernel {
                                for kx in 0..kernel {
                                    let (yy, xx) = (
                                        (oy * stride + ky) as isize - pt,
                                        (ox * stride + kx) as isize - pl,
                                    );
                                    if yy < 0 || xx < 0 || yy >= ih as isize || xx >= iw as isize {
                                        continue;
                                    }
                                    for c in 0..ic {
                                        let w =
                                            params[0][((f * kernel + ky) * kernel + kx) * ic + c];
                                        s += w * x[n * input.len()
                                            + at(ih, iw, ic, yy as usize, xx as usize, c)];
                                    }
                                }
                            }
                            y[n * output.len() + at(oh, ow, oc, oy, ox, f)] = s;
                        }
                    }
                }
            }
        }
        LayerKind::Deconv {
            kernel,
            stride,
            padding,
            bias,
            ..
        } => {
            // y[i s + k - p] += x[i] w[k]: PyTorch's ConvTranspose2d
            let (pt, pl) = pads_before((oh, ow), (ih, iw), kernel, stride, padding);
            for n in 0..rows {
                for v in y[n * output.len()..(n + 1) * output.len()].chunks_exact_mut(oc) {
                    for (f, v) in v.iter_mut().enumerate() {
                        *v = if bias { params[1][f] } else { 0.0 };
                    }
                }
                for iy in 0..ih {
                    for ix in 0..iw {
                        for ky in 0..kernel {
                            for kx in 0..kernel {
                                let (yy, xx) = (
                                    (iy * stride + ky) as isize - pt,
                                    (ix * stride + kx) as isize - pl,
                                );
                                if yy < 0 || xx < 0 || yy >= oh as isize || xx >= ow as isize {
                                    continue;
                                }
                                for c in 0..ic {
                                    let v = x[n * input.len() + at(ih, iw, ic, iy, ix, c)];
                                    for f in 0..oc {
                                        let w =
                                            params[0][((c * kernel + ky) * kernel + kx) * oc + f];
                                        y[n * output.len()
                                            + at(oh, ow, oc, yy as usize, xx as usize, f)] += v * w;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        LayerKind::MaxPool {
            size,
            stride,
            padding,
        } => {
            let (pt, pl) = pads_before((ih, iw), (oh, ow), size, stride, padding);
            for n in 0..rows {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for c in 0..ic {
                            let mut m = f64::NEG_INFINITY;
                            for ky in 0..size {
                                for kx in 0..size {
                                    let (yy, xx) = (
                                        (oy * stride + ky) as isize - pt,
                                        (ox * stride + kx) as isize - pl,
                                    );
                                    if yy >= 0 && xx >= 0 && yy < ih as isize && xx < iw as isize {
                                        m = m.max(
                                            x[n * input.len()
                                                + at(ih, iw, ic, yy as usize, xx as usize, c)],
                                        );
                                    }
                                }
                            }
                            y[n * output.len() + at(oh, ow, oc, oy, ox, c)] = m;
                        }
                    }
                }
            }
        }
        LayerKind::Upsample { factor } => {
            for n in 0..rows {
                for yy in 0..oh {
                    for xx in 0..ow {
                        for c in 0..oc {
                            y[n * output.len() + at(oh, ow, oc, yy, xx, c)] =
                                x[n * input.len() + at(ih, iw, ic, yy / factor, xx / factor, c)];
                        }
                    }
                }
            }
        }
        LayerKind::Dense { units, bias } => {
            let inputs = input.len();
            for n in 0..rows {
                for u in 0..units {
                    let mut s = if bias { params[1][u] } else { 0.0 };
                    for i in 0..inputs {
                        s += params[0][u * inputs + i] * x[n * inputs + i];
                    }
                    y[n * units + u] = s;
                }
            }
        }
        LayerKind::BatchNorm { affine, eps, .. } => {
            let c = input.channels();
            let count = x.len() / c;
            for ch in 0..c {
                let values: Vec<f64> = x.iter().skip(ch).step_by(c).copied().collect();
                let mean = values.iter().sum::<f64>() / count as f64;
                let var =
                    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / count as f64;
                for (k, v) in values.iter().enumerate() {
                    let z = (v - mean) / (var + f64::from(eps)).sqrt();
                    y[k * c + ch] = if affine {
                        params[0][ch] * z + params[1][ch]
                    } else {
                        z
                    };
                }
            }
        }
        LayerKind::Flatten | LayerKind::Reshape { .. } | LayerKind::Activation => {
            y.copy_from_slice(x)
        }
    }
    y.iter().map(|&v| activate(spec.activation, v)).collect()
}

/// The loss of the whole network in f64, with `params` in place of the net's.
fn reference_loss(
    net: &LayeredNet,
    params: &[Vec<Vec<f64>>],
    input: &[f64],
    target: &[f64],
    draws: &[f64],
) -> f64 {
    let rows = input.len() / net.architecture.input.len();
    let mut x = input.to_vec();
    let mut kl = 0.0;
    for (j, layer) in net.plan.layers().enumerate() {
        x = reference_layer(&layer.spec, layer.input, layer.output, &params[j], &x, rows);
        if net.architecture.beta.is_some() && j + 1 == net.plan.encoder.len() {
            // z = mu + sigma eps; KL(N(mu, sigma^2) || N(0, 1)) in closed form
            let latent = x.len() / rows / 2;
            let mut z = Vec::with_capacity(rows * latent);
            for (r, heads) in x.chunks_exact(2 * latent).enumerate() {
                for d in 0..latent {
                    let (mu, log_variance) = (heads[d], heads[latent + d]);
                    let sigma = (0.5 * log_variance).exp();
                    z.push(mu + sigma * draws[r * latent + d]);
                    kl += 0.5 * (mu * mu + sigma * sigma - 1.0 - log_variance);
                }
            }
            x = z;
        }
    }
    if let Some(beta) = net.architecture.beta {
        // per image: the BCE summed over the values, plus beta KL
        let bce: f64 = x
            .iter()
            .zip(target)
            .map(|(p, t)| -(t * p.ln() + (1.0 - t) * (1.0 - p).ln()))
            .sum();
        return (bce + f64::from(beta) * kl) / rows as f64;
    }
    let n = x.len() as f64;
    match net.architecture.loss {
        Loss::Bce => {
            x.iter()
                .zip(target)
                .map(|(p, t)| -(t * p.ln() + (1.0 - t) * (1.0 - p).ln()))
                .sum::<f64>()
                / n
        }
        Loss::Mse => {
            x.iter()
                .zip(target)
                .map(|(p, t)| (p - t) * (p - t))
                .sum::<f64>()
                / n
        }
    }
}

/// Every parameter's analytic gradient against the central difference of
/// the reference loss.
fn check(input: Shape, encoder: Vec<LayerSpec>, decoder: Vec<LayerSpec>, loss: Loss) {
    check_architecture(LayeredArchitecture {
        input,
        encoder,
        decoder,
        loss,
        init: Init::GlorotUniform,
        beta: None,
    });
}

/// [`check`] of any architecture, a variational one on the draws its
/// trainer makes.
fn check_architecture(architecture: LayeredArchitecture) {
    let input = architecture.input;
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut net = LayeredNet::new(architecture, &mut rng).unwrap();
    // biases and batch-norm scales away from their starting values
    for tensors in &mut net.params {
        for t in tensors.iter_mut() {
            for v in t.iter_mut() {
                *v += rng.gen_range(-0.2..0.2);
            }
        }
    }
    let rows = 3;
    let x: Vec<f32> = (0..rows * input.len())
        .map(|_| rng.gen_range(0.0..1.0))
        .collect();
    let t: Vec<f32> = (0..rows * input.len())
        .map(|_| rng.gen_range(0.05..0.95))
        .collect();
    let params64: Vec<Vec<Vec<f64>>> = net
        .params
        .iter()
        .map(|ts| {
            ts.iter()
                .map(|t| t.iter().map(|&v| f64::from(v)).collect())
                .collect()
        })
        .collect();
    let (x64, t64): (Vec<f64>, Vec<f64>) = (
        x.iter().map(|&v| f64::from(v)).collect(),
        t.iter().map(|&v| f64::from(v)).collect(),
    );
    let mut trainer = LayeredTrainer::new(net.clone(), |lens| {
        UpdateRule::new(OptimizerKind::Sgd, 0.0, 0.0, 0.0, lens)
    });
    let draws_seed = 11;
    trainer.reseed_draws(Xoshiro256PlusPlus::seed_from_u64(draws_seed));
    let mut draws = vec![0.0f32; rows * net.plan.code().len()];
    fill_standard_normal(
        &mut Xoshiro256PlusPlus::seed_from_u64(draws_seed),
        &mut draws,
    );
    let draws: Vec<f64> = draws.iter().map(|&v| f64::from(v)).collect();
    let reference_loss = |p: &[Vec<Vec<f64>>]| reference_loss(&net, p, &x64, &t64, &draws);
    let loss = trainer.loss_and_gradients(&x, &t);
    let want_loss = reference_loss(&params64);
    assert!(
        (f64::from(loss) - want_loss).abs() < 1e-5 * want_loss.abs().max(1.0),
        "loss {loss} vs {want_loss}"
    );
    let grads = trainer.gradients();
    let h = 1e-6;
    for (j, tensors) in params64.iter().enumerate() {
        for (k, tensor) in tensors.iter().enumerate() {
            let scale = grads[j][k]
                .iter()
                .fold(1e-3f64, |m, g| m.max(f64::from(g.abs())));
            for i in 0..tensor.len() {
                let mut p = params64.clone();
                p[j][k][i] += h;
                let up = reference_loss(&p);
                p[j][k][i] -= 2.0 * h;
                let down = reference_loss(&p);
                let numeric = (up - down) / (2.0 * h);
                let analytic = f64::from(grads[j][k][i]);
                assert!(
                    (numeric - analytic).abs() <= 2e-3 * scale,
                    "layer {j} ({}), tensor {k}, value {i}: analytic {analytic}, numeric {numeric}",
                    net.plan.layers().nth(j).unwrap().spec
                );
            }
        }
    }
}

fn conv(
    filters: usize,
    kernel: usize,
    stride: usize,
    padding: Padding,
    activation: LayerActivation,
) -> LayerSpec {
    layer(
        LayerKind::Conv {
            filters,
            kernel,
            stride,
            padding,
            bias: true,
        },
        activation,
    )
}

fn deconv(
    filters: usize,
    kernel: usize,
    stride: usize,
    padding: Padding,
    output_padding: usize,
    activation: LayerActivation,
) -> LayerSpec {
    layer(
        LayerKind::Deconv {
            filters,
            kernel,
            stride,
            padding,
            output_padding,
            bias: true,
        },
        activation,
    )
}

fn map(height: usize, width: usize, channels: usize) -> Shape {
    Shape::Map {
        height,
        width,
        channels,
    }
}

/// Strided 'same' and explicit-padding convs, mirrored by transposed convs
/// with output padding; a sigmoid output with BCE. 7 x 5 input.
#[test]
fn strided_convs_and_transposed_convs() {
    check(
        map(7, 5, 2),
        vec![
            conv(3, 3, 2, Padding::Same, TANH),
            conv(
                4,
                3,
                1,
                Padding::Explicit(1),
                LayerActivation::Family(Activation::Selu),
            ),
        ],
        vec![
            deconv(3, 3, 1, Padding::Explicit(1), 0, TANH),
            deconv(2, 3, 2, Padding::Explicit(1), 0, LayerActivation::Sigmoid),
        ],
        Loss::Bce,
    );
}

/// Valid padding, 'same' pooling on an odd size, upsampling, a dense code
/// through flatten and reshape; MSE on a sigmoid output.
#[test]
fn pooling_upsampling_and_a_dense_code() {
    check(
        map(6, 6, 1),
        vec![
            conv(3, 3, 1, Padding::Valid, LayerActivation::LeakyRelu(0.2)),
            layer(
                LayerKind::MaxPool {
                    size: 2,
                    stride: 2,
                    padding: Padding::Same,
                },
                LayerActivation::Linear,
            ),
            layer(LayerKind::Flatten, LayerActivation::Linear),
            layer(
                LayerKind::Dense {
                    units: 5,
                    bias: true,
                },
                TANH,
            ),
        ],
        vec![
            layer(
                LayerKind::Dense {
                    units: 12,
                    bias: false,
                },
                TANH,
            ),
            layer(
                LayerKind::Reshape {
                    height: 2,
                    width: 2,
                    channels: 3,
                },
                LayerActivation::Linear,
            ),
            layer(LayerKind::Upsample { factor: 2 }, LayerActivation::Linear),
            // a sigmoid output under MSE, as Deep SVDD's decoder
            deconv(1, 3, 1, Padding::Valid, 0, LayerActivation::Sigmoid),
        ],
        Loss::Mse,
    );
}

/// Batch norms with and without affine parameters, a conv without bias,
/// a transposed conv with Keras 'same' padding at stride 2 (Deep SVDD's and
/// DCEC's pieces).
#[test]
fn batch_norms_and_same_transposed_convs() {
    check(
        map(5, 5, 1),
        vec![
            layer(
                LayerKind::Conv {
                    filters: 2,
                    kernel: 3,
                    stride: 1,
                    padding: Padding::Same,
                    bias: false,
                },
                LayerActivation::Linear,
            ),
            layer(
                LayerKind::BatchNorm {
                    affine: false,
                    eps: 1e-4,
                    momentum: 0.1,
                },
                LayerActivation::LeakyRelu(0.01),
            ),
            conv(3, 3, 2, Padding::Same, LayerActivation::Linear),
            layer(
                LayerKind::BatchNorm {
                    affine: true,
                    eps: 1e-3,
                    momentum: 0.1,
                },
                TANH,
            ),
        ],
        vec![
            deconv(2, 3, 2, Padding::Same, 0, TANH),
            // 6x6 -> 5x5
            conv(1, 2, 1, Padding::Valid, LayerActivation::Sigmoid),
        ],
        Loss::Bce,
    );
}

/// One-channel maps, where the patch matrix is kept by kernel tap: a first
/// conv at stride 2, a conv from one channel that passes its input's
/// gradient on, and a transposed conv back to one channel at stride 2.
#[test]
fn one_channel_convolutions_at_strides_one_and_two() {
    check(
        map(7, 7, 1),
        vec![
            conv(3, 3, 2, Padding::Same, TANH),
            conv(1, 3, 1, Padding::Same, TANH),
            conv(4, 3, 1, Padding::Explicit(2), TANH),
        ],
        vec![
            deconv(3, 3, 1, Padding::Explicit(2), 0, TANH),
            deconv(1, 3, 2, Padding::Explicit(1), 0, LayerActivation::Sigmoid),
        ],
        Loss::Bce,
    );
}

/// A variational network: a strided conv encoder flattened into linear
/// mean and log-variance heads, a dense decoder reshaped and upsampled by a
/// transposed conv; beta 0.7, so that the KL's weight is checked too.
#[test]
fn a_variational_conv_network() {
    let dense = |units, activation| layer(LayerKind::Dense { units, bias: true }, activation);
    check_architecture(LayeredArchitecture {
        input: map(6, 6, 1),
        encoder: vec![
            conv(2, 3, 2, Padding::Same, TANH),
            layer(LayerKind::Flatten, LayerActivation::Linear),
            dense(3, LayerActivation::Linear),
        ],
        decoder: vec![
            dense(18, TANH),
            layer(
                LayerKind::Reshape {
                    height: 3,
                    width: 3,
                    channels: 2,
                },
                LayerActivation::Linear,
            ),
            deconv(1, 3, 2, Padding::Explicit(1), 1, LayerActivation::Sigmoid),
        ],
        loss: Loss::Bce,
        init: Init::GlorotUniform,
        beta: Some(0.7),
    });
}
