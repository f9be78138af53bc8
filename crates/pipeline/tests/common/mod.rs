//! Helpers of the pipeline's tests: real MNIST from `MNIST_DIR` (required:
//! these tests fail, not skip, without it) and tiny experiments run in
//! this process.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use aelab_pipeline::{
    load_spec, run_experiment, Destination, ExperimentOutcome, Observe, RunOptions,
};

/// `$MNIST_DIR`, which must be set.
pub fn mnist_dir() -> PathBuf {
    let dir = std::env::var_os("MNIST_DIR").map(PathBuf::from).expect(
        "MNIST_DIR is not set: point it at the folder with the four MNIST files \
         (e.g. MNIST_DIR=$PWD/../shared/data/mnist cargo test --release --workspace)",
    );
    let dir = if dir.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir)
    } else {
        dir
    };
    assert!(dir.is_dir(), "MNIST_DIR={} is not a folder", dir.display());
    dir
}

/// Two small runs on 800 digits, one epoch each: seconds, not minutes.
pub const TINY: &str = r#"
name = "tiny"
seed = 5
[data]
dir = "MNIST"
limit = 800
validation = 200
[train]
epochs = 1
batch_size = 50
optimizer = "adam"
[eval]
samples = 3
tsne = { points = 0 }
[[variant]]
name = "ae"
[[variant]]
name = "dae"
noise = { kind = "gaussian", level = 0.5 }
"#;

/// Writes `spec` (with `MNIST` replaced by the data folder) into `dir`.
pub fn write_spec(dir: &Path, spec: &str) -> PathBuf {
    let path = dir.join("spec.toml");
    let text = spec.replace("MNIST", mnist_dir().to_str().unwrap());
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the spec at `spec` into a new archive under `results`.
pub fn run(spec: &Path, results: &Path, force: bool) -> ExperimentOutcome {
    let experiment = load_spec(spec, &[]).unwrap();
    let options = RunOptions {
        destination: Destination::NewArchive {
            results_dir: results.to_path_buf(),
        },
        jobs: 2,
        force,
        shard: None,
    };
    run_experiment(&experiment, &options, Observe::quiet()).unwrap()
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
