//! Repeated seeds end to end: groups in the report with their spread and
//! Welch verdicts, light evaluation with the best configurations evaluated
//! fully afterwards (and any run on demand), and a reproduction of such an
//! archive bit for bit.

mod common;

use aelab_pipeline::{rebuild_report, reproduce, Agreement, Observe};

const REPEATED: &str = r#"
name = "groups"
seed = 3
repeats = 2
[data]
dir = "MNIST"
limit = 800
validation = 200
[train]
epochs = 1
batch_size = 50
[eval]
detail = "light"
tsne = { points = 0 }
[[variant]]
name = "sgd"
train = { optimizer = "sgd", lr = 0.5 }
[[variant]]
name = "adam"
train = { optimizer = "adam", lr = 0.002 }
"#;

#[test]
fn repeated_seeds_are_grouped_tested_and_the_best_evaluated_fully() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::write_spec(tmp.path(), REPEATED);
    let outcome = common::run(&spec, &tmp.path().join("results"), true);
    assert!(!outcome.failed);
    let names: Vec<&str> = outcome.summaries.iter().map(|s| s.run.as_str()).collect();
    assert_eq!(
        names,
        ["sgd.seed=3", "sgd.seed=4", "adam.seed=3", "adam.seed=4"]
    );
    for s in &outcome.summaries {
        assert_eq!(s.detail.as_deref(), Some("light"));
        assert!(s.figures.is_empty() && s.denoising_curve.is_none());
        assert!(s.clean_val_bce.is_some() && s.test_mse.is_some());
    }

    // The report: the best two configurations' first runs got the full
    // evaluation (there are only two), the others stayed light.
    let read = |run: &str| {
        aelab_pipeline::Summary::read(&outcome.archive.join("runs").join(run).join("summary.json"))
            .unwrap()
    };
    for (run, detail) in [
        ("sgd.seed=3", "full"),
        ("sgd.seed=4", "light"),
        ("adam.seed=3", "full"),
        ("adam.seed=4", "light"),
    ] {
        let s = read(run);
        assert_eq!(s.detail.as_deref(), Some(detail), "{run}");
        assert_eq!(s.figures.is_empty(), detail == "light", "{run}");
    }
    let html = std::fs::read_to_string(outcome.archive.join("report.html")).unwrap();
    assert!(html.contains("Configurations (mean over seeds)"));
    assert!(html.contains("n = 2 each"), "verdicts quote n");
    assert!(html.contains("Chosen on validation"));
    let groups = std::fs::read_to_string(outcome.archive.join("groups.csv")).unwrap();
    assert!(
        groups.lines().nth(1).unwrap().starts_with("sgd,2,"),
        "{groups}"
    );
    assert!(outcome
        .archive
        .join("runs/sgd.seed=4/report.html")
        .is_file());

    // Any run on demand.
    rebuild_report(&outcome.archive, &["sgd.seed=4".to_string()]).unwrap();
    assert_eq!(read("sgd.seed=4").detail.as_deref(), Some("full"));
    assert!(outcome.archive.join("runs/sgd.seed=4/loss.png").is_file());
    let unknown = rebuild_report(&outcome.archive, &["nope".to_string()])
        .err()
        .unwrap();
    assert!(unknown.is_bad_input() && unknown.to_string().contains("no such run"));

    // A reproduction evaluates the detailed runs fully again: bit for bit.
    let again = reproduce(&outcome.archive, None, Observe::quiet()).unwrap();
    assert_eq!(again.agreement, Agreement::Bits);
    assert_eq!(again.reproduced(), 4, "{:?}", again.runs);
}
