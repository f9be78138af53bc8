//! A halving search through the real binary: killed with SIGKILL in the
//! middle of a rung, `--resume` finishes it with the same decisions and
//! the same results as a run never interrupted.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{archives, json, run_command, run_spec, write_spec, xtask};

const HALVING: &str = r#"
name = "halving"
seed = 2
[data]
dir = "MNIST"
limit = 12000
validation = 300
[train]
epochs = 9
batch_size = 50
[eval]
detail = "light"
tsne = { points = 0 }
[search]
method = "halving"
trials = 9
eta = 3
"train.lr" = { log_uniform = [1e-4, 0.03] }
"noise.level" = { uniform = [0.1, 0.6] }
[noise]
kind = "gaussian"
"#;

/// Each rung's decisions, and each run's validation BCE (as stored).
fn outcome(archive: &Path) -> (Vec<serde_json::Value>, Vec<(String, serde_json::Value)>) {
    let mut rungs = Vec::new();
    while let Ok(text) =
        std::fs::read_to_string(archive.join(format!("search/rung-{}.json", rungs.len())))
    {
        rungs.push(serde_json::from_str(&text).unwrap());
    }
    let mut runs: Vec<(String, serde_json::Value)> = std::fs::read_dir(archive.join("runs"))
        .unwrap()
        .map(|e| {
            let dir = e.unwrap().path();
            let s = json(&dir.join("summary.json"));
            (s["run"].as_str().unwrap().to_string(), s["val_bce"].clone())
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    (rungs, runs)
}

#[test]
fn a_search_killed_mid_rung_resumes_to_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "halving.toml", HALVING);
    let results = tmp.path().join("results");
    let straight = run_spec(&spec, &results);
    assert!(
        straight.status.success(),
        "{}",
        String::from_utf8_lossy(&straight.stderr)
    );
    let first = archives(&results, "halving").pop().unwrap();
    let expected = outcome(&first);
    assert_eq!(expected.0.len(), 3, "rungs at 1, 3 and 9 epochs");
    assert_eq!(expected.1.len(), 9);

    // Kill once the first rung is decided, in the middle of the second
    // (3 trials on to 3 epochs, one at a time: over a second).
    let mut child = run_command(&spec, &results, &["--force", "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let archive = loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "rung 0 never ended"
        );
        if let Some(newest) = archives(&results, "halving")
            .into_iter()
            .find(|a| *a != first)
        {
            if newest.join("search/rung-0.json").exists() {
                std::thread::sleep(Duration::from_millis(100));
                break newest;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !archive.join("search/rung-1.json").exists(),
        "the kill should land in the second rung"
    );
    assert_eq!(json(&archive.join("manifest.json"))["status"], "running");

    let resumed = xtask()
        .args(["run", "--resume", archive.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(outcome(&archive), expected);
    assert_eq!(json(&archive.join("manifest.json"))["status"], "complete");
    let report = std::fs::read_to_string(archive.join("report.md")).unwrap();
    assert!(
        report.contains("## Search") && report.contains("| 2 | 9 | 1 | 0 |"),
        "{report}"
    );
}
