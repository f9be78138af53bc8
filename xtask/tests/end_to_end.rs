//! The real `cargo xtask run` path on real MNIST: a small experiment (2,000
//! training digits, 2 epochs, an AE, a DAE and the PCA baseline) run twice
//! with the same seed. Needs `MNIST_DIR` (`.ci/run` sets it) and fails,
//! rather than skips, without it.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_files_whole, json, mnist_dir};

const SPEC: &str = r#"
name = "e2e"
description = "end-to-end test"
seed = 7

[data]
source = "mnist"
dir = "MNIST"
limit = 2500
validation = 500

[train]
epochs = 2
batch_size = 32

[eval]
samples = 6
tsne = { points = 300, perplexity = 30.0 }

[[variant]]
name = "ae-sgd"
train = { optimizer = "sgd", lr = 1.5 }

[[variant]]
name = "dae-adam"
noise = { kind = "gaussian", level = 0.5 }
train = { optimizer = "adam", lr = 0.001 }

[[variant]]
name = "pca"
model = { kind = "pca", latent = 30 }
"#;

/// Runs the spec once into `results` (training every run: no reuse),
/// returns the archive folder.
fn run_once(spec: &Path, results: &Path) -> PathBuf {
    let before = common::archives(results, "e2e");
    let out = common::run_command(spec, results, &["--force"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xtask run failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    common::archives(results, "e2e")
        .into_iter()
        .find(|a| !before.contains(a))
        .expect("a new archive folder")
}

/// `epoch,train_loss,val_loss` of metrics.csv (the `seconds` column is wall
/// time, the one column that may differ between identical runs).
fn losses(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

#[test]
fn archive_is_complete_loss_falls_and_reruns_are_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("e2e.toml");
    std::fs::write(&spec, SPEC.replace("MNIST", mnist_dir().to_str().unwrap())).unwrap();
    let results = tmp.path().join("results");

    let first = run_once(&spec, &results);
    for file in [
        "experiment.toml",
        "manifest.json",
        "comparison.csv",
        "report.md",
        "report.html",
        "val-loss.png",
        "pca-digits.png",
    ] {
        assert!(first.join(file).is_file(), "missing {file}");
    }
    assert_files_whole(&first);
    let manifest = json(&first.join("manifest.json"));
    assert_eq!(manifest["status"], "complete");
    assert_eq!(manifest["seed"], 7);
    assert_eq!(
        manifest["kernels"],
        aelab_kernels::Isa::widest().name(),
        "the path the kernels took"
    );
    assert_eq!(manifest["data"].as_array().unwrap().len(), 4);
    assert_eq!(
        manifest["data"][0]["sha256"],
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    );
    for run in ["ae-sgd", "dae-adam", "pca"] {
        let dir = first.join("runs").join(run);
        for file in [
            "config.toml",
            "metrics.csv",
            "summary.json",
            "weights.safetensors",
            "reconstructions.png",
            "tsne.png",
            "tsne.csv",
        ] {
            assert!(dir.join(file).is_file(), "{run}: missing {file}");
        }
        let summary = json(&dir.join("summary.json"));
        assert_eq!(summary["status"], "ok", "{run}: {summary}");
        for key in [
            "val_bce",
            "test_bce",
            "test_mse",
            "test_psnr",
            "noisy_test_bce",
            "noisy_test_mse",
            "latent_knn5_acc",
        ] {
            assert!(
                summary[key].as_f64().is_some_and(f64::is_finite),
                "{run}: {key} in {summary}"
            );
        }
    }
    for run in ["ae-sgd", "dae-adam"] {
        let rows = losses(&first.join("runs").join(run).join("metrics.csv"));
        assert_eq!(rows[0], "epoch,train_loss,val_loss");
        let value =
            |row: &str, col: usize| -> f64 { row.split(',').nth(col).unwrap().parse().unwrap() };
        assert!(
            value(&rows[2], 1) < value(&rows[1], 1),
            "{run}: train loss should fall: {rows:?}"
        );
        assert!(
            value(&rows[2], 2) < value(&rows[1], 2),
            "{run}: val loss should fall: {rows:?}"
        );
    }
    let pca = json(&first.join("runs/pca/summary.json"));
    let ratio: f64 = pca["explained_variance_ratio"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!(
        ratio > 0.5 && ratio < 1.0,
        "30 components explain most, not all, of the variance: {ratio}"
    );
    let dae = json(&first.join("runs/dae-adam/summary.json"));
    let ae = json(&first.join("runs/ae-sgd/summary.json"));
    assert!(
        dae["noisy_test_mse"].as_f64() < ae["noisy_test_mse"].as_f64(),
        "the DAE denoises better"
    );

    let second = run_once(&spec, &results);
    assert_ne!(first, second, "a rerun gets its own archive");
    for run in ["ae-sgd", "dae-adam", "pca"] {
        let a = first.join("runs").join(run);
        let b = second.join("runs").join(run);
        assert_eq!(
            losses(&a.join("metrics.csv")),
            losses(&b.join("metrics.csv")),
            "{run}: metrics differ"
        );
        assert_eq!(
            std::fs::read(a.join("tsne.csv")).unwrap(),
            std::fs::read(b.join("tsne.csv")).unwrap(),
            "{run}: t-SNE differs"
        );
        let (sa, sb) = (json(&a.join("summary.json")), json(&b.join("summary.json")));
        for key in [
            "val_bce",
            "test_bce",
            "test_mse",
            "noisy_test_mse",
            "latent_knn5_acc",
            "tsne_knn5_acc",
            "latent_trust5",
            "tsne_trust5",
            "per_class_test_mse",
            "denoising_curve",
        ] {
            assert_eq!(sa[key], sb[key], "{run}: {key}");
        }
    }
    let report = std::fs::read_to_string(second.join("report.html")).unwrap();
    assert!(
        report.contains("ae-sgd")
            && report.contains("★")
            && report.contains("data:image/png;base64,")
    );
    let markdown = std::fs::read_to_string(second.join("report.md")).unwrap();
    assert!(
        markdown.contains("(runs/dae-adam/tsne.png)"),
        "report.md links the figures"
    );
    assert!(
        markdown.contains(&format!(
            "- kernels: `{}`",
            aelab_kernels::Isa::widest().name()
        )),
        "the provenance names the kernels' path"
    );
}
