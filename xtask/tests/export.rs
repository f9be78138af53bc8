//! `cargo xtask export` checked by the real tools: the ONNX graphs of a
//! plain, a variational and a tied GELU autoencoder run in onnxruntime on
//! 100 test digits and give aelab's own codes and reconstructions to 1e-5;
//! the PyTorch state dict has the reference module's keys and shapes (a
//! conv model's, batch norms included), and
//! where PyTorch is installed the reference module itself loads it
//! strictly and gives aelab's reconstructions and test BCE to 1e-5; bad
//! input is refused with exit code 2 and nothing written.
//!
//! onnxruntime comes from the Python at `$AELAB_PYTHON` (default
//! `python3`); `.ci/run` makes a venv with it. Without it the ONNX check
//! says SKIPPED, and fails under `CI=true`.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use aelab_models::layers::LayeredNet;
use aelab_models::{Autoencoder, Reconstructor};
use common::{assert_close, python_has, read_f32, run_reference};

const SPEC: &str = r#"
name = "export"
seed = 4
[data]
dir = "MNIST"
limit = 600
validation = 100
[train]
epochs = 1
batch_size = 50
optimizer = "adam"
lr = 0.003
[eval]
detail = "light"
tsne = { points = 0 }
[[variant]]
name = "ae"
[[variant]]
name = "vae"
model = { kind = "vae", layers = [64, 8] }
[[variant]]
name = "tied-gelu"
model = { tied = true, activation = "gelu", layers = [64, 16] }
[[variant]]
name = "pca"
model = { kind = "pca", latent = 8 }
"#;

/// Digits the graphs are run on.
const ROWS: usize = 100;

/// An archive of a spec, trained, and the first [`ROWS`] test digits
/// (also in `inputs.f32`, for the reference scripts).
struct Trained {
    tmp: tempfile::TempDir,
    archive: PathBuf,
    experiment: aelab_pipeline::Experiment,
    pixels: usize,
    images: Vec<f32>,
    inputs: PathBuf,
}

fn train(spec: &str, name: &str) -> Trained {
    let tmp = tempfile::tempdir().unwrap();
    let (spec, archive) = common::run_to_archive(tmp.path(), name, spec);
    let experiment = aelab_pipeline::load_spec(&spec, &[]).unwrap();
    let data = aelab_pipeline::load_data(&experiment).unwrap();
    let pixels = data.pixels();
    let images = data.test.as_ref().unwrap()[..ROWS * pixels].to_vec();
    let inputs = tmp.path().join("inputs.f32");
    common::write_f32(&inputs, &images);
    Trained {
        tmp,
        archive,
        experiment,
        pixels,
        images,
        inputs,
    }
}

