//! `cargo xtask shapes`: every distinct model of an experiment with its
//! layers, output shapes and learned values, as Keras' `model.summary()`
//! lists them, before any work (the spec has already refused any layer
//! that cannot work). The same rows go into each run's `summary.json`
//! and its report page.

use aelab_archive::LayerRow;
use aelab_models::Network;
use aelab_spec::{Experiment, RunConfig};

use crate::{PipelineError, Result};

/// One model and the runs that train it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelShapes {
    pub runs: Vec<String>,
    /// One example's shape going in (`28x28x1`, or the pixel count).
    pub input: String,
    pub layers: Vec<LayerRow>,
    pub total_params: usize,
}

/// The layers of `run`'s model (`None` for PCA).
pub fn layer_rows(run: &RunConfig) -> Result<Option<Vec<LayerRow>>> {
    if !run.model.kind.trains() {
        return Ok(None);
    }
    let pixels = run.data.source.image_shape().len();
    let rows = run
        .network(pixels)
        .summary()
        .map_err(|e| PipelineError::Other(format!("{}: {e}", run.name)))?;
    Ok(Some(
        rows.into_iter()
            .map(|r| LayerRow {
                name: r.name,
                layer: r.layer,
                output: r.output,
                params: r.params,
            })
            .collect(),
    ))
}

/// Every distinct model of `experiment`, in the order its runs first use it.
pub fn experiment_shapes(experiment: &Experiment) -> Result<Vec<ModelShapes>> {
    let mut models: Vec<ModelShapes> = Vec::new();
    for run in &experiment.runs {
        let Some(layers) = layer_rows(run)? else {
            continue;
        };
        match models.iter_mut().find(|m| m.layers == layers) {
            Some(model) => model.runs.push(run.name.clone()),
            None => {
                let pixels = run.data.source.image_shape().len();
                let input = match run.network(pixels) {
                    Network::Layered(layered) => layered.input.to_string(),
                    Network::Dense(_) => pixels.to_string(),
                };
                models.push(ModelShapes {
                    runs: vec![run.name.clone()],
                    input,
                    total_params: layers.iter().map(|l| l.params).sum(),
                    layers,
                });
            }
        }
    }
    Ok(models)
}
