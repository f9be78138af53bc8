//! `cargo xtask reproduce <archive>[/runs/<run>]`: reruns an archived
//! experiment (or one run) and prints every field of `metrics.csv`,
//! `summary.json`, the t-SNE map or the weights that differs.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{Agreement, Observe};
use anyhow::Result;

use crate::progress::{self, TerminalBars};

#[derive(clap::Args)]
pub struct ReproduceArgs {
    /// An archive folder, or one of its runs: ARCHIVE/runs/RUN.
    target: PathBuf,
    /// Compare within this relative tolerance instead of bit for bit
    /// [default: bits on the archive's kind of CPU, 1e-2 on another].
    #[arg(long, value_name = "RELATIVE")]
    tolerance: Option<f64>,
    /// Only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn reproduce(args: ReproduceArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let observe = Observe {
        progress: &TerminalBars,
        process_started: None,
    };
    let outcome = aelab_pipeline::reproduce(&args.target, args.tolerance, observe)?;
    if outcome.archived_cpu != outcome.this_cpu && !outcome.archived_cpu.is_empty() {
        println!(
            "the archive was made on {}; this is {}",
            outcome.archived_cpu, outcome.this_cpu
        );
    }
    let how = match outcome.agreement {
        Agreement::Bits => "bit for bit".to_string(),
        Agreement::Relative(t) => format!("within a relative tolerance of {t}"),
    };
    for (run, differences) in &outcome.runs {
        if differences.is_empty() {
            println!("{run}: identical (metrics.csv, summary.json, tsne.csv, weights)");
        } else {
            println!("{run}: {} difference(s)", differences.len());
            for d in differences {
                println!("  {d}");
            }
        }
    }
    println!(
        "{} of {} run(s) reproduced {how}",
        outcome.reproduced(),
        outcome.runs.len()
    );
    Ok(if outcome.reproduced() == outcome.runs.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
