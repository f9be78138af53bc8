//! [`crate::matmul()`] on f32, on every path the CPU has (the AVX-512 and
//! AVX2 kernels here, `gemm` on the baseline), against a naive f64 triple
//! loop, over edge shapes, transposes, strided blocks and both ways into
//! the output; bit-identical results whatever the data's alignment; and
//! the same bits from the AVX-512 and AVX2 kernels.

use super::{
    COLS_PER_BLOCK, DEPTH_PER_BLOCK, IN_PLACE_RHS_MAX_ROWS, PRODUCTS, ROWS_PER_BLOCK, WIDE_BLOCKS,
};
use crate::{matmul, with_isa, Isa, ProductInto, View, ViewMut};

/// Runs `test` on every path this CPU supports, forcing each in turn, and
/// checks that its products took that path: the wide kernel on AVX-512,
/// only the narrow one on AVX2, `gemm` on the baseline. A path the CPU
/// lacks is reported loudly as skipped; under `CI=true` the AVX2 path must
/// run (every CI machine has it).
fn on_every_path(test: impl Fn()) {
    for isa in Isa::ALL {
        if !isa.is_supported() {
            assert!(
                isa != Isa::Avx2 || std::env::var("CI").as_deref() != Ok("true"),
                "CI=true, but this CPU lacks AVX2 or FMA: the sgemm kernel went untested"
            );
            eprintln!(
                "SKIPPED: this CPU lacks {}; its kernels went untested",
                isa.name()
            );
            continue;
        }
        let [narrow, wide] = PRODUCTS.get();
        with_isa(isa, &test);
        let [narrow_after, wide_after] = PRODUCTS.get();
        let took = match isa {
            Isa::Avx512 => wide_after > wide && narrow_after == narrow,
            Isa::Avx2 => narrow_after > narrow && wide_after == wide,
            Isa::Baseline => (narrow_after, wide_after) == (narrow, wide),
        };
        assert!(took, "forced to {}, matmul took another path", isa.name());
    }
}

/// SplitMix64: a seeded stream of test values.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound`.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    /// Uniform in [-1, 1).
    fn value(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn values(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.value()).collect()
    }
}

/// How an operand of `rows x cols` sits in its slice: transposed or not,
/// as a block of a wider matrix starting `offset` values in.
#[derive(Debug, Clone, Copy)]
struct Layout {
    transposed: bool,
    /// extra values per stored row past the block
    padding: usize,
    offset: usize,
}

impl Layout {
    fn random(stream: &mut Stream) -> Self {
        Layout {
            transposed: stream.below(2) == 1,
            padding: [0, 0, 3, 17][stream.below(4)],
            offset: stream.below(3),
        }
    }

    /// Stored rows, stored columns and row stride of a `rows x cols`
    /// operand.
    fn stored(self, rows: usize, cols: usize) -> (usize, usize, usize) {
        let (stored_rows, stored_cols) = if self.transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        (stored_rows, stored_cols, stored_cols + self.padding)
    }

    /// Random storage for a `rows x cols` operand.
    fn fill(self, stream: &mut Stream, rows: usize, cols: usize) -> Vec<f32> {
        let (stored_rows, _, stride) = self.stored(rows, cols);
        stream.values(self.offset + stored_rows * stride)
    }

    fn view(self, data: &[f32], rows: usize, cols: usize) -> View<'_, f32> {
        let (stored_rows, stored_cols, stride) = self.stored(rows, cols);
        let view = View::strided(&data[self.offset..], stored_rows, stored_cols, stride);
        if self.transposed {
            view.t()
        } else {
            view
        }
    }

    /// Value `(r, c)` of a `rows x cols` operand in `data`.
    fn at(self, data: &[f32], (rows, cols): (usize, usize), r: usize, c: usize) -> f64 {
        let (_, _, stride) = self.stored(rows, cols);
        let (r, c) = if self.transposed { (c, r) } else { (r, c) };
        data[self.offset + r * stride + c] as f64
    }
}

