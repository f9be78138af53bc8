//! The layer vocabulary a spec's `model.encoder` / `model.decoder` lists
//! are written in (Keras-like), and the activation after a layer. Each
//! entry says what it computes; [`crate::layers::shape`] works out what
//! it takes and gives.

use std::fmt;

use crate::Activation;

/// How a convolution pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Keras' `"same"`: `ceil(input / stride)` outputs, the padding split
    /// with the odd row or column at the bottom or right.
    Same,
    /// No padding.
    Valid,
    /// `n` rows and columns on every side (PyTorch's `padding = n`).
    Explicit(usize),
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Padding::Same => f.write_str("same"),
            Padding::Valid => f.write_str("valid"),
            Padding::Explicit(n) => write!(f, "pad {n}"),
        }
    }
}

/// What follows a layer.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum LayerActivation {
    /// Nothing (Keras' `"linear"`).
    #[default]
    Linear,
    /// The logistic sigmoid (an output layer's, for `loss = "bce"`).
    Sigmoid,
    /// Leaky ReLU with this slope below zero.
    LeakyRelu(f32),
    /// One of the family's activations (`aelab_models::Activation`); its
    /// `LeakyRelu` is [`LayerActivation::LeakyRelu`] with slope 0.01.
    Family(Activation),
}

impl LayerActivation {
    /// The spec name.
    pub fn name(self) -> String {
        match self {
            LayerActivation::Linear => "linear".into(),
            LayerActivation::Sigmoid => "sigmoid".into(),
            LayerActivation::LeakyRelu(slope) => format!("leaky_relu({slope})"),
            LayerActivation::Family(a) => a.name().into(),
        }
    }
}

/// One entry of a layer list. Shapes are height x width x channels
/// (channels last, as Keras and as aelab lays maps out in memory).
#[derive(Debug, Clone, PartialEq)]
pub enum LayerKind {
    /// A 2-D convolution with `filters` outputs.
    Conv {
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: Padding,
        bias: bool,
    },
    /// A transposed convolution (the adjoint of a convolution with the same
    /// kernel, stride and padding); `output_padding` extra rows and columns
    /// at the bottom and right, as PyTorch's.
    Deconv {
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: Padding,
        output_padding: usize,
        bias: bool,
    },
    /// Max pooling over `size x size` windows `stride` apart; `same` pads
    /// the bottom and right so that `ceil(input / stride)` come out (Keras'
    /// `"same"` pooling: 7 -> 4).
    MaxPool {
        size: usize,
        stride: usize,
        padding: Padding,
    },
    /// Nearest-neighbour upsampling by `factor` in both directions.
    Upsample { factor: usize },
    /// A fully connected layer of `units` outputs on a flat input.
    Dense { units: usize, bias: bool },
    /// A map becomes a flat vector (in height, width, channel order).
    Flatten,
    /// A flat vector becomes a `height x width x channels` map.
    Reshape {
        height: usize,
        width: usize,
        channels: usize,
    },
    /// Batch normalisation over every position of each channel (or each
    /// unit of a flat input): batch statistics in training, running ones
    /// (updated with `momentum`, PyTorch's convention) in evaluation;
    /// `affine` adds a learned scale and shift.
    BatchNorm {
        affine: bool,
        eps: f32,
        momentum: f32,
    },
    /// Only the activation.
    Activation,
}

impl LayerKind {
    /// The spec key that names the kind.
    pub fn key(&self) -> &'static str {
        match self {
            LayerKind::Conv { .. } => "conv",
            LayerKind::Deconv { .. } => "deconv",
            LayerKind::MaxPool { .. } => "maxpool",
            LayerKind::Upsample { .. } => "upsample",
            LayerKind::Dense { .. } => "dense",
            LayerKind::Flatten => "flatten",
            LayerKind::Reshape { .. } => "reshape",
            LayerKind::BatchNorm { .. } => "batchnorm",
            LayerKind::Activation => "activation",
        }
    }

    /// Whether the layer has weights (and so a default activation).
    pub fn computes(&self) -> bool {
        matches!(
            self,
            LayerKind::Conv { .. } | LayerKind::Deconv { .. } | LayerKind::Dense { .. }
        )
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerKind::Conv {
                filters,
                kernel,
                stride,
                padding,
                bias,
            } => {
                write!(f, "conv {filters} {kernel}x{kernel}")?;
                if *stride != 1 {
                    write!(f, " /{stride}")?;
                }
                write!(f, " {padding}")?;
                if !bias {
                    f.write_str(" no bias")?;
                }
                Ok(())
            }
            LayerKind::Deconv {
                filters,
                kernel,
                stride,
                padding,
                output_padding,
                bias,
            } => {
                write!(f, "deconv {filters} {kernel}x{kernel}")?;
                if *stride != 1 {
                    write!(f, " x{stride}")?;
                }
                write!(f, " {padding}")?;
                if *output_padding != 0 {
                    write!(f, " +{output_padding}")?;
                }
                if !bias {
                    f.write_str(" no bias")?;
                }
                Ok(())
            }
            LayerKind::MaxPool {
                size,
                stride,
                padding,
            } => {
                write!(f, "maxpool {size}x{size}")?;
                if stride != size {
                    write!(f, " /{stride}")?;
                }
                write!(f, " {padding}")
            }
            LayerKind::Upsample { factor } => write!(f, "upsample x{factor}"),
            LayerKind::Dense { units, bias } => {
                write!(f, "dense {units}")?;
                if !bias {
                    f.write_str(" no bias")?;
                }
                Ok(())
            }
            LayerKind::Flatten => f.write_str("flatten"),
            LayerKind::Reshape {
                height,
                width,
                channels,
            } => write!(f, "reshape {height}x{width}x{channels}"),
            LayerKind::BatchNorm { affine, eps, .. } => {
                write!(f, "batchnorm eps {eps}")?;
                if !affine {
                    f.write_str(" no affine")?;
                }
                Ok(())
            }
            LayerKind::Activation => f.write_str("activation"),
        }
    }
}

/// A layer and the activation after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    pub kind: LayerKind,
    pub activation: LayerActivation,
}

impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if self.activation != LayerActivation::Linear || self.kind == LayerKind::Activation {
            write!(f, ", {}", self.activation.name())?;
        }
        Ok(())
    }
}
