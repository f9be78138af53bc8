//! `cargo xtask bench`: measures aelab on this machine. Rows: training
//! seconds per epoch and throughput (AE and DAE, SGD and Adam, batch 32 and
//! 256, fused engine; the AE also through dfdx's autodiff) with GFLOP/s
//! against a measured one-core GEMM peak, the DAE noise redraw and its share
//! of an epoch, evaluation throughput, t-SNE of 5,000 codes (seconds and
//! the 5-NN accuracy of its map), PCA-30 of the 37,000 training digits, a
//! k-means and the linear probe of the codes of every digit (`tasks.rs`),
//! a 4-run sweep with 1 and 2 jobs, the cost per run of a sweep of small
//! runs beyond training, start-up to the first training step, and peak
//! memory; optionally PyTorch, scikit-learn, openTSNE with umap-learn
//! (`embed.rs`) and linfa (`linfa_compare.rs`) side by side in the same
//! invocation. Rows can be saved as JSON and checked against a saved
//! baseline.

#![forbid(unsafe_code)]

mod conv;
mod embed;
mod error;
mod family;
mod linfa_compare;
mod machine;
mod products;
mod reference;
mod tasks;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aelab_data::noise::{Corruption, NoiseKind};
use aelab_models::Architecture;
use aelab_pipeline::{fit_on_training_threads, load_data, median, workspace_root};
use aelab_reduce::{knn_leave_one_out_accuracy, tsne, Pca, TsneParams};
use aelab_spec::{EmbedSplit, Experiment};
use aelab_train::streams::{noise_lanes, Stream};
use aelab_train::{Engine, FitConfig, LrSchedule, OptimizerKind, Resample};
use serde::{Deserialize, Serialize};

pub use error::BenchError;

/// FLOPs of the matrix products per training sample that a step needs:
/// forward 2 x 162,800 multiply-adds, the weight gradients as many, and the
/// input gradients of layers 2-4 (2 x 84,400); none for layer 1, whose
/// input is the data. (dfdx's tape also computes that one: 976,800.)
const FLOP_PER_SAMPLE: f64 = 2.0 * (2.0 * 162_800.0 + 84_400.0);
/// A row worse than its baseline by more than this is a regression.
pub const REGRESSION: f64 = 1.20;

/// What to measure.
pub struct BenchOptions {
    /// Epochs per training row (the median epoch is reported).
    pub epochs: usize,
    /// The PyTorch reference script to run side by side, if any.
    pub compare_torch: Option<PathBuf>,
    /// Whether to run scikit-learn's t-SNE and PCA side by side.
    pub compare_sklearn: bool,
    /// Whether to compare aelab's t-SNE and UMAP with openTSNE and
    /// umap-learn on 5,000 and 70,000 codes (`embed.rs`).
    pub compare_embed: bool,
    /// Only the GEMM peak and the convolutional rows (against
    /// `torch_conv.py` beside `compare_torch`).
    pub conv_only: bool,
    /// Whether to time linfa-reduction's PCA and linfa-tsne beside aelab's
    /// (`linfa_compare.rs`).
    pub compare_linfa: bool,
    /// Only the GEMM peak and the linfa rows.
    pub linfa_only: bool,
    /// The Python that has torch / scikit-learn.
    pub python: String,
    /// The `xtask` binary, for the start-up row.
    pub xtask: PathBuf,
}

/// One measured row: lower `value` is better when `unit` is seconds, MiB
/// or a share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub note: String,
}

impl Row {
    fn lower_is_better(&self) -> bool {
        self.unit == "s" || self.unit == "MiB" || self.unit == "%"
    }
}

/// The default PyTorch reference, beside the repository.
pub fn default_torch_script() -> PathBuf {
    workspace_root().join("../shared/reference/torch_ae.py")
}

