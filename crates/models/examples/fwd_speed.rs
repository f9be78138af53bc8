use aelab_models::{Architecture, Autoencoder, Reconstructor};
use rand::SeedableRng;
fn main() {
    let m = Autoencoder::new(
        Architecture::notebook(784, 100, 30),
        &mut rand::rngs::StdRng::seed_from_u64(1),
    );
    let x: Vec<f32> = (0..10_000 * 784)
        .map(|i: usize| ((i * 7919) % 256) as f32 / 255.0)
        .collect();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let y = m.reconstruct(&x);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{:.3} s, {:.1} GFLOP/s {}",
            s,
            10_000.0 * 2.0 * 162_800.0 / s / 1e9,
            y[5]
        );
    }
}
