//! [`Autoencoder`]: any member of the stacked family (see
//! [`Architecture`]) as flat dense layers whose widths are known at run
//! time. The fused training engine trains it; evaluation encodes and
//! decodes through [`crate::inference`]; its weights go to and come back
//! from a safetensors file. A variational autoencoder's two heads are one
//! layer, `encoder.{depth - 1}`: the mean's rows, then the log-variance's.

use std::borrow::Cow;
use std::path::Path;

use rand::Rng;

use crate::dense::transposed;
use crate::inference::{forward, forward_each_block, Output};
use crate::initialisation::draw_weights;
use crate::weights_file::{read_tensors, write_tensors, NamedTensor};
use crate::{Architecture, DenseParams, ModelError, Reconstructor};

/// A stacked autoencoder: `2 * depth` dense layers, encoder then decoder.
/// Tied decoder layers hold the transpose of their encoder mirror's weight
/// (kept equal by whoever trains it), so every layer can be used as is.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoencoder {
    pub architecture: Architecture,
    pub layers: Vec<DenseParams>,
}

impl Autoencoder {
    /// A new autoencoder with weights drawn from `rng` by the
    /// architecture's scheme, layer by layer (each weight row-major
    /// `[outputs, inputs]`), and zero biases. Tied decoder layers draw
    /// nothing. For the notebook's model this draws exactly what
    /// [`crate::StackedAutoencoder::keras_init`] draws.
    pub fn new<R: Rng>(architecture: Architecture, rng: &mut R) -> Self {
        let tied_to = architecture.tied_to();
        let heads_layer = architecture.beta().map(|_| architecture.depth() - 1);
        let mut layers: Vec<DenseParams> = Vec::new();
        for (j, (inputs, outputs)) in architecture.dense_shapes().into_iter().enumerate() {
            let weight = match tied_to[j] {
                Some(mirror) => transposed(&layers[mirror]),
                // a variational encoder's two heads, each drawn as a layer
                None if heads_layer == Some(j) => {
                    let mut weight = draw_weights(
                        architecture.init,
                        inputs,
                        outputs / 2,
                        inputs * outputs / 2,
                        rng,
                    );
                    weight.extend(draw_weights(
                        architecture.init,
                        inputs,
                        outputs / 2,
                        inputs * outputs / 2,
                        rng,
                    ));
                    weight
                }
                None => draw_weights(architecture.init, inputs, outputs, inputs * outputs, rng),
            };
            layers.push(DenseParams {
                inputs,
                outputs,
                weight,
                bias: vec![0.0; outputs],
            });
        }
        Autoencoder {
            architecture,
            layers,
        }
    }

    /// Reads weights written by [`Reconstructor::save_weights`] (or by the
    /// dfdx modules of earlier versions, for the notebook's shape).
    pub fn load(architecture: Architecture, path: &Path) -> Result<Self, ModelError> {
        let load_error = |message: String| ModelError::Load {
            path: path.to_path_buf(),
            message,
        };
        let tensors = read_tensors(path)?;
        let legacy = tensors.contains_key("0.0.0.weight");
        let names = tensor_names(&architecture, legacy);
        let mut layers = Vec::new();
        for ((inputs, outputs), (weight_name, bias_name)) in
            architecture.dense_shapes().into_iter().zip(names)
        {
            let take = |name: &str, len: usize| match tensors.get(name) {
                Some(v) if v.len() == len => Ok(v.clone()),
                Some(v) => Err(load_error(format!(
                    "tensor {name} has {} values, the architecture {architecture} needs {len}",
                    v.len()
                ))),
                None => Err(load_error(format!(
                    "no tensor {name}: the file is not of the architecture {architecture}"
                ))),
            };
            layers.push(DenseParams {
                inputs,
                outputs,
                weight: take(&weight_name, inputs * outputs)?,
                bias: take(&bias_name, outputs)?,
            });
        }
        Ok(Autoencoder {
            architecture,
            layers,
        })
    }

    /// The encoder's layers (a variational encoder's with both heads).
    fn encoder(&self) -> &[DenseParams] {
        &self.layers[..self.architecture.depth()]
    }

