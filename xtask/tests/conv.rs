//! Conv models through the real binary on real MNIST: `shapes` prints the
//! layers; a conv AE (Adadelta, BCE) and a strided conv DAE with a dense
//! code, batch norm and transposed convs (SGD with momentum, a step
//! schedule, MSE) train, are evaluated and reported like any model, and
//! `reproduce` gives them back bit for bit; a halving search over a conv
//! model goes through its checkpoints; dense models that ask for MSE or
//! Adadelta train as layer lists. Needs `MNIST_DIR`.

mod common;

use common::{archives, assert_files_whole, json, run_spec, write_spec, xtask};

const SPEC: &str = r#"
name = "conv"
seed = 5
[data]
dir = "MNIST"
limit = 1800
validation = 300
[model]
kind = "conv"
encoder = [{ conv = 8 }, { maxpool = 2 }, { conv = 4 }, { maxpool = 2 }]
[train]
epochs = 2
batch_size = 64
optimizer = "adadelta"
[eval]
samples = 6
tsne = { points = 200 }

[[variant]]
name = "cae"

[[variant]]
name = "strided-dae"
noise = { kind = "gaussian", level = 0.5 }
train = { optimizer = "sgd", lr = 0.05, momentum = 0.9, lr_steps = [1] }
[variant.model]
loss = "mse"
encoder = [
  { conv = 8, kernel = 5, stride = 2 },
  { batchnorm = true, affine = false, eps = 1e-4, activation = "leaky_relu", slope = 0.1 },
  { conv = 16, kernel = 3, stride = 2, padding = "valid" },
  { flatten = true },
  { dense = 10, activation = "linear" },
]
"#;

/// Dense models that ask for the layered engine's settings.
const DENSE: &str = r#"
name = "dense-layers"
seed = 3
[data]
dir = "MNIST"
limit = 1200
validation = 300
[model]
layers = [64, 16]
[train]
epochs = 2
batch_size = 64
optimizer = "adam"
[eval]
samples = 4
tsne = { points = 0 }

[[variant]]
name = "mse"
model = { loss = "mse" }

[[variant]]
name = "adadelta-dae"
noise = { kind = "gaussian", level = 0.5 }
train = { optimizer = "adadelta", lr = 1.0, weight_decay = 1e-5 }
"#;

const SEARCH: &str = r#"
name = "conv-search"
seed = 2
[data]
dir = "MNIST"
limit = 1500
validation = 300
[model]
kind = "conv"
encoder = [{ conv = 4 }, { maxpool = 2 }]
[train]
epochs = 3
batch_size = 100
optimizer = "adadelta"
[eval]
detail = "light"
tsne = { points = 0 }
[search]
method = "halving"
trials = 3
eta = 3
"train.lr" = { log_uniform = [0.1, 1.0] }
"#;

fn stdout(args: &[&str]) -> String {
    let out = xtask().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn conv_models_train_evaluate_report_and_reproduce() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "conv.toml", SPEC);
    let results = tmp.path().join("results");

    let shapes = stdout(&["shapes", spec.to_str().unwrap()]);
    assert!(
        shapes.contains("encoder[0]  conv 8 3x3 same, relu") && shapes.contains("28x28x8"),
        "{shapes}"
    );
    assert!(
        shapes.contains("decoder[3]  deconv 1 3x3 same, sigmoid"),
        "the mirrored decoder: {shapes}"
    );
    assert!(
        shapes.contains("deconv 8 3x3 x2 pad 0 +1, leaky_relu(0.1)"),
        "the strided mirror gives back 28: {shapes}"
    );

    let out = run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "conv").pop().unwrap();
    assert_files_whole(&archive);
    for run in ["cae", "strided-dae"] {
        let dir = archive.join("runs").join(run);
        let summary = json(&dir.join("summary.json"));
        assert_eq!(summary["status"], "ok", "{run}: {summary}");
        for key in [
            "val_bce",
            "test_bce",
            "test_mse",
            "noisy_test_mse",
            "latent_knn5_acc",
            "tsne_knn5_acc",
        ] {
            assert!(
                summary[key].as_f64().is_some_and(f64::is_finite),
                "{run}: {key} in {summary}"
            );
        }
        let layers = summary["layers"].as_array().unwrap();
        assert_eq!(layers[0]["name"], "encoder[0]");
        let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
        let val: Vec<f64> = metrics
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
            .collect();
        assert!(val[1] < val[0], "{run}: the validation loss falls: {val:?}");
        let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(
            page.contains("<h2>Layers</h2>"),
            "{run}: the run page lists the layers"
        );
    }
    let dae = json(&archive.join("runs/strided-dae/summary.json"));
    assert_eq!(dae["layers"].as_array().unwrap().len(), 9, "{dae}");
    let config = std::fs::read_to_string(archive.join("runs/strided-dae/config.toml")).unwrap();
    assert!(
        config.contains("loss = \"mse\"") && config.contains("momentum = 0.9"),
        "{config}"
    );

    let reproduced = stdout(&["reproduce", archive.to_str().unwrap(), "--quiet"]);
    assert!(
        reproduced.contains("2 of 2 run(s) reproduced bit for bit"),
        "{reproduced}"
    );
}

/// A dense stack with MSE, or Adadelta and weight decay, trains as a layer
/// list: its summary says so and lists the layers, its config records the
/// loss, and `reproduce` gives it back bit for bit.
#[test]
fn dense_models_train_as_layer_lists_where_they_ask_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "dense.toml", DENSE);
    let results = tmp.path().join("results");
    let out = run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "dense-layers").pop().unwrap();
    for (run, loss) in [("mse", "mse"), ("adadelta-dae", "bce")] {
        let dir = archive.join("runs").join(run);
        let summary = json(&dir.join("summary.json"));
        assert_eq!(summary["status"], "ok", "{run}: {summary}");
        let model = summary["model"].as_str().unwrap();
        assert!(
            model.contains(&format!("{loss} loss, as a layer list")),
            "{run}: {model}"
        );
        let names: Vec<&str> = summary["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["layer"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 6, "{run}: {names:?}");
        for key in [
            "val_bce",
            "val_loss",
            "test_bce",
            "test_mse",
            "latent_knn5_acc",
        ] {
            assert!(
                summary[key].as_f64().is_some_and(f64::is_finite),
                "{run}: {key} in {summary}"
            );
        }
    }
    let mse = json(&archive.join("runs/mse/summary.json"));
    assert_ne!(
        mse["val_loss"], mse["val_bce"],
        "an MSE run's own loss: {mse}"
    );
    let config = std::fs::read_to_string(archive.join("runs/mse/config.toml")).unwrap();
    assert!(config.contains("loss = \"mse\""), "{config}");
    let reproduced = stdout(&["reproduce", archive.to_str().unwrap(), "--quiet"]);
    assert!(
        reproduced.contains("2 of 2 run(s) reproduced bit for bit"),
        "{reproduced}"
    );
}

#[test]
fn a_halving_search_over_a_conv_model_finishes_from_its_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "search.toml", SEARCH);
    let results = tmp.path().join("results");
    let out = run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "conv-search").pop().unwrap();
    let epochs: Vec<u64> = std::fs::read_dir(archive.join("runs"))
        .unwrap()
        .map(|e| {
            json(&e.unwrap().path().join("summary.json"))["epochs_completed"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let mut sorted = epochs.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [1, 1, 3],
        "one of three trials goes on to 3 epochs: {epochs:?}"
    );
}
