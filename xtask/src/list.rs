//! `cargo xtask list`: every archive under the results folder, with its
//! status, how many runs finished, and the best run by test MSE.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_archive::{Manifest, RunStatus, Summary};
use anyhow::Result;

use crate::project_root;

#[derive(clap::Args)]
pub struct ListArgs {
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

pub fn list(args: ListArgs) -> Result<ExitCode> {
    let results = args
        .results_dir
        .unwrap_or_else(|| project_root().join("results"));
    let mut archives: Vec<PathBuf> = std::fs::read_dir(&results)
        .map(|experiments| {
            experiments
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .flat_map(|p| {
                    std::fs::read_dir(p)
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.ok().map(|e| e.path()))
                })
                .filter(|p| p.join("manifest.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    archives.sort();
    if archives.is_empty() {
        println!("no archives under {}", results.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<44} {:<9} {:>6}  best test MSE",
        "archive", "status", "runs"
    );
    for archive in archives {
        let Ok(manifest) = Manifest::read(&archive.join("manifest.json")) else {
            continue;
        };
        let done = manifest
            .runs
            .iter()
            .filter(|r| matches!(r.status, RunStatus::Ok | RunStatus::Diverged))
            .count();
        let best = manifest
            .runs
            .iter()
            .filter_map(|r| {
                let s =
                    Summary::read(&archive.join("runs").join(&r.name).join("summary.json")).ok()?;
                Some((r.name.clone(), s.test_mse.filter(|v| v.is_finite())?))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or("–".to_string(), |(name, mse)| {
                format!("{mse:.4} ({name})")
            });
        let shown = archive
            .strip_prefix(&results)
            .unwrap_or(&archive)
            .display()
            .to_string();
        println!(
            "{shown:<44} {:<9} {:>6}  {best}",
            manifest.status,
            format!("{done}/{}", manifest.runs.len())
        );
    }
    Ok(ExitCode::SUCCESS)
}
