//! Helpers shared by the integration tests: the MNIST folder, running the
//! real binary, and checking that every file in an archive is whole.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `$MNIST_DIR`, required: these tests fail, not skip, without real MNIST.
pub fn mnist_dir() -> PathBuf {
    let dir = std::env::var_os("MNIST_DIR").map(PathBuf::from).expect(
        "MNIST_DIR is not set: point it at the folder with the four MNIST files \
         (e.g. MNIST_DIR=$PWD/../shared/data/mnist cargo test --release --workspace)",
    );
    // Relative to the workspace root, where the README's command runs.
    let dir = if dir.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir)
    } else {
        dir
    };
    assert!(dir.is_dir(), "MNIST_DIR={} is not a folder", dir.display());
    dir
}

/// Writes `spec` (with `MNIST` replaced by the data folder) to `dir/name`.
pub fn write_spec(dir: &Path, name: &str, spec: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, spec.replace("MNIST", mnist_dir().to_str().unwrap())).unwrap();
    path
}

pub fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

/// `xtask run SPEC --results-dir RESULTS --quiet` and `extra` flags.
pub fn run_command(spec: &Path, results: &Path, extra: &[&str]) -> Command {
    let mut cmd = xtask();
    cmd.args([
        "run",
        spec.to_str().unwrap(),
        "--results-dir",
        results.to_str().unwrap(),
        "--quiet",
    ])
    .args(extra);
    cmd
}

/// Runs `xtask run SPEC --results-dir RESULTS --quiet`.
pub fn run_spec(spec: &Path, results: &Path) -> Output {
    run_command(spec, results, &[]).output().unwrap()
}

pub fn archives(results: &Path, experiment: &str) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = match std::fs::read_dir(results.join(experiment)) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    all.sort();
    all
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every visible file under `dir` is whole: JSON and TOML parse, PNGs end
/// with their IEND chunk, safetensors hold what their header promises, text
/// files end with a newline. Hidden files may only be temporaries
/// (`.name.tmp-PID.ext`), which never look like results, and the manifest's
/// lock file.
pub fn assert_files_whole(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            assert_files_whole(&path);
            continue;
        }
        if name.starts_with('.') {
            assert!(
                name.contains(".tmp-") || name == ".manifest.lock",
                "unexpected hidden file {}",
                path.display()
            );
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let ext = if name.starts_with("events.out.tfevents.") {
            "tfevents"
        } else {
            ext
        };
        let whole = match ext {
            "tfevents" => tfrecords_whole(&bytes),
            "json" => serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "toml" => std::str::from_utf8(&bytes).is_ok_and(|t| t.parse::<toml::Table>().is_ok()),
            "png" => {
                bytes.starts_with(b"\x89PNG")
                    && bytes.len() > 12
                    && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND"
            }
            "safetensors" => safetensors_whole(&bytes),
            "csv" | "md" | "html" | "tsv" | "pbtxt" => bytes.ends_with(b"\n"),
            other => panic!("unexpected file type {other}: {}", path.display()),
        };
        assert!(whole, "{} is not a whole file", path.display());
    }
}

/// Whether `bytes` are TFRecords (TensorBoard's event files): each a
/// little-endian length, 4 bytes of its CRC, the data, 4 of the data's,
/// starting with the file-version record. An event file is an append-only
/// log, each record written by one `write`: only a full disk can cut the
/// last one short, and TensorBoard reads up to it, so a cut tail is
/// allowed; the `tensorboard` test reads every record of a finished run.
fn tfrecords_whole(mut bytes: &[u8]) -> bool {
    let mut records = 0;
    while bytes.len() >= 8 {
        let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        match bytes.get(8 + 4 + len + 4..) {
            Some(rest) => bytes = rest,
            None => break,
        }
        records += 1;
    }
    records > 0
}

fn safetensors_whole(bytes: &[u8]) -> bool {
    let Some(header_len) = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap()) as usize)
    else {
        return false;
    };
    let Some(header) = bytes.get(8..8 + header_len) else {
        return false;
    };
    let Ok(header) = serde_json::from_slice::<serde_json::Value>(header) else {
        return false;
    };
    let end = header
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.get("data_offsets"))
        .filter_map(|o| o[1].as_u64())
        .max()
        .unwrap_or(0) as usize;
    bytes.len() == 8 + header_len + end
}

/// SHA-like fingerprint of every file under `dir` (path and bytes).
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing
/// test leaves no process behind.
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// SIGKILL now and wait for the process to end.
    pub fn kill_now(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill_now();
    }
}

/// The Python the reference tools run in: `$AELAB_PYTHON`, else `python3`.
pub fn python() -> PathBuf {
    std::env::var_os("AELAB_PYTHON").map_or_else(|| "python3".into(), PathBuf::from)
}

/// Whether [`python`] imports `modules` (`"numpy, onnxruntime"`). Without
/// them a test says SKIPPED; under `CI=true`, where every tool must be
/// there, unless `optional` (PyTorch, a 3 GB install CI leaves out), it
/// fails instead.
pub fn python_has(modules: &str, optional: bool) -> bool {
    let found = Command::new(python())
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            optional || std::env::var("CI").as_deref() != Ok("true"),
            "CI=true, but {} cannot import {modules}: the check went unrun (set AELAB_PYTHON)",
            python().display()
        );
        eprintln!(
            "SKIPPED: {} cannot import {modules} (set AELAB_PYTHON)",
            python().display()
        );
    }
    found
}

/// Runs `tests/reference/<script>` in [`python`] with `args`; its stdout.
pub fn run_reference(script: &str, args: &[&std::ffi::OsStr]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(script);
    let out = Command::new(python())
        .arg(path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Little-endian f32s, as the reference scripts read and write them.
pub fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

pub fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Asserts `theirs` is `ours` to 1e-5 in every value.
pub fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let worst = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    eprintln!("{what}: largest difference {worst:e}");
    assert!(worst <= 1e-5, "{what}: differs by {worst:e}");
}

/// Writes `spec` (experiment `name`) into `dir`, runs it into
/// `dir/results`, and returns the spec's path and the archive.
pub fn run_to_archive(dir: &Path, name: &str, spec: &str) -> (PathBuf, PathBuf) {
    let spec = write_spec(dir, &format!("{name}.toml"), spec);
    let results = dir.join("results");
    let out = run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, name).pop().unwrap();
    (spec, archive)
}
