//! The decoder a spec may leave out: the encoder mirrored. Walking the
//! encoder backwards, a conv becomes a transposed conv with the same
//! kernel and stride (giving back the conv's input channels and size), a
//! transposed conv a conv, a maxpool an upsample by its stride, a dense
//! layer a dense layer back to its input width, a flatten a reshape to the
//! map it flattened; batch norms and bare activations are dropped. A mirrored
//! layer gives back its encoder layer's input, so it takes the activation
//! that input had: that of the nearest layer before it that computes,
//! normalises or activates; the mirror of the first such layer gives the
//! output and takes `output` (the sigmoid for `bce`).

use crate::layers::{LayerActivation, LayerKind, LayerSpec, Padding, PlannedLayer, Shape};

/// The mirror of the planned `encoder`, ending in `output`.
pub fn mirror(encoder: &[PlannedLayer], output: LayerActivation) -> Vec<LayerSpec> {
    let mut decoder = Vec::new();
    for (j, layer) in encoder.iter().enumerate().rev() {
        let kind = match layer.spec.kind {
            LayerKind::Conv {
                kernel,
                stride,
                padding,
                bias,
                ..
            } => {
                let window = layer.window.expect("a planned conv has a window");
                let (padding, output_padding) = adjoint_padding(
                    layer.input,
                    window.pad_top,
                    kernel,
                    stride,
                    padding,
                    window.out_height,
                );
                LayerKind::Deconv {
                    filters: layer.input.channels(),
                    kernel,
                    stride,
                    padding,
                    output_padding,
                    bias,
                }
            }
            LayerKind::Deconv {
                kernel,
                stride,
                padding,
                bias,
                ..
            } => LayerKind::Conv {
                filters: layer.input.channels(),
                kernel,
                stride,
                padding,
                bias,
            },
            LayerKind::MaxPool { stride, .. } => LayerKind::Upsample { factor: stride },
            LayerKind::Dense { bias, .. } => LayerKind::Dense {
                units: layer.input.len(),
                bias,
            },
            LayerKind::Flatten => match layer.input {
                Shape::Map {
                    height,
                    width,
                    channels,
                } => LayerKind::Reshape {
                    height,
                    width,
                    channels,
                },
                Shape::Flat(_) => continue,
            },
            LayerKind::Reshape { .. } => LayerKind::Flatten,
            LayerKind::Upsample { factor } => LayerKind::MaxPool {
                size: factor,
                stride: factor,
                padding: Padding::Valid,
            },
            LayerKind::BatchNorm { .. } | LayerKind::Activation => continue,
        };
        let activation = if kind.computes() {
            encoder[..j]
                .iter()
                .rev()
                .find(|l| {
                    l.spec.kind.computes()
                        || matches!(
                            l.spec.kind,
                            LayerKind::BatchNorm { .. } | LayerKind::Activation
                        )
                })
                .map_or(output, |l| l.spec.activation)
        } else {
            LayerActivation::Linear
        };
        decoder.push(LayerSpec { kind, activation });
    }
    decoder
}

/// A transposed conv's padding that gives back exactly `input`'s height
/// from `out_height`: the conv's own for 'valid' or explicit padding when
/// that lands on it, else the conv's top padding with the output padding
/// that makes up the rest.
fn adjoint_padding(
    input: Shape,
    pad_top: usize,
    kernel: usize,
    stride: usize,
    padding: Padding,
    out_height: usize,
) -> (Padding, usize) {
    let Shape::Map { height, .. } = input else {
        return (padding, 0);
    };
    let full = (out_height - 1) * stride + kernel;
    let natural = match padding {
        Padding::Same => out_height * stride,
        Padding::Valid => full,
        Padding::Explicit(p) => full.saturating_sub(2 * p),
    };
    if natural == height {
        return (padding, 0);
    }
    let explicit = full.saturating_sub(2 * pad_top);
    (Padding::Explicit(pad_top), height.saturating_sub(explicit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{plan, LayeredArchitecture, Loss};
    use crate::{Activation, Init};

    fn relu(kind: LayerKind) -> LayerSpec {
        LayerSpec {
            kind,
            activation: LayerActivation::Family(Activation::Relu),
        }
    }

    /// DCEC's encoder mirrored gives back 28x28x1 through 3 -> 7 -> 14 -> 28,
    /// with the shapes of DCEC's own decoder.
    #[test]
    fn a_strided_encoder_mirrors_back_to_the_input() {
        let conv = |filters, kernel, padding| {
            relu(LayerKind::Conv {
                filters,
                kernel,
                stride: 2,
                padding,
                bias: true,
            })
        };
        let input = Shape::Map {
            height: 28,
            width: 28,
            channels: 1,
        };
        let encoder = vec![
            conv(32, 5, Padding::Same),
            conv(64, 5, Padding::Same),
            conv(128, 3, Padding::Valid),
            relu(LayerKind::Flatten),
            LayerSpec {
                kind: LayerKind::Dense {
                    units: 10,
                    bias: true,
                },
                activation: LayerActivation::Linear,
            },
        ];
        let planned = plan("encoder", &encoder, input).unwrap();
        let decoder = mirror(&planned, LayerActivation::Linear);
        let architecture = LayeredArchitecture {
            input,
            encoder,
            decoder,
            loss: Loss::Mse,
            init: Init::GlorotUniform,
            beta: None,
        };
        let plan = architecture.plan().unwrap();
        let shapes: Vec<String> = plan.decoder.iter().map(|l| l.output.to_string()).collect();
        assert_eq!(shapes, ["1152", "3x3x128", "7x7x64", "14x14x32", "28x28x1"]);
        assert_eq!(
            plan.decoder.last().unwrap().spec.activation,
            LayerActivation::Linear
        );
        // as DCEC's own decoder: Dense(1152) then ReLU, ReLU transposed convs
        let relu = LayerActivation::Family(Activation::Relu);
        let activations: Vec<LayerActivation> =
            plan.decoder.iter().map(|l| l.spec.activation).collect();
        assert_eq!(
            activations,
            [
                relu,
                LayerActivation::Linear,
                relu,
                relu,
                LayerActivation::Linear
            ]
        );
    }
}
