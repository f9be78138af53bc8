//! `cargo xtask export onnx|torch RUN_DIR [--out DIR]`: a finished run's
//! model as ONNX graphs or a PyTorch state dict.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{export_run, ExportFormat};
use anyhow::{Context, Result};

#[derive(clap::Args)]
pub struct ExportArgs {
    /// `onnx` (encoder.onnx, decoder.onnx, autoencoder.onnx) or `torch`
    /// (torch.safetensors with the reference torch_ae.py module's keys).
    format: Format,
    /// The run's folder: ARCHIVE/runs/NAME.
    run_dir: PathBuf,
    /// Where to write [default: RUN_DIR/export].
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Onnx,
    Torch,
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    let format = match args.format {
        Format::Onnx => ExportFormat::Onnx,
        Format::Torch => ExportFormat::Torch,
    };
    let written = export_run(&args.run_dir, format, args.out.as_deref())
        .with_context(|| format!("cannot export {}", args.run_dir.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
