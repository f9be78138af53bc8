//! `cargo xtask bench`: measures aelab on this machine and prints a table:
//! training throughput and seconds per epoch (AE and DAE, SGD and Adam,
//! batch 32 and 256; noise generation included), the share of a DAE epoch
//! spent drawing noise, achieved GFLOP/s against a measured single-core
//! GEMM peak, evaluation throughput, t-SNE of 5,000 codes (seconds and 5-NN
//! accuracy of the map), PCA-30 of the 37,000 training digits, start-up to
//! the first training step, and peak memory. `--json` writes the rows for
//! a later `--baseline` regression check; `--compare-torch` runs the
//! PyTorch reference with the same settings in the same invocation.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use aelab_data::noise::{Corruption, NoiseKind};
use aelab_reduce::{knn_leave_one_out_accuracy, tsne, Pca, TsneParams};
use aelab_spec::Experiment;
use aelab_train::streams::{noise_lanes, Stream};
use aelab_train::{Engine, FitConfig, OptimizerKind, Resample};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::execute::{fit_on_training_threads, median};
use crate::{dataset, progress, project_root};

/// FLOPs of the matrix products per training sample that a step needs:
/// forward 2 x 162,800 multiply-adds, the weight gradients as many, and the
/// input gradients of layers 2-4 (2 x 84,400); none for layer 1, whose
/// input is the data. (dfdx's tape also computes that one: 976,800.)
const FLOP_PER_SAMPLE: f64 = 2.0 * (2.0 * 162_800.0 + 84_400.0);
/// A row worse than its baseline by more than this is a regression.
const REGRESSION: f64 = 1.20;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Epochs per training row (the median epoch is reported).
    #[arg(long, default_value_t = 2)]
    epochs: usize,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Compare with an earlier --json file; exit 1 on a regression over 20%.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also run the PyTorch reference (its torch_ae.py, default
    /// ../shared/reference/torch_ae.py) with the same settings and print the ratios.
    #[arg(long, value_name = "TORCH_AE_PY", num_args = 0..=1, default_missing_value = "")]
    compare_torch: Option<String>,
    /// Also run scikit-learn's t-SNE (on the same codes) and PCA-30 (on the
    /// same digits) in this invocation and print the ratios.
    #[arg(long)]
    compare_sklearn: bool,
    /// The Python with torch / scikit-learn for the comparisons.
    #[arg(long, default_value = "python3")]
    python: String,
}

/// scikit-learn's side: t-SNE of the codes (its defaults, perplexity 30)
/// with the 5-NN accuracy of its map, and PCA-30 of the digits.
const SKLEARN: &str = r#"
import json, sys, time
import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.neighbors import NearestNeighbors
codes = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, 30)
labels = np.fromfile(sys.argv[2], dtype=np.uint8)
digits = np.fromfile(sys.argv[3], dtype=np.float32).reshape(-1, 784)
t = time.perf_counter()
emb = TSNE(n_components=2, perplexity=30.0, random_state=0).fit_transform(codes)
tsne_s = time.perf_counter() - t
near = NearestNeighbors(n_neighbors=6).fit(emb).kneighbors(emb, return_distance=False)[:, 1:]
acc = float(np.mean([np.bincount(labels[row], minlength=10).argmax() == l for row, l in zip(near, labels)]))
t = time.perf_counter()
PCA(n_components=30).fit(digits)
pca_s = time.perf_counter() - t
print(json.dumps({"tsne_s": tsne_s, "tsne_knn5": acc, "pca_s": pca_s}))
"#;

/// One measured row: lower `value` is better when `unit` is seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    name: String,
    value: f64,
    unit: String,
    note: String,
}

impl Row {
    fn lower_is_better(&self) -> bool {
        self.unit == "s" || self.unit == "MiB" || self.unit == "%"
    }
}

