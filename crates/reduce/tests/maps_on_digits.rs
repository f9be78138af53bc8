//! t-SNE and UMAP on data that is not trivially separable: scikit-learn's
//! 1,797 8x8 digits (pixels / 16), scored as the reference tools' maps are.
//! The figures are openTSNE's and umap-learn's, five seeds each, from
//! `tests/reference/maps_digits.py` (its output copied below); aelab's map
//! (one seed) must be as good as theirs within three of their standard
//! deviations (and at least 0.005, the resolution of one seed).

use aelab_reduce::{
    fft_tsne, knn_leave_one_out_accuracy, trustworthiness, umap, FftTsneParams, UmapParams,
};

// openTSNE 1.0.4, umap-learn 0.5.12, scikit-learn 1.9.1
// tsne: 5-NN per seed [0.9894, 0.9905, 0.9878, 0.9883, 0.9889], trust [0.9955, 0.9959, 0.995, 0.995, 0.995]
const TSNE_KNN5: (f64, f64) = (0.9890, 0.0011);
const TSNE_TRUST5: (f64, f64) = (0.9953, 0.0004);
// umap: 5-NN per seed [0.9883, 0.9894, 0.9889, 0.99, 0.9883], trust [0.9899, 0.9885, 0.9888, 0.9888, 0.99]
const UMAP_KNN5: (f64, f64) = (0.9890, 0.0007);
const UMAP_TRUST5: (f64, f64) = (0.9892, 0.0007);

fn digits() -> (Vec<f32>, Vec<u8>) {
    let set = aelab_data::digits::load().expect("the built-in digits");
    let pixels = set.pixels.iter().map(|&p| f32::from(p) / 16.0).collect();
    (pixels, set.labels.expect("labelled"))
}

/// Asserts `value` is no worse than the reference's mean by more than
/// three of its standard deviations (at least 0.005).
fn as_good(name: &str, value: f64, (mean, sd): (f64, f64)) {
    let slack = (3.0 * sd).max(0.005);
    eprintln!("{name}: aelab {value:.4}, reference {mean:.4} ± {sd:.4}");
    assert!(
        value >= mean - slack,
        "{name}: {value:.4} against the reference's {mean:.4} ± {sd:.4}"
    );
}

fn score(
    name: &str,
    x: &[f32],
    labels: &[u8],
    map: &[[f32; 2]],
    knn5: (f64, f64),
    trust5: (f64, f64),
) {
    let flat: Vec<f32> = map.iter().flatten().copied().collect();
    as_good(
        &format!("{name} 5-NN"),
        knn_leave_one_out_accuracy(&flat, labels, 2, 5),
        knn5,
    );
    as_good(
        &format!("{name} trustworthiness"),
        trustworthiness(x, 64, &[(&flat, 2)], 5)[0],
        trust5,
    );
}

#[test]
fn tsne_of_the_digits_is_as_good_as_opentsnes() {
    let (x, labels) = digits();
    let map = fft_tsne(&x, 64, FftTsneParams::default()).unwrap();
    score("t-SNE", &x, &labels, &map, TSNE_KNN5, TSNE_TRUST5);
}

#[test]
fn umap_of_the_digits_is_as_good_as_umap_learns() {
    let (x, labels) = digits();
    let map = umap(&x, 64, UmapParams::default()).unwrap();
    score("UMAP", &x, &labels, &map, UMAP_KNN5, UMAP_TRUST5);
}
