//! [`LayeredArchitecture`]: an autoencoder as two layer lists (the encoder,
//! whose output is the code, and the decoder, which must give back the
//! input's shape) with a loss, and optionally variational (the encoder's
//! last layer then gives a Gaussian over codes); [`LayeredNet`]: such a
//! network's learned tensors and batch-norm statistics, which evaluation
//! runs through [`Reconstructor`] and which go to and come back from
//! safetensors.

use std::fmt;
use std::path::Path;

use rand::Rng;

use crate::layers::apply::{forward_eval, Scratch};
use crate::layers::{plan, LayerActivation, LayerKind, LayerSpec, PlannedLayer, Shape, ShapeError};
use crate::weights_file::{read_tensors, write_tensors, NamedTensor};
use crate::{draw_weights, Init, ModelError, Reconstructor};

/// What a network is trained to minimise, per value of its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loss {
    /// Binary cross-entropy against the clean image (the output layer must
    /// end in a sigmoid).
    #[default]
    Bce,
    /// Mean squared error.
    Mse,
}

impl Loss {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Bce => "bce",
            Loss::Mse => "mse",
        }
    }
}

/// An autoencoder written as layer lists.
#[derive(Debug, Clone, PartialEq)]
pub struct LayeredArchitecture {
    /// One example's shape (MNIST: 28x28x1).
    pub input: Shape,
    pub encoder: Vec<LayerSpec>,
    pub decoder: Vec<LayerSpec>,
    pub loss: Loss,
    pub init: Init,
    /// A variational autoencoder's KL weight (`None`: a point code). The
    /// encoder's last layer, written `dense N` with a linear activation,
    /// is then the two heads of a diagonal Gaussian over codes of width N
    /// (one layer of 2N outputs: the means, then the log-variances), and
    /// the decoder reads a draw from it in training, the mean in
    /// evaluation; the loss is the BCE summed over the values plus `beta`
    /// times the KL from N(0, I), as the dense VAE's
    /// ([`crate::Kind::Variational`]).
    pub beta: Option<f32>,
}

/// The two lists with every layer's shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub encoder: Vec<PlannedLayer>,
    pub decoder: Vec<PlannedLayer>,
    /// The encoder's last layer is a VAE's mean and log-variance heads:
    /// its output is twice the code's width.
    pub variational: bool,
}

impl Plan {
    /// Every layer, encoder first.
    pub fn layers(&self) -> impl Iterator<Item = &PlannedLayer> {
        self.encoder.iter().chain(&self.decoder)
    }

    /// The code's shape (the encoder's output; a VAE's mean).
    pub fn code(&self) -> Shape {
        match self.encoder.last() {
            None => Shape::Flat(0),
            Some(heads) if self.variational => Shape::Flat(heads.output.len() / 2),
            Some(last) => last.output,
        }
    }

    /// Learned values in all.
    pub fn parameter_count(&self) -> usize {
        self.layers().map(PlannedLayer::parameter_count).sum()
    }
}

impl LayeredArchitecture {
    /// Every layer with its shapes, or the first that cannot work: a
    /// layer that does not fit its input, a decoder that does not give
    /// back the input's shape, a `bce` loss without a sigmoid output, a
    /// variational encoder that does not end in a linear dense layer.
    pub fn plan(&self) -> Result<Plan, ShapeError> {
        if self.encoder.is_empty() {
            return Err(ShapeError {
                layer: "encoder".into(),
                kind: "empty list".into(),
                input: self.input.to_string(),
                message: "an encoder needs at least one layer".into(),
            });
        }
        let mut encoder = plan("encoder", &self.encoder, self.input)?;
        if self.beta.is_some() {
            as_heads(&mut encoder)?;
        }
        let code = match encoder.last() {
            Some(heads) if self.beta.is_some() => Shape::Flat(heads.output.len() / 2),
            Some(last) => last.output,
            None => self.input,
        };
        let decoder = plan("decoder", &self.decoder, code)?;
        let last = decoder.len().saturating_sub(1);
        let fail = |message: String| {
            let (kind, input) = decoder
                .last()
                .map_or(("empty list".into(), code.to_string()), |l| {
                    (l.spec.kind.to_string(), l.input.to_string())
                });
            ShapeError {
                layer: format!("decoder[{last}]"),
                kind,
                input,
                message,
            }
        };
        let output = decoder.last().map_or(code, |l| l.output);
        if output != self.input {
            return Err(fail(format!(
                "the decoder gives {output}, but the input is {}: it must give back the input's shape",
                self.input
            )));
        }
        let ends_in_sigmoid = decoder
            .last()
            .is_some_and(|l| l.spec.activation == LayerActivation::Sigmoid);
        if self.loss == Loss::Bce && !ends_in_sigmoid {
            return Err(fail(
                "loss = \"bce\" needs the decoder's last layer to end in activation = \"sigmoid\" \
                 (or use loss = \"mse\")"
                    .into(),
            ));
        }
        Ok(Plan {
            encoder,
            decoder,
            variational: self.beta.is_some(),
        })
    }
}