/// Runs one product of `m x k` by `k x n` into a block of a wider output
/// and checks every value against a naive f64 sum, within f32 rounding of
/// `sum |a| |b|`, and that the values around the block are untouched.
fn check(
    stream: &mut Stream,
    m: usize,
    k: usize,
    n: usize,
    lhs_layout: Layout,
    rhs_layout: Layout,
    into: ProductInto<f32>,
) {
    let lhs = lhs_layout.fill(stream, m, k);
    let rhs = rhs_layout.fill(stream, k, n);
    let (out_offset, out_stride) = (stream.below(3), n + [0, 1, 5][stream.below(3)]);
    let before = stream.values(out_offset + m * out_stride + 2);
    let mut out = before.clone();
    matmul(
        ViewMut::strided(&mut out[out_offset..], m, n, out_stride),
        lhs_layout.view(&lhs, m, k),
        rhs_layout.view(&rhs, k, n),
        into,
    );
    let context = format!("{m} x {k} x {n}, {lhs_layout:?}, {rhs_layout:?}, {into:?}");
    for (i, (&got, &was)) in out.iter().zip(&before).enumerate() {
        let (r, c) = (
            (i.wrapping_sub(out_offset)) / out_stride,
            (i.wrapping_sub(out_offset)) % out_stride,
        );
        if i < out_offset || r >= m || c >= n {
            assert_eq!(
                got.to_bits(),
                was.to_bits(),
                "{context}: value {i} outside the output changed"
            );
            continue;
        }
        let (mut sum, mut magnitude) = (0.0f64, 0.0f64);
        for p in 0..k {
            let product = lhs_layout.at(&lhs, (m, k), r, p) * rhs_layout.at(&rhs, (k, n), p, c);
            sum += product;
            magnitude += product.abs();
        }
        let (want, bound) = match into {
            ProductInto::Overwrite => (sum, magnitude),
            ProductInto::AddScaled(scale) => {
                let scale = scale as f64;
                (
                    was as f64 + scale * sum,
                    scale.abs() * magnitude + (was as f64).abs(),
                )
            }
        };
        let tolerance =
            (k as f64 + 4.0) * f32::EPSILON as f64 * bound + f64::from(f32::MIN_POSITIVE);
        assert!(
            (got as f64 - want).abs() <= tolerance,
            "{context}: ({r}, {c}) is {got}, not {want} (within {tolerance})"
        );
    }
}

/// `fixed` shapes `(m, k, n)`, then `random` more of at most `most`.
fn shapes(
    stream: &mut Stream,
    fixed: &[(usize, usize, usize)],
    random: usize,
    most: (usize, usize, usize),
) -> Vec<(usize, usize, usize)> {
    let mut shapes = fixed.to_vec();
    for _ in 0..random {
        shapes.push((
            1 + stream.below(most.0),
            1 + stream.below(most.1),
            1 + stream.below(most.2),
        ));
    }
    shapes
}

fn random_into(stream: &mut Stream) -> ProductInto<f32> {
    [
        ProductInto::Overwrite,
        ProductInto::AddScaled(-0.75),
        ProductInto::AddScaled(2.5),
    ][stream.below(3)]
}

#[test]
fn small_shapes_with_every_layout() {
    on_every_path(|| {
        let mut stream = Stream(1);
        for _ in 0..600 {
            let (m, k, n) = (
                1 + stream.below(40),
                1 + stream.below(40),
                1 + stream.below(40),
            );
            let (lhs, rhs) = (Layout::random(&mut stream), Layout::random(&mut stream));
            let into = random_into(&mut stream);
            check(&mut stream, m, k, n, lhs, rhs, into);
        }
    });
}

#[test]
fn every_tile_edge() {
    on_every_path(|| {
        // every remainder of the 6 x 16 tile, in both orientations of the
        // product (few output columns run transposed)
        let mut stream = Stream(2);
        for m in 1..=13 {
            for n in 1..=33 {
                let k = 1 + stream.below(9);
                let (lhs, rhs) = (Layout::random(&mut stream), Layout::random(&mut stream));
                let into = random_into(&mut stream);
                check(&mut stream, m, k, n, lhs, rhs, into);
            }
        }
    });
}

