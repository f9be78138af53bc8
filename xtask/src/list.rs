//! `cargo xtask list`: every archive under the results folder, with its
//! status, how many runs finished, the best run by validation BCE, and
//! its size on disk.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{human_bytes, list_archives};
use anyhow::Result;

#[derive(clap::Args)]
pub struct ListArgs {
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

pub fn list(args: ListArgs) -> Result<ExitCode> {
    let results = args.results_dir.unwrap_or_else(crate::default_results);
    let archives = list_archives(&results);
    if archives.is_empty() {
        println!("no archives under {}", results.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<44} {:<9} {:>6} {:>22}  best val BCE",
        "archive", "status", "runs", "size (shared)"
    );
    for archive in archives {
        let best = archive.best.map_or("–".to_string(), |(name, bce)| {
            format!("{bce:.4} ({name})")
        });
        let shown = archive
            .dir
            .strip_prefix(&results)
            .unwrap_or(&archive.dir)
            .display()
            .to_string();
        let size = format!(
            "{} ({})",
            human_bytes(archive.usage.bytes),
            human_bytes(archive.usage.shared)
        );
        println!(
            "{shown:<44} {:<9} {:>6} {size:>22}  {best}",
            archive.status,
            format!("{}/{}", archive.finished, archive.runs)
        );
    }
    Ok(ExitCode::SUCCESS)
}
