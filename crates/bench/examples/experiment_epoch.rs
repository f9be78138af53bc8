//! Seconds per training epoch of any experiment file's first run, on one
//! thread, on the first `images` training digits of real MNIST (`MNIST_DIR`):
//! for profiling an engine (`perf record` on this binary). The bench's rows
//! compare the same runs with PyTorch.
//!
//!     MNIST_DIR=../shared/data/mnist cargo run --release -p aelab-bench \
//!         --example experiment_epoch -- experiments/deep-svdd-dcae.toml 3000 3

use std::path::Path;
use std::time::Instant;

use aelab_pipeline::{fit_config, fit_on_training_threads, load_data, load_spec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let spec_path = args
        .get(1)
        .ok_or("usage: experiment_epoch SPEC [IMAGES] [EPOCHS]")?;
    let images: usize = args.get(2).map_or(Ok(3000), |n| n.parse())?;
    let epochs: usize = args.get(3).map_or(Ok(3), |n| n.parse())?;
    let overrides = [
        format!("train.epochs={epochs}"),
        format!("data.limit={images}"),
        "repeats=1".to_string(),
    ];
    let spec = load_spec(Path::new(spec_path), &overrides)?;
    let data = load_data(&spec)?;
    let run = spec.runs.first().ok_or("the spec has no run")?;
    let config = fit_config(run, data.pixels());
    let started = Instant::now();
    let outcome = fit_on_training_threads(&config, 1, &data, &mut |_| {})?;
    for r in &outcome.history {
        println!(
            "{}: epoch {} of {images} images: {:.3} s (loss {:.5})",
            run.name, r.epoch, r.seconds, r.train_loss
        );
    }
    println!("total {:.3} s", started.elapsed().as_secs_f64());
    Ok(())
}
