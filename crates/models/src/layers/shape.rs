//! What each layer takes and gives: [`Shape`] (a map or a flat vector),
//! the window geometry of convolutions and pooling, and [`plan`], which
//! walks a layer list from the input's shape and refuses, naming the
//! layer and its shapes, whatever cannot work (a kernel larger than its
//! input, a stride that does not fit, a dense layer on a map...).

use std::fmt;

use crate::layers::{LayerKind, LayerSpec, Padding};

/// The shape of one example between layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `height x width x channels`, stored channels last.
    Map {
        height: usize,
        width: usize,
        channels: usize,
    },
    /// A flat vector.
    Flat(usize),
}

impl Shape {
    /// Values per example.
    pub fn len(&self) -> usize {
        match *self {
            Shape::Map {
                height,
                width,
                channels,
            } => height * width * channels,
            Shape::Flat(n) => n,
        }
    }

    /// Whether it holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(height, width, channels)`; a flat vector is `1 x 1 x n`.
    pub fn dims(&self) -> (usize, usize, usize) {
        match *self {
            Shape::Map {
                height,
                width,
                channels,
            } => (height, width, channels),
            Shape::Flat(n) => (1, 1, n),
        }
    }

    /// Values per position: a map's channels, a flat vector's length (the
    /// width of the rows a bias or a batch norm works on).
    pub fn channels(&self) -> usize {
        match *self {
            Shape::Map { channels, .. } => channels,
            Shape::Flat(n) => n,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Map {
                height,
                width,
                channels,
            } => write!(f, "{height}x{width}x{channels}"),
            Shape::Flat(n) => write!(f, "{n}"),
        }
    }
}

/// Where a window of a convolution (or a pooling) sits: output position
/// `(y, x)` reads input rows `y * stride - pad_top + 0..kernel` and
/// columns `x * stride - pad_left + 0..kernel`; positions outside the
/// input are padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub in_height: usize,
    pub in_width: usize,
    /// Channels of the input map (each window position reads them all).
    pub channels: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Window {
    /// The window of a convolution (or pooling) of `kernel` and `stride`
    /// with `padding` on a `height x width` input; `None` if no window fits.
    pub fn of(
        height: usize,
        width: usize,
        channels: usize,
        kernel: usize,
        stride: usize,
        padding: Padding,
    ) -> Option<Window> {
        let side = |size: usize| -> Option<(usize, usize)> {
            match padding {
                Padding::Same => {
                    let out = size.div_ceil(stride);
                    let total = ((out - 1) * stride + kernel).saturating_sub(size);
                    Some((out, total / 2))
                }
                Padding::Valid => (size >= kernel).then(|| ((size - kernel) / stride + 1, 0)),
                Padding::Explicit(pad) => {
                    let padded = size + 2 * pad;
                    (padded >= kernel && pad < kernel)
                        .then(|| ((padded - kernel) / stride + 1, pad))
                }
            }
        };
        let (out_height, pad_top) = side(height)?;
        let (out_width, pad_left) = side(width)?;
        (out_height > 0 && out_width > 0).then_some(Window {
            in_height: height,
            in_width: width,
            channels,
            out_height,
            out_width,
            kernel,
            stride,
            pad_top,
            pad_left,
        })
    }

    /// Values in one window (a row of the patch matrix).
    pub fn patch_len(&self) -> usize {
        self.kernel * self.kernel * self.channels
    }

    /// Output positions.
    pub fn positions(&self) -> usize {
        self.out_height * self.out_width
    }
}

/// A layer with the shapes it works between.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLayer {
    pub spec: LayerSpec,
    pub input: Shape,
    pub output: Shape,
    /// The window of a conv, deconv (its adjoint convolution: from the
    /// output to the input) or pooling.
    pub window: Option<Window>,
}

impl PlannedLayer {
    /// The lengths of the layer's learned tensors, in order (weight then
    /// bias; a batch norm's scale then shift).
    pub fn parameter_lens(&self) -> Vec<usize> {
        let mut lens = Vec::new();
        match self.spec.kind {
            LayerKind::Conv { bias, .. } | LayerKind::Deconv { bias, .. } => {
                let window = self.window.expect("a planned conv has a window");
                let outputs = self.output.channels();
                let weight = match self.spec.kind {
                    LayerKind::Conv { .. } => window.patch_len() * outputs,
                    _ => window.patch_len() * self.input.channels(),
                };
                lens.push(weight);
                if bias {
                    lens.push(outputs);
                }
            }
            LayerKind::Dense { units, bias } => {
                lens.push(units * self.input.len());
                if bias {
                    lens.push(units);
                }
            }
            LayerKind::BatchNorm { affine: true, .. } => {
                lens.extend([self.input.channels(); 2]);
            }
            _ => {}
        }
        lens
    }

    /// Learned values.
    pub fn parameter_count(&self) -> usize {
        self.parameter_lens().iter().sum()
    }

    /// Lengths of the layer's non-learned state (a batch norm's running
    /// mean and variance).
    pub fn state_lens(&self) -> Vec<usize> {
        match self.spec.kind {
            LayerKind::BatchNorm { .. } => vec![self.input.channels(); 2],
            _ => Vec::new(),
        }
    }
}

