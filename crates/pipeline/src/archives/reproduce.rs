//! Reproduction: running an archived experiment (or one run) again from its
//! archived spec and checking that `metrics.csv`, `summary.json`, the
//! t-SNE map and the weights come out bit-identical, naming every field
//! that differs; and the same comparison between two archives
//! (`compare --check`). Wall-clock fields and provenance (identity, schema
//! version) are not results and are not compared.
//!
//! Results are bit-identical only on the same kind of CPU (the matrix
//! library picks its kernels by CPU). Against an archive from another kind,
//! values are compared within a relative tolerance instead, and the
//! outcome says so.

use std::path::{Path, PathBuf};

use aelab_archive::{read_metrics_csv, Manifest, RunStatus, Summary};
use serde_json::Value;

use crate::input::dataset;
use crate::reporting::report::stored_experiment;
use crate::running::provenance;
use crate::training::execute::execute;
use crate::{Observe, PipelineError, Result};

/// `summary.json` fields that are not results: wall-clock times, the list
/// of figures (the PNGs embed nothing that is compared) and provenance.
const NOT_RESULTS: [&str; 7] = [
    "seconds_per_epoch",
    "train_seconds",
    "tsne_seconds",
    "umap_seconds",
    "figures",
    "identity",
    "schema_version",
];

/// The relative tolerance used against an archive from another CPU kind
/// when none is given.
pub const CROSS_CPU_TOLERANCE: f64 = 1e-2;

/// How two values must agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Agreement {
    /// The same bits.
    Bits,
    /// `|a - b| <= tolerance * max(|a|, |b|)`.
    Relative(f64),
}

impl Agreement {
    fn close(self, a: f64, b: f64) -> bool {
        match self {
            Agreement::Bits => a.to_bits() == b.to_bits(),
            Agreement::Relative(tolerance) => {
                a == b || (a - b).abs() <= tolerance * a.abs().max(b.abs())
            }
        }
    }
}

/// What a reproduction found.
pub struct Reproduction {
    /// Each rerun run and the differences found (empty: reproduced).
    pub runs: Vec<(String, Vec<String>)>,
    /// The CPU the archive was made on, and this one.
    pub archived_cpu: String,
    pub this_cpu: String,
    /// How values were compared.
    pub agreement: Agreement,
}

impl Reproduction {
    /// Runs with no difference.
    pub fn reproduced(&self) -> usize {
        self.runs.iter().filter(|(_, d)| d.is_empty()).count()
    }
}

