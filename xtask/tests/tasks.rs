//! The tasks through the real binary on real MNIST: one-class runs swept
//! over normal classes with Deep SVDD's preprocessing score AUROC and draw
//! their ROC curves, the report's one-class table sets them beside the
//! published columns; `data.split = "all"` clusters every digit; a class
//! the training digits lack is refused with exit code 2. Needs `MNIST_DIR`.

mod common;

use common::{archives, json, run_spec, write_spec};

const ONE_CLASS: &str = r#"
name = "one-class"
seed = 3
[data]
dir = "MNIST"
limit = 8000
validation = 0
preprocess = "gcn-l1-minmax"
[sweep]
"data.normal_class" = [1, 7]
[model]
latent = 16
[train]
epochs = 15
batch_size = 64
optimizer = "adam"
[eval]
detail = "full"
tsne = { points = 0 }
"#;

const ALL: &str = r#"
name = "all-digits"
seed = 3
[data]
dir = "MNIST"
split = "all"
limit = 4000
validation = 500
[model]
latent = 10
[train]
epochs = 10
optimizer = "adam"
[eval]
cluster = { k = 10, starts = 4 }
probe = true
tsne = { points = 0 }
"#;

#[test]
fn one_class_runs_score_auroc_per_normal_class() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "one.toml", ONE_CLASS);
    let out = run_spec(&spec, tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = &archives(tmp.path(), "one-class")[0];
    for class in [1, 7] {
        let run = archive.join(format!("runs/one-class.data.normal_class={class}"));
        let summary = json(&run.join("summary.json"));
        assert_eq!(summary["normal_class"], class);
        let auroc = summary["auroc"].as_f64().unwrap();
        // an autoencoder of one digit reconstructs the others worse; ones
        // are the easiest class (Deep SVDD's DCAE: 98.3)
        let floor = if class == 1 { 0.95 } else { 0.8 };
        assert!(
            auroc > floor && auroc <= 1.0,
            "class {class}: AUROC {auroc}"
        );
        let ap = summary["average_precision"].as_f64().unwrap();
        assert!(ap > 0.9 && ap <= 1.0, "class {class}: AP {ap}");
        assert!(run.join("roc.png").is_file());
        let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
        assert!(
            config.contains(&format!("normal_class = {class}")),
            "{config}"
        );
        assert!(
            config.contains("preprocess = \"gcn-l1-minmax\""),
            "{config}"
        );
    }
    let html = std::fs::read_to_string(archive.join("report.html")).unwrap();
    assert!(html.contains("One-class anomaly detection"));
    assert!(html.contains("DCAE (published)"));
    assert!(
        html.contains("98.3 ± 0.6"),
        "the published DCAE figure for class 1"
    );
}

#[test]
fn split_all_clusters_every_digit_and_probes_the_validation_digits() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "all.toml", ALL);
    let out = run_spec(&spec, tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = &archives(tmp.path(), "all-digits")[0];
    let summary = json(&archive.join("runs/all-digits/summary.json"));
    assert_eq!(
        summary["cluster_points"], 4000,
        "validation and training digits"
    );
    assert!(
        summary["test_bce"].is_null(),
        "no test set with split = all"
    );
    let acc = summary["cluster_acc"].as_f64().unwrap();
    // k-means of raw MNIST pixels scores about 0.53 (IDEC's table)
    assert!(acc > 0.4 && acc <= 1.0, "ACC {acc}");
    let probe = summary["probe_acc"].as_f64().unwrap();
    // ten epochs on 3,500 digits leave a rough code (its 5-NN accuracy is
    // about 0.70; chance is 0.1): the probe must find the same structure
    assert!(probe > 0.6, "probe {probe}");
    let config = std::fs::read_to_string(archive.join("runs/all-digits/config.toml")).unwrap();
    assert!(config.contains("split = \"all\""), "{config}");
}

#[test]
fn a_normal_class_the_training_digits_lack_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // MNIST's first ten training labels: 5 0 4 1 9 2 1 3 1 4
    let spec = write_spec(
        tmp.path(),
        "bad.toml",
        "name = \"bad\"\n[data]\ndir = \"MNIST\"\nlimit = 10\nvalidation = 0\nnormal_class = 7\n[train]\nbatch_size = 1\n",
    );
    let out = run_spec(&spec, tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data.normal_class") && stderr.contains("none of class 7"),
        "{stderr}"
    );
}