#[test]
fn shapes_past_every_block() {
    on_every_path(|| {
        let mut stream = Stream(3);
        const { assert!(700 > 2 * DEPTH_PER_BLOCK && 300 > 2 * ROWS_PER_BLOCK && 4200 > COLS_PER_BLOCK) };
        const { assert!(7 <= IN_PLACE_RHS_MAX_ROWS && 70 > IN_PLACE_RHS_MAX_ROWS) };
        let plain = Layout {
            transposed: false,
            padding: 0,
            offset: 0,
        };
        let transposed = Layout {
            transposed: true,
            padding: 5,
            offset: 1,
        };
        for (lhs, rhs, into) in [
            (plain, plain, ProductInto::Overwrite),
            (transposed, plain, ProductInto::AddScaled(-0.5)),
            (plain, transposed, ProductInto::AddScaled(1.0)),
            (transposed, transposed, ProductInto::Overwrite),
        ] {
            check(&mut stream, 300, 700, 530, lhs, rhs, into);
        }
        // more output columns than a block holds (`rhs` read in place, then
        // packed), and products that run transposed with several blocks of
        // rows: landing whole columns, then partial ones
        check(
            &mut stream,
            7,
            300,
            4200,
            plain,
            plain,
            ProductInto::Overwrite,
        );
        check(
            &mut stream,
            70,
            300,
            4200,
            plain,
            transposed,
            ProductInto::AddScaled(-2.0),
        );
        check(
            &mut stream,
            700,
            300,
            6,
            transposed,
            plain,
            ProductInto::Overwrite,
        );
        check(
            &mut stream,
            700,
            300,
            5,
            transposed,
            plain,
            ProductInto::AddScaled(3.0),
        );
    });
}

#[test]
fn empty_inner_dimension() {
    on_every_path(|| {
        let lhs: [f32; 0] = [];
        for (m, n) in [(3, 5), (20, 2), (1, 1)] {
            let mut out = vec![4.0f32; m * 7];
            matmul(
                ViewMut::strided(&mut out, m, n, 7),
                View::rows(&lhs, m, 0),
                View::rows(&lhs, 0, n),
                ProductInto::AddScaled(2.0),
            );
            assert!(out.iter().all(|&v| v == 4.0));
            matmul(
                ViewMut::strided(&mut out, m, n, 7),
                View::rows(&lhs, m, 0),
                View::rows(&lhs, 0, n),
                ProductInto::Overwrite,
            );
            for (i, &v) in out.iter().enumerate() {
                assert_eq!(
                    v,
                    if i % 7 < n && i / 7 < m { 0.0 } else { 4.0 },
                    "{m} x {n}: value {i}"
                );
            }
        }
    });
}

#[test]
fn results_do_not_depend_on_alignment() {
    on_every_path(|| {
        let mut stream = Stream(4);
        for (m, k, n, into) in [
            (300, 700, 530, ProductInto::Overwrite),
            (37, 291, 45, ProductInto::AddScaled(-0.3)),
            (200, 40, 3, ProductInto::Overwrite),
        ] {
            let lhs = stream.values(m * k);
            let rhs = stream.values(k * n);
            let start = stream.values(m * n);
            let run = |offset: usize, lhs_t: bool, rhs_t: bool| {
                let place = |values: &[f32]| {
                    let mut shifted = vec![0.0f32; offset];
                    shifted.extend_from_slice(values);
                    shifted
                };
                let transpose = |values: &[f32], rows: usize, cols: usize| -> Vec<f32> {
                    (0..cols)
                        .flat_map(|c| (0..rows).map(move |r| values[r * cols + c]))
                        .collect()
                };
                let lhs_data = place(&if lhs_t {
                    transpose(&lhs, m, k)
                } else {
                    lhs.clone()
                });
                let rhs_data = place(&if rhs_t {
                    transpose(&rhs, k, n)
                } else {
                    rhs.clone()
                });
                let mut out = place(&start);
                let lhs_view = if lhs_t {
                    View::rows(&lhs_data[offset..], k, m).t()
                } else {
                    View::rows(&lhs_data[offset..], m, k)
                };
                let rhs_view = if rhs_t {
                    View::rows(&rhs_data[offset..], n, k).t()
                } else {
                    View::rows(&rhs_data[offset..], k, n)
                };
                matmul(
                    ViewMut::rows(&mut out[offset..], m, n),
                    lhs_view,
                    rhs_view,
                    into,
                );
                out[offset..]
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<u32>>()
            };
            let reference = run(0, false, false);
            for (offset, lhs_t, rhs_t) in [
                (0, false, false),
                (1, false, false),
                (3, true, false),
                (1, false, true),
                (7, true, true),
            ] {
                assert!(
                    run(offset, lhs_t, rhs_t) == reference,
                    "{m} x {k} x {n}: offset {offset}, transposes {lhs_t} {rhs_t}"
                );
            }
        }
    });
}

