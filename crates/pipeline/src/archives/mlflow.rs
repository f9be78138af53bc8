//! `cargo xtask export mlflow ARCHIVE --tracking-uri URI`: every run of an
//! archive as an MLflow run (through `aelab_export::MlflowClient`): params
//! are the run's resolved spec values (`config.toml`, dotted keys), metrics
//! the losses of every epoch (step = epoch) and each final metric of
//! `summary.json` (step = the last epoch), tags the seed, status, git
//! revision, data checksums, aelab's version and the run's identity, and
//! artifacts the run's files (figures, summary, config, metrics, weights)
//! with the archive's report. The MLflow experiment is the aelab
//! experiment's name. Exporting an archive again adds nothing.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use aelab_archive::{read_metrics_csv, Manifest, RunStatus, Summary};
use aelab_export::{Exported, MetricPoint, MlflowClient, MlflowRun};
use aelab_report::METRICS;

use crate::{PipelineError, Result};

/// Exports the archive at `archive` to the server at `tracking_uri`;
/// returns each run's name and what became of it.
pub fn export_mlflow(archive: &Path, tracking_uri: &str) -> Result<Vec<(String, Exported)>> {
    let manifest = Manifest::read_archive(archive)?;
    // everything is read before the server is touched
    let runs: Vec<MlflowRun> = manifest
        .runs
        .iter()
        .filter(|r| {
            archive
                .join("runs")
                .join(&r.name)
                .join("summary.json")
                .is_file()
        })
        .map(|entry| mlflow_run(archive, &manifest, &entry.name, entry.seed))
        .collect::<Result<_>>()?;
    let client = MlflowClient::new(tracking_uri)?;
    let experiment = client.experiment_id(&manifest.experiment)?;
    runs.iter()
        .map(|run| {
            let outcome = client.export(&experiment, run)?;
            Ok((run.name.clone(), outcome))
        })
        .collect()
}

/// Milliseconds since the epoch of an RFC 3339 time (0 if unreadable).
fn millis(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn mlflow_run(archive: &Path, manifest: &Manifest, name: &str, seed: u64) -> Result<MlflowRun> {
    let dir = archive.join("runs").join(name);
    let summary = Summary::read(&dir.join("summary.json"))?;
    let start_ms = millis(&manifest.started);
    let end_ms = manifest.finished.as_deref().map_or_else(
        || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        },
        millis,
    );
    let config_path = dir.join("config.toml");
    let config: toml::Table = std::fs::read_to_string(&config_path)
        .map_err(|e| PipelineError::io("cannot read", &config_path, e))?
        .parse()
        .map_err(|e| PipelineError::damaged(&config_path, "run config", e))?;
    let mut params = Vec::new();
    flatten("", &toml::Value::Table(config), &mut params);

    let mut metrics = Vec::new();
    let metrics_csv = dir.join("metrics.csv");
    if metrics_csv.is_file() {
        for row in read_metrics_csv(&metrics_csv)? {
            let step = row.epoch as i64;
            let point = |key: &str, value: f64| MetricPoint {
                key: key.into(),
                value,
                step,
                timestamp_ms: start_ms,
            };
            metrics.push(point("train_loss", row.train_loss));
            metrics.extend(row.val_loss.map(|v| point("val_loss", v)));
            metrics.push(point("epoch_seconds", row.seconds));
        }
    }
    for metric in METRICS {
        if let Some(value) = (metric.value)(&summary) {
            metrics.push(MetricPoint {
                key: metric.key.into(),
                value,
                step: summary.epochs_completed as i64,
                timestamp_ms: end_ms,
            });
        }
    }

    let status = summary.status.unwrap_or(RunStatus::Failed);
    let mut tags = vec![
        ("seed".to_string(), seed.to_string()),
        ("status".to_string(), format!("{status:?}").to_lowercase()),
        ("git_revision".to_string(), manifest.git.revision.clone()),
        ("git_dirty".to_string(), manifest.git.dirty.to_string()),
        ("aelab_version".to_string(), manifest.aelab_version.clone()),
        ("identity".to_string(), summary.identity.clone()),
        ("model".to_string(), summary.model.clone()),
        ("archive".to_string(), archive.display().to_string()),
    ];
    for file in &manifest.data {
        tags.push((
            format!("data_sha256.{}", file_name(&file.path)),
            file.sha256.clone(),
        ));
    }

    let mut artifacts: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| PipelineError::io("cannot list", &dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
        .collect();
    artifacts.sort();
    for report in ["report.html", "report.md"] {
        if archive.join(report).is_file() {
            artifacts.push((format!("archive/{report}"), archive.join(report)));
        }
    }
    let stamp = archive
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("archive");
    Ok(MlflowRun {
        name: name.to_string(),
        key: format!("{}/{stamp}/{name}", manifest.experiment),
        start_ms,
        end_ms,
        finished: status == RunStatus::Ok,
        params,
        metrics,
        tags,
        artifacts,
    })
}

/// The last part of a path, for a tag key (MLflow keys take letters,
/// digits, `_-./ `).
fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-. ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `value`'s leaves as `(dotted key, text)`.
fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