/// Why a layer list cannot work on its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{layer} ({kind}) on an input of {input}: {message}")]
pub struct ShapeError {
    /// `encoder[3]`, `decoder[0]`.
    pub layer: String,
    pub kind: String,
    pub input: String,
    pub message: String,
}

/// Plans `layers` (named `{list}[i]`) from `input`.
pub fn plan(
    list: &str,
    layers: &[LayerSpec],
    input: Shape,
) -> Result<Vec<PlannedLayer>, ShapeError> {
    let mut shape = input;
    let mut planned = Vec::with_capacity(layers.len());
    for (i, spec) in layers.iter().enumerate() {
        let fail = |message: String| ShapeError {
            layer: format!("{list}[{i}]"),
            kind: spec.kind.to_string(),
            input: shape.to_string(),
            message,
        };
        let (output, window) = plan_one(&spec.kind, shape).map_err(fail)?;
        planned.push(PlannedLayer {
            spec: spec.clone(),
            input: shape,
            output,
            window,
        });
        shape = output;
    }
    Ok(planned)
}

fn plan_one(kind: &LayerKind, shape: Shape) -> Result<(Shape, Option<Window>), String> {
    let map = |what: &str| match shape {
        Shape::Map {
            height,
            width,
            channels,
        } => Ok((height, width, channels)),
        Shape::Flat(_) => Err(format!(
            "{what} needs a map (height x width x channels); add a reshape before it"
        )),
    };
    match *kind {
        LayerKind::Conv {
            filters,
            kernel,
            stride,
            padding,
            ..
        } => {
            let (h, w, c) = map("a conv")?;
            let window = fitting_window(h, w, c, kernel, stride, padding)?;
            let output = Shape::Map {
                height: window.out_height,
                width: window.out_width,
                channels: filters,
            };
            Ok((output, Some(window)))
        }
        LayerKind::Deconv {
            filters,
            kernel,
            stride,
            padding,
            output_padding,
            ..
        } => {
            let (h, w, _) = map("a deconv")?;
            if output_padding >= stride {
                return Err(format!(
                    "output_padding {output_padding} must be smaller than the stride {stride}"
                ));
            }
            let side = |size: usize| -> Result<usize, String> {
                let full = (size - 1) * stride + kernel + output_padding;
                match padding {
                    Padding::Same => Ok(size * stride + output_padding),
                    Padding::Valid => Ok(full),
                    Padding::Explicit(pad) => full.checked_sub(2 * pad).filter(|&o| o > 0).ok_or_else(|| {
                        format!("padding {pad} leaves no output ({full} before padding)")
                    }),
                }
            };
            let (out_h, out_w) = (side(h)?, side(w)?);
            // the adjoint convolution, from the output back to the input
            let window = Window::of(out_h, out_w, filters, kernel, stride, padding)
                .filter(|win| win.out_height == h && win.out_width == w)
                .ok_or_else(|| {
                    format!("kernel {kernel}, stride {stride} and padding {padding} do not fit")
                })?;
            let output = Shape::Map {
                height: out_h,
                width: out_w,
                channels: filters,
            };
            Ok((output, Some(window)))
        }
        LayerKind::MaxPool {
            size,
            stride,
            padding,
        } => {
            let (h, w, c) = map("a maxpool")?;
            let window = fitting_window(h, w, c, size, stride, padding)?;
            let output = Shape::Map {
                height: window.out_height,
                width: window.out_width,
                channels: c,
            };
            Ok((output, Some(window)))
        }
        LayerKind::Upsample { factor } => {
            let (h, w, c) = map("an upsample")?;
            let output = Shape::Map {
                height: h * factor,
                width: w * factor,
                channels: c,
            };
            Ok((output, None))
        }
        LayerKind::Dense { units, .. } => match shape {
            Shape::Flat(_) => Ok((Shape::Flat(units), None)),
            Shape::Map { .. } => Err(
                "a dense layer needs a flat input, and this map is not flattened; add { flatten = true } before it"
                    .into(),
            ),
        },
        LayerKind::Flatten => Ok((Shape::Flat(shape.len()), None)),
        LayerKind::Reshape {
            height,
            width,
            channels,
        } => {
            let wanted = height * width * channels;
            if wanted != shape.len() {
                return Err(format!(
                    "{height}x{width}x{channels} holds {wanted} values, the input {}",
                    shape.len()
                ));
            }
            Ok((
                Shape::Map {
                    height,
                    width,
                    channels,
                },
                None,
            ))
        }
        LayerKind::BatchNorm { .. } | LayerKind::Activation => Ok((shape, None)),
    }
}