/// `cargo xtask export FORMAT PATH [--out OUT]`.
fn export(format: &str, path: &Path, out: Option<&Path>) -> Output {
    let mut command = common::xtask();
    command.args(["export", format]).arg(path);
    if let Some(out) = out {
        command.arg("--out").arg(out);
    }
    command.output().unwrap()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Exports the run in `dir` to ONNX and, where onnxruntime is, checks that
/// its three graphs give `model`'s codes (and a VAE's log-variances),
/// decodings and reconstructions of the digits.
fn check_onnx(t: &Trained, name: &str, dir: &Path, model: &dyn Reconstructor, onnxruntime: bool) {
    assert_ok(&export("onnx", dir, None));
    for file in ["encoder.onnx", "decoder.onnx", "autoencoder.onnx"] {
        assert!(dir.join("export").join(file).is_file(), "{name}: {file}");
    }
    if !onnxruntime {
        return;
    }
    let outputs = t.tmp.path().join(name);
    std::fs::create_dir_all(&outputs).unwrap();
    let rows = ROWS.to_string();
    let printed = run_reference(
        "onnx_check.py",
        &[
            dir.join("export").as_os_str(),
            t.inputs.as_os_str(),
            OsStr::new(&rows),
            outputs.as_os_str(),
        ],
    );
    eprint!("{printed}");
    let code = model.encode(&t.images);
    assert_close(
        &format!("{name} code"),
        &code,
        &read_f32(&outputs.join("code.f32")),
    );
    assert_close(
        &format!("{name} decoded"),
        &model.decode(&code),
        &read_f32(&outputs.join("decoded.f32")),
    );
    assert_close(
        &format!("{name} reconstruction"),
        &model.reconstruct(&t.images),
        &read_f32(&outputs.join("reconstruction.f32")),
    );
    match model.encode_distribution(&t.images) {
        Some((_, log_variance)) => assert_close(
            &format!("{name} log-variance"),
            &log_variance,
            &read_f32(&outputs.join("log_variance.f32")),
        ),
        None => assert!(
            !outputs.join("log_variance.f32").exists(),
            "only a VAE's encoder gives a log-variance"
        ),
    }
}

/// `shared/reference/<file>`, beside the checkout.
fn reference_module(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference")
        .join(file)
}

/// The JSON header of a safetensors file.
fn safetensors_header(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    serde_json::from_slice(&bytes[8..8 + len]).unwrap()
}

#[test]
fn onnx_and_torch_exports_give_aelabs_outputs() {
    let t = train(SPEC, "export");
    let onnxruntime = python_has("numpy, onnxruntime", false);
    let torch = python_has("torch, safetensors", true);
    for run in &t.experiment.runs {
        let dir = t.archive.join("runs").join(&run.name);
        if run.name == "pca" {
            // no network: refused in either format, nothing written
            for format in ["onnx", "torch"] {
                let refused = export(format, &dir, None);
                assert_eq!(refused.status.code(), Some(2), "{format}");
                let stderr = String::from_utf8_lossy(&refused.stderr);
                assert!(stderr.contains("PCA has no network to export"), "{stderr}");
                assert!(!dir.join("export").exists(), "{format}: nothing written");
            }
            continue;
        }
        let model = Autoencoder::load(
            run.model.architecture(t.pixels),
            &dir.join("weights.safetensors"),
        )
        .unwrap();
        check_onnx(&t, &run.name, &dir, &model, onnxruntime);

        // The PyTorch state dict: the reference module's keys and shapes.
        let torch_dir = t.tmp.path().join("torch").join(&run.name);
        assert_ok(&export("torch", &dir, Some(&torch_dir)));
        let header = safetensors_header(&torch_dir.join("torch.safetensors"));
        let mut keys: Vec<&str> = header
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "__metadata__")
            .collect();
        keys.sort_unstable();
        let expected: &[&str] = match run.name.as_str() {
            "ae" => &[
                "dec.0.bias",
                "dec.0.weight",
                "dec.1.bias",
                "dec.1.weight",
                "enc.0.bias",
                "enc.0.weight",
                "enc.1.bias",
                "enc.1.weight",
            ],
            "vae" => &[
                "dec.0.bias",
                "dec.0.weight",
                "dec.1.bias",
                "dec.1.weight",
                "enc.0.bias",
                "enc.0.weight",
                "logvar.bias",
                "logvar.weight",
                "mu.bias",
                "mu.weight",
            ],
            _ => &[
                "dec_bias.0",
                "dec_bias.1",
                "enc.0.bias",
                "enc.0.weight",
                "enc.1.bias",
                "enc.1.weight",
            ],
        };
        assert_eq!(keys, expected, "{}", run.name);
        assert_eq!(
            header["enc.0.weight"]["shape"],
            serde_json::json!([run.model.layers[0], t.pixels]),
            "nn.Linear's [out_features, in_features]"
        );
        assert_eq!(header["__metadata__"]["module"], "torch_ae.Stacked");
        if torch {
            // the reference module itself, loaded strictly
            let reconstruction = t.tmp.path().join(format!("{}-torch.f32", run.name));
            let rows = ROWS.to_string();
            let stdout = run_reference(
                "torch_check.py",
                &[
                    reference_module("torch_ae.py").as_os_str(),
                    torch_dir.join("torch.safetensors").as_os_str(),
                    t.inputs.as_os_str(),
                    OsStr::new(&rows),
                    reconstruction.as_os_str(),
                ],
            );
            eprint!("{stdout}");
            let ours = model.reconstruct(&t.images);
            assert_close(
                &format!("{} PyTorch reconstruction", run.name),
                &ours,
                &read_f32(&reconstruction),
            );
            let torch_bce: f64 = stdout
                .rsplit("BCE ")
                .next()
                .and_then(|v| v.trim().parse().ok())
                .unwrap();
            let bce = aelab_models::score::score(&ours, &t.images).bce;
            assert!(
                (bce - torch_bce).abs() < 1e-5,
                "test BCE {bce} against PyTorch's {torch_bce}"
            );
        }
    }

    // Bad input: not a run folder, and a run without weights; nothing written.
    let not_a_run = export("onnx", &t.archive, None);
    assert_eq!(
        not_a_run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&not_a_run.stderr)
    );
    assert!(String::from_utf8_lossy(&not_a_run.stderr).contains("not a run folder"));
    let ae = t.archive.join("runs/ae");
    std::fs::remove_file(ae.join("weights.safetensors")).unwrap();
    std::fs::remove_dir_all(ae.join("export")).unwrap();
    let no_weights = export("onnx", &ae, None);
    assert_eq!(no_weights.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_weights.stderr).contains("no weights to export"));
    assert!(!ae.join("export").exists(), "nothing written");
}

