//! `cargo xtask shapes SPEC`: every model of an experiment layer by layer,
//! with output shapes and parameter counts, like Keras' `model.summary()`.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{experiment_shapes, load_spec};
use anyhow::Result;

#[derive(clap::Args)]
pub struct ShapesArgs {
    /// The experiment spec (TOML).
    spec: PathBuf,
    /// Override a spec key for every run (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
}

pub fn shapes(args: ShapesArgs) -> Result<ExitCode> {
    let experiment = load_spec(&args.spec, &args.overrides)?;
    let models = experiment_shapes(&experiment)?;
    if models.is_empty() {
        println!("{}: no trained model (PCA only)", experiment.name);
    }
    for model in models {
        let runs = if model.runs.len() > 4 {
            format!(
                "{}, ... ({} runs)",
                model.runs[..3].join(", "),
                model.runs.len()
            )
        } else {
            model.runs.join(", ")
        };
        println!("Model of {runs}; input {}", model.input);
        let name_w = model
            .layers
            .iter()
            .map(|l| l.name.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let layer_w = model
            .layers
            .iter()
            .map(|l| l.layer.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let out_w = model
            .layers
            .iter()
            .map(|l| l.output.len())
            .max()
            .unwrap_or(6)
            .max(12);
        println!(
            "{:<name_w$}  {:<layer_w$}  {:>out_w$}  {:>10}",
            "layer", "what", "output shape", "params"
        );
        println!("{}", "-".repeat(name_w + layer_w + out_w + 16));
        for l in &model.layers {
            println!(
                "{:<name_w$}  {:<layer_w$}  {:>out_w$}  {:>10}",
                l.name, l.layer, l.output, l.params
            );
        }
        println!("{}", "-".repeat(name_w + layer_w + out_w + 16));
        println!("total parameters: {}\n", model.total_params);
    }
    Ok(ExitCode::SUCCESS)
}
