//! [`Network`]: what a run trains, a member of the dense family or a
//! network written as layer lists.

use std::fmt;

use crate::layers::{LayerSummary, LayeredArchitecture, ShapeError};
use crate::Architecture;

/// An autoencoder's design, whichever way it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Network {
    /// A stacked dense autoencoder (the notebook's family).
    Dense(Architecture),
    /// Layer lists: convolutional or any mix (`model.kind = "conv"`).
    Layered(LayeredArchitecture),
}

impl Network {
    /// Values per example.
    pub fn pixels(&self) -> usize {
        match self {
            Network::Dense(a) => a.pixels,
            Network::Layered(a) => a.input.len(),
        }
    }
}

impl Network {
    /// Every layer with its output and learned values, as Keras'
    /// `model.summary()` (a dense member's layers as `dense` rows); the
    /// first layer that cannot work if a layered network has one.
    pub fn summary(&self) -> Result<Vec<LayerSummary>, ShapeError> {
        match self {
            Network::Layered(a) => Ok(a.plan()?.summary()),
            Network::Dense(a) => {
                let depth = a.depth();
                let shapes = a.dense_shapes();
                let tied = a.tied_to();
                Ok(shapes
                    .iter()
                    .enumerate()
                    .map(|(j, &(inputs, outputs))| {
                        let (list, i) = if j < depth {
                            ("encoder", j)
                        } else {
                            ("decoder", j - depth)
                        };
                        let activation = if j + 1 == shapes.len() {
                            "sigmoid".to_string()
                        } else if a.beta().is_some() && j + 1 == depth {
                            "linear (mean and log-variance heads)".to_string()
                        } else {
                            a.activation.to_string()
                        };
                        let weights = if tied[j].is_some() {
                            0
                        } else {
                            inputs * outputs
                        };
                        LayerSummary {
                            name: format!("{list}[{i}]"),
                            layer: format!(
                                "dense {outputs}, {activation}{}",
                                if tied[j].is_some() { ", tied" } else { "" }
                            ),
                            output: outputs.to_string(),
                            params: weights + outputs,
                        }
                    })
                    .collect())
            }
        }
    }
}

impl From<Architecture> for Network {
    fn from(a: Architecture) -> Self {
        Network::Dense(a)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Network::Dense(a) => a.fmt(f),
            Network::Layered(a) => a.fmt(f),
        }
    }
}
