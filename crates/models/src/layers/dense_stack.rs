//! A plain member of the dense family written as a layer list, so that the
//! layered engine trains it where the fused dense engine stops (MSE, the
//! optimizers beyond SGD and Adam, weight decay, step schedules): the
//! stack is one case of the layer vocabulary, not a second model. The
//! list is flatten (on a map input), the encoder's dense layers, the
//! mirrored decoder ending in a sigmoid, and a reshape back; every layer
//! but the output takes the family's activation (the code too), and the
//! weights are drawn as [`Autoencoder::new`](crate::Autoencoder::new)
//! draws them, in the same order and layout.

use crate::layers::{LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, Loss, Shape};
use crate::{Architecture, Kind};

impl Architecture {
    /// This stack as a layer list on inputs of shape `input`, trained on
    /// `loss`. `None` for what a layer list does not express (tied
    /// weights, an L1 penalty on the codes, a variational encoder) or an
    /// input of another size than the stack's.
    pub fn as_layer_list(&self, input: Shape, loss: Loss) -> Option<LayeredArchitecture> {
        let plain = !self.tied && self.sparsity == 0.0 && self.kind == Kind::Autoencoder;
        if !plain || input.len() != self.pixels {
            return None;
        }
        let hidden = LayerActivation::Family(self.activation);
        let dense = |units, activation| LayerSpec {
            kind: LayerKind::Dense { units, bias: true },
            activation,
        };
        let bare = |kind| LayerSpec {
            kind,
            activation: LayerActivation::Linear,
        };
        let mut encoder = Vec::new();
        let mut decoder: Vec<LayerSpec> = self
            .layers
            .iter()
            .rev()
            .skip(1)
            .map(|&units| dense(units, hidden))
            .collect();
        // the sigmoid goes on the last layer, the reshape where there is one
        if let Shape::Map {
            height,
            width,
            channels,
        } = input
        {
            encoder.push(bare(LayerKind::Flatten));
            decoder.push(bare(LayerKind::Dense {
                units: self.pixels,
                bias: true,
            }));
            decoder.push(LayerSpec {
                kind: LayerKind::Reshape {
                    height,
                    width,
                    channels,
                },
                activation: LayerActivation::Sigmoid,
            });
        } else {
            decoder.push(dense(self.pixels, LayerActivation::Sigmoid));
        }
        encoder.extend(self.layers.iter().map(|&units| dense(units, hidden)));
        Some(LayeredArchitecture {
            input,
            encoder,
            decoder,
            loss,
            init: self.init,
            beta: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use crate::layers::{LayeredNet, Loss, Shape};
    use crate::{Activation, Architecture, Autoencoder, Init, Reconstructor};

    const MAP: Shape = Shape::Map {
        height: 8,
        width: 8,
        channels: 1,
    };

    fn stack(activation: Activation, init: Init) -> Architecture {
        Architecture {
            activation,
            init,
            ..Architecture::notebook(64, 20, 5)
        }
    }

    /// From one seed the layer list draws the dense family's weights, and
    /// the two implementations (the dense inference path and the layered
    /// kernels) then give the same codes and reconstructions.
    #[test]
    fn the_layer_list_is_the_same_network_as_the_dense_stack() {
        for (activation, init) in [
            (Activation::Selu, Init::GlorotUniform),
            (Activation::Relu, Init::HeNormal),
            (Activation::Tanh, Init::LecunNormal),
        ] {
            let architecture = stack(activation, init);
            for input in [MAP, Shape::Flat(64)] {
                let list = architecture
                    .as_layer_list(input, Loss::Bce)
                    .expect("a plain stack is a layer list");
                let dense = Autoencoder::new(architecture.clone(), &mut StdRng::seed_from_u64(7));
                let layered =
                    LayeredNet::new(list, &mut StdRng::seed_from_u64(7)).expect("the list plans");
                let weights: Vec<&Vec<f32>> = layered
                    .params
                    .iter()
                    .filter(|tensors| !tensors.is_empty())
                    .map(|tensors| &tensors[0])
                    .collect();
                assert_eq!(weights.len(), dense.layers.len());
                for (w, layer) in weights.iter().zip(&dense.layers) {
                    assert_eq!(**w, layer.weight, "{activation:?}: the same draws");
                }
                // biases are zero at the start: give both the same ones
                let mut dense = dense;
                let mut layered = layered;
                let biased = layered.params.iter_mut().filter(|t| t.len() == 2);
                for (k, tensors) in biased.enumerate() {
                    let bias: Vec<f32> = (0..tensors[1].len())
                        .map(|i| ((i * 37 + k) % 11) as f32 * 0.01 - 0.05)
                        .collect();
                    tensors[1].clone_from(&bias);
                    dense.layers[k].bias = bias;
                }
                let images: Vec<f32> = (0..64 * 9)
                    .map(|i| ((i * 7919) % 97) as f32 / 97.0)
                    .collect();
                let (a, b) = (dense.reconstruct(&images), layered.reconstruct(&images));
                let (ca, cb) = (dense.encode(&images), layered.encode(&images));
                for (x, y) in a.iter().zip(&b).chain(ca.iter().zip(&cb)) {
                    assert!(
                        (x - y).abs() <= 1e-5 * (1.0 + x.abs()),
                        "{activation:?}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn what_a_layer_list_cannot_express_stays_dense() {
        let tied = Architecture {
            tied: true,
            ..stack(Activation::Selu, Init::GlorotUniform)
        };
        let sparse = Architecture {
            sparsity: 1e-3,
            ..stack(Activation::Selu, Init::GlorotUniform)
        };
        let vae = Architecture {
            kind: crate::Kind::Variational { beta: 1.0 },
            ..stack(Activation::Selu, Init::GlorotUniform)
        };
        for a in [tied, sparse, vae] {
            assert!(a.as_layer_list(MAP, Loss::Mse).is_none(), "{a}");
        }
        let plain = stack(Activation::Selu, Init::GlorotUniform);
        assert!(plain.as_layer_list(Shape::Flat(63), Loss::Mse).is_none());
    }
}