/// A variational encoder's last layer, `dense N` with a linear activation,
/// becomes its heads: `dense 2N`, the means' rows then the log-variances'.
fn as_heads(encoder: &mut [PlannedLayer]) -> Result<(), ShapeError> {
    let index = encoder.len().saturating_sub(1);
    let Some(last) = encoder.last_mut() else {
        return Ok(());
    };
    match last.spec.kind {
        LayerKind::Dense { units, bias } if last.spec.activation == LayerActivation::Linear => {
            last.spec.kind = LayerKind::Dense {
                units: 2 * units,
                bias,
            };
            last.output = Shape::Flat(2 * units);
            Ok(())
        }
        _ => Err(ShapeError {
            layer: format!("encoder[{index}]"),
            kind: last.spec.kind.to_string(),
            input: last.input.to_string(),
            message: "a variational encoder ends in its mean and log-variance heads: \
                      write its last layer { dense = N, activation = \"linear\" } (N: the code's width)"
                .into(),
        }),
    }
}

impl fmt::Display for LayeredArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |layers: &[LayerSpec]| {
            layers
                .iter()
                .map(|l| l.kind.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(
            f,
            "{} -> [{}] -> [{}], {}",
            self.input,
            list(&self.encoder),
            list(&self.decoder),
            self.loss.name()
        )?;
        if let Some(beta) = self.beta {
            write!(f, ", variational (beta {beta})")?;
        }
        Ok(())
    }
}

/// A layered autoencoder's tensors: per layer (encoder then decoder) its
/// learned tensors ([`PlannedLayer::parameter_lens`]) and its state
/// ([`PlannedLayer::state_lens`]: a batch norm's running mean, variance).
#[derive(Debug, Clone, PartialEq)]
pub struct LayeredNet {
    pub architecture: LayeredArchitecture,
    pub plan: Plan,
    pub params: Vec<Vec<Vec<f32>>>,
    pub state: Vec<Vec<Vec<f32>>>,
}

/// Examples per block in evaluation's forward passes.
const EVAL_BLOCK: usize = 256;

impl LayeredNet {
    /// A new network: weights drawn from `rng` by the architecture's scheme
    /// (fans as Keras counts them: `kernel^2 x channels` in and out), zero
    /// biases, batch norms at scale 1, shift 0, running mean 0, variance 1.
    pub fn new<R: Rng>(architecture: LayeredArchitecture, rng: &mut R) -> Result<Self, ShapeError> {
        let mut net = LayeredNet::unset(architecture)?;
        let init = net.architecture.init;
        for (layer, tensors) in net.plan.layers().zip(&mut net.params) {
            match layer.spec.kind {
                LayerKind::Conv { .. } | LayerKind::Deconv { .. } | LayerKind::Dense { .. } => {
                    let (fan_in, fan_out) = fans(layer);
                    tensors[0] = draw_weights(init, fan_in, fan_out, tensors[0].len(), rng);
                }
                LayerKind::BatchNorm { affine: true, .. } => tensors[0].fill(1.0),
                _ => {}
            }
        }
        Ok(net)
    }

