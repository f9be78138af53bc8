//! The stacked autoencoder of the notebook, with its layer sizes in types:
//! encoder `784 -> HIDDEN -> LATENT` and decoder `LATENT -> HIDDEN -> 784`,
//! SELU after every layer but the last, whose logits a sigmoid turns into
//! pixel probabilities. Initialised as Keras does (Glorot-uniform weights,
//! zero biases), not as dfdx does by default.

use std::path::Path;

use dfdx::nn::{LoadFromSafetensors, SaveToSafetensors};
use dfdx::prelude::*;
use rand::Rng;

use crate::inference::{forward, Output};
use crate::{Activation, DenseParams, ModelError, Reconstructor, Selu};

/// Pixels of one 28x28 MNIST image, the autoencoder's input and output width.
pub const IMAGE_PIXELS: usize = 784;

/// Encoder architecture: two SELU layers down to the code.
pub type Encoder<const LATENT: usize, const HIDDEN: usize> = (
    (Linear<IMAGE_PIXELS, HIDDEN>, Selu),
    (Linear<HIDDEN, LATENT>, Selu),
);

/// Decoder architecture: a SELU layer, then the output logits.
pub type Decoder<const LATENT: usize, const HIDDEN: usize> =
    ((Linear<LATENT, HIDDEN>, Selu), Linear<HIDDEN, IMAGE_PIXELS>);

/// The whole autoencoder, output as logits (the sigmoid is applied by the
/// loss during training and by [`Reconstructor::decode`] afterwards).
pub type StackedAe<const LATENT: usize, const HIDDEN: usize> =
    (Encoder<LATENT, HIDDEN>, Decoder<LATENT, HIDDEN>);

/// The built dfdx module of [`StackedAe`] on the CPU.
pub type Net<const LATENT: usize, const HIDDEN: usize> =
    <StackedAe<LATENT, HIDDEN> as BuildOnDevice<Cpu, f32>>::Built;

/// A stacked autoencoder and the device it lives on.
pub struct StackedAutoencoder<const LATENT: usize, const HIDDEN: usize> {
    pub net: Net<LATENT, HIDDEN>,
    pub dev: Cpu,
}

impl<const LATENT: usize, const HIDDEN: usize> StackedAutoencoder<LATENT, HIDDEN> {
    /// A new autoencoder with Keras' initialisation drawn from `rng`:
    /// weights uniform in `±sqrt(6 / (fan_in + fan_out))`, biases zero.
    pub fn keras_init<R: Rng>(rng: &mut R) -> Self {
        let dev = Cpu::default();
        let mut net = dev.build_module::<StackedAe<LATENT, HIDDEN>, f32>();
        glorot(&mut net.0 .0 .0, rng);
        glorot(&mut net.0 .1 .0, rng);
        glorot(&mut net.1 .0 .0, rng);
        glorot(&mut net.1 .1, rng);
        StackedAutoencoder { net, dev }
    }

    /// An input batch tensor of `rows` images.
    pub fn batch(&self, pixels: &[f32]) -> Tensor<(usize, Const<IMAGE_PIXELS>), f32, Cpu> {
        let rows = pixels.len() / IMAGE_PIXELS;
        self.dev
            .tensor_from_vec(pixels.to_vec(), (rows, Const::<IMAGE_PIXELS>))
    }

    /// The four layers' parameters, input side first.
    pub fn dense_layers(&self) -> [DenseParams; 4] {
        [
            DenseParams::of(&self.net.0 .0 .0),
            DenseParams::of(&self.net.0 .1 .0),
            DenseParams::of(&self.net.1 .0 .0),
            DenseParams::of(&self.net.1 .1),
        ]
    }

    /// Overwrites the four layers' parameters (as [`Self::dense_layers`]
    /// orders them). On a shape mismatch nothing is changed.
    pub fn set_dense_layers(&mut self, layers: &[DenseParams; 4]) -> Result<(), ModelError> {
        layers[0].check::<IMAGE_PIXELS, HIDDEN>()?;
        layers[1].check::<HIDDEN, LATENT>()?;
        layers[2].check::<LATENT, HIDDEN>()?;
        layers[3].check::<HIDDEN, IMAGE_PIXELS>()?;
        layers[0].store(&mut self.net.0 .0 .0)?;
        layers[1].store(&mut self.net.0 .1 .0)?;
        layers[2].store(&mut self.net.1 .0 .0)?;
        layers[3].store(&mut self.net.1 .1)
    }

    /// Reads weights written by [`Reconstructor::save_weights`].
    pub fn load(&mut self, path: &Path) -> Result<(), ModelError> {
        self.net
            .load_safetensors(path)
            .map_err(|e| ModelError::Load {
                path: path.to_path_buf(),
                message: format!("{e:?}"),
            })
    }
}

