//! aelab-tasks against scikit-learn and scipy: the fixtures and the values
//! they compute are in `reference/values.rs`, written by
//! `reference/make_reference.py` (scikit-learn 1.9.1, scipy 1.17.1).

use aelab_tasks::{
    adjusted_rand_index, auroc, average_precision, cluster_accuracy, kmeans, linear_probe,
    normalized_mutual_info, roc_curve, KMeansAlgorithm, KMeansParams, ProbeParams,
};

#[allow(dead_code)]
mod sklearn {
    include!("reference/values.rs");
}

fn close(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, scikit-learn {want} (tolerance {tolerance})"
    );
}

#[test]
fn partition_scores_match_scikit_learn() {
    let acc = cluster_accuracy(&sklearn::LABELS, &sklearn::ASSIGNMENTS).expect("accuracy");
    close("ACC", acc.accuracy, sklearn::ACC, 1e-12);
    let nmi = normalized_mutual_info(&sklearn::LABELS, &sklearn::ASSIGNMENTS).expect("nmi");
    close("NMI", nmi, sklearn::NMI, 1e-12);
    let ari = adjusted_rand_index(&sklearn::LABELS, &sklearn::ASSIGNMENTS).expect("ari");
    close("ARI", ari, sklearn::ARI, 1e-12);
}

#[test]
fn ranking_scores_with_ties_match_scikit_learn() {
    close(
        "AUROC",
        auroc(&sklearn::SCORES, &sklearn::ANOMALOUS).expect("auroc"),
        sklearn::AUROC,
        1e-12,
    );
    close(
        "AP",
        average_precision(&sklearn::SCORES, &sklearn::ANOMALOUS).expect("ap"),
        sklearn::AP,
        1e-12,
    );
    let curve = roc_curve(&sklearn::SCORES, &sklearn::ANOMALOUS).expect("roc");
    assert_eq!(
        curve.len(),
        sklearn::ROC.len(),
        "one point per distinct score and the origin"
    );
    for (i, (got, want)) in curve.iter().zip(sklearn::ROC.iter()).enumerate() {
        close(&format!("ROC point {i} fpr"), got[0], want[0], 1e-12);
        close(&format!("ROC point {i} tpr"), got[1], want[1], 1e-12);
    }
}

/// The closed-form blobs of `make_reference.py`: 3 gaussians, Box-Muller on
/// Weyl sequences, in `f64` and then stored as `f32`.
fn blobs() -> Vec<f32> {
    let centres = [(0.0, 0.0), (2.5, 0.5), (1.0, 2.5)];
    let mut points = Vec::with_capacity(600);
    for i in 0..300 {
        let (cx, cy) = centres[i % 3];
        let u1 = (i as f64 * 0.618_033_988_749_894_9 + 0.1) % 1.0;
        let u2 = (i as f64 * 0.754_877_666_246_692_7 + 0.3) % 1.0;
        let r = (-2.0 * (1.0 - u1).ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        points.push((cx + r * theta.cos()) as f32);
        points.push((cy + r * theta.sin()) as f32);
    }
    points
}

#[test]
fn kmeans_finds_scikit_learns_optimum_on_the_blobs() {
    let points = blobs();
    for (i, want) in sklearn::BLOBS_FIRST.iter().enumerate() {
        close(
            &format!("blob {i} x"),
            f64::from(points[2 * i]),
            want[0],
            1e-6,
        );
        close(
            &format!("blob {i} y"),
            f64::from(points[2 * i + 1]),
            want[1],
            1e-6,
        );
    }
    for seed in 0..3 {
        for algorithm in [KMeansAlgorithm::Lloyd, KMeansAlgorithm::Linfa] {
            let mut params = KMeansParams::new(3, 10, seed);
            params.algorithm = algorithm;
            let clustering = kmeans(&points, 2, &params).expect("kmeans");
            let want = sklearn::BLOBS_INERTIA[seed as usize];
            let tolerance = match algorithm {
                // Lloyd's fixed point is scikit-learn's, up to f32 sums.
                KMeansAlgorithm::Lloyd => 1e-4 * want,
                // linfa's damped update stops a little short of it.
                KMeansAlgorithm::Linfa => 1e-2 * want,
            };
            close(
                &format!("{algorithm:?} inertia, seed {seed}"),
                clustering.inertia,
                want,
                tolerance,
            );
            assert!(
                clustering.inertia >= want * (1.0 - 1e-6),
                "no lower than the optimum"
            );
        }
    }
}

#[test]
fn kmeans_is_bit_identical_for_a_seed() {
    let points = blobs();
    let params = KMeansParams::new(3, 4, 7);
    let first = kmeans(&points, 2, &params).expect("kmeans");
    let second = kmeans(&points, 2, &params).expect("kmeans");
    assert_eq!(first, second);
}

#[test]
fn probe_on_the_digits_matches_scikit_learns_logistic_regression() {
    let digits = aelab_data::digits::load().expect("built-in digits");
    let labels = digits.labels.clone().expect("digits are labelled");
    assert_eq!(labels[..10], sklearn::DIGITS_FIRST_LABELS);
    let features: Vec<f32> = digits.pixels.iter().map(|&p| f32::from(p)).collect();
    let (train, test) = features.split_at(1200 * 64);
    let (train_labels, test_labels) = labels.split_at(1200);
    let probe = linear_probe(
        train,
        train_labels,
        test,
        test_labels,
        64,
        &ProbeParams::default(),
    )
    .expect("probe");
    // Same objective (C = 1, standardised features), a different L-BFGS:
    // within 2 of the 597 test digits.
    close(
        "probe accuracy",
        probe.accuracy,
        sklearn::DIGITS_PROBE_ACCURACY,
        2.0 / 597.0 + 1e-12,
    );
}
