//! The convolutional models next to PyTorch (`bench --compare-torch`): for
//! each of the four sources' architectures (`experiments/keras-conv.toml`,
//! `keras-denoise.toml`, `dcec.toml`, `deep-svdd-dcae.toml`), seconds per
//! training epoch on one thread at the source's batch size, aelab's layered
//! engine and `../shared/reference/torch_conv.py` on the same number of
//! images, one after the other in this invocation, and the GFLOP/s aelab
//! reaches against the measured one-core FMA peak.

use std::path::Path;

use aelab_models::layers::{LayerKind, PlannedLayer};
use aelab_models::Network;
use aelab_pipeline::{fit_config, fit_on_training_threads, load_data, load_spec, median};

use crate::reference::run_reference_summary;
use crate::BenchError;

/// Training images per row: enough for steady epochs, few enough that the
/// four rows take minutes (Deep SVDD's reference trains on one class).
const IMAGES: usize = 3_000;

/// Each source's experiment and `torch_conv.py --arch`.
const ARCHITECTURES: [(&str, &str); 4] = [
    ("keras-conv", "keras-conv"),
    ("keras-denoise", "keras-denoise"),
    ("dcec", "dcec"),
    ("deep-svdd-dcae", "deep-svdd"),
];

/// Multiply-adds of one example's forward pass through `layer`'s product.
fn forward_macs(layer: &PlannedLayer) -> f64 {
    match layer.spec.kind {
        LayerKind::Conv { .. } => {
            let w = layer.window.expect("a planned conv has a window");
            (w.positions() * w.patch_len() * layer.output.channels()) as f64
        }
        LayerKind::Deconv { .. } => {
            let w = layer.window.expect("a planned deconv has a window");
            (w.positions() * w.patch_len() * layer.input.channels()) as f64
        }
        LayerKind::Dense { units, .. } => (units * layer.input.len()) as f64,
        _ => 0.0,
    }
}

/// FLOPs of one training example's products: forward, the weight
/// gradients as many, the input gradients of every layer but the first.
fn flop_per_example(network: &Network) -> f64 {
    let Network::Layered(architecture) = network else {
        return f64::NAN;
    };
    let Ok(plan) = architecture.plan() else {
        return f64::NAN;
    };
    plan.layers()
        .enumerate()
        .map(|(j, l)| 2.0 * forward_macs(l) * if j == 0 { 2.0 } else { 3.0 })
        .sum()
}

/// Trains each architecture with aelab and with PyTorch and hands `push` a
/// row per architecture (name, aelab / torch, note); `peak` is the FMA
/// peak in GFLOP/s.
pub fn compare_conv(
    python: &str,
    script: &Path,
    epochs: usize,
    peak: f64,
    push: &mut dyn FnMut(String, f64, String),
) -> Result<(), BenchError> {
    let root = aelab_pipeline::workspace_root();
    for (experiment, arch) in ARCHITECTURES {
        let overrides = [
            format!("train.epochs={epochs}"),
            format!("data.limit={IMAGES}"),
            "repeats=1".to_string(),
        ];
        let spec = load_spec(
            &root.join(format!("experiments/{experiment}.toml")),
            &overrides,
        )?;
        let data = load_data(&spec)?;
        let run = &spec.runs[0];
        let config = fit_config(run, data.pixels());
        let outcome = fit_on_training_threads(&config, 1, &data, &mut |_| {})?;
        let mine = median(outcome.history.iter().map(|r| r.seconds).collect())
            .ok_or_else(|| BenchError::Measurement("training ran no epoch".into()))?;
        let my_loss = outcome.history.last().map_or(f64::NAN, |r| r.train_loss);
        let torch = run_reference_summary(
            python,
            script,
            &[
                "--arch".into(),
                arch.into(),
                "--epochs".into(),
                epochs.to_string(),
                "--limit".into(),
                IMAGES.to_string(),
            ],
        )?;
        let theirs = torch["median_epoch_s"].as_f64().ok_or_else(|| {
            BenchError::Reference("no median_epoch_s in torch_conv's summary".into())
        })?;
        let their_loss = torch["final_train_loss"].as_f64().unwrap_or(f64::NAN);
        let gflops = flop_per_example(&config.network) * IMAGES as f64 / mine / 1e9;
        push(
            format!("conv {experiment} b{}: s/epoch, aelab / torch", run.train.batch_size),
            mine / theirs,
            format!(
                "aelab {mine:.2} s, torch {theirs:.2} s per epoch of {IMAGES} images (one thread, {epochs} epochs); \
                 aelab {gflops:.1} GFLOP/s = {:.0}% of the FMA peak; last train loss aelab {my_loss:.4}, torch {their_loss:.4}",
                100.0 * gflops / peak
            ),
        );
    }
    Ok(())
}