/// A window that fits, or why not.
fn fitting_window(
    h: usize,
    w: usize,
    c: usize,
    kernel: usize,
    stride: usize,
    padding: Padding,
) -> Result<Window, String> {
    if let Padding::Explicit(pad) = padding {
        if pad >= kernel {
            return Err(format!(
                "padding {pad} must be smaller than the kernel {kernel}"
            ));
        }
    }
    let padded = |size: usize| match padding {
        Padding::Explicit(pad) => size + 2 * pad,
        _ => size,
    };
    if padding != Padding::Same && (kernel > padded(h) || kernel > padded(w)) {
        return Err(format!("kernel {kernel} is larger than the (padded) input"));
    }
    Window::of(h, w, c, kernel, stride, padding)
        .ok_or_else(|| format!("kernel {kernel} and stride {stride} do not fit"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerActivation;

    fn layer(kind: LayerKind) -> LayerSpec {
        LayerSpec {
            kind,
            activation: LayerActivation::Linear,
        }
    }

    fn conv(filters: usize, kernel: usize, stride: usize, padding: Padding) -> LayerSpec {
        layer(LayerKind::Conv {
            filters,
            kernel,
            stride,
            padding,
            bias: true,
        })
    }

    const MNIST: Shape = Shape::Map {
        height: 28,
        width: 28,
        channels: 1,
    };

    /// PyTorch's `Conv2d` / `ConvTranspose2d` output-size formulas and
    /// Keras' 'same' (`ceil(n / s)`), written out independently.
    #[test]
    fn output_sizes_follow_pytorch_and_keras() {
        let side = |layers: &[LayerSpec]| match plan("encoder", layers, MNIST)
            .unwrap()
            .last()
            .unwrap()
            .output
        {
            Shape::Map { height, width, .. } => {
                assert_eq!(height, width);
                height
            }
            Shape::Flat(_) => unreachable!(),
        };
        // floor((28 + 2p - k) / s) + 1
        assert_eq!(side(&[conv(4, 5, 2, Padding::Explicit(2))]), 14);
        assert_eq!(side(&[conv(4, 3, 2, Padding::Valid)]), 13);
        assert_eq!(side(&[conv(4, 5, 1, Padding::Explicit(2))]), 28);
        // ceil(28 / 3)
        assert_eq!(side(&[conv(4, 5, 3, Padding::Same)]), 10);
        // (n - 1) s - 2p + k + op: DCEC's decoder, 3 -> 7 -> 14 -> 28
        let deconv = |k, s, padding, op| {
            layer(LayerKind::Deconv {
                filters: 2,
                kernel: k,
                stride: s,
                padding,
                output_padding: op,
                bias: true,
            })
        };
        let three = Shape::Map {
            height: 3,
            width: 3,
            channels: 8,
        };
        let out = plan(
            "decoder",
            &[
                deconv(3, 2, Padding::Valid, 0),
                deconv(5, 2, Padding::Explicit(2), 1),
                deconv(5, 2, Padding::Same, 0),
            ],
            three,
        )
        .unwrap();
        let sides: Vec<String> = out.iter().map(|l| l.output.to_string()).collect();
        assert_eq!(sides, ["7x7x2", "14x14x2", "28x28x2"]);
        // Keras' 'same' pooling: 7 -> 4
        let pool = layer(LayerKind::MaxPool {
            size: 2,
            stride: 2,
            padding: Padding::Same,
        });
        let seven = Shape::Map {
            height: 7,
            width: 7,
            channels: 8,
        };
        assert_eq!(
            plan("encoder", &[pool], seven).unwrap()[0]
                .output
                .to_string(),
            "4x4x8"
        );
    }

    #[test]
    fn impossible_layers_are_named_with_their_shapes() {
        let err = plan(
            "encoder",
            &[
                conv(8, 3, 1, Padding::Same),
                layer(LayerKind::Dense {
                    units: 10,
                    bias: true,
                }),
            ],
            MNIST,
        )
        .unwrap_err();
        assert_eq!(err.layer, "encoder[1]");
        assert_eq!(err.input, "28x28x8");
        assert!(err.message.contains("flatten"), "{err}");
        let err = plan("encoder", &[conv(8, 29, 1, Padding::Valid)], MNIST).unwrap_err();
        assert!(err.message.contains("larger"), "{err}");
        let err = plan(
            "decoder",
            &[layer(LayerKind::Reshape {
                height: 3,
                width: 3,
                channels: 2,
            })],
            Shape::Flat(10),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("decoder[0] (reshape 3x3x2) on an input of 10"),
            "{err}"
        );
    }

    #[test]
    fn parameters_are_counted_as_keras_counts_them() {
        // Keras' summary of the blog's conv AE: 160, 1160, 584 in the encoder
        let layers = plan(
            "encoder",
            &[
                conv(16, 3, 1, Padding::Same),
                layer(LayerKind::MaxPool {
                    size: 2,
                    stride: 2,
                    padding: Padding::Same,
                }),
                conv(8, 3, 1, Padding::Same),
                layer(LayerKind::MaxPool {
                    size: 2,
                    stride: 2,
                    padding: Padding::Same,
                }),
                conv(8, 3, 1, Padding::Same),
            ],
            MNIST,
        )
        .unwrap();
        let counts: Vec<usize> = layers.iter().map(PlannedLayer::parameter_count).collect();
        assert_eq!(counts, [160, 0, 1160, 0, 584]);
    }
}
