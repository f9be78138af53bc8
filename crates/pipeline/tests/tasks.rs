//! The tasks end to end on the built-in 8x8 digits, against scikit-learn:
//! PCA codes clustered by k-means (ACC, NMI, ARI) and probed by a logistic
//! regression score what scikit-learn's KMeans and LogisticRegression score
//! on the same codes (`tests/reference/digits_tasks.py`, scikit-learn 1.9.1);
//! a run asking for what the data cannot give is refused before any work.

use std::path::Path;

use aelab_pipeline::{
    run_experiment, Destination, Experiment, ExperimentOutcome, Observe, RunOptions,
};

/// Runs the spec `text` into `tmp`.
fn run(tmp: &tempfile::TempDir, text: &str) -> aelab_pipeline::Result<ExperimentOutcome> {
    let experiment = Experiment::parse(Path::new("tasks.toml"), text).unwrap();
    let options = RunOptions {
        destination: Destination::NewArchive {
            results_dir: tmp.path().to_path_buf(),
        },
        jobs: 1,
        force: true,
        shard: None,
    };
    run_experiment(&experiment, &options, Observe::quiet())
}

#[test]
fn pca_codes_of_the_digits_cluster_and_probe_as_in_scikit_learn() {
    let tmp = tempfile::tempdir().unwrap();
    let outcome = run(
        &tmp,
        r#"
        name = "digits-tasks"
        [data]
        source = "digits"
        validation = 300
        [model]
        kind = "pca"
        latent = 10
        [eval]
        cluster = { k = 10, starts = 20 }
        probe = true
        tsne = { points = 0 }
        "#,
    )
    .unwrap();
    assert!(!outcome.failed);
    let summary = &outcome.summaries[0];
    // KMeans(10, n_init=20) over seeds 0-2: ACC 0.7819, 0.7819, 0.7813;
    // NMI 0.7289, 0.7289, 0.7262; ARI 0.6539, 0.6539, 0.6494
    assert_eq!(summary.cluster_points, Some(1797));
    let acc = summary.cluster_acc.unwrap();
    assert!((acc - 0.7819).abs() < 0.01, "ACC {acc}");
    let nmi = summary.cluster_nmi.unwrap();
    assert!((nmi - 0.7289).abs() < 0.01, "NMI {nmi}");
    let ari = summary.cluster_ari.unwrap();
    assert!((ari - 0.6539).abs() < 0.015, "ARI {ari}");
    // LogisticRegression(max_iter=1000) on StandardScaler'd codes: 0.8933
    // of the 300 validation digits (one digit is 0.0033)
    let probe = summary.probe_acc.unwrap();
    assert!((probe - 0.8933).abs() <= 0.005 + 1e-9, "probe {probe}");
    let run_dir = outcome.archive.join("runs/digits-tasks");
    assert!(run_dir.join("clusters.png").is_file());
    let html = std::fs::read_to_string(outcome.report.unwrap()).unwrap();
    assert!(html.contains("What the codes are for"), "the tasks' table");
    assert!(
        html.contains("raw pixels (baseline)"),
        "the pixel probe row"
    );
}

#[test]
fn tasks_the_data_cannot_support_are_refused_before_any_work() {
    let cases = [
        (
            "[data]\nsource = \"digits\"\nnormal_class = 3\n[model]\nkind = \"pca\"\n",
            "labelled test images",
        ),
        (
            "[data]\nsource = \"digits\"\nlimit = 40\n[model]\nkind = \"pca\"\nlatent = 2\n[eval]\ncluster = { k = 50 }\ntsne = { points = 0 }\n",
            "50 clusters for 40 digits; allowed: 2..=40",
        ),
        (
            "[data]\nsource = \"digits\"\nvalidation = 0\n[model]\nkind = \"pca\"\n[eval]\nprobe = true\ntsne = { points = 0 }\n",
            "eval.probe",
        ),
    ];
    for (body, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let error = match run(&tmp, &format!("name = \"bad\"\n{body}")) {
            Ok(_) => panic!("{body}: should be refused"),
            Err(e) => e,
        };
        assert!(error.is_bad_input(), "{body}: {error}");
        let text = error.to_string();
        assert!(text.contains(expected), "{expected}: {text}");
    }
}
