//! The machine's arithmetic limit and aelab's matrix products against it:
//! the measured f32 FMA peak of one core on each instruction set the CPU
//! has (`aelab_kernels::fma_peak_gflops`), and at the training shapes
//! aelab's `matmul` on one thread and on two, with (`--compare-torch`)
//! PyTorch's own single- and two-thread matmul at the same shapes,
//! measured in the same invocation (`python/torch_matmul.py`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aelab_kernels::{fma_peak_gflops, matmul_threads, Isa, ProductInto, View, ViewMut};

use crate::reference::python_output;
use crate::BenchError;

/// The shapes `[M, K] x [K, N]` of the training products the rows time:
/// the notebook's first layer at batch 32 and 256, the deep family's
/// widest layers at batch 256, the VAE's at 128, and a square for scale.
const SHAPES: [(usize, usize, usize); 6] = [
    (32, 784, 100),
    (256, 784, 100),
    (256, 784, 500),
    (256, 2000, 500),
    (128, 784, 400),
    (1024, 1024, 1024),
];

/// The best GFLOP/s of `[m, k] x [k, n]` on aelab's `matmul` split
/// across `threads` threads of a private pool, over repeats of about 20 ms.
pub fn product_gflops(m: usize, k: usize, n: usize, threads: usize) -> Result<f64, BenchError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BenchError::Measurement(format!("a pool of {threads} threads: {e}")))?;
    let lhs: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7919) % 1000) as f32 * 1e-3)
        .collect();
    let rhs: Vec<f32> = (0..k * n)
        .map(|i| ((i * 104_729) % 1000) as f32 * 1e-3)
        .collect();
    let mut out = vec![0.0f32; m * n];
    let flop = 2.0 * (m * k * n) as f64;
    let calls = ((0.02 * 80e9 / flop) as usize).max(1);
    let best = pool.install(|| {
        let mut best = 0.0f64;
        for _ in 0..7 {
            let started = Instant::now();
            for _ in 0..calls {
                matmul_threads(
                    threads,
                    ViewMut::rows(&mut out, m, n),
                    View::rows(&lhs, m, k),
                    View::rows(&rhs, k, n),
                    ProductInto::Overwrite,
                );
            }
            best = best.max(calls as f64 * flop / started.elapsed().as_secs_f64() / 1e9);
        }
        best
    });
    if out.iter().all(|v| *v == 0.0) {
        return Err(BenchError::Measurement(
            "the timed product computed nothing".into(),
        ));
    }
    Ok(best)
}

/// The FMA peak of one core on the widest path, in GFLOP/s, handing `push`
/// a row (name, value, note) for each path with FMA the CPU has.
pub fn machine_peak(push: &mut dyn FnMut(String, f64, String)) -> Result<f64, BenchError> {
    let mut widest = None;
    for isa in Isa::ALL {
        if let Some(peak) = fma_peak_gflops(isa, 5) {
            push(
                format!("FMA peak, one core ({})", isa.name()),
                peak,
                format!(
                    "measured: independent f32 FMA chains on {} registers",
                    isa.name()
                ),
            );
            widest.get_or_insert(peak);
        }
    }
    widest.ok_or_else(|| {
        BenchError::Measurement("this CPU has no FMA path to measure a peak on".into())
    })
}

/// PyTorch's GFLOP/s at [`SHAPES`] on `threads` threads.
fn torch_gflops(python: &str, threads: usize) -> Result<Vec<f64>, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/torch_matmul.py");
    let mut command = Command::new(python);
    command.arg(&script).arg(threads.to_string());
    for (m, k, n) in SHAPES {
        command.arg(format!("{m},{k},{n}"));
    }
    let stdout = python_output(command, python, &script, "torch matmul")?;
    let json: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| BenchError::Reference(format!("torch_matmul.py printed no JSON: {e}")))?;
    SHAPES
        .iter()
        .map(|(m, k, n)| {
            json["gflops"][format!("{m}x{k}x{n}")]
                .as_f64()
                .ok_or_else(|| BenchError::Reference(format!("no {m}x{k}x{n} from torch")))
        })
        .collect()
}

/// A row per shape of [`SHAPES`] (aelab's one-thread GFLOP/s, against the
/// machine's `peak`, and its scaling to two threads), with PyTorch's beside
/// where `python` is given.
pub fn compare_products(
    python: Option<&str>,
    peak: f64,
    push: &mut dyn FnMut(String, f64, String),
) -> Result<(), BenchError> {
    let torch = match python {
        Some(python) => Some((torch_gflops(python, 1)?, torch_gflops(python, 2)?)),
        None => None,
    };
    for (i, &(m, k, n)) in SHAPES.iter().enumerate() {
        let one = product_gflops(m, k, n, 1)?;
        let two = product_gflops(m, k, n, 2)?;
        let against_torch = torch.as_ref().map_or(String::new(), |(one_t, two_t)| {
            format!(
                "; torch {:.1} on one thread (aelab / torch = {:.2}), {:.1} on two ({:.2})",
                one_t[i],
                one / one_t[i],
                two_t[i],
                two / two_t[i]
            )
        });
        push(
            format!("matmul {m}x{k}x{n}, one thread"),
            one,
            format!(
                "{:.0}% of the FMA peak; two threads {two:.1} GFLOP/s (x{:.2}){against_torch}",
                100.0 * one / peak,
                two / one
            ),
        );
    }
    Ok(())
}
