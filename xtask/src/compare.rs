//! `cargo xtask compare <archive-a> <archive-b> [--check]`: the runs of two
//! archives side by side, with the settings that differ and the change in
//! every metric; `--check` exits 1 unless the results are bit-identical.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{compare_archives, Presence};
use anyhow::Result;

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The archive compared from.
    a: PathBuf,
    /// The archive compared to.
    b: PathBuf,
    /// Exit with 1 unless both hold the same runs with bit-identical results
    /// (`metrics.csv`, `summary.json`, t-SNE maps and weights; wall-clock time aside).
    #[arg(long)]
    check: bool,
}

pub fn compare(args: CompareArgs) -> Result<ExitCode> {
    let runs = compare_archives(&args.a, &args.b, args.check)?;
    println!("A: {}\nB: {}", args.a.display(), args.b.display());
    let mut mismatches = Vec::new();
    for run in &runs {
        let whereabouts = match run.presence {
            Presence::Both => None,
            Presence::OnlyA => Some("only in A"),
            Presence::OnlyB => Some("only in B"),
            Presence::Neither => Some("not finished in either"),
        };
        if let Some(whereabouts) = whereabouts {
            println!("\n{}: {whereabouts}", run.name);
            mismatches.push(format!("{}: {whereabouts}", run.name));
            continue;
        }
        println!("\n{}", run.name);
        for (key, a, b) in &run.changed_settings {
            println!("  {key}: {a} -> {b}");
        }
        println!(
            "  {:<26} {:>12} {:>12} {:>10}",
            "metric", "A", "B", "change"
        );
        for (label, a, b, change) in &run.metrics {
            println!("  {label:<26} {a:>12} {b:>12} {change:>10}");
        }
        mismatches.extend(run.differences.iter().map(|d| format!("{}: {d}", run.name)));
    }
    if !args.check {
        return Ok(ExitCode::SUCCESS);
    }
    if mismatches.is_empty() {
        println!("\nidentical: every run has bit-identical results in both archives");
        return Ok(ExitCode::SUCCESS);
    }
    println!("\n{} difference(s):", mismatches.len());
    for m in &mismatches {
        println!("  {m}");
    }
    Ok(ExitCode::from(1))
}
