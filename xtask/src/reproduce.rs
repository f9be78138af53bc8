//! `cargo xtask reproduce <archive>[/runs/<run>]`: runs an archived
//! experiment (or one run) again from its archived spec and checks that
//! `metrics.csv`, `summary.json` and the t-SNE map come out bit-identical,
//! naming every field that differs. Wall-clock fields are not compared.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aelab_archive::{read_metrics_csv, Manifest};
use anyhow::{Context, Result};
use serde_json::Value;

use crate::dataset;
use crate::execute::execute;
use crate::progress;
use crate::report::stored_experiment;

/// `summary.json` fields that are not results: wall-clock times, and the
/// list of figures (the PNGs embed nothing that is compared).
const NOT_RESULTS: [&str; 4] = [
    "seconds_per_epoch",
    "train_seconds",
    "tsne_seconds",
    "figures",
];

#[derive(clap::Args)]
pub struct ReproduceArgs {
    /// An archive folder, or one of its runs: ARCHIVE/runs/RUN.
    target: PathBuf,
    /// Only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn reproduce(args: ReproduceArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let (archive, only) = match args.target.parent() {
        Some(parent) if parent.file_name().is_some_and(|n| n == "runs") => (
            parent.parent().map(Path::to_path_buf).unwrap_or_default(),
            args.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned()),
        ),
        _ => (args.target.clone(), None),
    };
    let manifest = Manifest::read(&archive.join("manifest.json"))?;
    let mut experiment = stored_experiment(&archive)?;
    if let Some(run) = &only {
        experiment.runs.retain(|r| &r.name == run);
        anyhow::ensure!(
            !experiment.runs.is_empty(),
            "{} has no run {run}",
            archive.display()
        );
    }
    let data = dataset::load(&experiment)?;
    for (now, then) in data.files.iter().zip(&manifest.data) {
        if now.sha256 != then.sha256 {
            tracing::warn!(
                "{} differs from the archived data (sha256 {} vs {})",
                now.path.display(),
                now.sha256,
                then.sha256
            );
        }
    }
    let scratch = std::env::temp_dir().join(format!("aelab-reproduce-{}", std::process::id()));
    let mut differing = 0;
    for run in &experiment.runs {
        let original = archive.join("runs").join(&run.name);
        let again = scratch.join(&run.name);
        execute(run, &data, &again).with_context(|| format!("re-running {}", run.name))?;
        let differences = compare_runs(&original, &again)?;
        if differences.is_empty() {
            println!(
                "{}: identical (metrics.csv, summary.json, tsne.csv)",
                run.name
            );
        } else {
            differing += 1;
            println!("{}: {} difference(s)", run.name, differences.len());
            for d in &differences {
                println!("  {d}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "{} of {} run(s) reproduced bit for bit",
        experiment.runs.len() - differing,
        experiment.runs.len()
    );
    Ok(if differing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Every difference between the results of two run folders.
pub fn compare_runs(a: &Path, b: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let (ma, mb) = (
        read_metrics_csv(&a.join("metrics.csv"))?,
        read_metrics_csv(&b.join("metrics.csv"))?,
    );
    if ma.len() != mb.len() {
        out.push(format!("metrics.csv: {} epochs vs {}", ma.len(), mb.len()));
    }
    for (ra, rb) in ma.iter().zip(&mb) {
        if ra.train_loss.to_bits() != rb.train_loss.to_bits() {
            out.push(format!(
                "metrics.csv epoch {} train_loss: {} vs {}",
                ra.epoch, ra.train_loss, rb.train_loss
            ));
        }
        if ra.val_loss.map(f64::to_bits) != rb.val_loss.map(f64::to_bits) {
            out.push(format!(
                "metrics.csv epoch {} val_loss: {:?} vs {:?}",
                ra.epoch, ra.val_loss, rb.val_loss
            ));
        }
    }
    let read = |p: &Path| -> Result<Value> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        Ok(serde_json::from_str(&text)?)
    };
    let (sa, sb) = (
        read(&a.join("summary.json"))?,
        read(&b.join("summary.json"))?,
    );
    if let (Value::Object(fa), Value::Object(fb)) = (&sa, &sb) {
        let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys
            .into_iter()
            .filter(|k| !NOT_RESULTS.contains(&k.as_str()))
        {
            let (va, vb) = (
                fa.get(key).unwrap_or(&Value::Null),
                fb.get(key).unwrap_or(&Value::Null),
            );
            if va != vb {
                out.push(format!("summary.json {key}: {va} vs {vb}"));
            }
        }
    }
    let tsne = |p: &Path| std::fs::read(p.join("tsne.csv")).ok();
    if tsne(a) != tsne(b) {
        out.push("tsne.csv: the t-SNE maps differ".to_string());
    }
    Ok(out)
}
