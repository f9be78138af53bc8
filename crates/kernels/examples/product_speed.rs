//! Speed of f32 matrix products on the shapes aelab's training step uses:
//! [`aelab_kernels::matmul_threads`] on one thread on each path the CPU has (`gemm` 0.15 on the
//! baseline, aelab's AVX2+FMA and AVX-512 kernels), one thread, best of
//! several repeats, in GFLOP/s; the ratio is the widest path's speed over
//! `gemm`'s; the last column is the widest path split across two threads
//! ([`aelab_kernels::matmul_threads`]).
//!
//! Weights are stored `[outputs, inputs]` row-major, so for a layer
//! `inputs -> outputs` at batch `b` the forward product is `X[b, in] *
//! W^T` (rhs transposed), the input gradient `dY[b, out] * W[out, in]`
//! (plain) and the weight gradient `dY^T[out, b] * X[b, in]` (lhs
//! transposed, landing as `W += -lr * dW`).
//!
//! Run: `cargo run --release -p aelab-kernels --example product_speed
//! [-- FILTER]`, FILTER keeping only the products whose label contains it.

use std::hint::black_box;
use std::time::Instant;

use aelab_kernels::{matmul_threads, with_isa, Isa, ProductInto, View, ViewMut};

/// One product: `out[m, n] (=|+=) lhs[m, k] * rhs[k, n]`.
struct Shape {
    label: String,
    m: usize,
    k: usize,
    n: usize,
    lhs_transposed: bool,
    rhs_transposed: bool,
    into: ProductInto<f32>,
}

/// A layer's three products at batch `batch`.
fn layer(net: &str, batch: usize, inputs: usize, outputs: usize) -> [Shape; 3] {
    let at = format!("{net} {inputs}->{outputs} b={batch}");
    [
        Shape {
            label: format!("{at} fwd"),
            m: batch,
            k: inputs,
            n: outputs,
            lhs_transposed: false,
            rhs_transposed: true,
            into: ProductInto::Overwrite,
        },
        Shape {
            label: format!("{at} dX"),
            m: batch,
            k: outputs,
            n: inputs,
            lhs_transposed: false,
            rhs_transposed: false,
            into: ProductInto::Overwrite,
        },
        Shape {
            label: format!("{at} dW"),
            m: outputs,
            k: batch,
            n: inputs,
            lhs_transposed: true,
            rhs_transposed: false,
            into: ProductInto::AddScaled(-0.01),
        },
    ]
}

fn shapes() -> Vec<Shape> {
    let nets: [(&str, usize, &[&[usize]]); 5] = [
        (
            "deep",
            256,
            &[&[784, 500, 500, 2000, 10, 2000, 500, 500, 784]],
        ),
        ("vae", 128, &[&[784, 400, 40], &[20, 400, 784]]),
        ("mid", 32, &[&[784, 256, 64, 256, 784]]),
        ("nb", 32, &[&[784, 100, 30, 100, 784]]),
        ("nb", 256, &[&[784, 100, 30, 100, 784]]),
    ];
    let mut shapes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (net, batch, chains) in nets {
        for widths in chains {
            for pair in widths.windows(2) {
                if seen.insert((batch, pair[0], pair[1])) {
                    shapes.extend(layer(net, batch, pair[0], pair[1]));
                }
            }
        }
    }
    shapes.push(Shape {
        label: "square 1024".into(),
        m: 1024,
        k: 1024,
        n: 1024,
        lhs_transposed: false,
        rhs_transposed: false,
        into: ProductInto::Overwrite,
    });
    shapes
}

/// A `rows x cols` view of `data`, stored transposed (`cols x rows`
/// row-major) when `transposed`.
fn view(data: &[f32], rows: usize, cols: usize, transposed: bool) -> View<'_, f32> {
    if transposed {
        View::rows(data, cols, rows).t()
    } else {
        View::rows(data, rows, cols)
    }
}

