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
