//! The records an archive holds: `manifest.json`, each run's `summary.json`
//! and `metrics.csv`.
//!
//! Both JSON records carry `schema_version`. Readers accept every earlier
//! version: version 1 (before the field existed) named the embedding
//! metrics `knn5_latent_acc`, `trust5_latent` and `trust5_tsne`, read here
//! into [`Summary::latent_knn5_acc`], [`Summary::latent_trust5`] and
//! [`Summary::tsne_trust5`] (and still written beside them, deprecated).
//! Version 3 added `val_loss`, the trustworthiness standard errors and
//! `trust5_rows`, and writes every absent value as `null` (version 2 left
//! some out). A record from a newer aelab is refused with a message rather
//! than misread.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{write_atomic, ArchiveError};

/// The schema version this aelab writes (and the newest it reads).
pub const SCHEMA_VERSION: u32 = 3;

/// `summary.json` fields renamed in schema 2: `(version 1 name, name now)`;
/// the serde aliases on [`Summary`] read them.
/// A code value below this in absolute value counts as near zero in
/// [`Summary::code_near_zero`].
pub const CODE_NEAR_ZERO: f64 = 0.01;

pub const RENAMED_FIELDS: [(&str, &str); 3] = [
    ("knn5_latent_acc", "latent_knn5_acc"),
    ("trust5_latent", "latent_trust5"),
    ("trust5_tsne", "tsne_trust5"),
];

/// Records written before `schema_version` existed.
fn schema_v1() -> u32 {
    1
}

/// Provenance and status of an experiment: everything needed to rerun it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    #[serde(default = "schema_v1")]
    pub schema_version: u32,
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
    /// Threads each run trained on, unless its `train.threads` said
    /// otherwise (its `config.toml` then records it): 1 in archives before
    /// aelab 0.2 chose them. Results do not depend on it.
    pub threads: usize,
    /// Threads each run's evaluation (t-SNE, UMAP, neighbours,
    /// trustworthiness) ran on: the machine's shared by the runs at once;
    /// 0 in archives before it was recorded. Results do not depend on it.
    #[serde(default)]
    pub evaluation_threads: usize,
    /// Runs executed at once.
    pub jobs: usize,
    /// `--set key=value` overrides applied to every run.
    pub overrides: Vec<String>,
    pub host: String,
    /// CPU model and the vector extensions the matrix kernels can use
    /// (results are bit-identical on the same kind of CPU).
    #[serde(default)]
    pub cpu: String,
    /// The kernels' instruction set (`avx512`, `avx2` or `baseline`, see
    /// `aelab_kernels::Isa`); empty in archives before it was recorded.
    #[serde(default)]
    pub kernels: String,
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