/// Conv models covering every layer kind, in ONNX and
/// in PyTorch: the Keras blog's (same and valid
/// convs, "same" pooling 7 -> 4, upsampling), DCEC's (strided convs, a
/// dense code, reshape, transposed convs with their output padding), Deep
/// SVDD's DCAE (no biases, batch norms without affine on running
/// statistics, leaky ReLU, explicit padding), and a batch norm with affine
/// on a flat vector.
const CONV_SPEC: &str = r#"
name = "export-conv"
seed = 5
[data]
dir = "MNIST"
limit = 400
validation = 100
[train]
epochs = 1
batch_size = 50
optimizer = "adam"
[eval]
detail = "light"
tsne = { points = 0 }

[[variant]]
name = "keras"
[variant.model]
kind = "conv"
activation = "relu"
loss = "bce"
encoder = [
  { conv = 16, kernel = 3 }, { maxpool = 2 },
  { conv = 8, kernel = 3 }, { maxpool = 2 },
  { conv = 8, kernel = 3 }, { maxpool = 2 },
]
decoder = [
  { conv = 8, kernel = 3 }, { upsample = 2 },
  { conv = 8, kernel = 3 }, { upsample = 2 },
  { conv = 16, kernel = 3, padding = "valid" }, { upsample = 2 },
  { conv = 1, kernel = 3, activation = "sigmoid" },
]

[[variant]]
name = "dcec"
[variant.model]
kind = "conv"
activation = "relu"
loss = "mse"
encoder = [
  { conv = 32, kernel = 5, stride = 2 },
  { conv = 64, kernel = 5, stride = 2 },
  { conv = 128, kernel = 3, stride = 2, padding = "valid" },
  { flatten = true },
  { dense = 10, activation = "linear" },
]
decoder = [
  { dense = 1152 },
  { reshape = [3, 3, 128] },
  { deconv = 64, kernel = 3, stride = 2, padding = "valid" },
  { deconv = 32, kernel = 5, stride = 2 },
  { deconv = 1, kernel = 5, stride = 2, activation = "linear" },
]

