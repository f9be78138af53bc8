//! The records an archive holds: `manifest.json`, each run's `summary.json`
//! and `metrics.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{write_atomic, ArchiveError};

/// Provenance and status of an experiment: everything needed to rerun it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub experiment: String,
    pub description: Option<String>,
    /// `running` while the experiment runs, then `complete` or `failed`;
    /// an archive left `running` was interrupted.
    pub status: String,
    pub spec: String,
    pub command: Vec<String>,
    pub aelab_version: String,
    pub git: GitInfo,
    pub rustc: String,
    pub crates: BTreeMap<String, String>,
    pub seed: u64,
    pub data: Vec<DataFile>,
    /// Threads each run trained with (t-SNE always uses one).
    pub threads: usize,
    /// Runs executed at once.
    pub jobs: usize,
    /// `--set key=value` overrides applied to every run.
    pub overrides: Vec<String>,
    pub host: String,
    /// CPU model and the vector extensions the matrix kernels can use
    /// (results are bit-identical on the same kind of CPU).
    #[serde(default)]
    pub cpu: String,
    pub started: String,
    pub finished: Option<String>,
    pub runs: Vec<RunEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GitInfo {
    pub revision: String,
    pub dirty: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunEntry {
    pub name: String,
    pub seed: u64,
    pub status: RunStatus,
    /// Hash of the resolved config, the data checksums and the code version:
    /// runs with equal identities give equal results.
    pub identity: String,
}

/// A figure: a path relative to the archive folder and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub path: String,
    pub caption: String,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Pending,
    Ok,
    Diverged,
    Failed,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Ok => "ok",
            RunStatus::Diverged => "diverged",
            RunStatus::Failed => "failed",
        }
    }
}

/// Where a diverged run's loss stopped being finite.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Divergence {
    pub epoch: usize,
    pub step: usize,
}

/// A run's final numbers. Absent metrics are `null`: a diverged run has no
/// test scores, a run without test data no test metrics.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub run: String,
    pub status: Option<RunStatus>,
    pub model: String,
    pub diverged_at: Option<Divergence>,
    pub error: Option<String>,
    pub epochs_completed: usize,
    /// Validation BCE after the last epoch (noisy inputs for a denoising run,
    /// clean targets, as the notebook validates).
    pub val_bce: Option<f64>,
    pub test_bce: Option<f64>,
    pub test_mse: Option<f64>,
    pub test_psnr: Option<f64>,
    /// Test images corrupted by `eval.noise`, against clean targets.
    pub noisy_test_bce: Option<f64>,
    pub noisy_test_mse: Option<f64>,
    /// 5-NN accuracy of the validation codes against the training codes.
    pub knn5_latent_acc: Option<f64>,
    /// Trustworthiness (k = 5) of the validation codes against the pixels.
    pub trust5_latent: Option<f64>,
    /// Leave-one-out 5-NN accuracy of the 2-D t-SNE map.
    pub tsne_knn5_acc: Option<f64>,
    /// Trustworthiness (k = 5) of the t-SNE map against the pixels.
    pub trust5_tsne: Option<f64>,
    /// Test MSE of each digit class 0-9.
    pub per_class_test_mse: Option<Vec<f64>>,
    /// `[noise level, test MSE]` with the test inputs corrupted by
    /// `eval.noise.kind` at each level, targets clean.
    pub denoising_curve: Option<Vec<[f64; 2]>>,
    pub seconds_per_epoch: Option<f64>,
    pub train_seconds: Option<f64>,
    pub tsne_seconds: Option<f64>,
    /// PCA runs: each component's share of the total variance.
    pub explained_variance_ratio: Option<Vec<f64>>,
    /// See [`RunEntry::identity`].
    #[serde(default)]
    pub identity: String,
    /// The run's figures, for rebuilding the report from the archive.
    #[serde(default)]
    pub figures: Vec<Figure>,
}

impl Summary {
    pub fn write(&self, path: &Path) -> Result<(), ArchiveError> {
        write_json(path, self)
    }

    pub fn read(path: &Path) -> Result<Summary, ArchiveError> {
        read_json(path)
    }
}

impl Manifest {
    pub fn write(&self, path: &Path) -> Result<(), ArchiveError> {
        write_json(path, self)
    }

    pub fn read(path: &Path) -> Result<Manifest, ArchiveError> {
        read_json(path)
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ArchiveError> {
    let fail = |message: String| ArchiveError::Read {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| fail(e.to_string()))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ArchiveError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| ArchiveError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// One line of `metrics.csv`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct MetricsRow {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    pub seconds: f64,
}

/// Reads `metrics.csv`.
pub fn read_metrics_csv(path: &Path) -> Result<Vec<MetricsRow>, ArchiveError> {
    let fail = |message: String| ArchiveError::Read {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(e.to_string()))?;
    reader
        .deserialize()
        .collect::<Result<Vec<MetricsRow>, _>>()
        .map_err(|e| fail(e.to_string()))
}

/// Writes `metrics.csv` (`epoch,train_loss,val_loss,seconds`).
pub fn write_metrics_csv(path: &Path, rows: &[MetricsRow]) -> Result<(), ArchiveError> {
    let fail = |message: String| ArchiveError::Write {
        path: path.to_path_buf(),
        message,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        writer
            .write_record(["epoch", "train_loss", "val_loss", "seconds"])
            .map_err(|e| fail(e.to_string()))?;
    }
    for row in rows {
        writer.serialize(row).map_err(|e| fail(e.to_string()))?;
    }
    let bytes = writer.into_inner().map_err(|e| fail(e.to_string()))?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_csv_has_the_documented_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let rows = [
            MetricsRow {
                epoch: 1,
                train_loss: 0.2,
                val_loss: Some(0.15),
                seconds: 1.5,
            },
            MetricsRow {
                epoch: 2,
                train_loss: 0.1,
                val_loss: None,
                seconds: 1.25,
            },
        ];
        write_metrics_csv(&path, &rows).unwrap();
        assert_eq!(read_metrics_csv(&path).unwrap(), rows);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "epoch,train_loss,val_loss,seconds\n1,0.2,0.15,1.5\n2,0.1,,1.25\n"
        );
        write_metrics_csv(&path, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "epoch,train_loss,val_loss,seconds\n"
        );
    }

    #[test]
    fn summary_serialises_absent_metrics_as_null() {
        let s = Summary {
            run: "a".into(),
            status: Some(RunStatus::Diverged),
            diverged_at: Some(Divergence { epoch: 2, step: 17 }),
            ..Summary::default()
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["status"], "diverged");
        assert_eq!(json["diverged_at"]["step"], 17);
        assert!(json["test_bce"].is_null());
    }
}
