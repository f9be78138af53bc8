//! Sweeps from the command line: expansion, `--dry-run`, `--only`, `--set`
//! (recorded in the manifest), concurrent runs and the sweep charts.

mod common;

use common::{archives, json, write_spec, xtask};

const SPEC: &str = r#"
name = "sweep"
[data]
dir = "MNIST"
limit = 1500
validation = 300
[train]
epochs = 1
[eval]
tsne = { points = 0 }
[sweep]
"train.lr" = [0.001, 0.003]
[[variant]]
name = "ae"
[[variant]]
name = "dae"
noise = { kind = "masking", level = 0.3 }
"#;

#[test]
fn dry_run_only_set_and_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "sweep.toml", SPEC);
    let results = tmp.path().join("results");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            spec.to_str().unwrap(),
            "--results-dir",
            results.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        xtask().args(&args).output().unwrap()
    };

    let out = run(&["--dry-run"]);
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    for name in [
        "ae.train.lr=0.001",
        "ae.train.lr=0.003",
        "dae.train.lr=0.001",
        "dae.train.lr=0.003",
    ] {
        assert!(listing.contains(name), "{listing}");
    }
    assert!(listing.starts_with("sweep: 4 run(s)"), "{listing}");
    assert!(!results.exists(), "a dry run writes nothing");

    let out = run(&["--only", "nothing*"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches none of the runs"));

    let out = run(&[
        "--only",
        "*lr=0.00?",
        "--only",
        "dae*",
        "--set",
        "train.epochs=2",
        "--jobs",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "sweep").pop().unwrap();
    let manifest = json(&archive.join("manifest.json"));
    assert_eq!(manifest["overrides"], serde_json::json!(["train.epochs=2"]));
    assert_eq!(manifest["jobs"], 2);
    assert_eq!(manifest["runs"].as_array().unwrap().len(), 4);
    for run in ["ae.train.lr=0.003", "dae.train.lr=0.001"] {
        let config =
            std::fs::read_to_string(archive.join("runs").join(run).join("config.toml")).unwrap();
        assert!(config.contains("epochs = 2"), "{config}");
        assert_eq!(
            json(&archive.join("runs").join(run).join("summary.json"))["epochs_completed"],
            2
        );
    }
    for chart in [
        "sweep-train-lr-test_mse.png",
        "sweep-train-lr-noisy_test_mse.png",
        "sweep-train-lr-latent_knn5_acc.png",
    ] {
        assert!(archive.join(chart).is_file(), "missing {chart}");
    }
    common::assert_files_whole(&archive);
}

/// `train.engine` is a key like any other: sweeping it trains the same
/// model with aelab's fused kernels and with dfdx's autodiff, which land on
/// the same losses up to summation order.
#[test]
fn the_two_training_engines_agree_on_real_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(
        tmp.path(),
        "engines.toml",
        r#"
name = "engines"
[data]
dir = "MNIST"
limit = 1500
validation = 300
[train]
epochs = 2
optimizer = "sgd"
lr = 1.5
[eval]
tsne = { points = 0 }
[sweep]
"train.engine" = ["fused", "dfdx"]
"#,
    );
    let results = tmp.path().join("results");
    let out = common::run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "engines").pop().unwrap();
    let summary = |engine: &str| {
        json(
            &archive
                .join("runs")
                .join(format!("engines.train.engine={engine}"))
                .join("summary.json"),
        )
    };
    let (fused, dfdx) = (summary("fused"), summary("dfdx"));
    for metric in ["val_bce", "test_bce", "test_mse"] {
        let (a, b) = (
            fused[metric].as_f64().unwrap(),
            dfdx[metric].as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 1e-3 * b, "{metric}: fused {a}, dfdx {b}");
    }
    // different summation orders: equal bits would mean one engine ran twice
    assert_ne!(fused["val_bce"], dfdx["val_bce"]);
    assert_ne!(fused["identity"], dfdx["identity"]);
}
