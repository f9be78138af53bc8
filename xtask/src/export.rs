//! `cargo xtask export onnx|torch RUN_DIR [--out DIR]`: a finished run's
//! model as ONNX graphs or a PyTorch state dict; `cargo xtask export mlflow
//! ARCHIVE --tracking-uri URI`: an archive's runs into an MLflow server.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{export_mlflow, export_run, ExportFormat, Exported};
use anyhow::{bail, Context, Result};

#[derive(clap::Args)]
pub struct ExportArgs {
    /// `onnx` (encoder.onnx, decoder.onnx, autoencoder.onnx), `torch`
    /// (torch.safetensors with the reference torch_ae.py module's keys), or
    /// `mlflow` (every run of an archive into a tracking server).
    format: Format,
    /// The run's folder, ARCHIVE/runs/NAME (onnx, torch), or the archive
    /// (mlflow).
    path: PathBuf,
    /// Where to write [default: RUN_DIR/export] (onnx, torch).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The MLflow tracking server, e.g. http://127.0.0.1:5000 (mlflow)
    /// [default: $MLFLOW_TRACKING_URI].
    #[arg(long, env = "MLFLOW_TRACKING_URI")]
    tracking_uri: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Onnx,
    Torch,
    Mlflow,
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    let format = match args.format {
        Format::Onnx => ExportFormat::Onnx,
        Format::Torch => ExportFormat::Torch,
        Format::Mlflow => return mlflow(&args),
    };
    let written = export_run(&args.path, format, args.out.as_deref())
        .with_context(|| format!("cannot export {}", args.path.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn mlflow(args: &ExportArgs) -> Result<ExitCode> {
    let Some(uri) = &args.tracking_uri else {
        bail!("export mlflow needs --tracking-uri (or MLFLOW_TRACKING_URI), e.g. http://127.0.0.1:5000");
    };
    let outcomes = export_mlflow(&args.path, uri)
        .with_context(|| format!("cannot export {} to MLflow", args.path.display()))?;
    for (run, outcome) in outcomes {
        match outcome {
            Exported::Created(id) => println!("{run}: exported as MLflow run {id}"),
            Exported::AlreadyThere(id) => println!("{run}: already there (MLflow run {id})"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
