//! `cargo xtask export`: a finished run's model in the formats other tools
//! read, from its archived spec and weights, into `RUN_DIR/export/` (or a
//! folder given): ONNX (`encoder.onnx`, `decoder.onnx`, `autoencoder.onnx`)
//! or a PyTorch state dict (`torch.safetensors`: `torch_ae.py`'s module
//! for the dense family, `torch_conv.py`'s `enc`/`dec` Sequentials for a
//! conv network). Every file is encoded
//! before any is written, and each is written atomically, so a failure
//! leaves nothing half-written.

use std::path::{Path, PathBuf};

use aelab_archive::{write_atomic, Summary};
use aelab_export::{dense_onnx, dense_state_dict, layered_onnx, layered_state_dict, OnnxModels};
use aelab_models::layers::LayeredNet;
use aelab_models::weights_file::dense_input_width;
use aelab_models::{Autoencoder, Network};
use aelab_spec::ModelKind;

use crate::reporting::report::stored_experiment;
use crate::{PipelineError, Result};

/// A format `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// ONNX graphs (opset 13) of the encoder, the decoder and both.
    Onnx,
    /// The reference `torch_ae.py` module's state dict, in safetensors.
    Torch,
}

/// The three ONNX files of a model.
fn onnx_files(graphs: OnnxModels) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("encoder.onnx", graphs.encoder),
        ("decoder.onnx", graphs.decoder),
        ("autoencoder.onnx", graphs.autoencoder),
    ]
}

/// Writes the run in `run_dir` (an archive's `runs/<name>`) as `format`
/// into `out` (default `run_dir/export`); returns the files written.
pub fn export_run(
    run_dir: &Path,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    let not_a_run = || {
        PipelineError::Mismatch(format!(
            "{}: not a run folder of an archive (ARCHIVE/runs/NAME, with its summary.json)",
            run_dir.display()
        ))
    };
    let name = run_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(not_a_run)?;
    let archive = run_dir
        .parent()
        .and_then(Path::parent)
        .ok_or_else(not_a_run)?;
    if !run_dir.join("summary.json").is_file() {
        return Err(not_a_run());
    }
    let summary = Summary::read(&run_dir.join("summary.json"))?;
    let experiment = stored_experiment(archive)?;
    let run = experiment
        .runs
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(not_a_run)?;
    let weights = run_dir.join("weights.safetensors");
    let kind = run.model.kind;
    let layered = run.model.layered.is_some() || run.dense_on_layers();
    if kind == ModelKind::Pca {
        return Err(PipelineError::Mismatch(format!(
            "{name}: a pca model: PCA has no network to export; the exports write trained networks"
        )));
    }
    if !weights.is_file() {
        return Err(PipelineError::Mismatch(format!(
            "{}: no weights to export (a run that did not finish, or from an archive without them)",
            weights.display()
        )));
    }
    let mut metadata = vec![
        (
            "aelab_version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("experiment".to_string(), experiment.name.clone()),
        ("run".to_string(), name.to_string()),
        ("identity".to_string(), summary.identity.clone()),
    ];
    let files: Vec<(&str, Vec<u8>)> = if layered {
        let Network::Layered(architecture) = run.network(run.data.source.image_shape().len())
        else {
            return Err(PipelineError::Mismatch(format!(
                "{name}: a layered run without its layer lists"
            )));
        };
        let net = LayeredNet::load(architecture, &weights)?;
        metadata.push(("architecture".to_string(), summary.model.clone()));
        match format {
            ExportFormat::Onnx => onnx_files(layered_onnx(&net, &metadata)),
            ExportFormat::Torch if net.architecture.beta.is_some() => {
                return Err(PipelineError::Mismatch(format!(
                    "{name}: a VAE written as layer lists has no PyTorch module in torch_conv.py to load it; \
                     `export onnx` writes its encoder (code and log_variance) and decoder"
                )));
            }
            ExportFormat::Torch => {
                vec![("torch.safetensors", layered_state_dict(&net, &metadata)?)]
            }
        }
    } else {
        let architecture = run.model.architecture(dense_input_width(&weights)?);
        let model = Autoencoder::load(architecture, &weights)?;
        metadata.push(("architecture".to_string(), model.architecture.to_string()));
        match format {
            ExportFormat::Onnx => onnx_files(dense_onnx(&model, &metadata)),
            ExportFormat::Torch => {
                vec![("torch.safetensors", dense_state_dict(&model, &metadata)?)]
            }
        }
    };
    let out = out.map_or_else(|| run_dir.join("export"), Path::to_path_buf);
    std::fs::create_dir_all(&out).map_err(|e| PipelineError::io("cannot create", &out, e))?;
    let mut written = Vec::new();
    for (file, bytes) in files {
        let path = out.join(file);
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}