[[variant]]
name = "dcec-torch"
[variant.model]
kind = "conv"
activation = "relu"
loss = "mse"
encoder = [
  { conv = 32, kernel = 5, stride = 2, padding = 2 },
  { conv = 64, kernel = 5, stride = 2, padding = 2 },
  { conv = 128, kernel = 3, stride = 2, padding = "valid" },
  { flatten = true },
  { dense = 10, activation = "linear" },
]
decoder = [
  { dense = 1152 },
  { reshape = [3, 3, 128] },
  { deconv = 64, kernel = 3, stride = 2, padding = "valid" },
  { deconv = 32, kernel = 5, stride = 2, padding = 2, output_padding = 1 },
  { deconv = 1, kernel = 5, stride = 2, padding = 2, output_padding = 1, activation = "linear" },
]

[[variant]]
name = "dcae"
[variant.model]
kind = "conv"
loss = "mse"
encoder = [
  { conv = 8, kernel = 5, padding = 2, bias = false, activation = "linear" },
  { batchnorm = true, affine = false, eps = 1e-4, activation = "leaky_relu", slope = 0.01 },
  { maxpool = 2 },
  { conv = 4, kernel = 5, padding = 2, bias = false, activation = "linear" },
  { batchnorm = true, affine = false, eps = 1e-4, activation = "leaky_relu", slope = 0.01 },
  { maxpool = 2 },
  { flatten = true },
  { dense = 32, bias = false, activation = "linear" },
  { batchnorm = true, activation = "tanh" },
]
decoder = [
  { reshape = [4, 4, 2], activation = "leaky_relu", slope = 0.01 },
  { upsample = 2 },
  { deconv = 4, kernel = 5, padding = 2, bias = false, activation = "linear" },
  { batchnorm = true, affine = false, eps = 1e-4, activation = "leaky_relu", slope = 0.01 },
  { upsample = 2 },
  { deconv = 8, kernel = 5, padding = 3, bias = false, activation = "linear" },
  { batchnorm = true, affine = false, eps = 1e-4, activation = "leaky_relu", slope = 0.01 },
  { upsample = 2 },
  { deconv = 1, kernel = 5, padding = 2, bias = false, activation = "sigmoid" },
]
"#;

#[test]
fn conv_models_export_to_onnx_and_torch_with_aelabs_outputs() {
    let t = train(CONV_SPEC, "export-conv");
    let onnxruntime = python_has("numpy, onnxruntime", false);
    let torch = python_has("torch, safetensors", true);
    for run in &t.experiment.runs {
        let dir = t.archive.join("runs").join(&run.name);
        let net = LayeredNet::load(
            run.model.layered.as_ref().unwrap().0.clone(),
            &dir.join("weights.safetensors"),
        )
        .unwrap();
        check_onnx(&t, &run.name, &dir, &net, onnxruntime);

        // PyTorch: torch_conv.py's Sequentials (the DCAE's, with its batch
        // norms, written out in torch_conv_check.py)
        let torch_dir = t.tmp.path().join("torch").join(&run.name);
        let exported = export("torch", &dir, Some(&torch_dir));
        let (class, sigmoid, same_numbers) = match run.name.as_str() {
            "keras" => ("KerasConv", "1", true),
            // DCEC's Keras padding ("same": 1 above, 2 below) is not the
            // reference module's (2 and 2): its keys and shapes load, its
            // numbers differ; dcec-torch pads as the module does
            "dcec" => ("Dcec", "0", false),
            "dcec-torch" => ("Dcec", "0", true),
            "dcae" => ("DcaeSequential", "0", true),
            other => panic!("no reference module for {other}"),
        };
        assert_ok(&exported);
        if !torch {
            continue;
        }
        let out = t.tmp.path().join(format!("{}-torch.f32", run.name));
        let rows = ROWS.to_string();
        run_reference(
            "torch_conv_check.py",
            &[
                reference_module("torch_conv.py").as_os_str(),
                OsStr::new(class),
                torch_dir.join("torch.safetensors").as_os_str(),
                t.inputs.as_os_str(),
                OsStr::new(&rows),
                OsStr::new(sigmoid),
                out.as_os_str(),
            ],
        );
        if same_numbers {
            assert_close(
                &format!("{} PyTorch reconstruction", run.name),
                &net.reconstruct(&t.images),
                &read_f32(&out),
            );
        }
    }
}