    /// A network of `architecture` with every learned tensor zero and the
    /// batch-norm statistics at mean 0, variance 1 (for loading weights).
    fn unset(architecture: LayeredArchitecture) -> Result<Self, ShapeError> {
        let plan = architecture.plan()?;
        let params = plan
            .layers()
            .map(|l| l.parameter_lens().iter().map(|&n| vec![0.0; n]).collect())
            .collect();
        let state = plan
            .layers()
            .map(|l| {
                l.state_lens()
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| vec![if i == 0 { 0.0 } else { 1.0 }; n])
                    .collect()
            })
            .collect();
        Ok(LayeredNet {
            architecture,
            plan,
            params,
            state,
        })
    }

    /// Reads weights written by [`Reconstructor::save_weights`].
    pub fn load(architecture: LayeredArchitecture, path: &Path) -> Result<Self, ModelError> {
        let load_error = |message: String| ModelError::Load {
            path: path.to_path_buf(),
            message,
        };
        let mut net = LayeredNet::unset(architecture).map_err(|e| load_error(e.to_string()))?;
        let mut tensors = read_tensors(path)?;
        let names = net.tensor_names();
        for (j, (param_names, state_names)) in names.into_iter().enumerate() {
            for (slot, name) in net.params[j]
                .iter_mut()
                .zip(param_names)
                .chain(net.state[j].iter_mut().zip(state_names))
            {
                let values = tensors.remove(&name).ok_or_else(|| {
                    load_error(format!(
                        "no tensor {name}: the file is not of this architecture"
                    ))
                })?;
                if values.len() != slot.len() {
                    return Err(load_error(format!(
                        "tensor {name} has {} values, the architecture needs {}",
                        values.len(),
                        slot.len()
                    )));
                }
                *slot = values;
            }
        }
        if let Some(extra) = tensors.keys().min() {
            return Err(load_error(format!(
                "tensor {extra} belongs to no layer of this architecture"
            )));
        }
        Ok(net)
    }

    /// Per layer, the names of its parameter and state tensors:
    /// `encoder.{i}.weight`, `.bias` (a batch norm's `.weight` and `.bias`
    /// are its scale and shift, as in PyTorch), `.running_mean`,
    /// `.running_var`.
    fn tensor_names(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let enc = self.plan.encoder.len();
        self.plan
            .layers()
            .enumerate()
            .map(|(j, layer)| {
                let stem = if j < enc {
                    format!("encoder.{j}")
                } else {
                    format!("decoder.{}", j - enc)
                };
                let params = ["weight", "bias"]
                    .iter()
                    .take(layer.parameter_lens().len())
                    .map(|n| format!("{stem}.{n}"))
                    .collect();
                let state = ["running_mean", "running_var"]
                    .iter()
                    .take(layer.state_lens().len())
                    .map(|n| format!("{stem}.{n}"))
                    .collect();
                (params, state)
            })
            .collect()
    }

    /// `input` through the layers `range` (indices over encoder then
    /// decoder), in evaluation mode, a block of examples at a time; a
    /// VAE's heads give their means.
    fn run(&self, range: std::ops::Range<usize>, input: &[f32]) -> Vec<f32> {
        self.run_keeping_heads(range, input, false)
    }

    /// [`run`](Self::run), giving a VAE's whole heads (means and
    /// log-variances) when `heads` and they end the range.
    fn run_keeping_heads(
        &self,
        range: std::ops::Range<usize>,
        input: &[f32],
        heads: bool,
    ) -> Vec<f32> {
        let layers: Vec<&PlannedLayer> = self.plan.layers().collect();
        let Some(first) = layers.get(range.start) else {
            return input.to_vec();
        };
        let in_len = first.input.len();
        let out_len = layers[range.end - 1].output.len();
        let mut out = Vec::with_capacity(input.len() / in_len * out_len);
        let mut scratch = Scratch::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for block in input.chunks(EVAL_BLOCK * in_len) {
            a.clear();
            a.extend_from_slice(block);
            for j in range.clone() {
                forward_eval(
                    layers[j],
                    &self.params[j],
                    &self.state[j],
                    &a,
                    &mut b,
                    &mut scratch,
                );
                std::mem::swap(&mut a, &mut b);
                let code_layer = j + 1 == self.plan.encoder.len();
                if self.plan.variational && code_layer && !(heads && j + 1 == range.end) {
                    // evaluation decodes the mean code
                    keep_means(&mut a, self.plan.code().len());
                }
            }
            out.extend_from_slice(&a);
        }
        out
    }
}

