//! Working with archives: reuse of completed runs, `--resume` after kill -9,
//! `reproduce`, `list`, `compare`, and shards merged into one archive whose
//! report equals a local run's.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{archives, assert_files_whole, json, run_command, write_spec, xtask};

const SPEC: &str = r#"
name = "ops"
[data]
dir = "MNIST"
limit = 1500
validation = 300
[train]
epochs = 2
[eval]
tsne = { points = 200, perplexity = 20.0 }
[sweep]
"train.lr" = [0.001, 0.002, 0.004]
"#;

fn xtask_out(args: &[&str]) -> Output {
    let out = xtask().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "xtask {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run(spec: &Path, results: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        spec.to_str().unwrap(),
        "--results-dir",
        results.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    xtask_out(&args)
}

/// `epoch,train_loss,val_loss` lines and the result fields of each run.
fn results_of(archive: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for run in [
        "ops.train.lr=0.001",
        "ops.train.lr=0.002",
        "ops.train.lr=0.004",
    ] {
        let dir = archive.join("runs").join(run);
        let metrics: Vec<String> = std::fs::read_to_string(dir.join("metrics.csv"))
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect();
        let summary = json(&dir.join("summary.json"));
        out.push((
            run.to_string(),
            format!(
                "{metrics:?} {} {} {}",
                summary["val_bce"], summary["test_mse"], summary["tsne_knn5_acc"]
            ),
        ));
    }
    out
}

#[test]
fn completed_runs_are_reused_resumed_reproduced_listed_and_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "ops.toml", SPEC);
    let results = tmp.path().join("results");

    let first = run(&spec, &results, &["--quiet"]);
    drop(first);
    let a = archives(&results, "ops").pop().unwrap();

    // Same identity: reused, and says so.
    let second = run(&spec, &results, &[]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert_eq!(log.matches("reusing").count(), 3, "{log}");
    let b = archives(&results, "ops").pop().unwrap();
    assert_ne!(a, b);
    assert_eq!(results_of(&a), results_of(&b));
    assert_files_whole(&b);

    // A changed setting is a new identity: trained, not reused.
    let third = run(
        &spec,
        &results,
        &["--set", "train.epochs=1", "--only", "*0.001"],
    );
    assert!(!String::from_utf8_lossy(&third.stderr).contains("reusing"));

    // kill -9 after the first run finished, then --resume.
    let before = archives(&results, "ops");
    let child = run_command(&spec, &results, &["--force", "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = common::KillOnDrop(child);
    let started = Instant::now();
    let killed: PathBuf = loop {
        let fresh = archives(&results, "ops")
            .into_iter()
            .find(|a| !before.contains(a));
        if let Some(newest) =
            fresh.filter(|a| a.join("runs/ops.train.lr=0.001/summary.json").is_file())
        {
            child.kill_now();
            break newest;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the first run never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(json(&killed.join("manifest.json"))["status"], "running");
    let kept = std::fs::read(killed.join("runs/ops.train.lr=0.001/summary.json")).unwrap();
    xtask_out(&[
        "run",
        "--resume",
        killed.to_str().unwrap(),
        "--quiet",
        "--force",
    ]);
    assert_eq!(json(&killed.join("manifest.json"))["status"], "complete");
    assert_eq!(
        std::fs::read(killed.join("runs/ops.train.lr=0.001/summary.json")).unwrap(),
        kept,
        "a completed run is never redone"
    );
    assert_eq!(
        results_of(&killed),
        results_of(&a),
        "a resumed archive equals an uninterrupted one"
    );
    assert_files_whole(&killed);

    // reproduce: bit-identical, one run or all.
    let out = xtask_out(&[
        "reproduce",
        a.join("runs/ops.train.lr=0.002").to_str().unwrap(),
        "--quiet",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 of 1 run(s) reproduced bit for bit"));
    let out = xtask_out(&["reproduce", a.to_str().unwrap(), "--quiet"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 of 3 run(s) reproduced bit for bit"));

    // list and compare.
    let out = xtask_out(&["list", "--results-dir", results.to_str().unwrap()]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listing.matches("complete").count(), 4, "{listing}");
    assert!(
        listing.contains("3/3") && listing.contains("(ops.train.lr="),
        "{listing}"
    );
    let newest_single = archives(&results, "ops")
        .into_iter()
        .find(|p| {
            json(&p.join("manifest.json"))["runs"]
                .as_array()
                .unwrap()
                .len()
                == 1
        })
        .unwrap();
    let out = xtask_out(&[
        "compare",
        a.to_str().unwrap(),
        newest_single.to_str().unwrap(),
    ]);
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("train.epochs: 2 -> 1"), "{diff}");
    assert!(diff.contains("ops.train.lr=0.002: only in A"), "{diff}");
    assert!(diff.contains("test MSE") && diff.contains('%'), "{diff}");
    assert!(
        listing.contains(" kB") || listing.contains(" MB"),
        "sizes: {listing}"
    );

    // gc: a dry run removes nothing; then all but the newest archive go,
    // and the reused runs of b (links to a's files) stay whole.
    let gc = |extra: &[&str]| {
        let mut args = vec!["gc", "ops", "--keep", "1", "--results-dir"];
        args.push(results.to_str().unwrap());
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&xtask_out(&args).stdout).into_owned()
    };
    let before_gc = archives(&results, "ops");
    let dry = gc(&["--dry-run"]);
    assert!(
        dry.contains("would remove") && dry.contains("dry run: 3 archive(s)"),
        "{dry}"
    );
    assert_eq!(archives(&results, "ops"), before_gc);
    let done = gc(&[]);
    assert!(done.contains("removed 3 archive(s), freed"), "{done}");
    let left = archives(&results, "ops");
    assert_eq!(left, vec![before_gc.last().unwrap().clone()]);
    assert_files_whole(&left[0]);
    let missing = xtask()
        .args(["gc", "nope", "--results-dir", results.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such experiment folder"));
}

#[test]
fn shards_merge_into_one_archive_equal_to_a_local_run() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "ops.toml", SPEC);
    let local = tmp.path().join("local");
    run(&spec, &local, &["--quiet", "--force"]);
    let local_archive = archives(&local, "ops").pop().unwrap();

    let shared = tmp.path().join("shared/ops-cluster");
    let shard = |i: &str| {
        xtask()
            .args([
                "run",
                spec.to_str().unwrap(),
                "--shard",
                i,
                "--archive",
                shared.to_str().unwrap(),
                "--quiet",
                "--force",
                "--jobs",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = [shard("1/2"), shard("2/2")];
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let manifest = json(&shared.join("manifest.json"));
    let statuses: Vec<&str> = manifest["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["ok", "ok", "ok"],
        "both shards' runs are in the merged manifest"
    );
    assert!(
        !shared.join("report.html").exists(),
        "shards write no report"
    );
    xtask_out(&["report", shared.to_str().unwrap(), "--quiet"]);
    assert_eq!(json(&shared.join("manifest.json"))["status"], "complete");
    assert!(shared.join("report.html").is_file());
    assert_eq!(results_of(&shared), results_of(&local_archive));
    assert_files_whole(&shared);
}