/// A run's final numbers. Absent metrics are `null`, every one of them
/// (since schema 3; schema 2 left out some fields added late): a diverged
/// run has no test scores, a run without test data no test metrics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    #[serde(default = "schema_v1")]
    pub schema_version: u32,
    pub run: String,
    pub status: Option<RunStatus>,
    pub model: String,
    pub diverged_at: Option<Divergence>,
    pub error: Option<String>,
    pub epochs_completed: usize,
    /// Validation BCE per pixel of the final model (noisy inputs for a
    /// denoising run, clean targets, as the notebook validates).
    pub val_bce: Option<f64>,
    /// The loss the last epoch recorded on the validation digits: the
    /// training objective (BCE per pixel for a dense autoencoder, where it
    /// equals `val_bce`; the beta-weighted ELBO per image for a VAE; a conv
    /// model's own loss), and what halving's rungs promote on. Schema 3.
    #[serde(default)]
    pub val_loss: Option<f64>,
    /// Validation BCE of the final model on clean inputs, for every run: the
    /// fair column to compare denoising and plain runs on, and the one
    /// configurations are chosen by. `None` in archives before it existed.
    #[serde(default)]
    pub clean_val_bce: Option<f64>,
    pub test_bce: Option<f64>,
    pub test_mse: Option<f64>,
    pub test_psnr: Option<f64>,
    /// Test images corrupted by `eval.noise`, against clean targets.
    pub noisy_test_bce: Option<f64>,
    pub noisy_test_mse: Option<f64>,
    /// 5-NN accuracy of the validation codes against the training codes.
    pub latent_knn5_acc: Option<f64>,
    /// Trustworthiness (k = 5) of the validation codes against the pixels.
    pub latent_trust5: Option<f64>,
    /// The standard errors of `latent_trust5`, `tsne_trust5` and
    /// `umap_trust5`: 0 when exact; above 0 when the sum over rows was
    /// estimated from `trust5_rows` evenly spaced rows. Schema 3.
    #[serde(default)]
    pub latent_trust5_se: Option<f64>,
    #[serde(default)]
    pub tsne_trust5_se: Option<f64>,
    #[serde(default)]
    pub umap_trust5_se: Option<f64>,
    /// Rows whose input neighbourhoods were ranked for the
    /// trustworthiness of the codes (all the digits when exact). Schema 3.
    #[serde(default)]
    pub trust5_rows: Option<usize>,
    /// Mean absolute value of the validation codes (how active the code
    /// units are; an L1 penalty on the codes lowers it).
    #[serde(default)]
    pub code_mean_abs: Option<f64>,
    /// Share of the validation codes' values below
    /// [`CODE_NEAR_ZERO`] in absolute value.
    #[serde(default)]
    pub code_near_zero: Option<f64>,
    /// Leave-one-out 5-NN accuracy of the 2-D t-SNE map.
    pub tsne_knn5_acc: Option<f64>,
    /// Trustworthiness (k = 5) of the t-SNE map against the pixels.
    pub tsne_trust5: Option<f64>,
    /// Leave-one-out 5-NN accuracy of the 2-D UMAP map (`eval.umap`);
    /// absent in archives before it existed and in runs without UMAP.
    #[serde(default)]
    pub umap_knn5_acc: Option<f64>,
    /// Trustworthiness (k = 5) of the UMAP map against the pixels.
    #[serde(default)]
    pub umap_trust5: Option<f64>,
    /// Seconds the UMAP map took.
    #[serde(default)]
    pub umap_seconds: Option<f64>,
    /// Test MSE of each digit class 0-9; NaN (`null` in the file) for a
    /// class the test set lacks.
    #[serde(default, deserialize_with = "floats_or_null")]
    pub per_class_test_mse: Option<Vec<f64>>,
    /// `[noise level, test MSE]` with the test inputs corrupted by
    /// `eval.noise.kind` at each level, targets clean.
    pub denoising_curve: Option<Vec<[f64; 2]>>,
    pub seconds_per_epoch: Option<f64>,
    pub train_seconds: Option<f64>,
    pub tsne_seconds: Option<f64>,
    /// PCA runs: each component's share of the total variance.
    pub explained_variance_ratio: Option<Vec<f64>>,
    /// Variational autoencoders: the loss per image (BCE summed over the
    /// pixels plus beta KL, nats; the negative ELBO for beta 1) on the clean
    /// validation and test digits, decoding the mean code; the test KL per
    /// image, and per code dimension (near 0: an inactive unit). Absent for
    /// other models and in archives before they existed.
    #[serde(default)]
    pub val_elbo: Option<f64>,
    #[serde(default)]
    pub test_elbo: Option<f64>,
    #[serde(default)]
    pub test_kl: Option<f64>,
    #[serde(default)]
    pub test_kl_per_dimension: Option<Vec<f64>>,
    /// k-means of the codes (`eval.cluster`): accuracy under the best
    /// one-to-one matching of clusters to labels (0 to 1), normalised
    /// mutual information and adjusted Rand index, of `cluster_points`
    /// digits (the test digits, or every digit with `data.split = "all"`).
    #[serde(default)]
    pub cluster_acc: Option<f64>,
    #[serde(default)]
    pub cluster_nmi: Option<f64>,
    #[serde(default)]
    pub cluster_ari: Option<f64>,
    #[serde(default)]
    pub cluster_points: Option<usize>,
    /// Test accuracy of a multinomial logistic regression fitted on the
    /// standardised training codes (`eval.probe`).
    #[serde(default)]
    pub probe_acc: Option<f64>,
    /// One-class runs (`data.normal_class`): the class trained on, and how
    /// well the reconstruction error tells the other classes' test images
    /// from it (area under the ROC curve, average precision; anomalies are
    /// the positives).
    #[serde(default)]
    pub normal_class: Option<u8>,
    #[serde(default)]
    pub auroc: Option<f64>,
    #[serde(default)]
    pub average_precision: Option<f64>,
    /// How much of the evaluation the run got: `full`, or `light` (no
    /// denoising curve, t-SNE, trustworthiness or figures); absent in
    /// archives before it existed, which were all full.
    #[serde(default)]
    pub detail: Option<String>,
    /// The model's layers as Keras' `model.summary()` lists them (also
    /// `cargo xtask shapes`); absent for PCA and in archives before it
    /// existed.
    #[serde(default)]
    pub layers: Option<Vec<LayerRow>>,
    /// See [`RunEntry::identity`].
    #[serde(default)]
    pub identity: String,
    /// The run's figures, for rebuilding the report from the archive.
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// One layer of a model: its name (`encoder[0]`), what it computes, one
/// example's output shape and its learned values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRow {
    pub name: String,
    pub layer: String,
    pub output: String,
    pub params: usize,
}

