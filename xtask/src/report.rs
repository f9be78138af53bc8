//! `cargo xtask report <archive>`: rebuilds an archive's report from what
//! its runs left on disk, after shards on many machines or a resume.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::progress;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The archive folder, e.g. results/dae/20261127-122543-b97afe.
    archive: PathBuf,
    /// Give this run the full evaluation and its figures first (a large
    /// sweep evaluates its runs lightly; repeatable).
    #[arg(long, value_name = "NAME")]
    run: Vec<String>,
    /// Only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn report(args: ReportArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let outcome = aelab_pipeline::rebuild_report(&args.archive, &args.run)?;
    if !outcome.pending.is_empty() {
        tracing::warn!("runs not finished yet: {}", outcome.pending.join(", "));
    }
    tracing::info!("report: {}", outcome.report.display());
    Ok(if outcome.status == "complete" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