    /// The layers that give the code: the encoder, or a variational
    /// encoder with its mean head only (its last layer then has no
    /// activation: see [`Autoencoder::code_is_activated`]).
    pub fn code_encoder(&self) -> Cow<'_, [DenseParams]> {
        let encoder = self.encoder();
        match (self.architecture.beta(), encoder.split_last()) {
            (Some(_), Some((heads, trunk))) => {
                let latent = self.architecture.latent();
                let mut layers = trunk.to_vec();
                layers.push(DenseParams {
                    inputs: heads.inputs,
                    outputs: latent,
                    weight: heads.weight[..latent * heads.inputs].to_vec(),
                    bias: heads.bias[..latent].to_vec(),
                });
                Cow::Owned(layers)
            }
            _ => Cow::Borrowed(encoder),
        }
    }

    /// A variational encoder's log-variance head (the second half of its
    /// last layer's rows), which takes the same input as the mean head;
    /// `None` for a point code.
    pub fn log_variance_head(&self) -> Option<DenseParams> {
        self.architecture.beta()?;
        let heads = self.encoder().last()?;
        let latent = self.architecture.latent();
        Some(DenseParams {
            inputs: heads.inputs,
            outputs: latent,
            weight: heads.weight[latent * heads.inputs..].to_vec(),
            bias: heads.bias[latent..].to_vec(),
        })
    }

    /// Whether the code is activated (a point code) or affine (a
    /// variational encoder's mean).
    pub fn code_is_activated(&self) -> bool {
        self.code_output() == Output::Activated
    }

    /// What the last encoder layer gives: the activated code, or a
    /// variational encoder's affine heads.
    fn code_output(&self) -> Output {
        match self.architecture.beta() {
            Some(_) => Output::Linear,
            None => Output::Activated,
        }
    }

    /// The decoder's layers: the activation after each but the last, a
    /// sigmoid after the last (tied ones hold their mirror's transpose).
    pub fn decoder(&self) -> &[DenseParams] {
        &self.layers[self.architecture.depth()..]
    }
}

/// `(weight, bias)` tensor names of each dense layer: `encoder.{i}` and
/// `decoder.{i}`, or dfdx's module paths in files of earlier versions.
fn tensor_names(architecture: &Architecture, legacy: bool) -> Vec<(String, String)> {
    let depth = architecture.depth();
    (0..2 * depth)
        .map(|j| {
            let stem = match (legacy, j) {
                (true, 0) => "0.0.0".to_string(),
                (true, 1) => "0.1.0".to_string(),
                (true, 2) => "1.0.0".to_string(),
                (true, _) => "1.1".to_string(),
                (false, j) if j < depth => format!("encoder.{j}"),
                (false, j) => format!("decoder.{}", j - depth),
            };
            (format!("{stem}.weight"), format!("{stem}.bias"))
        })
        .collect()
}

impl Reconstructor for Autoencoder {
    fn latent_dim(&self) -> usize {
        self.architecture.latent()
    }

    fn encode(&self, images: &[f32]) -> Vec<f32> {
        forward(
            &self.code_encoder(),
            self.architecture.activation,
            self.code_output(),
            images,
        )
    }

    fn decode(&self, codes: &[f32]) -> Vec<f32> {
        forward(
            self.decoder(),
            self.architecture.activation,
            Output::Sigmoid,
            codes,
        )
    }

    fn reconstruct(&self, images: &[f32]) -> Vec<f32> {
        if self.architecture.beta().is_some() {
            return self.decode(&self.encode(images));
        }
        forward(
            &self.layers,
            self.architecture.activation,
            Output::Sigmoid,
            images,
        )
    }

    fn reconstruct_each_block(&self, images: &[f32], each: &mut dyn FnMut(&[f32])) {
        if self.architecture.beta().is_some() {
            return each(&self.reconstruct(images));
        }
        forward_each_block(
            &self.layers,
            self.architecture.activation,
            Output::Sigmoid,
            images,
            each,
        );
    }

    fn variational_beta(&self) -> Option<f32> {
        self.architecture.beta()
    }