/// Reads a list of numbers in which `null` stands for NaN (serde_json
/// writes NaN as `null`).
fn floats_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
    let values: Option<Vec<Option<f64>>> = Deserialize::deserialize(d)?;
    Ok(values.map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
}

impl Default for Summary {
    fn default() -> Summary {
        Summary {
            schema_version: SCHEMA_VERSION,
            run: String::new(),
            status: None,
            model: String::new(),
            diverged_at: None,
            error: None,
            epochs_completed: 0,
            val_bce: None,
            val_loss: None,
            clean_val_bce: None,
            test_bce: None,
            test_mse: None,
            test_psnr: None,
            noisy_test_bce: None,
            noisy_test_mse: None,
            latent_knn5_acc: None,
            code_mean_abs: None,
            code_near_zero: None,
            latent_trust5: None,
            latent_trust5_se: None,
            tsne_trust5_se: None,
            umap_trust5_se: None,
            trust5_rows: None,
            tsne_knn5_acc: None,
            tsne_trust5: None,
            umap_knn5_acc: None,
            umap_trust5: None,
            umap_seconds: None,
            per_class_test_mse: None,
            denoising_curve: None,
            seconds_per_epoch: None,
            train_seconds: None,
            tsne_seconds: None,
            explained_variance_ratio: None,
            layers: None,
            val_elbo: None,
            test_elbo: None,
            test_kl: None,
            test_kl_per_dimension: None,
            cluster_acc: None,
            cluster_nmi: None,
            cluster_ari: None,
            cluster_points: None,
            probe_acc: None,
            normal_class: None,
            auroc: None,
            average_precision: None,
            detail: None,
            identity: String::new(),
            figures: Vec::new(),
        }
    }
}

impl Summary {
    /// Writes `summary.json` atomically, at this schema version, with the
    /// version 1 names of [`RENAMED_FIELDS`] written too (deprecated
    /// duplicates, so scripts that read the old names keep working).
    pub fn write(&self, path: &Path) -> Result<(), ArchiveError> {
        let mut current = self.clone();
        current.schema_version = SCHEMA_VERSION;
        write_json(
            path,
            &WrittenSummary {
                knn5_latent_acc: current.latent_knn5_acc,
                trust5_latent: current.latent_trust5,
                trust5_tsne: current.tsne_trust5,
                summary: &current,
            },
        )
    }

    /// Reads a `summary.json` of any schema version up to this one. A
    /// field of [`RENAMED_FIELDS`] is read by its current name, else by its
    /// version 1 name.
    pub fn read(path: &Path) -> Result<Summary, ArchiveError> {
        let mut raw: serde_json::Map<String, serde_json::Value> = read_json(path)?;
        for (old, new) in RENAMED_FIELDS {
            if let Some(value) = raw.remove(old) {
                raw.entry(new).or_insert(value);
            }
        }
        let summary: Summary =
            serde_json::from_value(serde_json::Value::Object(raw)).map_err(|e| {
                ArchiveError::Read {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                }
            })?;
        check_schema(path, summary.schema_version)?;
        Ok(summary)
    }

    /// The fields the file at `path` actually holds, by their current
    /// names: a field added after the file was written is not among them,
    /// so comparisons across versions can leave it out.
    pub fn fields_in(path: &Path) -> Result<Vec<String>, ArchiveError> {
        let raw: serde_json::Map<String, serde_json::Value> = read_json(path)?;
        Ok(raw
            .keys()
            .map(|k| {
                RENAMED_FIELDS
                    .iter()
                    .find(|(old, _)| *old == k)
                    .map_or(k.clone(), |(_, new)| new.to_string())
            })
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .collect())
    }
}

/// `summary.json` as written: the summary, then the deprecated version 1
/// names of [`RENAMED_FIELDS`] with the same values.
#[derive(Serialize)]
struct WrittenSummary<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    knn5_latent_acc: Option<f64>,
    trust5_latent: Option<f64>,
    trust5_tsne: Option<f64>,
}

impl Manifest {
    /// Writes `manifest.json` atomically, at this schema version.
    pub fn write(&self, path: &Path) -> Result<(), ArchiveError> {
        let mut current = self.clone();
        current.schema_version = SCHEMA_VERSION;
        write_json(path, &current)
    }

