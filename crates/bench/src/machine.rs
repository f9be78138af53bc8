//! Measurements of whole commands: a small sweep run in-process with 1 and
//! 2 jobs, start-up of the real binary to its first training step, and
//! peak memory.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aelab_pipeline::{run_experiment, Destination, Observe, RunOptions};
use aelab_spec::Experiment;

use crate::BenchError;

/// The sweep the `--jobs` rows time: four learning rates of the AE.
const SWEEP_SPEC: &str = r#"
name = "bench-sweep"
seed = 7
[data]
limit = 10000
validation = 2000
[train]
epochs = 4
batch_size = 32
optimizer = "sgd"
lr = 1.5
[eval]
tsne = { points = 1000, perplexity = 30.0 }
[sweep]
"train.lr" = [0.5, 1.0, 1.5, 2.0]
"#;

/// Runs the spec `text` in this process into a temporary folder, `jobs`
/// runs at a time; returns the wall-clock seconds (report included) and
/// the summed training seconds of its runs.
fn timed_sweep(label: &str, text: &str, jobs: usize) -> Result<(f64, f64), BenchError> {
    let tmp =
        std::env::temp_dir().join(format!("aelab-bench-{label}-{}-{jobs}", std::process::id()));
    let experiment = Experiment::parse(&tmp.join(format!("{label}.toml")), text)?;
    let options = RunOptions {
        destination: Destination::NewArchive {
            results_dir: tmp.join("results"),
        },
        jobs,
        force: true,
        shard: None,
    };
    let started = Instant::now();
    let outcome = run_experiment(&experiment, &options, Observe::quiet());
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tmp);
    let outcome = outcome?;
    if outcome.failed {
        return Err(BenchError::Measurement(format!(
            "a run of the benchmark sweep {label} failed"
        )));
    }
    let training = outcome
        .summaries
        .iter()
        .filter_map(|s| s.train_seconds)
        .sum();
    Ok((seconds, training))
}

/// Wall-clock seconds of the sweep of [`SWEEP_SPEC`] with `jobs` runs at
/// a time, report included (in this process, as `cargo xtask run` does it).
pub fn sweep_seconds(jobs: usize) -> Result<f64, BenchError> {
    Ok(timed_sweep("sweep", SWEEP_SPEC, jobs)?.0)
}

/// A sweep of `runs` small runs (1,000 training digits, one epoch, no
/// t-SNE), lightly evaluated as a large sweep is.
fn small_sweep(runs: usize) -> String {
    let seeds: Vec<String> = (1..=runs).map(|s| s.to_string()).collect();
    format!(
        "name = \"bench-small\"\n[data]\nlimit = 1200\nvalidation = 200\n[train]\nepochs = 1\n\
         optimizer = \"adam\"\n[eval]\ndetail = \"light\"\ntsne = {{ points = 0 }}\n\
         [sweep]\nseed = [{}]\n",
        seeds.join(", ")
    )
}

/// Seconds per run that a sweep of small runs spends beyond training
/// (evaluation, figures, writing, the manifest): the difference between a
/// 30-run and a 10-run sweep on one job, per extra run, less the extra
/// runs' training time. The report (and the full evaluation of the best
/// configurations) happens once per sweep and cancels out.
pub fn per_run_overhead() -> Result<f64, BenchError> {
    let (small, small_training) = timed_sweep("small", &small_sweep(10), 1)?;
    let (large, large_training) = timed_sweep("small", &small_sweep(30), 1)?;
    Ok(((large - small) - (large_training - small_training)) / 20.0)
}

/// Seconds from spawning `xtask run` (1 epoch of the smoke spec's AE) to
/// its first training step, as the run logs it.
pub fn startup_seconds(xtask: &Path, smoke_spec: &Path) -> Result<f64, BenchError> {
    let tmp = std::env::temp_dir().join(format!("aelab-bench-{}", std::process::id()));
    let started = Instant::now();
    let out = Command::new(xtask)
        .arg("run")
        .arg(smoke_spec)
        .args([
            "--only",
            "ae",
            "--set",
            "train.epochs=1",
            "--set",
            "eval.tsne.points=0",
            "--force",
        ])
        .arg("--results-dir")
        .arg(&tmp)
        .output()
        .map_err(BenchError::io(format!("running {}", xtask.display())));
    let total = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tmp);
    let out = out?;
    let log = String::from_utf8_lossy(&out.stderr);
    log.lines()
        .find_map(|l| l.split("first training step after ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| {
            BenchError::Measurement(format!(
                "the run did not log its first training step ({total:.1} s): {log}"
            ))
        })
}

/// The peak resident memory of this process (VmHWM), in MiB.
pub fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
