//! An archive written by aelab before this schema (version 1, with the old
//! metric names), kept in `tests/fixtures/archive-v1`: it must stay
//! readable by `report`, `compare` and `list` in every later version.

mod common;

use aelab_pipeline::{compare_archives, list_archives, rebuild_report, Observe, Presence, Summary};

fn fixture_copy(results: &std::path::Path) -> std::path::PathBuf {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive-v1");
    let archive = results.join("fixture/20261127-233024-37022e");
    common::copy_dir(&fixture, &archive);
    archive
}

#[test]
fn a_version_1_archive_reads_with_its_old_metric_names() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = fixture_copy(tmp.path());
    let summary = Summary::read(&archive.join("runs/ae/summary.json")).unwrap();
    assert_eq!(summary.schema_version, 1);
    // Written as `knn5_latent_acc`, `trust5_latent`, `trust5_tsne`.
    assert_eq!(summary.latent_knn5_acc, Some(0.53));
    assert_eq!(summary.latent_trust5, Some(0.771695652173913));
    assert_eq!(summary.tsne_trust5, Some(0.7550434782608695));
}

#[test]
fn list_compare_and_report_work_on_a_version_1_archive() {
    common::mnist_dir();
    let tmp = tempfile::tempdir().unwrap();
    let archive = fixture_copy(tmp.path());

    let listed = list_archives(tmp.path());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, "complete");
    assert_eq!((listed[0].finished, listed[0].runs), (3, 3));
    let (best, bce) = listed[0].best.clone().unwrap();
    // The lowest final validation BCE of the three runs (PCA's).
    assert_eq!(best, "pca");
    assert!(bce > 0.0 && bce < 0.3, "{bce}");
    assert!(listed[0].usage.bytes > 10_000);

    let compared = compare_archives(&archive, &archive, true).unwrap();
    assert_eq!(compared.len(), 3);
    for run in &compared {
        assert_eq!(run.presence, Presence::Both);
        assert!(run.differences.is_empty(), "{:?}", run.differences);
        assert!(run
            .metrics
            .iter()
            .any(|(label, a, _, _)| label == "5-NN acc (codes)" && a != "–"));
    }

    let outcome = rebuild_report(&archive, &[]).unwrap();
    assert_eq!(outcome.status, "complete");
    assert!(outcome.pending.is_empty());
    let html = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(html.contains("5-NN acc (codes)"));
    assert!(
        html.contains("0.5300"),
        "the old knn5_latent_acc value is shown"
    );
    let csv = std::fs::read_to_string(archive.join("comparison.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("latent_knn5_acc"));
}

#[test]
fn reproduce_reruns_a_version_1_archive_and_compares_its_old_names() {
    common::mnist_dir();
    let tmp = tempfile::tempdir().unwrap();
    let archive = fixture_copy(tmp.path());
    // Written by the aelab 0.1 binary (git d66009817dd0) on another CPU: the
    // numbers are compared within a tolerance. The t-SNE maps of 100 points
    // and the weights' smallest values move with the code since and the
    // CPU's kernels; every other field, the renamed ones included, must
    // agree.
    let reproduction = aelab_pipeline::reproduce(&archive, Some(0.02), Observe::quiet()).unwrap();
    assert_eq!(reproduction.runs.len(), 3);
    for (run, differences) in &reproduction.runs {
        for difference in differences {
            assert!(
                difference.contains("tsne") || difference.starts_with("weights.safetensors"),
                "{run}: {difference}"
            );
        }
    }
}
