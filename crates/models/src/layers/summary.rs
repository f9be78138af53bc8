//! A network's layers as Keras' `model.summary()` lists them: each layer
//! with what it computes, its output shape and its learned values.

use crate::layers::Plan;

/// One row of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSummary {
    /// `encoder[0]`, `decoder[3]`.
    pub name: String,
    /// What it computes, with its activation: `conv 16 3x3 same, relu`.
    pub layer: String,
    /// One example's output: `28x28x16`, `128`.
    pub output: String,
    pub params: usize,
}

impl Plan {
    /// Every layer, encoder first.
    pub fn summary(&self) -> Vec<LayerSummary> {
        let rows = |list: &str, layers: &[crate::layers::PlannedLayer]| -> Vec<LayerSummary> {
            layers
                .iter()
                .enumerate()
                .map(|(i, l)| LayerSummary {
                    name: format!("{list}[{i}]"),
                    layer: l.spec.to_string(),
                    output: l.output.to_string(),
                    params: l.parameter_count(),
                })
                .collect()
        };
        let mut all = rows("encoder", &self.encoder);
        if let (true, Some(heads)) = (self.variational, all.last_mut()) {
            heads.layer = format!(
                "dense 2 x {}, linear (mean and log-variance heads)",
                self.code().len()
            );
        }
        all.extend(rows("decoder", &self.decoder));
        all
    }
}