fn glorot<const I: usize, const O: usize, R: Rng>(
    layer: &mut dfdx::nn::modules::Linear<I, O, f32, Cpu>,
    rng: &mut R,
) {
    let limit = (6.0 / (I + O) as f64).sqrt() as f32;
    let weights: Vec<f32> = (0..I * O).map(|_| rng.gen_range(-limit..limit)).collect();
    layer.weight.copy_from(&weights);
    layer.bias.copy_from(&[0.0; O]);
}

impl<const LATENT: usize, const HIDDEN: usize> Reconstructor
    for StackedAutoencoder<LATENT, HIDDEN>
{
    fn latent_dim(&self) -> usize {
        LATENT
    }

    fn encode(&self, images: &[f32]) -> Vec<f32> {
        forward(
            &self.dense_layers()[..2],
            Activation::Selu,
            Output::Activated,
            images,
        )
    }

    fn decode(&self, codes: &[f32]) -> Vec<f32> {
        forward(
            &self.dense_layers()[2..],
            Activation::Selu,
            Output::Sigmoid,
            codes,
        )
    }

    fn reconstruct(&self, images: &[f32]) -> Vec<f32> {
        forward(
            &self.dense_layers(),
            Activation::Selu,
            Output::Sigmoid,
            images,
        )
    }

    fn save_weights(&self, path: &Path) -> Result<(), ModelError> {
        self.net
            .save_safetensors(path)
            .map_err(|e| ModelError::Save {
                path: path.to_path_buf(),
                message: format!("{e:?}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keras_init_is_glorot_uniform_with_zero_bias_and_seeded() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = StackedAutoencoder::<30, 100>::keras_init(&mut rng);
        let w = a.net.0 .0 .0.weight.as_vec();
        let limit = (6.0f32 / (784.0 + 100.0)).sqrt();
        assert_eq!(w.len(), 78_400);
        assert!(w.iter().all(|v| v.abs() <= limit));
        let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(max > 0.99 * limit, "weights should fill the range");
        assert!(a.net.1 .1.bias.as_vec().iter().all(|&b| b == 0.0));
        let b =
            StackedAutoencoder::<30, 100>::keras_init(&mut rand::rngs::StdRng::seed_from_u64(7));
        assert_eq!(w, b.net.0 .0 .0.weight.as_vec());
    }

    #[test]
    fn shapes_of_codes_and_reconstructions() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let ae = StackedAutoencoder::<10, 100>::keras_init(&mut rng);
        let images = vec![0.25f32; 3 * IMAGE_PIXELS];
        let codes = ae.encode(&images);
        assert_eq!(codes.len(), 3 * 10);
        let out = ae.decode(&codes);
        assert_eq!(out.len(), 3 * IMAGE_PIXELS);
        assert!(out.iter().all(|p| (0.0..=1.0).contains(p)));
        assert_eq!(out, ae.reconstruct(&images));
    }

    #[test]
    fn dense_layers_round_trip_and_check_shapes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let a = StackedAutoencoder::<10, 100>::keras_init(&mut rng);
        let layers = a.dense_layers();
        let shapes: Vec<_> = layers.iter().map(|l| (l.inputs, l.outputs)).collect();
        assert_eq!(shapes, [(784, 100), (100, 10), (10, 100), (100, 784)]);
        let mut b = StackedAutoencoder::<10, 100>::keras_init(&mut rng);
        assert_ne!(b.dense_layers(), layers);
        b.set_dense_layers(&layers).unwrap();
        assert_eq!(b.dense_layers(), layers);
        let mut swapped = layers.clone();
        swapped.swap(1, 2);
        assert!(matches!(
            b.set_dense_layers(&swapped),
            Err(ModelError::LayerShape { .. })
        ));
    }

    #[test]
    fn the_flat_forward_agrees_with_the_dfdx_modules() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let ae = StackedAutoencoder::<30, 100>::keras_init(&mut rng);
        // 300 images: more than one block of rows
        let images: Vec<f32> = (0..300 * IMAGE_PIXELS)
            .map(|i| ((i * 31) % 256) as f32 / 255.0)
            .collect();
        let dfdx_out = ae.net.forward(ae.batch(&images)).sigmoid().as_vec();
        let dfdx_codes = ae.net.0.forward(ae.batch(&images)).as_vec();
        for (a, b) in ae.reconstruct(&images).iter().zip(&dfdx_out) {
            assert!((a - b).abs() < 2e-6, "{a} vs {b}");
        }
        for (a, b) in ae.encode(&images).iter().zip(&dfdx_codes) {
            assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn weights_round_trip_through_safetensors() {
        let path = std::env::temp_dir().join(format!("aelab-w-{}.safetensors", std::process::id()));
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let a = StackedAutoencoder::<2, 100>::keras_init(&mut rng);
        a.save_weights(&path).unwrap();
        let mut b = StackedAutoencoder::<2, 100>::keras_init(&mut rng);
        b.load(&path).unwrap();
        assert_eq!(a.net.1 .1.weight.as_vec(), b.net.1 .1.weight.as_vec());
        std::fs::remove_file(path).unwrap();
    }
}