/// Best GFLOP/s of each of `runs` over repeats of about 10 ms each,
/// taking turns so that all meet the same load on the machine.
fn best_gflops(flops: f64, runs: &mut [Box<dyn FnMut() + '_>]) -> Vec<f64> {
    let calls: Vec<usize> = runs
        .iter_mut()
        .map(|run| {
            run();
            let start = Instant::now();
            run();
            let once = start.elapsed().as_secs_f64().max(1e-7);
            ((0.01 / once) as usize).clamp(1, 100_000)
        })
        .collect();
    let mut best = vec![0.0f64; runs.len()];
    for _ in 0..REPEATS {
        for ((run, &calls), best) in runs.iter_mut().zip(&calls).zip(&mut best) {
            let start = Instant::now();
            for _ in 0..calls {
                run();
            }
            *best = best.max(flops * calls as f64 / start.elapsed().as_secs_f64() / 1e9);
        }
    }
    best
}

/// Timed repeats of each product, the best kept: another process on the
/// machine slows some of them down.
const REPEATS: usize = 15;

fn main() {
    let paths: Vec<Isa> = Isa::ALL
        .into_iter()
        .rev()
        .filter(|isa| isa.is_supported())
        .collect();
    print!(
        "{:<34} {:>5} {:>5} {:>5} {:>3}",
        "product", "m", "k", "n", "T"
    );
    for isa in &paths {
        print!(" {:>8}", isa.name());
    }
    println!(" {:>6} {:>8}", "ratio", "2 thr");
    let mut log_ratio_sum = 0.0;
    let filter = std::env::args().nth(1).unwrap_or_default();
    let all: Vec<Shape> = shapes()
        .into_iter()
        .filter(|shape| shape.label.contains(&filter))
        .collect();
    for shape in &all {
        let (m, k, n) = (shape.m, shape.k, shape.n);
        let lhs: Vec<f32> = (0..m * k)
            .map(|i| ((i % 97) as f32 - 48.0) / 97.0)
            .collect();
        let rhs: Vec<f32> = (0..k * n)
            .map(|i| ((i % 89) as f32 - 44.0) / 89.0)
            .collect();
        let (lhs, rhs) = (&lhs, &rhs);
        let mut outs = vec![vec![0.0f32; m * n]; paths.len()];
        let mut out_two = vec![0.0f32; m * n];
        let mut runs: Vec<Box<dyn FnMut() + '_>> = paths
            .iter()
            .zip(&mut outs)
            .map(|(&isa, out)| {
                Box::new(move || {
                    with_isa(isa, || {
                        matmul_threads(
                            1,
                            ViewMut::rows(black_box(out), m, n),
                            view(lhs, m, k, shape.lhs_transposed),
                            view(rhs, k, n, shape.rhs_transposed),
                            shape.into,
                        )
                    })
                }) as Box<dyn FnMut() + '_>
            })
            .collect();
        // the widest path again, split across two threads
        runs.push(Box::new(|| {
            matmul_threads(
                2,
                ViewMut::rows(black_box(&mut out_two), m, n),
                view(lhs, m, k, shape.lhs_transposed),
                view(rhs, k, n, shape.rhs_transposed),
                shape.into,
            )
        }));
        let mut speeds = best_gflops(2.0 * (m * k * n) as f64, &mut runs);
        let two_threads = speeds.pop().unwrap_or(f64::NAN);
        let transposed = match (shape.lhs_transposed, shape.rhs_transposed) {
            (false, false) => "-",
            (true, false) => "l",
            (false, true) => "r",
            (true, true) => "lr",
        };
        let ratio = speeds[speeds.len() - 1] / speeds[0];
        log_ratio_sum += ratio.ln();
        print!("{:<34} {m:>5} {k:>5} {n:>5} {transposed:>3}", shape.label);
        for speed in &speeds {
            print!(" {speed:>8.1}");
        }
        println!(" {ratio:>6.2} {two_threads:>8.1}");
    }
    println!(
        "geometric mean ratio (widest path over gemm) over {} products: {:.2}",
        all.len(),
        (log_ratio_sum / all.len() as f64).exp()
    );
}
