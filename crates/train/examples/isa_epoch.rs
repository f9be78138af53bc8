//! Seconds per epoch of the notebook's AE (784-100-30-100-784, SELU, SGD
//! 1.5, batch 32, or the batch given) on synthetic 28x28 images, on each
//! kernel path the CPU has (`aelab_kernels::Isa`) on one thread, and on the
//! widest path on a pool of two (`train.threads = 2`), taking turns so that
//! all meet the same load: what the AVX-512 path and a second thread buy on
//! this CPU.
//!
//!     cargo run --release -p aelab-train --example isa_epoch -- [BATCH] [IMAGES]

use std::time::Instant;

use aelab_data::noise::Corruption;
use aelab_kernels::{with_isa, Isa};
use aelab_models::Architecture;
use aelab_train::{fit, Engine, FitConfig, FitData, LrSchedule, OptimizerKind, Resample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let batch: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(32);
    let images: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(37_000);
    // strokes: a row and a column of ink per image, placed by a hash
    let mut train = vec![0.0f32; images * 784];
    for (i, image) in train.chunks_mut(784).enumerate() {
        let (row, col) = (4 + (i * 7) % 20, 4 + (i * 13) % 20);
        for k in 0..28 {
            image[row * 28 + k] = 0.7;
            image[k * 28 + col] = 0.9;
        }
    }
    let validation = train[..(images / 10).max(1) * 784].to_vec();
    let config = FitConfig {
        network: Architecture::notebook(784, 100, 30).into(),
        epochs: 1,
        batch_size: batch,
        optimizer: OptimizerKind::Sgd,
        lr: 1.5,
        momentum: 0.0,
        weight_decay: 0.0,
        schedule: LrSchedule::constant(),
        noise: Corruption::NONE,
        resample: Resample::Once,
        seed: 42,
        engine: Engine::Fused,
    };
    let data = FitData {
        train: &train,
        validation: &validation,
    };
    let paths: Vec<(Isa, usize)> = Isa::ALL
        .into_iter()
        .filter(|i| i.is_supported())
        .map(|isa| (isa, 1))
        .chain([(Isa::widest(), 2)])
        .collect();
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .into_iter()
        .map(|threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a training pool")
        })
        .collect();
    let mut best = vec![f64::INFINITY; paths.len()];
    for _ in 0..3 {
        for ((isa, threads), best) in paths.iter().zip(&mut best) {
            let started = Instant::now();
            pools[threads - 1]
                .install(|| with_isa(*isa, || fit(&config, data, &mut |_| {})))
                .expect("the fit runs");
            *best = best.min(started.elapsed().as_secs_f64());
        }
    }
    for ((isa, threads), best) in paths.iter().zip(&best) {
        println!(
            "{:>8}, {threads} thread(s): {best:.3} s per epoch (best of 3; batch {batch}, {images} images)",
            isa.name()
        );
    }
}
