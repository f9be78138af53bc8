//! The reference tools of the side-by-side rows: the PyTorch autoencoder
//! (`../shared/reference/torch_ae.py`) and scikit-learn
//! (`python/sklearn_compare.py`), each run with the same settings or on the
//! same data in the benchmark's invocation.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::BenchError;

/// Runs `command` (a Python script of `tool`'s, `python` being the
/// interpreter) and returns its standard output, or an error naming the
/// tool with what it wrote to standard error.
pub(crate) fn python_output(
    mut command: Command,
    python: &str,
    script: &Path,
    tool: &str,
) -> Result<Vec<u8>, BenchError> {
    let out = command.output().map_err(BenchError::io(format!(
        "running {python} {}",
        script.display()
    )))?;
    if !out.status.success() {
        return Err(BenchError::Reference(format!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(out.stdout)
}

/// A temporary folder of a reference script's input files, removed when
/// dropped (on success and on every error path alike).
pub(crate) struct ScriptInputs {
    dir: PathBuf,
}

impl ScriptInputs {
    /// A fresh folder named after `tool` and this process.
    pub(crate) fn new(tool: &str) -> Result<ScriptInputs, BenchError> {
        let dir = std::env::temp_dir().join(format!("aelab-{tool}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(BenchError::io(format!("creating {}", dir.display())))?;
        Ok(ScriptInputs { dir })
    }

    /// The folder itself (for scripts that write their outputs beside).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` as `name` in the folder and returns its path.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, BenchError> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(BenchError::io(format!("writing {}", path.display())))?;
        Ok(path)
    }

    /// Writes `values` as raw little-endian `f32` (numpy's `fromfile`).
    pub(crate) fn write_f32(&self, name: &str, values: &[f32]) -> Result<PathBuf, BenchError> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.write(name, &bytes)
    }
}

impl Drop for ScriptInputs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What scikit-learn measured.
pub struct SklearnTimes {
    pub tsne_seconds: f64,
    pub tsne_knn5_acc: f64,
    pub pca_seconds: f64,
}

/// Runs `python/sklearn_compare.py` on our codes, their labels and the
/// training digits.
pub fn run_sklearn(
    python: &str,
    codes: &[f32],
    labels: &[u8],
    digits: &[f32],
) -> Result<SklearnTimes, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sklearn_compare.py");
    let inputs = ScriptInputs::new("sklearn")?;
    let codes = inputs.write_f32("codes.f32", codes)?;
    let labels = inputs.write("labels.u8", labels)?;
    let digits = inputs.write_f32("digits.f32", digits)?;
    let mut command = Command::new(python);
    command.arg(&script).args([&codes, &labels, &digits]);
    let stdout = python_output(command, python, &script, "scikit-learn")?;
    let json: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| BenchError::Reference(format!("scikit-learn printed no JSON: {e}")))?;
    let field = |key: &str| {
        json[key]
            .as_f64()
            .ok_or_else(|| BenchError::Reference(format!("no `{key}` in scikit-learn's output")))
    };
    Ok(SklearnTimes {
        tsne_seconds: field("tsne_s")?,
        tsne_knn5_acc: field("tsne_knn5")?,
        pca_seconds: field("pca_s")?,
    })
}

/// The PyTorch reference's median seconds per epoch on `threads` threads
/// and final validation loss for `mode` (`ae` or `dae`), `epochs` epochs.
pub fn run_torch(
    python: &str,
    script: &Path,
    mode: &str,
    epochs: usize,
    threads: usize,
) -> Result<(f64, f64), BenchError> {
    run_torch_with(
        python,
        script,
        &[
            "--mode".into(),
            mode.into(),
            "--epochs".into(),
            epochs.to_string(),
            "--threads".into(),
            threads.to_string(),
        ],
    )
}

/// Runs the PyTorch reference with `args` (on one thread unless they say
/// `--threads`) and returns its
/// median seconds per epoch and its last epoch's validation loss.
pub fn run_torch_with(
    python: &str,
    script: &Path,
    args: &[String],
) -> Result<(f64, f64), BenchError> {
    let summary = run_reference_summary(python, script, args)?;
    let epoch = summary["median_epoch_s"]
        .as_f64()
        .ok_or_else(|| BenchError::Reference("no median_epoch_s in the torch summary".into()))?;
    let val_loss = summary["history_val_loss"]
        .as_array()
        .and_then(|h| h.last())
        .and_then(|v| v.as_f64())
        .ok_or_else(|| BenchError::Reference("no history_val_loss in the torch summary".into()))?;
    Ok((epoch, val_loss))
}

/// Runs a PyTorch reference script with `args` (on one thread unless they
/// say `--threads`) and returns the JSON summary it writes under `--out`.
pub fn run_reference_summary(
    python: &str,
    script: &Path,
    args: &[String],
) -> Result<serde_json::Value, BenchError> {
    let out_dir = std::env::temp_dir().join(format!(
        "aelab-torch-{}-{}",
        std::process::id(),
        args.join("_").replace(['/', ' ', ','], "-")
    ));
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut command = Command::new(python);
    command.arg(script).args(args);
    if !args.iter().any(|a| a == "--threads") {
        command.args(["--threads", "1"]);
    }
    command
        .arg("--out")
        .arg(&out_dir)
        .current_dir(script.parent().unwrap_or(Path::new(".")));
    python_output(command, python, script, "torch reference")?;
    let summary_path = std::fs::read_dir(&out_dir)
        .map_err(BenchError::io(format!("reading {}", out_dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "json"))
        .ok_or_else(|| BenchError::Reference(format!("no summary in {}", out_dir.display())))?;
    let text = std::fs::read_to_string(&summary_path).map_err(BenchError::io(format!(
        "reading {}",
        summary_path.display()
    )))?;
    let _ = std::fs::remove_dir_all(&out_dir);
    serde_json::from_str(&text)
        .map_err(|e| BenchError::Reference(format!("{}: {e}", summary_path.display())))
}