/// Reruns `target` (an archive folder, or `ARCHIVE/runs/RUN` for one run)
/// and compares. `tolerance` overrides the comparison: by default bits on
/// the same kind of CPU, [`CROSS_CPU_TOLERANCE`] on another.
pub fn reproduce(target: &Path, tolerance: Option<f64>, observe: Observe) -> Result<Reproduction> {
    let (archive, only) = split_target(target);
    let manifest = Manifest::read_archive(&archive)?;
    let mut experiment = stored_experiment(&archive)?;
    if let Some(run) = &only {
        experiment.runs.retain(|r| &r.name == run);
        if experiment.runs.is_empty() {
            return Err(PipelineError::Mismatch(format!(
                "{} has no run {run}",
                archive.display()
            )));
        }
    }
    let this_cpu = provenance::cpu();
    let agreement = match tolerance {
        Some(t) => Agreement::Relative(t),
        None if !manifest.cpu.is_empty() && manifest.cpu != this_cpu => {
            tracing::warn!(
                "the archive was made on another kind of CPU ({}; this is {this_cpu}): \
                 results are bit-identical only on one kind, so values are compared within \
                 a relative tolerance of {CROSS_CPU_TOLERANCE} (set it with --tolerance)",
                manifest.cpu
            );
            Agreement::Relative(CROSS_CPU_TOLERANCE)
        }
        None => Agreement::Bits,
    };
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
    let _ = std::fs::remove_dir_all(&scratch);
    let mut runs = Vec::new();
    for run in &experiment.runs {
        let original = archive.join("runs").join(&run.name);
        let again = scratch.join(&run.name);
        let archived = Summary::read(&original.join("summary.json")).ok();
        let finished = archived
            .as_ref()
            .and_then(|s| s.status)
            .is_some_and(|s| matches!(s, RunStatus::Ok | RunStatus::Diverged));
        if !finished {
            let status = archived
                .and_then(|s| s.status)
                .map_or("unfinished", |s| s.name());
            runs.push((
                run.name.clone(),
                vec![format!(
                    "the archived run is {status}: there is no result to reproduce"
                )],
            ));
            continue;
        }
        let outcome = execute(run, &data, &again, observe).and_then(|rerun| {
            // A light run the report then evaluated fully: the same again.
            let detailed = Summary::read(&original.join("summary.json"))
                .is_ok_and(|s| s.detail.as_deref() == Some("full"));
            if detailed && rerun.detail.as_deref() == Some("light") {
                crate::evaluation::detail::detail_run(&again, run, &data)?;
            }
            compare_runs(&original, &again, agreement)
        });
        match outcome {
            Ok(differences) => runs.push((run.name.clone(), differences)),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&scratch);
                return Err(e);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(Reproduction {
        runs,
        archived_cpu: manifest.cpu,
        this_cpu,
        agreement,
    })
}

/// `(archive, Some(run))` for `ARCHIVE/runs/RUN`, `(target, None)` else.
fn split_target(target: &Path) -> (PathBuf, Option<String>) {
    match target.parent() {
        Some(parent) if parent.file_name().is_some_and(|n| n == "runs") => (
            parent.parent().map(Path::to_path_buf).unwrap_or_default(),
            target.file_name().map(|n| n.to_string_lossy().into_owned()),
        ),
        _ => (target.to_path_buf(), None),
    }
}

/// Every difference between the results of two run folders.
pub fn compare_runs(a: &Path, b: &Path, agreement: Agreement) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let (ma, mb) = (
        read_metrics_csv(&a.join("metrics.csv"))?,
        read_metrics_csv(&b.join("metrics.csv"))?,
    );
    if ma.len() != mb.len() {
        out.push(format!("metrics.csv: {} epochs vs {}", ma.len(), mb.len()));
    }
    for (ra, rb) in ma.iter().zip(&mb) {
        if !agreement.close(ra.train_loss, rb.train_loss) {
            out.push(format!(
                "metrics.csv epoch {} train_loss: {} vs {}",
                ra.epoch, ra.train_loss, rb.train_loss
            ));
        }
        let val_same = match (ra.val_loss, rb.val_loss) {
            (Some(x), Some(y)) => agreement.close(x, y),
            (x, y) => x.is_none() && y.is_none(),
        };
        if !val_same {
            out.push(format!(
                "metrics.csv epoch {} val_loss: {:?} vs {:?}",
                ra.epoch, ra.val_loss, rb.val_loss
            ));
        }
    }
    // Through `Summary`, so archives of every schema version compare by
    // the current field names.
    let normalised = |dir: &Path| -> Result<Value> {
        let summary = Summary::read(&dir.join("summary.json"))?;
        serde_json::to_value(summary).map_err(|e| PipelineError::Other(e.to_string()))
    };
    let (sa, sb) = (normalised(a)?, normalised(b)?);
    // Only fields both files hold: one added by a later version is not a
    // difference in results.
    let (ha, hb) = (
        Summary::fields_in(&a.join("summary.json"))?,
        Summary::fields_in(&b.join("summary.json"))?,
    );
    if let (Value::Object(fa), Value::Object(fb)) = (&sa, &sb) {
        let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys
            .into_iter()
            .filter(|k| !NOT_RESULTS.contains(&k.as_str()) && ha.contains(k) && hb.contains(k))
        {
            let (va, vb) = (
                fa.get(key).unwrap_or(&Value::Null),
                fb.get(key).unwrap_or(&Value::Null),
            );
            if !json_close(va, vb, agreement) {
                out.push(format!("summary.json {key}: {va} vs {vb}"));
            }
        }
    }
    for (file, what) in [("tsne.csv", "t-SNE"), ("umap.csv", "UMAP")] {
        let map = |p: &Path| std::fs::read(p.join(file)).ok();
        if !bytes_close(map(a), map(b), agreement, text_numbers) {
            out.push(format!("{file}: the {what} maps differ"));
        }
    }
    let weights = |p: &Path| std::fs::read(p.join("weights.safetensors")).ok();
    if !bytes_close(weights(a), weights(b), agreement, tensor_numbers) {
        out.push("weights.safetensors: the weights differ".to_string());
    }
    Ok(out)
}

