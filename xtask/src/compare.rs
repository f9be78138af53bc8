//! `cargo xtask compare <archive-a> <archive-b>`: the runs of two archives
//! side by side, matched by name: the settings that differ and every metric
//! with its change from A to B (like `dvc exp diff`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aelab_archive::{Manifest, Summary};
use aelab_report::METRICS;
use anyhow::Result;

use crate::report::flatten_table;
use crate::reproduce::compare_runs;

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The archive compared from.
    a: PathBuf,
    /// The archive compared to.
    b: PathBuf,
    /// Exit with 1 unless both hold the same runs with bit-identical results
    /// (`metrics.csv`, `summary.json` and t-SNE maps; wall-clock time aside).
    #[arg(long)]
    check: bool,
}

pub fn compare(args: CompareArgs) -> Result<ExitCode> {
    let (ma, mb) = (
        Manifest::read(&args.a.join("manifest.json"))?,
        Manifest::read(&args.b.join("manifest.json"))?,
    );
    let mut names: Vec<String> = ma.runs.iter().map(|r| r.name.clone()).collect();
    for r in &mb.runs {
        if !names.contains(&r.name) {
            names.push(r.name.clone());
        }
    }
    println!("A: {}\nB: {}", args.a.display(), args.b.display());
    let mut mismatches = Vec::new();
    for name in names {
        let (ra, rb) = (load(&args.a, &name), load(&args.b, &name));
        let ((sa, ca), (sb, cb)) = match (ra, rb) {
            (Some(a), Some(b)) => (a, b),
            (a, b) => {
                let whereabouts = match (a.is_some(), b.is_some()) {
                    (true, false) => "only in A",
                    (false, true) => "only in B",
                    _ => "not finished in either",
                };
                println!("\n{name}: {whereabouts}");
                mismatches.push(format!("{name}: {whereabouts}"));
                continue;
            }
        };
        if args.check {
            let runs = |archive: &Path| archive.join("runs").join(&name);
            for d in compare_runs(&runs(&args.a), &runs(&args.b))? {
                mismatches.push(format!("{name}: {d}"));
            }
        }
        println!("\n{name}");
        for (key, value) in &ca {
            let other = cb
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or("–");
            if other != value {
                println!("  {key}: {value} -> {other}");
            }
        }
        println!(
            "  {:<26} {:>12} {:>12} {:>10}",
            "metric", "A", "B", "change"
        );
        for m in METRICS {
            let (va, vb) = ((m.value)(&sa), (m.value)(&sb));
            if va.is_none() && vb.is_none() {
                continue;
            }
            let change = match (va, vb) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() && x != 0.0 => {
                    format!("{:+.2}%", 100.0 * (y - x) / x.abs())
                }
                _ => "–".to_string(),
            };
            println!(
                "  {:<26} {:>12} {:>12} {:>10}",
                m.label,
                m.format(va),
                m.format(vb),
                change
            );
        }
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

/// A run's summary and flattened config, if it finished.
fn load(archive: &Path, run: &str) -> Option<(Summary, Vec<(String, String)>)> {
    let dir = archive.join("runs").join(run);
    let summary = Summary::read(&dir.join("summary.json")).ok()?;
    let config: toml::Table = std::fs::read_to_string(dir.join("config.toml"))
        .ok()?
        .parse()
        .ok()?;
    Some((summary, flatten_table(&config)))
}
