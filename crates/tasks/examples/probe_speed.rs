//! Times the linear probe on real codes and scores it, for the side-by-side
//! with scikit-learn in `tests/reference/probe_speed.py`.
//!
//! ```text
//! cargo run --release -p aelab-tasks --example probe_speed -- \
//!     CODES.f32 DIM LABELS.u8 TRAIN_COUNT
//! ```
//!
//! The first `TRAIN_COUNT` codes train the probe, the rest test it.
//! `CODES.f32` is raw little-endian `f32`, row-major; `LABELS.u8` one byte
//! a code.

use std::error::Error;
use std::time::Instant;

use aelab_tasks::{linear_probe, ProbeParams};

mod codes_file;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: probe_speed CODES.f32 DIM LABELS.u8 TRAIN_COUNT".into());
    }
    let dim: usize = args[1].parse()?;
    let (codes, labels) = codes_file::read(&args[0], dim, &args[2])?;
    let train_count: usize = args[3].parse()?;
    if train_count >= labels.len() {
        return Err(format!("TRAIN_COUNT {train_count} leaves no test codes").into());
    }
    let (train, test) = codes.split_at(train_count * dim);
    let (train_labels, test_labels) = labels.split_at(train_count);
    let start = Instant::now();
    let probe = linear_probe(
        train,
        train_labels,
        test,
        test_labels,
        dim,
        &ProbeParams::default(),
    )?;
    println!(
        "aelab probe: dim {dim}, {train_count} train, {} test: accuracy {:.4}, {} iterations, {:.2} s",
        test_labels.len(),
        probe.accuracy,
        probe.iterations.unwrap_or(0),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
