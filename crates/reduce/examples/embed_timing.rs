//! Times aelab's t-SNE or UMAP on codes saved as files, with the map's
//! leave-one-out 5-NN accuracy and (optionally) the trustworthiness of the
//! codes and the map against the pixels, as the pipeline computes it.
//!
//! ```sh
//! cargo run --release -p aelab-reduce --example embed_timing -- DIR N METHOD [trust] [seed=S]
//! ```
//! `DIR` holds `codes.f32` (30 float32 per row), `labels.u8` and, for
//! `trust`, `pixels.f32` (784 float32 per row); `N` the first rows to map;
//! `METHOD` is `bh` (Barnes-Hut, two threads), `bh1` (the same on one
//! thread: the same bits), `fft` (FFT interpolation, the pipeline's), `bhtsne` (the
//! older bhtsne 0.7 path) or `umap`. Prints seconds, accuracy and a hash
//! of the map's bits, and writes the map to `DIR/METHOD-N.f32` (with
//! `seed=S`, UMAP's seed, to `DIR/METHOD-N-seedS.f32`).

use std::time::Instant;

use aelab_reduce::{FftTsneParams, Repulsion};

fn read_f32(path: &std::path::Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: embed_timing DIR N bh|bh1|fft|bhtsne|umap [trust] [seed=S]");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[1]);
    let n: usize = args[2].parse().expect("N is a number");
    let method = args[3].as_str();
    let seed: Option<u64> = args
        .iter()
        .find_map(|a| a.strip_prefix("seed="))
        .map(|s| s.parse().expect("seed=S takes a number"));
    let codes = read_f32(&dir.join("codes.f32"));
    let labels = std::fs::read(dir.join("labels.u8")).expect("labels.u8");
    let (codes, labels) = (&codes[..n * 30], &labels[..n]);
    let tsne = |repulsion, threads| FftTsneParams {
        repulsion,
        threads,
        ..FftTsneParams::default()
    };
    let started = Instant::now();
    let map = match method {
        "bh" => aelab_reduce::fft_tsne(codes, 30, tsne(Repulsion::BarnesHut(0.5), 2)),
        "bh1" => aelab_reduce::fft_tsne(codes, 30, tsne(Repulsion::BarnesHut(0.5), 1)),
        "fft" => aelab_reduce::fft_tsne(codes, 30, tsne(Repulsion::Interpolation, 2)),
        "bhtsne" => aelab_reduce::tsne(codes, 30, aelab_reduce::TsneParams::default()),
        "umap" => aelab_reduce::umap(
            codes,
            30,
            aelab_reduce::UmapParams {
                seed: seed.unwrap_or(42),
                ..aelab_reduce::UmapParams::default()
            },
        ),
        other => panic!("unknown method {other}"),
    }
    .expect("the map");
    let seconds = started.elapsed().as_secs_f64();
    let flat: Vec<f32> = map.iter().flatten().copied().collect();
    let started = Instant::now();
    let accuracy = aelab_reduce::knn_leave_one_out_accuracy(&flat, labels, 2, 5);
    let accuracy_seconds = started.elapsed().as_secs_f64();
    let hash = flat.iter().fold(0u64, |h, v| {
        h.wrapping_mul(31).wrapping_add(u64::from(v.to_bits()))
    });
    println!(
        "{method} n={n}: {seconds:.2} s, 5-NN acc {accuracy:.4} ({accuracy_seconds:.2} s), hash {hash:x}"
    );
    let bytes: Vec<u8> = flat.iter().flat_map(|v| v.to_le_bytes()).collect();
    let name = match seed {
        Some(seed) => format!("{method}-{n}-seed{seed}.f32"),
        None => format!("{method}-{n}.f32"),
    };
    std::fs::write(dir.join(name), bytes).expect("writing the map");
    if args.iter().any(|a| a == "trust") {
        let pixels = read_f32(&dir.join("pixels.f32"));
        let started = Instant::now();
        let trust = aelab_reduce::trustworthiness_sampled(
            &pixels[..n * 784],
            784,
            &[(codes, 30), (&flat, 2)],
            5,
            10_000,
        );
        println!(
            "trustworthiness of the codes {:.4}, of the map {:.4} ± {:.4} ({} rows) in {:.2} s",
            trust[0].value,
            trust[1].value,
            trust[1].standard_error,
            trust[1].rows,
            started.elapsed().as_secs_f64()
        );
    }
}