    /// Reads a `manifest.json` of any schema version up to this one.
    pub fn read(path: &Path) -> Result<Manifest, ArchiveError> {
        let manifest: Manifest = read_json(path)?;
        check_schema(path, manifest.schema_version)?;
        Ok(manifest)
    }

    /// Reads the manifest of the archive folder `dir`; a missing folder or
    /// manifest, or one that does not parse, is
    /// [`ArchiveError::NotAnArchive`] naming what is wrong.
    pub fn read_archive(dir: &Path) -> Result<Manifest, ArchiveError> {
        let not_archive = |message: String| ArchiveError::NotAnArchive {
            path: dir.to_path_buf(),
            message,
        };
        if !dir.is_dir() {
            return Err(not_archive("no such folder".into()));
        }
        let path = dir.join("manifest.json");
        if !path.is_file() {
            return Err(not_archive(
                "it has no manifest.json (every archive has one)".into(),
            ));
        }
        Manifest::read(&path).map_err(|e| match e {
            ArchiveError::Read { message, .. } => {
                not_archive(format!("manifest.json is damaged: {message}"))
            }
            other => other,
        })
    }
}

fn check_schema(path: &Path, found: u32) -> Result<(), ArchiveError> {
    if found > SCHEMA_VERSION {
        return Err(ArchiveError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
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
    fn version_1_summaries_read_with_their_old_metric_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(
            &path,
            r#"{"run": "ae", "status": "ok", "model": "autoencoder 784-100-30-100-784",
                "diverged_at": null, "error": null, "epochs_completed": 1,
                "val_bce": 0.2, "test_bce": 0.2, "test_mse": 0.05, "test_psnr": 13.0,
                "noisy_test_bce": null, "noisy_test_mse": null,
                "knn5_latent_acc": 0.9, "trust5_latent": 0.99,
                "tsne_knn5_acc": 0.8, "trust5_tsne": 0.95,
                "per_class_test_mse": null, "denoising_curve": null,
                "seconds_per_epoch": 1.0, "train_seconds": 1.0, "tsne_seconds": null,
                "explained_variance_ratio": null}"#,
        )
        .unwrap();
        let s = Summary::read(&path).unwrap();
        assert_eq!(s.schema_version, 1);
        assert_eq!(s.latent_knn5_acc, Some(0.9));
        assert_eq!(s.latent_trust5, Some(0.99));
        assert_eq!(s.tsne_knn5_acc, Some(0.8));
        assert_eq!(s.tsne_trust5, Some(0.95));
        s.write(&path).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["schema_version"], SCHEMA_VERSION);
        assert_eq!(json["latent_knn5_acc"], 0.9);
        // the old names are written too, deprecated, for users' scripts
        assert_eq!(json["knn5_latent_acc"], 0.9);
        assert_eq!(json["trust5_latent"], 0.99);
        assert_eq!(json["trust5_tsne"], 0.95);
        let again = Summary::read(&path).unwrap();
        assert_eq!(again.schema_version, SCHEMA_VERSION);
        assert_eq!(
            Summary {
                schema_version: 1,
                ..again
            },
            s,
            "and read back the same"
        );
    }

    #[test]
    fn a_class_without_test_digits_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let summary = Summary {
            per_class_test_mse: Some(vec![0.01, f64::NAN, 0.02]),
            ..Summary::default()
        };
        summary.write(&path).unwrap();
        let back = Summary::read(&path).unwrap().per_class_test_mse.unwrap();
        assert_eq!(back[0], 0.01);
        assert!(back[1].is_nan());
        assert_eq!(back[2], 0.02);
    }

    #[test]
    fn a_newer_schema_is_refused_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let mut json = serde_json::to_value(Summary::default()).unwrap();
        json["schema_version"] = (SCHEMA_VERSION + 1).into();
        std::fs::write(&path, json.to_string()).unwrap();
        let err = Summary::read(&path).unwrap_err();
        assert!(err.to_string().contains("update aelab"), "{err}");
        assert!(err.is_bad_input());
    }

    #[test]
    fn a_missing_or_damaged_archive_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let gone = Manifest::read_archive(&dir.path().join("nope")).unwrap_err();
        assert!(gone.to_string().contains("no such folder"), "{gone}");
        let empty = Manifest::read_archive(dir.path()).unwrap_err();
        assert!(empty.to_string().contains("no manifest.json"), "{empty}");
        std::fs::write(dir.path().join("manifest.json"), "{ half").unwrap();
        let damaged = Manifest::read_archive(dir.path()).unwrap_err();
        assert!(damaged.to_string().contains("damaged"), "{damaged}");
        assert!(damaged.is_bad_input());
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