/// Whether two JSON values agree: numbers by `agreement`, the rest exactly.
fn json_close(a: &Value, b: &Value, agreement: Agreement) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if agreement != Agreement::Bits => agreement.close(x, y),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(x, y, agreement))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_close(v, w, agreement)))
        }
        _ => a == b,
    }
}

/// Whether two optional files agree: the same bytes, or under a relative
/// tolerance the same numbers as `numbers` reads them.
fn bytes_close(
    a: Option<Vec<u8>>,
    b: Option<Vec<u8>>,
    agreement: Agreement,
    numbers: fn(&[u8]) -> Option<Vec<f64>>,
) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) if a == b => true,
        (Some(a), Some(b)) if agreement != Agreement::Bits => match (numbers(&a), numbers(&b)) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(&y).all(|(x, y)| agreement.close(*x, *y))
            }
            _ => false,
        },
        _ => false,
    }
}

/// The numbers of a CSV file's data lines, in order.
fn text_numbers(bytes: &[u8]) -> Option<Vec<f64>> {
    let text = std::str::from_utf8(bytes).ok()?;
    Some(
        text.lines()
            .skip(1)
            .flat_map(|line| line.split(','))
            .filter_map(|field| field.trim().parse::<f64>().ok())
            .collect(),
    )
}

/// Every `f32` of a safetensors file, tensors in name order.
fn tensor_numbers(bytes: &[u8]) -> Option<Vec<f64>> {
    let tensors = safetensors::SafeTensors::deserialize(bytes).ok()?;
    let mut named = tensors.tensors();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (_, view) in named {
        if view.dtype() != safetensors::Dtype::F32 {
            return None;
        }
        out.extend(
            view.data()
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_is_bits_or_relative() {
        assert!(Agreement::Bits.close(0.1, 0.1));
        assert!(!Agreement::Bits.close(0.1, f64::from_bits(0.1f64.to_bits() + 1)));
        assert!(Agreement::Relative(1e-3).close(1.0, 1.0009));
        assert!(!Agreement::Relative(1e-3).close(1.0, 1.0011));
        assert!(Agreement::Relative(1e-3).close(0.0, 0.0));
    }

    #[test]
    fn csv_numbers_skip_the_header() {
        assert_eq!(
            text_numbers(b"x,y,label\n1.5,-2,3\n0.25,4,7\n"),
            Some(vec![1.5, -2.0, 3.0, 0.25, 4.0, 7.0])
        );
    }

    #[test]
    fn json_numbers_compare_within_tolerance_and_the_rest_exactly() {
        let a: Value = serde_json::json!({"x": 1.0, "v": [1.0, 2.0], "s": "ok"});
        let b: Value = serde_json::json!({"x": 1.0005, "v": [1.0, 2.001], "s": "ok"});
        assert!(!json_close(&a, &b, Agreement::Bits));
        assert!(json_close(&a, &b, Agreement::Relative(1e-3)));
        let c: Value = serde_json::json!({"x": 1.0, "v": [1.0, 2.0], "s": "diverged"});
        assert!(!json_close(&a, &c, Agreement::Relative(1.0)));
    }
}