pub fn bench(args: BenchArgs) -> Result<ExitCode> {
    progress::init(true);
    let spec = project_root().join("experiments/ae.toml");
    let experiment = Experiment::load(&spec)?;
    let data = dataset::load(&experiment)?;
    let mut rows: Vec<Row> = Vec::new();
    let push = |rows: &mut Vec<Row>, name: String, value: f64, unit: &str, note: String| {
        println!("{name:<44} {value:>10.3} {unit:<10} {note}");
        rows.push(Row {
            name,
            value,
            unit: unit.into(),
            note,
        });
    };
    println!("{:<44} {:>10} {:<10} note", "benchmark", "value", "unit");

    let peak = gemm_peak();
    push(
        &mut rows,
        "GEMM peak, one core ([256x784]x[784x100])".into(),
        peak,
        "GFLOP/s",
        "dfdx matmul".into(),
    );

    let mut ae_model = None;
    let mut dae_epoch = f64::NAN;
    let mut val_losses = std::collections::HashMap::new();
    let mut configs = Vec::new();
    for (mode, noise) in [
        ("AE", Corruption::NONE),
        (
            "DAE",
            Corruption {
                kind: NoiseKind::Gaussian,
                level: 0.5,
            },
        ),
    ] {
        for (optimizer, lr) in [(OptimizerKind::Sgd, 1.5), (OptimizerKind::Adam, 1e-3)] {
            for batch in [32, 256] {
                configs.push((mode, noise, optimizer, lr, batch, Engine::Fused));
            }
        }
    }
    // the same model trained through dfdx's tape, for scale
    configs.push((
        "AE",
        Corruption::NONE,
        OptimizerKind::Sgd,
        1.5,
        32,
        Engine::Autodiff,
    ));
    for (mode, noise, optimizer, lr, batch, engine) in configs {
        let config = FitConfig {
            latent: 30,
            hidden: 100,
            epochs: args.epochs,
            batch_size: batch,
            optimizer,
            lr,
            noise,
            resample: Resample::Epoch,
            seed: 42,
            engine,
        };
        let outcome = fit_on_training_threads(&config, &data, &mut |_| {})?;
        let epoch = median(outcome.history.iter().map(|r| r.seconds).collect())
            .context("training ran no epoch")?;
        let samples = data.train.len() as f64 / 784.0 / epoch;
        let optimizer_name = format!("{optimizer:?}").to_lowercase();
        let engine_note = match engine {
            Engine::Fused => "",
            Engine::Autodiff => " (dfdx autodiff)",
        };
        let name = format!("train {mode} {optimizer_name} batch {batch}{engine_note}: s/epoch");
        let val_loss = outcome
            .history
            .last()
            .and_then(|r| r.val_loss)
            .unwrap_or(f64::NAN);
        val_losses.insert(name.clone(), val_loss);
        push(
            &mut rows,
            name,
            epoch,
            "s",
            format!(
                "{samples:.0} samples/s, {:.0} GFLOP/s = {:.0}% of peak, val BCE {val_loss:.4}",
                samples * FLOP_PER_SAMPLE / 1e9,
                100.0 * samples * FLOP_PER_SAMPLE / 1e9 / peak,
            ),
        );
        let reference = optimizer == OptimizerKind::Sgd && batch == 32 && engine == Engine::Fused;
        if reference && mode == "AE" {
            ae_model = Some(outcome.model);
        } else if reference {
            dae_epoch = epoch;
        }
    }

    // What an epoch with `resample = "epoch"` pays: a redraw into the
    // buffer of the previous epoch.
    let gaussian = Corruption {
        kind: NoiseKind::Gaussian,
        level: 0.5,
    };
    let mut lanes = noise_lanes(42, Stream::TrainNoise);
    let mut buffer = gaussian.apply_lanes(&data.train, &mut lanes);
    let started = Instant::now();
    gaussian.apply_lanes_into(&data.train, &mut buffer, &mut lanes);
    let noise = started.elapsed().as_secs_f64();
    push(
        &mut rows,
        "DAE noise for one epoch (37,000 images)".into(),
        noise,
        "s",
        format!(
            "Gaussian 0.5, clipped; {:.1}% of a DAE sgd batch-32 epoch",
            100.0 * noise / dae_epoch
        ),
    );

    let model = ae_model.context("the AE row trains the model the later rows use")?;
    let test = data.test.as_ref().context("MNIST has test images")?;
    let started = Instant::now();
    let _ = model.reconstruct(test);
    let seconds = started.elapsed().as_secs_f64();
    push(
        &mut rows,
        "evaluation: reconstruct 10,000 test images".into(),
        seconds,
        "s",
        format!("{:.0} samples/s", 10_000.0 / seconds),
    );

    let labels = data
        .split
        .validation
        .labels
        .as_ref()
        .context("labelled validation digits")?;
    let codes = model.encode(&data.validation[..5_000 * 784]);
    let started = Instant::now();
    let map = tsne(&codes, 30, TsneParams::default())?;
    let seconds = started.elapsed().as_secs_f64();
    let flat: Vec<f32> = map.iter().flatten().copied().collect();
    let acc = knn_leave_one_out_accuracy(&flat, &labels[..5_000], 2, 5);
    push(
        &mut rows,
        "t-SNE of 5,000 x 30 codes".into(),
        seconds,
        "s",
        format!("5-NN accuracy of the map {acc:.4}"),
    );

    let sklearn = if args.compare_sklearn {
        Some(run_sklearn(
            &args.python,
            &codes,
            &labels[..5_000],
            &data.train,
        )?)
    } else {
        None
    };
    if let Some(sk) = &sklearn {
        let their = sk["tsne_s"].as_f64().unwrap_or(f64::NAN);
        let ours = rows
            .iter()
            .find(|r| r.name.starts_with("t-SNE"))
            .map_or(f64::NAN, |r| r.value);
        push(
            &mut rows,
            "scikit-learn t-SNE of the same codes".into(),
            their,
            "s",
            format!(
                "5-NN accuracy {:.4}; aelab / scikit-learn = {:.2}",
                sk["tsne_knn5"].as_f64().unwrap_or(f64::NAN),
                ours / their
            ),
        );
    }

    let started = Instant::now();
    let pca = Pca::fit(&data.train, 784, 30)?;
    let seconds = started.elapsed().as_secs_f64();
    let explained: f64 = pca.explained_variance_ratio().iter().sum();
    push(
        &mut rows,
        "PCA-30 of 37,000 x 784".into(),
        seconds,
        "s",
        format!("{:.1}% of the variance", 100.0 * explained),
    );
    if let Some(sk) = &sklearn {
        let their = sk["pca_s"].as_f64().unwrap_or(f64::NAN);
        push(
            &mut rows,
            "scikit-learn PCA-30 of the same digits".into(),
            their,
            "s",
            format!("aelab / scikit-learn = {:.2}", seconds / their),
        );
    }

    let sequential = sweep_seconds(1)?;
    push(
        &mut rows,
        "4-run sweep, --jobs 1".into(),
        sequential,
        "s",
        "10,000 digits, 4 epochs, t-SNE of 1,000, report".into(),
    );
    let parallel = sweep_seconds(2)?;
    push(
        &mut rows,
        "4-run sweep, --jobs 2".into(),
        parallel,
        "s",
        format!("--jobs 2 / --jobs 1 = {:.2}", parallel / sequential),
    );

    let startup = startup_seconds()?;
    push(
        &mut rows,
        "start-up to the first training step".into(),
        startup,
        "s",
        "cargo xtask run, data decoding included".into(),
    );
    push(
        &mut rows,
        "peak memory".into(),
        peak_memory_mib(),
        "MiB",
        "VmHWM of this process".into(),
    );

    if let Some(script) = &args.compare_torch {
        let script = if script.is_empty() {
            project_root().join("../shared/reference/torch_ae.py")
        } else {
            PathBuf::from(script)
        };
        let ours: Vec<(String, f64)> = rows.iter().map(|r| (r.name.clone(), r.value)).collect();
        for (mode, ours_name) in [
            ("ae", "train AE sgd batch 32: s/epoch"),
            ("dae", "train DAE adam batch 32: s/epoch"),
        ] {
            let (torch, torch_val) = torch_run(&args.python, &script, mode, args.epochs)?;
            let mine = ours
                .iter()
                .find(|(n, _)| n == ours_name)
                .map_or(f64::NAN, |r| r.1);
            let my_val = val_losses.get(ours_name).copied().unwrap_or(f64::NAN);
            push(
                &mut rows,
                format!("torch {mode} batch 32: s/epoch"),
                torch,
                "s",
                format!(
                    "aelab / torch = {:.2}; val BCE {torch_val:.4} (aelab {my_val:.4}, {:+.1}%)",
                    mine / torch,
                    100.0 * (my_val / torch_val - 1.0)
                ),
            );
        }
    }

    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&rows)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.baseline {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let baseline: Vec<Row> = serde_json::from_str(&text)?;
        let mut regressions = 0;
        for row in &rows {
            let Some(before) = baseline.iter().find(|b| b.name == row.name) else {
                continue;
            };
            let ratio = row.value / before.value;
            let worse = if row.lower_is_better() {
                ratio > REGRESSION
            } else {
                ratio < 1.0 / REGRESSION
            };
            if worse {
                regressions += 1;
                println!(
                    "REGRESSION {}: {:.3} -> {:.3} {}",
                    row.name, before.value, row.value, row.unit
                );
            }
        }
        println!("{regressions} regression(s) against {}", path.display());
        if regressions > 0 {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The best of a few single-threaded dfdx products of the training shapes.
fn gemm_peak() -> f64 {
    use dfdx::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one thread");
    pool.install(|| {
        let dev = Cpu::default();
        let a: Tensor<Rank2<256, 784>, f32, _> = dev.sample_normal();
        let b: Tensor<Rank2<784, 100>, f32, _> = dev.sample_normal();
        let mut best = 0.0f64;
        for _ in 0..5 {
            let started = Instant::now();
            for _ in 0..50 {
                let _ = a.clone().matmul(b.clone());
            }
            let gflops = 50.0 * 2.0 * 256.0 * 784.0 * 100.0 / started.elapsed().as_secs_f64() / 1e9;
            best = best.max(gflops);
        }
        best
    })
}

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

/// Wall-clock seconds of `cargo xtask run` on [`SWEEP_SPEC`] with `jobs`
/// runs at a time, report included.
fn sweep_seconds(jobs: usize) -> Result<f64> {
    let tmp = std::env::temp_dir().join(format!("aelab-bench-sweep-{}-{jobs}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let spec = tmp.join("bench-sweep.toml");
    std::fs::write(&spec, SWEEP_SPEC)?;
    let started = Instant::now();
    let out = Command::new(std::env::current_exe()?)
        .arg("run")
        .arg(&spec)
        .args(["--quiet", "--force", "--jobs", &jobs.to_string()])
        .arg("--results-dir")
        .arg(tmp.join("results"))
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tmp);
    anyhow::ensure!(
        out.status.success(),
        "the benchmark sweep failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(seconds)
}

/// Seconds from spawning `xtask run` (1 epoch of the smoke spec's AE) to
/// its first training step, as the run logs it.
fn startup_seconds() -> Result<f64> {
    let tmp = std::env::temp_dir().join(format!("aelab-bench-{}", std::process::id()));
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let out = Command::new(exe)
        .args([
            "run",
            project_root()
                .join("experiments/smoke.toml")
                .to_str()
                .unwrap_or_default(),
        ])
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
        .output()?;
    let total = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tmp);
    let log = String::from_utf8_lossy(&out.stderr);
    let first = log
        .lines()
        .find_map(|l| l.split("first training step after ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse::<f64>().ok());
    first.context(format!(
        "the run did not log its first training step ({total:.1} s): {log}"
    ))
}

fn peak_memory_mib() -> f64 {
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

/// Runs [`SKLEARN`] on our codes, their labels and the training digits.
fn run_sklearn(
    python: &str,
    codes: &[f32],
    labels: &[u8],
    digits: &[f32],
) -> Result<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("aelab-sklearn-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let write_f32 = |name: &str, values: &[f32]| -> Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(
            &path,
            values
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        )?;
        Ok(path)
    };
    let codes = write_f32("codes.f32", codes)?;
    let digits = write_f32("digits.f32", digits)?;
    let labels_path = dir.join("labels.u8");
    std::fs::write(&labels_path, labels)?;
    let out = Command::new(python)
        .args(["-c", SKLEARN])
        .args([&codes, &labels_path, &digits])
        .output()
        .with_context(|| format!("running {python} with scikit-learn"))?;
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        out.status.success(),
        "scikit-learn failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The PyTorch reference's median seconds per epoch (one thread) and
/// final validation loss.
fn torch_run(python: &str, script: &Path, mode: &str, epochs: usize) -> Result<(f64, f64)> {
    let out_dir = std::env::temp_dir().join(format!("aelab-torch-{}", std::process::id()));
    let status = Command::new(python)
        .arg(script)
        .args([
            "--mode",
            mode,
            "--epochs",
            &epochs.to_string(),
            "--threads",
            "1",
            "--out",
        ])
        .arg(&out_dir)
        .current_dir(script.parent().unwrap_or(Path::new(".")))
        .output()
        .with_context(|| format!("running {python} {}", script.display()))?;
    anyhow::ensure!(
        status.status.success(),
        "torch reference failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        out_dir.join(format!("torch_{mode}.json")),
    )?)?;
    let epoch = summary["median_epoch_s"]
        .as_f64()
        .context("median_epoch_s in the torch summary")?;
    let val_loss = summary["history_val_loss"]
        .as_array()
        .and_then(|h| h.last())
        .and_then(|v| v.as_f64())
        .context("history_val_loss in the torch summary")?;
    Ok((epoch, val_loss))
}
