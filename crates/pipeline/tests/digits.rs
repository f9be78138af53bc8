//! The notebook's PCA section out of the box: the built-in 8x8 digits, no
//! validation split, and the shipped `experiments/pca-digits.toml`.

use std::path::Path;

use aelab_pipeline::{load_spec, run_experiment, Destination, Observe, RunOptions};

#[test]
fn pca_of_the_8x8_digits_matches_scikit_learn_and_draws_every_view() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments/pca-digits.toml");
    let experiment = load_spec(&spec, &[]).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let options = RunOptions {
        destination: Destination::NewArchive {
            results_dir: tmp.path().to_path_buf(),
        },
        jobs: 1,
        force: true,
        shard: None,
    };
    let outcome = run_experiment(&experiment, &options, Observe::quiet()).unwrap();
    assert!(!outcome.failed);
    let summary = &outcome.summaries[0];
    // scikit-learn 1.9: PCA(n_components=2).fit(load_digits().data)
    //   .explained_variance_ratio_ == [0.14890594, 0.13618771]
    let ratio = summary.explained_variance_ratio.clone().unwrap();
    assert!((ratio[0] - 0.14890594).abs() < 1e-6, "{ratio:?}");
    assert!((ratio[1] - 0.13618771).abs() < 1e-6, "{ratio:?}");

    // Without validation digits the embedding views use the training
    // digits, say so, and none is empty.
    // t-SNE of 2-D PCA codes: the classes overlap there (about 0.6 5-NN
    // accuracy), far above chance (0.1).
    assert!(summary.tsne_knn5_acc.unwrap() > 0.5, "{summary:?}");
    assert_eq!(
        summary.latent_knn5_acc, None,
        "no held-out digits to classify"
    );
    let run_dir = outcome.archive.join("runs/pca-digits");
    for file in ["codes.png", "tsne.png", "reconstructions.png"] {
        assert!(run_dir.join(file).is_file(), "{file}");
    }
    assert!(outcome.archive.join("pca-digits.png").is_file());
    let captions: Vec<&str> = summary.figures.iter().map(|f| f.caption.as_str()).collect();
    assert!(
        captions.iter().any(|c| c.contains("1797 training digits")),
        "{captions:?}"
    );
    assert!(
        !captions.iter().any(|c| c.contains(" 0 ")),
        "no figure of zero digits: {captions:?}"
    );
    let html = std::fs::read_to_string(outcome.report.unwrap()).unwrap();
    assert!(html.contains("1797 training digits projected on their first two principal components"));
}
