//! `cargo xtask bench`: prints the rows `aelab-bench` measures, saves them
//! as JSON and checks them against a saved baseline.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_bench::{default_torch_script, regressions, run_bench, BenchOptions, REGRESSION};
use anyhow::{Context, Result};

use crate::progress;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Epochs per training row (the median epoch is reported).
    #[arg(long, default_value_t = 2)]
    epochs: usize,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Compare with an earlier --json file; exit 1 on a regression over 20%.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also run the PyTorch reference (its torch_ae.py, default
    /// ../shared/reference/torch_ae.py) with the same settings and print the ratios.
    #[arg(long, value_name = "TORCH_AE_PY", num_args = 0..=1, default_missing_value = "")]
    compare_torch: Option<String>,
    /// Also run scikit-learn's t-SNE (on the same codes) and PCA-30 (on the
    /// same digits) in this invocation and print the ratios.
    #[arg(long)]
    compare_sklearn: bool,
    /// Also time openTSNE and umap-learn (warm) against aelab's t-SNE and
    /// UMAP on the same 5,000 and 70,000 codes, with each map's 5-NN
    /// accuracy and trustworthiness.
    #[arg(long)]
    compare_embed: bool,
    /// Only the GEMM peak and the four convolutional architectures against
    /// torch_conv.py (beside the --compare-torch script).
    #[arg(long, requires = "compare_torch")]
    conv_only: bool,
    /// Also time linfa-reduction's PCA and linfa-tsne beside aelab's on the
    /// same 5,000 digits and codes (time, variance share or 5-NN accuracy,
    /// whether two runs agree).
    #[arg(long)]
    compare_linfa: bool,
    /// Only the GEMM peak and the --compare-linfa rows.
    #[arg(long)]
    linfa_only: bool,
    /// The Python with torch / scikit-learn / openTSNE and umap-learn for the comparisons.
    #[arg(long, default_value = "python3")]
    python: String,
}

pub fn bench(args: BenchArgs) -> Result<ExitCode> {
    progress::init(true);
    let options = BenchOptions {
        epochs: args.epochs,
        compare_torch: args.compare_torch.map(|s| {
            if s.is_empty() {
                default_torch_script()
            } else {
                PathBuf::from(s)
            }
        }),
        compare_sklearn: args.compare_sklearn,
        compare_embed: args.compare_embed,
        conv_only: args.conv_only,
        compare_linfa: args.compare_linfa,
        linfa_only: args.linfa_only,
        python: args.python,
        xtask: std::env::current_exe().context("finding the xtask binary")?,
    };
    println!("{:<44} {:>10} {:<10} note", "benchmark", "value", "unit");
    let rows = run_bench(&options, &mut |row| {
        println!(
            "{:<44} {:>10.3} {:<10} {}",
            row.name, row.value, row.unit, row.note
        );
    })?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&rows)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.baseline {
        let worse = regressions(&rows, path)?;
        for (name, before, after, unit) in &worse {
            println!("REGRESSION {name}: {before:.3} -> {after:.3} {unit}");
        }
        println!(
            "{} regression(s) over {:.0}% against {}",
            worse.len(),
            100.0 * (REGRESSION - 1.0),
            path.display()
        );
        if !worse.is_empty() {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
