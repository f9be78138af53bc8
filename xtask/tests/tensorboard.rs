//! Each run's TensorBoard log, read by the `tensorboard` package's own
//! readers (`tests/reference/tensorboard_check.py`): a scalar per epoch
//! for the losses, learning rate and seconds, every final metric, the
//! reconstruction grid as an image, the HParams plugin's session records
//! with the swept values, and the Embedding Projector's config and codes.
//!
//! The package comes from the Python at `$AELAB_PYTHON` (default
//! `python3`; `.ci/run` makes a venv with it). Without it the test says
//! SKIPPED, and fails under `CI=true`.

mod common;

use common::{python_has, run_reference};

const SPEC: &str = r#"
name = "tb"
seed = 6
[data]
dir = "MNIST"
limit = 700
validation = 200
[train]
epochs = 3
batch_size = 50
optimizer = "adam"
[eval]
tsne = { points = 100, perplexity = 10.0 }
[sweep]
"train.lr" = [0.001, 0.003]
"#;

#[test]
fn the_tensorboard_package_reads_every_scalar_image_hparam_and_projection() {
    if !python_has("tensorboard", false) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, archive) = common::run_to_archive(tmp.path(), "tb", SPEC);
    for (run, lr) in [("tb.train.lr=0.001", 0.001), ("tb.train.lr=0.003", 0.003)] {
        let dir = archive.join("runs").join(run);
        let printed = run_reference(
            "tensorboard_check.py",
            &[dir.join("tensorboard").as_os_str()],
        );
        let found: serde_json::Value = serde_json::from_str(&printed).unwrap();
        let summary = common::json(&dir.join("summary.json"));
        let scalars = &found["scalars"];
        // a scalar per epoch, with the values metrics.csv holds
        for tag in ["loss/train", "loss/validation", "train/lr", "train/seconds"] {
            let steps: Vec<u64> = scalars[tag]
                .as_array()
                .unwrap_or_else(|| panic!("{run}: no {tag} in {found}"))
                .iter()
                .map(|p| p[0].as_u64().unwrap())
                .collect();
            assert_eq!(steps, [1, 2, 3], "{run}: {tag}");
        }
        let last_val = scalars["loss/validation"][2][1].as_f64().unwrap();
        let val_bce = summary["val_bce"].as_f64().unwrap();
        assert!(
            (last_val - val_bce).abs() < 1e-6,
            "{run}: {last_val} vs {val_bce}"
        );
        assert!((scalars["train/lr"][0][1].as_f64().unwrap() - lr).abs() < 1e-9);
        // every final metric, at the last epoch
        for key in [
            "test_mse",
            "test_bce",
            "clean_val_bce",
            "latent_knn5_acc",
            "tsne_trust5",
        ] {
            let value = scalars[key][0][1]
                .as_f64()
                .unwrap_or_else(|| panic!("{run}: {key}"));
            let expected = summary[key].as_f64().unwrap();
            assert!(
                (value - expected).abs() < 1e-6 * expected.abs().max(1.0),
                "{run}: {key}"
            );
        }
        // the reconstruction grid
        let image = &found["images"]["reconstructions"][0];
        assert!(
            image[1].as_u64().unwrap() > 100 && image[2].as_u64().unwrap() > 100,
            "{found}"
        );
        // the HParams session: the swept value, the variant and the seed
        let hparams = &found["hparams"];
        assert_eq!(
            hparams["values"]["train.lr"].as_f64(),
            Some(lr),
            "{hparams}"
        );
        assert_eq!(hparams["values"]["variant"], "tb");
        assert_eq!(hparams["values"]["seed"].as_f64(), Some(6.0));
        assert_eq!(hparams["group"], run);
        assert_eq!(hparams["end_status"], 1, "STATUS_SUCCESS");
        // the projector: 200 validation codes of 30 values, labelled
        let projector = &found["projector"];
        assert_eq!(projector["tensor_name"], "codes");
        assert_eq!(
            (projector["rows"].as_u64(), projector["columns"].as_u64()),
            (Some(200), Some(30))
        );
        assert_eq!(projector["labels"].as_u64(), Some(200));
    }
}