/// Rows of `latent` means then `latent` log-variances become rows of means.
fn keep_means(heads: &mut Vec<f32>, latent: usize) {
    let rows = heads.len() / (2 * latent).max(1);
    for r in 0..rows {
        heads.copy_within(2 * r * latent..(2 * r + 1) * latent, r * latent);
    }
    heads.truncate(rows * latent);
}

/// `(fan_in, fan_out)` of a layer with weights, as Keras counts them.
fn fans(layer: &PlannedLayer) -> (usize, usize) {
    match layer.spec.kind {
        LayerKind::Conv { kernel, .. } | LayerKind::Deconv { kernel, .. } => (
            kernel * kernel * layer.input.channels(),
            kernel * kernel * layer.output.channels(),
        ),
        _ => (layer.input.len(), layer.output.len()),
    }
}

impl Reconstructor for LayeredNet {
    fn latent_dim(&self) -> usize {
        self.plan.code().len()
    }

    fn encode(&self, images: &[f32]) -> Vec<f32> {
        self.run(0..self.plan.encoder.len(), images)
    }

    fn decode(&self, codes: &[f32]) -> Vec<f32> {
        let enc = self.plan.encoder.len();
        self.run(enc..enc + self.plan.decoder.len(), codes)
    }

    fn reconstruct(&self, images: &[f32]) -> Vec<f32> {
        self.run(0..self.plan.encoder.len() + self.plan.decoder.len(), images)
    }

    fn reconstruct_each_block(&self, images: &[f32], each: &mut dyn FnMut(&[f32])) {
        let block = EVAL_BLOCK * self.architecture.input.len();
        for images in images.chunks(block) {
            each(&self.reconstruct(images));
        }
    }

    fn variational_beta(&self) -> Option<f32> {
        self.architecture.beta
    }

    fn encode_distribution(&self, images: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
        self.architecture.beta?;
        let latent = self.plan.code().len();
        let heads = self.run_keeping_heads(0..self.plan.encoder.len(), images, true);
        let (mut mean, mut log_variance) = (Vec::new(), Vec::new());
        for row in heads.chunks_exact(2 * latent) {
            mean.extend_from_slice(&row[..latent]);
            log_variance.extend_from_slice(&row[latent..]);
        }
        Some((mean, log_variance))
    }