    fn encode_distribution(&self, images: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
        self.architecture.beta()?;
        let latent = self.architecture.latent();
        let heads = forward(
            self.encoder(),
            self.architecture.activation,
            Output::Linear,
            images,
        );
        let (mut mean, mut log_variance) = (Vec::new(), Vec::new());
        for row in heads.chunks_exact(2 * latent) {
            mean.extend_from_slice(&row[..latent]);
            log_variance.extend_from_slice(&row[latent..]);
        }
        Some((mean, log_variance))
    }

    fn save_weights(&self, path: &Path) -> Result<(), ModelError> {
        let names = tensor_names(&self.architecture, false);
        let tensors: Vec<NamedTensor<'_>> = self
            .layers
            .iter()
            .zip(names)
            .flat_map(|(layer, (w, b))| {
                [
                    NamedTensor {
                        name: w,
                        shape: vec![layer.outputs, layer.inputs],
                        values: &layer.weight,
                    },
                    NamedTensor {
                        name: b,
                        shape: vec![layer.outputs],
                        values: &layer.bias,
                    },
                ]
            })
            .collect();
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
    use crate::initialisation::TRUNCATED_NORMAL_STD;
    use crate::{Activation, Init, StackedAutoencoder};
    use rand::SeedableRng;

    #[test]
    fn the_notebook_model_draws_what_the_dfdx_modules_draw() {
        let ours = Autoencoder::new(
            Architecture::notebook(784, 100, 30),
            &mut rand::rngs::StdRng::seed_from_u64(9),
        );
        let dfdx =
            StackedAutoencoder::<30, 100>::keras_init(&mut rand::rngs::StdRng::seed_from_u64(9));
        assert_eq!(ours.layers, dfdx.dense_layers());
        let images: Vec<f32> = (0..3 * 784).map(|i| (i % 97) as f32 / 96.0).collect();
        assert_eq!(ours.reconstruct(&images), dfdx.reconstruct(&images));
    }

    #[test]
    fn truncated_normal_inits_have_the_asked_variance() {
        for (init, scale) in [(Init::HeNormal, 2.0), (Init::LecunNormal, 1.0)] {
            let architecture = Architecture {
                init,
                ..Architecture::notebook(784, 400, 30)
            };
            let model = Autoencoder::new(architecture, &mut rand::rngs::StdRng::seed_from_u64(1));
            let w = &model.layers[0].weight;
            let variance = w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / w.len() as f64;
            let want = scale / 784.0;
            assert!(
                (variance / want - 1.0).abs() < 0.02,
                "{init:?}: {variance} vs {want}"
            );
            let bound = 2.0 * (want.sqrt() / TRUNCATED_NORMAL_STD) as f32;
            assert!(w.iter().all(|x| x.abs() <= bound * 1.000_001));
        }
    }

    #[test]
    fn tied_decoders_start_as_transposes_and_weights_round_trip() {
        let architecture = Architecture {
            layers: vec![64, 32, 8],
            activation: Activation::Tanh,
            tied: true,
            ..Architecture::notebook(784, 100, 30)
        };
        let model = Autoencoder::new(
            architecture.clone(),
            &mut rand::rngs::StdRng::seed_from_u64(4),
        );
        assert_eq!(model.layers[5].weight, transposed(&model.layers[0]));
        assert_eq!(model.layers[3].weight, transposed(&model.layers[2]));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        model.save_weights(&path).unwrap();
        assert_eq!(Autoencoder::load(architecture, &path).unwrap(), model);
        let other = Architecture::notebook(784, 100, 30);
        let err = Autoencoder::load(other, &path).unwrap_err().to_string();
        assert!(err.contains("784-100-30"), "{err}");
    }

    #[test]
    fn weights_of_the_dfdx_modules_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.safetensors");
        let dfdx =
            StackedAutoencoder::<10, 100>::keras_init(&mut rand::rngs::StdRng::seed_from_u64(3));
        dfdx.save_weights(&path).unwrap();
        let loaded = Autoencoder::load(Architecture::notebook(784, 100, 10), &path).unwrap();
        assert_eq!(loaded.layers, dfdx.dense_layers());
    }
}
