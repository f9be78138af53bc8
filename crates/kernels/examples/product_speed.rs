//! Speed of f32 matrix products on the shapes aelab's training step uses:
//! `gemm` 0.15 called directly against [`aelab_kernels::matmul`] (the
//! AVX2+FMA kernel where the CPU has it), one thread, best of several
//! repeats, in GFLOP/s.
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

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

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

/// `gemm` 0.15 on the same operands (the path `matmul` took before).
fn on_gemm(shape: &Shape, out: &mut [f32], lhs: &[f32], rhs: &[f32]) {
    let (m, k, n) = (shape.m, shape.k, shape.n);
    // (column stride, row stride) of each input as stored
    let lhs_strides = if shape.lhs_transposed { (m, 1) } else { (1, k) };
    let rhs_strides = if shape.rhs_transposed { (k, 1) } else { (1, n) };
    let (read_dst, beta) = match shape.into {
        ProductInto::Overwrite => (false, 1.0),
        ProductInto::AddScaled(scale) => (true, scale),
    };
    // SAFETY: `lhs`, `rhs` and `out` hold `m * k`, `k * n` and `m * n`
    // values laid out as the strides say; `out` aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            read_dst,
            lhs.as_ptr(),
            lhs_strides.0 as isize,
            lhs_strides.1 as isize,
            rhs.as_ptr(),
            rhs_strides.0 as isize,
            rhs_strides.1 as isize,
            1.0,
            beta,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Best GFLOP/s of `first` and of `second` over repeats of about 10 ms
/// each, taking turns so that both meet the same load on the machine.
fn best_gflops(flops: f64, mut first: impl FnMut(), mut second: impl FnMut()) -> (f64, f64) {
    let calls_for = |run: &mut dyn FnMut()| {
        run();
        let start = Instant::now();
        run();
        let once = start.elapsed().as_secs_f64().max(1e-7);
        ((0.01 / once) as usize).clamp(1, 100_000)
    };
    let (first_calls, second_calls) = (calls_for(&mut first), calls_for(&mut second));
    let speed = |run: &mut dyn FnMut(), calls: usize| {
        let start = Instant::now();
        for _ in 0..calls {
            run();
        }
        flops * calls as f64 / start.elapsed().as_secs_f64() / 1e9
    };
    let (mut best_first, mut best_second) = (0.0f64, 0.0f64);
    for _ in 0..REPEATS {
        best_first = best_first.max(speed(&mut first, first_calls));
        best_second = best_second.max(speed(&mut second, second_calls));
    }
    (best_first, best_second)
}

/// Timed repeats of each product, the best kept: another process on the
/// machine slows some of them down.
const REPEATS: usize = 15;

fn main() {
    println!(
        "{:<34} {:>5} {:>5} {:>5} {:>3} {:>8} {:>8} {:>6}",
        "product", "m", "k", "n", "T", "gemm", "new", "ratio"
    );
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
        let mut out = vec![0.0f32; m * n];
        let flops = 2.0 * (m * k * n) as f64;
        let mut out_gemm = out.clone();
        let (gemm_speed, new_speed) = best_gflops(
            flops,
            || on_gemm(shape, black_box(&mut out_gemm), &lhs, &rhs),
            || {
                matmul(
                    ViewMut::rows(black_box(&mut out), m, n),
                    view(&lhs, m, k, shape.lhs_transposed),
                    view(&rhs, k, n, shape.rhs_transposed),
                    shape.into,
                )
            },
        );
        let transposed = match (shape.lhs_transposed, shape.rhs_transposed) {
            (false, false) => "-",
            (true, false) => "l",
            (false, true) => "r",
            (true, true) => "lr",
        };
        log_ratio_sum += (new_speed / gemm_speed).ln();
        println!(
            "{:<34} {m:>5} {k:>5} {n:>5} {transposed:>3} {gemm_speed:>8.1} {new_speed:>8.1} {:>6.2}",
            shape.label,
            new_speed / gemm_speed
        );
    }
    println!(
        "geometric mean ratio over {} products: {:.2}",
        all.len(),
        (log_ratio_sum / all.len() as f64).exp()
    );
}