#[test]
fn wide_and_narrow_kernels_give_the_same_bits() {
    if !Isa::Avx512.is_supported() {
        eprintln!("SKIPPED: this CPU lacks AVX-512; the wide kernel went untested");
        return;
    }
    let mut stream = Stream(5);
    let plain = Layout {
        transposed: false,
        padding: 0,
        offset: 0,
    };
    // edges of the 12 x 32 block, `rhs` in place (few rows) and packed,
    // several depth blocks, transposed products, both ways into the output
    let fixed = [
        (256, 784, 100),
        (32, 784, 100),
        (100, 32, 784),
        (300, 700, 530),
    ];
    for (m, k, n) in shapes(&mut stream, &fixed, 150, (80, 600, 90)) {
        let (lhs_layout, rhs_layout) = if stream.below(3) == 0 {
            (plain, plain)
        } else {
            (Layout::random(&mut stream), Layout::random(&mut stream))
        };
        let into = random_into(&mut stream);
        let lhs = lhs_layout.fill(&mut stream, m, k);
        let rhs = rhs_layout.fill(&mut stream, k, n);
        let start = stream.values(m * n);
        let bits = |isa: Isa| {
            let mut out = start.clone();
            with_isa(isa, || {
                matmul(
                    ViewMut::rows(&mut out, m, n),
                    lhs_layout.view(&lhs, m, k),
                    rhs_layout.view(&rhs, k, n),
                    into,
                )
            });
            out.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
        };
        assert!(
            bits(Isa::Avx512) == bits(Isa::Avx2),
            "{m} x {k} x {n}, {lhs_layout:?}, {rhs_layout:?}, {into:?}: the kernels differ"
        );
    }
    assert!(WIDE_BLOCKS.get() > 0, "no product reached the wide kernel");
}

#[test]
fn threads_split_a_product_without_changing_a_bit() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .expect("a pool of 4 threads");
    on_every_path(|| {
        let mut stream = Stream(6);
        // split by rows and by columns, both orientations, parts of
        // unequal size, products too small to split
        let fixed = [
            (256, 784, 100),
            (32, 100, 784),
            (100, 32, 784),
            (700, 300, 5),
        ];
        for (m, k, n) in shapes(&mut stream, &fixed, 20, (300, 300, 300)) {
            let (lhs_layout, rhs_layout) =
                (Layout::random(&mut stream), Layout::random(&mut stream));
            let into = random_into(&mut stream);
            let lhs = lhs_layout.fill(&mut stream, m, k);
            let rhs = rhs_layout.fill(&mut stream, k, n);
            let start = stream.values(m * n);
            let isa = Isa::active();
            let bits = |threads: usize| {
                let mut out = start.clone();
                let mut product = || {
                    crate::matmul_threads(
                        threads,
                        ViewMut::rows(&mut out, m, n),
                        lhs_layout.view(&lhs, m, k),
                        rhs_layout.view(&rhs, k, n),
                        into,
                    )
                };
                if threads == 1 {
                    // on this thread, counted by `on_every_path`
                    product();
                } else {
                    // on the pool's threads, which take the path forced
                    // here only because the product passes it on
                    pool.install(|| with_isa(isa, &mut product));
                }
                out.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
            };
            let one = bits(1);
            for threads in [2, 3, 4] {
                assert!(
                    bits(threads) == one,
                    "{m} x {k} x {n} on {} with {threads} threads: bits differ",
                    isa.name()
                );
            }
        }
    });
}