/// Runs every measurement, handing each row to `on_row` as it is made.
pub fn run_bench(
    options: &BenchOptions,
    on_row: &mut dyn FnMut(&Row),
) -> Result<Vec<Row>, BenchError> {
    let mut rows: Vec<Row> = Vec::new();
    let mut push = |name: String, value: f64, unit: &str, note: String| {
        let row = Row {
            name,
            value,
            unit: unit.into(),
            note,
        };
        on_row(&row);
        rows.push(row);
    };

    let peak = products::machine_peak(&mut |name, value, note| push(name, value, "GFLOP/s", note))?;
    let gemm = products::product_gflops(256, 784, 100, 1)?;
    push(
        "GEMM peak, one core ([256x784]x[784x100])".into(),
        gemm,
        "GFLOP/s",
        format!(
            "aelab matmul on {}, as the fused engine runs it: {:.0}% of the FMA peak",
            aelab_kernels::Isa::active().name(),
            100.0 * gemm / peak
        ),
    );
    products::compare_products(
        options
            .compare_torch
            .is_some()
            .then_some(options.python.as_str()),
        peak,
        &mut |name, value, note| push(name, value, "GFLOP/s", note),
    )?;
    if options.conv_only {
        let script = options.compare_torch.as_ref().ok_or_else(|| {
            BenchError::Measurement("--conv-only compares with PyTorch: add --compare-torch".into())
        })?;
        conv::compare_conv(
            &options.python,
            &script.with_file_name("torch_conv.py"),
            options.epochs,
            peak,
            &mut |name, value, note| push(name, value, "x", note),
        )?;
        return Ok(rows);
    }
    let experiment = Experiment::load(&workspace_root().join("experiments/ae.toml"))?;
    let data = load_data(&experiment)?;
    if options.compare_linfa || options.linfa_only {
        linfa_compare::compare_linfa(&data, &mut |name, value, unit, note| {
            push(name, value, unit, note)
        })?;
        if options.linfa_only {
            return Ok(rows);
        }
    }

    let gaussian = Corruption {
        kind: NoiseKind::Gaussian,
        level: 0.5,
    };
    let mut configs = Vec::new();
    for (mode, noise) in [("AE", Corruption::NONE), ("DAE", gaussian)] {
        for (optimizer, lr) in [(OptimizerKind::Sgd, 1.5), (OptimizerKind::Adam, 1e-3)] {
            for batch in [32, 256] {
                configs.push((mode, noise, optimizer, lr, batch, Engine::Fused, 1));
            }
        }
    }
    // the rows PyTorch meets on two threads, and the notebook's AE at
    // batch 256, on two (`train.threads = 2`)
    for (mode, noise, optimizer, lr, batch) in [
        ("AE", Corruption::NONE, OptimizerKind::Sgd, 1.5, 32),
        ("AE", Corruption::NONE, OptimizerKind::Sgd, 1.5, 256),
        ("DAE", gaussian, OptimizerKind::Adam, 1e-3, 32),
    ] {
        configs.push((mode, noise, optimizer, lr, batch, Engine::Fused, 2));
    }
    // the same model trained through dfdx's tape, for scale
    configs.push((
        "AE",
        Corruption::NONE,
        OptimizerKind::Sgd,
        1.5,
        32,
        Engine::Dfdx,
        1,
    ));
    let mut ae_model = None;
    let mut dae_epoch = f64::NAN;
    let mut val_losses = HashMap::new();
    let mut epoch_seconds = HashMap::new();
    for (mode, noise, optimizer, lr, batch, engine, threads) in configs {
        let config = FitConfig {
            network: Architecture::notebook(784, 100, 30).into(),
            momentum: 0.0,
            weight_decay: 0.0,
            schedule: LrSchedule::constant(),
            epochs: options.epochs,
            batch_size: batch,
            optimizer,
            lr,
            noise,
            resample: Resample::Epoch,
            seed: 42,
            engine,
        };
        let outcome = fit_on_training_threads(&config, threads, &data, &mut |_| {})?;
        let epoch = median(outcome.history.iter().map(|r| r.seconds).collect())
            .ok_or_else(|| BenchError::Measurement("training ran no epoch".into()))?;
        let samples = data.train.len() as f64 / 784.0 / epoch;
        let optimizer_name = format!("{optimizer:?}").to_lowercase();
        let engine_note = match engine {
            Engine::Fused => "",
            Engine::Dfdx => " (dfdx autodiff)",
        };
        let threads_note = match threads {
            1 => String::new(),
            _ => format!(", {threads} threads"),
        };
        let name = format!(
            "train {mode} {optimizer_name} batch {batch}{engine_note}{threads_note}: s/epoch"
        );
        let val_loss = outcome
            .history
            .last()
            .and_then(|r| r.val_loss)
            .unwrap_or(f64::NAN);
        val_losses.insert(name.clone(), val_loss);
        epoch_seconds.insert(name.clone(), epoch);
        push(
            name,
            epoch,
            "s",
            format!(
                "{samples:.0} samples/s, {:.0} GFLOP/s = {:.0}% of one core's FMA peak, \
                 val BCE {val_loss:.4}",
                samples * FLOP_PER_SAMPLE / 1e9,
                100.0 * samples * FLOP_PER_SAMPLE / 1e9 / peak,
            ),
        );
        let reference = optimizer == OptimizerKind::Sgd
            && batch == 32
            && engine == Engine::Fused
            && threads == 1;
        if reference && mode == "AE" {
            ae_model = Some(outcome.model);
        } else if reference {
            dae_epoch = epoch;
        }
    }

    // What an epoch with `resample = "epoch"` pays: a redraw into the
    // buffer of the previous epoch.
    let mut lanes = noise_lanes(42, Stream::TrainNoise);
    let mut buffer = gaussian.apply_lanes(&data.train, &mut lanes);
    let started = Instant::now();
    gaussian.apply_lanes_into(&data.train, &mut buffer, &mut lanes);
    let noise = started.elapsed().as_secs_f64();
    push(
        "DAE noise for one epoch (37,000 images)".into(),
        noise,
        "s",
        format!(
            "Gaussian 0.5, clipped; {:.1}% of a DAE sgd batch-32 epoch",
            100.0 * noise / dae_epoch
        ),
    );

    let model = ae_model.ok_or_else(|| {
        BenchError::Measurement("the AE row trains the model the later rows use".into())
    })?;
    let test = data
        .test
        .as_ref()
        .ok_or_else(|| BenchError::Measurement("MNIST has test images".into()))?;
    let started = Instant::now();
    let _ = model.reconstruct(test);
    let seconds = started.elapsed().as_secs_f64();
    push(
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
        .ok_or_else(|| BenchError::Measurement("labelled validation digits".into()))?;
    let codes = model.encode(&data.validation[..5_000 * 784]);
    let started = Instant::now();
    let map = tsne(&codes, 30, TsneParams::default())?;
    let tsne_seconds = started.elapsed().as_secs_f64();
    let flat: Vec<f32> = map.iter().flatten().copied().collect();
    let acc = knn_leave_one_out_accuracy(&flat, &labels[..5_000], 2, 5);
    push(
        "t-SNE of 5,000 x 30 codes".into(),
        tsne_seconds,
        "s",
        format!("5-NN accuracy of the map {acc:.4}"),
    );

    let sklearn = if options.compare_sklearn {
        Some(reference::run_sklearn(
            &options.python,
            &codes,
            &labels[..5_000],
            &data.train,
        )?)
    } else {
        None
    };
    if let Some(sk) = &sklearn {
        push(
            "scikit-learn t-SNE of the same codes".into(),
            sk.tsne_seconds,
            "s",
            format!(
                "5-NN accuracy {:.4}; aelab / scikit-learn = {:.2}",
                sk.tsne_knn5_acc,
                tsne_seconds / sk.tsne_seconds
            ),
        );
    }

    let started = Instant::now();
    let pca = Pca::fit(&data.train, 784, 30)?;
    let seconds = started.elapsed().as_secs_f64();
    let explained: f64 = pca.explained_variance_ratio().iter().sum();
    push(
        "PCA-30 of 37,000 x 784".into(),
        seconds,
        "s",
        format!("{:.1}% of the variance", 100.0 * explained),
    );
    if let Some(sk) = &sklearn {
        push(
            "scikit-learn PCA-30 of the same digits".into(),
            sk.pca_seconds,
            "s",
            format!("aelab / scikit-learn = {:.2}", seconds / sk.pca_seconds),
        );
    }

    tasks::measure_tasks(
        model.as_ref(),
        &data,
        options.compare_sklearn.then_some(options.python.as_str()),
        &mut |name, value, unit, note| push(name, value, unit, note),
    )?;

    let sequential = machine::sweep_seconds(1)?;
    push(
        "4-run sweep, --jobs 1".into(),
        sequential,
        "s",
        "10,000 digits, 4 epochs, t-SNE of 1,000, report".into(),
    );
    let parallel = machine::sweep_seconds(2)?;
    push(
        "4-run sweep, --jobs 2".into(),
        parallel,
        "s",
        format!("--jobs 2 / --jobs 1 = {:.2}", parallel / sequential),
    );

    let overhead = machine::per_run_overhead()?;
    push(
        "sweep of small runs: seconds per run beyond training".into(),
        overhead,
        "s",
        "1,000 digits, 1 epoch, light evaluation; 30-run minus 10-run sweep, one job".into(),
    );

    let startup = machine::startup_seconds(
        &options.xtask,
        &workspace_root().join("experiments/smoke.toml"),
    )?;
    push(
        "start-up to the first training step".into(),
        startup,
        "s",
        "cargo xtask run, data decoding included".into(),
    );
    if options.compare_embed {
        // every MNIST digit: validation, training and test, in file order
        let spec = Experiment::parse(
            Path::new("compare-embed.toml"),
            "name = \"compare-embed\"\n[data]\nvalidation = 5000\n",
        )?;
        let every = load_data(&spec)?;
        let chosen = every
            .embed_digits(EmbedSplit::All)
            .ok_or_else(|| BenchError::Measurement("labelled MNIST digits".into()))?;
        let all_codes = model.encode(&chosen.digits);
        let mut sizes = vec![
            5_000.min(chosen.labels.len()),
            chosen.labels.len().min(70_000),
        ];
        sizes.dedup();
        embed::compare_embeddings(
            &options.python,
            &all_codes,
            30,
            &chosen.digits,
            &chosen.labels,
            &sizes,
            &mut |name, value, unit, note| push(name, value, unit, note),
        )?;
    }
    push(
        "peak memory".into(),
        machine::peak_memory_mib(),
        "MiB",
        "VmHWM of this process".into(),
    );

    if let Some(script) = &options.compare_torch {
        for (mode, ours, threads) in [
            ("ae", "train AE sgd batch 32: s/epoch", 1),
            ("dae", "train DAE adam batch 32: s/epoch", 1),
            ("ae", "train AE sgd batch 32, 2 threads: s/epoch", 2),
            ("dae", "train DAE adam batch 32, 2 threads: s/epoch", 2),
        ] {
            let (torch, torch_val) =
                reference::run_torch(&options.python, script, mode, options.epochs, threads)?;
            let mine = epoch_seconds.get(ours).copied().unwrap_or(f64::NAN);
            let my_val = val_losses.get(ours).copied().unwrap_or(f64::NAN);
            // the one-thread rows keep the names saved baselines know
            let threads_note = match threads {
                1 => String::new(),
                _ => format!(", {threads} threads"),
            };
            push(
                format!("torch {mode} batch 32{threads_note}: s/epoch"),
                torch,
                "s",
                format!(
                    "aelab / torch = {:.2}; val BCE {torch_val:.4} (aelab {my_val:.4}, {:+.1}%)",
                    mine / torch,
                    100.0 * (my_val / torch_val - 1.0)
                ),
            );
        }
        family::compare_family(
            &options.python,
            script,
            &data,
            options.epochs,
            &mut |name, value, note| push(name, value, "x", note),
        )?;
        let conv_script = script.with_file_name("torch_conv.py");
        conv::compare_conv(
            &options.python,
            &conv_script,
            options.epochs,
            peak,
            &mut |name, value, note| push(name, value, "x", note),
        )?;
    }
    Ok(rows)
}

/// The rows of `rows` more than [`REGRESSION`] worse than the same rows of
/// the baseline file `path` (as `(name, before, after, unit)`).
pub fn regressions(
    rows: &[Row],
    path: &Path,
) -> Result<Vec<(String, f64, f64, String)>, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(BenchError::io(format!("reading {}", path.display())))?;
    let baseline: Vec<Row> = serde_json::from_str(&text)
        .map_err(|e| BenchError::Measurement(format!("{}: {e}", path.display())))?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let before = baseline.iter().find(|b| b.name == row.name)?;
            let ratio = row.value / before.value;
            let worse = if row.lower_is_better() {
                ratio > REGRESSION
            } else {
                ratio < 1.0 / REGRESSION
            };
            worse.then(|| (row.name.clone(), before.value, row.value, row.unit.clone()))
        })
        .collect())
}