    fn save_weights(&self, path: &Path) -> Result<(), ModelError> {
        let names = self.tensor_names();
        let mut tensors = Vec::new();
        for (j, (param_names, state_names)) in names.into_iter().enumerate() {
            for (name, values) in param_names
                .into_iter()
                .zip(&self.params[j])
                .chain(state_names.into_iter().zip(&self.state[j]))
            {
                tensors.push(NamedTensor {
                    name,
                    shape: vec![values.len()],
                    values,
                });
            }
        }
        let metadata = [
            ("architecture".to_string(), self.architecture.to_string()),
            (
                "aelab_version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ];
        write_tensors(path, &tensors, &metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{LayerActivation, Padding};
    use crate::Activation;
    use rand::SeedableRng;

    /// Weights, biases and batch-norm statistics come back from the file
    /// exactly, and so do the reconstructions; a file of another
    /// architecture is refused naming the tensor.
    #[test]
    fn weights_round_trip_through_safetensors() {
        let relu = LayerActivation::Family(Activation::Relu);
        let layer = |kind, activation| LayerSpec { kind, activation };
        let architecture = LayeredArchitecture {
            input: Shape::Map {
                height: 8,
                width: 8,
                channels: 1,
            },
            encoder: vec![
                layer(
                    LayerKind::Conv {
                        filters: 3,
                        kernel: 3,
                        stride: 2,
                        padding: Padding::Same,
                        bias: true,
                    },
                    relu,
                ),
                layer(
                    LayerKind::BatchNorm {
                        affine: true,
                        eps: 1e-3,
                        momentum: 0.1,
                    },
                    relu,
                ),
            ],
            decoder: vec![layer(
                LayerKind::Deconv {
                    filters: 1,
                    kernel: 3,
                    stride: 2,
                    padding: Padding::Same,
                    output_padding: 0,
                    bias: true,
                },
                LayerActivation::Sigmoid,
            )],
            loss: Loss::Bce,
            init: Init::HeNormal,
            beta: None,
        };
        let mut net = LayeredNet::new(
            architecture.clone(),
            &mut rand::rngs::StdRng::seed_from_u64(4),
        )
        .unwrap();
        net.state[1][0] = vec![0.25, -0.5, 1.0];
        net.state[1][1] = vec![2.0, 0.5, 1.5];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        net.save_weights(&path).unwrap();
        let back = LayeredNet::load(architecture.clone(), &path).unwrap();
        assert_eq!(back, net);
        let images: Vec<f32> = (0..2 * 64).map(|i| (i % 9) as f32 / 8.0).collect();
        assert_eq!(back.reconstruct(&images), net.reconstruct(&images));
        let other = LayeredArchitecture {
            encoder: architecture.encoder[..1].to_vec(),
            ..architecture
        };
        let err = LayeredNet::load(other, &path).unwrap_err().to_string();
        assert!(err.contains("w.safetensors"), "{err}");
    }

    /// A variational network's last encoder layer is its heads: twice the
    /// code's width in the plan, the code the means; the codes, the
    /// distribution and the reconstruction agree with each other; an
    /// encoder that does not end in a linear dense layer is refused naming
    /// it.
    #[test]
    fn a_variational_encoder_ends_in_its_heads() {
        let dense = |units, activation| LayerSpec {
            kind: LayerKind::Dense { units, bias: true },
            activation,
        };
        let tanh = LayerActivation::Family(Activation::Tanh);
        let architecture = LayeredArchitecture {
            input: Shape::Flat(6),
            encoder: vec![dense(4, tanh), dense(2, LayerActivation::Linear)],
            decoder: vec![dense(4, tanh), dense(6, LayerActivation::Sigmoid)],
            loss: Loss::Bce,
            init: Init::GlorotUniform,
            beta: Some(1.0),
        };
        let plan = architecture.plan().unwrap();
        assert_eq!(plan.encoder[1].output, Shape::Flat(4));
        assert_eq!(plan.code(), Shape::Flat(2));
        assert_eq!(plan.decoder[0].input, Shape::Flat(2));
        assert_eq!(plan.encoder[1].parameter_lens(), [4 * 4, 4]);
        let net = LayeredNet::new(
            architecture.clone(),
            &mut rand::rngs::StdRng::seed_from_u64(5),
        )
        .unwrap();
        let images: Vec<f32> = (0..3 * 6).map(|i| (i % 7) as f32 / 7.0).collect();
        let codes = net.encode(&images);
        let (mean, log_variance) = net.encode_distribution(&images).unwrap();
        assert_eq!(codes.len(), 3 * 2);
        assert_eq!(codes, mean);
        assert_eq!(log_variance.len(), 3 * 2);
        assert_ne!(mean, log_variance);
        assert_eq!(net.reconstruct(&images), net.decode(&codes));
        assert_eq!(net.variational_beta(), Some(1.0));
        let activated = LayeredArchitecture {
            encoder: vec![dense(4, tanh), dense(2, tanh)],
            ..architecture
        };
        let err = activated.plan().unwrap_err().to_string();
        assert!(
            err.contains("encoder[1]") && err.contains("linear"),
            "{err}"
        );
    }
}
