//! Seconds per epoch of the Keras blog's conv AE (or its denoising one:
//! `denoise`) on synthetic 28x28 images, one thread: for profiling the
//! layered engine (`perf record` on this binary). The bench's rows use real
//! MNIST and compare with PyTorch.
//!
//!     cargo run --release -p aelab-train --example conv_epoch -- keras 6000

use std::time::Instant;

use aelab_data::noise::Corruption;
use aelab_models::layers::{
    LayerActivation, LayerKind, LayerSpec, LayeredArchitecture, Loss, Padding, Shape,
};
use aelab_models::{Activation, Init, Network};
use aelab_train::{fit, Engine, FitConfig, FitData, LrSchedule, OptimizerKind, Resample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arch = args.get(1).map_or("keras", String::as_str);
    let images: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(6000);
    let relu = LayerActivation::Family(Activation::Relu);
    let conv = |filters, padding| LayerSpec {
        kind: LayerKind::Conv {
            filters,
            kernel: 3,
            stride: 1,
            padding,
            bias: true,
        },
        activation: relu,
    };
    let plain = |kind| LayerSpec {
        kind,
        activation: LayerActivation::Linear,
    };
    let pool = || {
        plain(LayerKind::MaxPool {
            size: 2,
            stride: 2,
            padding: Padding::Same,
        })
    };
    let up = || plain(LayerKind::Upsample { factor: 2 });
    let out = LayerSpec {
        kind: LayerKind::Conv {
            filters: 1,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            bias: true,
        },
        activation: LayerActivation::Sigmoid,
    };
    let (encoder, decoder, batch) = match arch {
        "denoise" => (
            vec![
                conv(32, Padding::Same),
                pool(),
                conv(32, Padding::Same),
                pool(),
            ],
            vec![
                conv(32, Padding::Same),
                up(),
                conv(32, Padding::Same),
                up(),
                out,
            ],
            128,
        ),
        _ => (
            vec![
                conv(16, Padding::Same),
                pool(),
                conv(8, Padding::Same),
                pool(),
                conv(8, Padding::Same),
                pool(),
            ],
            vec![
                conv(8, Padding::Same),
                up(),
                conv(8, Padding::Same),
                up(),
                conv(16, Padding::Valid),
                up(),
                out,
            ],
            128,
        ),
    };
    let network = Network::Layered(LayeredArchitecture {
        input: Shape::Map {
            height: 28,
            width: 28,
            channels: 1,
        },
        encoder,
        decoder,
        loss: Loss::Bce,
        init: Init::GlorotUniform,
    });
    let train: Vec<f32> = (0..images * 784)
        .map(|i| ((i * 7919) % 255) as f32 / 255.0)
        .collect();
    let config = FitConfig {
        network,
        epochs: 2,
        batch_size: batch,
        optimizer: OptimizerKind::Adadelta,
        lr: 1.0,
        momentum: 0.0,
        weight_decay: 0.0,
        schedule: LrSchedule::constant(),
        noise: Corruption::NONE,
        resample: Resample::Once,
        seed: 1,
        engine: Engine::Fused,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    let started = Instant::now();
    let outcome = pool
        .install(|| {
            fit(
                &config,
                FitData {
                    train: &train,
                    validation: &[],
                },
                &mut |_| {},
            )
        })
        .expect("training runs");
    for r in &outcome.history {
        println!(
            "{arch}: epoch {} of {images} images: {:.3} s (loss {:.5})",
            r.epoch, r.seconds, r.train_loss
        );
    }
    println!("total {:.3} s", started.elapsed().as_secs_f64());
}
