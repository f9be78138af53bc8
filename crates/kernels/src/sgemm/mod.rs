//! An f32 matrix product for x86-64 with AVX2 and FMA, or AVX-512, blocked
//! for cache the GotoBLAS/BLIS way; [`crate::matmul()`] uses it for f32
//! where the CPU has them, as it runs our training shapes faster than
//! `gemm` 0.15 (see the `product_speed` example).
//!
//! The product is cut into blocks of at most [`COLS_PER_BLOCK`] output
//! columns, [`DEPTH_PER_BLOCK`] steps of the inner dimension and
//! [`ROWS_PER_BLOCK`] output rows, of near-equal lengths. Each block of
//! `rhs` is packed once (kept in L2/L3) and each block of `lhs` once per
//! `rhs` block (kept in L2), by [`pack`]; the micro-kernel in [`kernel`]
//! computes one 6 x 16 tile from a sliver of each, and each `rhs` sliver
//! stays in L1 while it meets every `lhs` sliver of the block. With
//! AVX-512 ([`Tiles::Wide`]) the one in [`wide`] computes 2 x 2 such tiles
//! at once from two slivers of each, and 2 x 1, 1 x 2 or 1 x 1 of them at
//! the block's edges (so the 8-wide kernel never runs on that path). Two
//! departures, both by shape: a product with few output columns runs
//! transposed (`out^T = rhs^T lhs^T`) when that pads the tiles less, and
//! with few output rows a row-major `rhs` is read in place, unpacked.
//!
//! Results depend only on the shapes and values: every output value is the
//! sum over the inner dimension in order, one FMA at a time within a depth
//! block, and the depth blocks are added in order, whatever the data's
//! alignment, the orientation, the packing or the kernel (so the AVX2 and
//! AVX-512 paths give the same bits). For `AddScaled(scale)`, each
//! depth block's partial product is scaled and added (`out += scale *
//! partial`, one FMA per value), so with more than one depth block `out`
//! takes the scaled sum piece by piece; `Overwrite` writes the first depth
//! block's partial product and adds the others.

mod kernel;
mod pack;
mod transpose;
mod wide;

use std::cell::RefCell;

use kernel::{RhsSliver, RhsStep, TileInto, TileOut, TILE_COLS, TILE_ROWS};
use pack::{pack_lhs, pack_rhs};

use crate::matmul::{ProductInto, View, ViewMut};

/// Most steps of the inner dimension per block: an `rhs` sliver (16 KiB)
/// and an `lhs` sliver (6 KiB) fit Zen 3's 32 KiB L1 together. Measured on
/// Zen 3, 192 was slower and 256 to 512 about equal.
const DEPTH_PER_BLOCK: usize = 256;
/// Most output rows per block: a packed `lhs` block (144 KiB at full
/// depth) stays in the 512 KiB L2 next to the `rhs` slivers streaming by.
/// Measured on Zen 3, 72 to 240 were about equal.
const ROWS_PER_BLOCK: usize = 144;
/// Most output columns per block: a packed `rhs` block of 4 MiB at full
/// depth, in L3 (every training shape here fits one block).
const COLS_PER_BLOCK: usize = 4096;
/// Most output rows for which a row-major `rhs` is read in place rather
/// than packed: measured faster up to 64 rows (10 x 256 x 2000: 38 against
/// 32 GFLOP/s), slower at 128 and 256 (256 x 500 x 500: 72 against 83).
const IN_PLACE_RHS_MAX_ROWS: usize = 64;

/// Which micro-kernel computes the tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tiles {
    /// 6 x 16 tiles on AVX2 and FMA ([`kernel`]).
    Narrow,
    /// 12 x 32 blocks of them on AVX-512 ([`wide`]), smaller ones at the
    /// edges.
    Wide,
}

impl Tiles {
    fn available(self) -> bool {
        match self {
            Tiles::Narrow => crate::Isa::Avx2.is_supported(),
            Tiles::Wide => crate::Isa::Avx512.is_supported(),
        }
    }
}

/// Packed blocks, kept per thread between products to spare the
/// allocations.
#[derive(Default)]
struct PackedBlocks {
    lhs: Vec<f32>,
    rhs: Vec<RhsStep>,
}

thread_local! {
    static PACKED: RefCell<PackedBlocks> = RefCell::default();
}

#[cfg(test)]
thread_local! {
    /// Products this module computed on this thread with each kind of
    /// tiles (`[narrow, wide]`), and the wide blocks among them: the tests
    /// check that `matmul` took the path they forced rather than falling
    /// back to `gemm` or the other kernel.
    pub(crate) static PRODUCTS: std::cell::Cell<[usize; 2]> = const { std::cell::Cell::new([0; 2]) };
    pub(crate) static WIDE_BLOCKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Splits `total` into as few blocks of at most `most` as possible, of
/// nearly equal lengths that are multiples of `multiple` (but the last):
/// the length of all but the last.
fn block_len(total: usize, most: usize, multiple: usize) -> usize {
    let blocks = total.div_ceil(most).max(1);
    total.div_ceil(blocks).next_multiple_of(multiple)
}

/// `out` from `lhs * rhs` (shapes already checked to chain), split into
/// at most `threads` parts run on the current rayon pool; the bits do not
/// depend on the split (each value is the same FMA chain).
///
/// # Panics
/// If the CPU cannot run `tiles`' kernel.
pub(crate) fn product(
    out: ViewMut<'_, f32>,
    lhs: View<'_, f32>,
    rhs: View<'_, f32>,
    into: ProductInto<f32>,
    tiles: Tiles,
    threads: usize,
) {
    assert!(tiles.available(), "this CPU cannot run {tiles:?} tiles");
    #[cfg(test)]
    PRODUCTS.with(|p| {
        let mut counts = p.get();
        counts[usize::from(tiles == Tiles::Wide)] += 1;
        p.set(counts)
    });
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    debug_assert_eq!((out.rows, out.cols, rhs.rows), (m, n, k));
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if into == ProductInto::Overwrite {
            for row in 0..m {
                let start = row * out.row_stride;
                out.data[start..start + n].fill(0.0);
            }
        }
        return;
    }
    // Tiles are 6 x 16: when the transposed product `out^T = rhs^T lhs^T`
    // pads at least 5% less (few output columns), compute that instead;
    // each value is the same FMA chain either way. (Near a tie the plain
    // product wins: its tiles land in contiguous rows.)
    let padded = |rows: usize, cols: usize| {
        rows.next_multiple_of(TILE_ROWS) * cols.next_multiple_of(TILE_COLS)
    };
    let (lhs, rhs, out_row_stride, out_col_stride) = if 20 * padded(n, m) < 19 * padded(m, n) {
        (rhs.t(), lhs.t(), 1, out.row_stride)
    } else {
        (lhs, rhs, out.row_stride, 1)
    };
    let (m, n) = (lhs.rows, rhs.cols);
    let out = OutPlace {
        ptr: out.data.as_mut_ptr(),
        row_stride: out_row_stride,
        col_stride: out_col_stride,
        rows: m,
        cols: n,
    };
    let parts = Split::new(m, k, n, threads);
    if parts.count == 1 {
        return compute(lhs, rhs, &out, into, tiles);
    }
    let out = &SharedPlace(out);
    rayon::scope(|scope| {
        for part in 1..parts.count {
            scope.spawn(move |_| {
                let (lhs, rhs, place) = parts.part(part, lhs, rhs, &out.0);
                compute(lhs, rhs, &place, into, tiles);
            });
        }
        let (lhs, rhs, place) = parts.part(0, lhs, rhs, &out.0);
        compute(lhs, rhs, &place, into, tiles);
    });
}

/// Fewest multiply-adds worth a part of their own: about 40 us of work on
/// one core, against the few to tens of us it takes to wake another thread
/// and hand it a part. Measured on a 2-core Zen 4: at 2.5 M multiply-adds
/// (the notebook's 784 x 100 layer at batch 32) two parts ran from 0.6x
/// to 1.2x one; at 20 M (batch 256) 1.2x to 1.7x.
const MIN_PART_PRODUCTS: usize = 1 << 22;

/// How a product is cut into parts for threads: into runs of whole 32-column
/// groups of its output, or of whole 12-row groups where the columns are
/// too few (the wide kernel's blocks, so no part pads more than the whole
/// would).
#[derive(Debug, Clone, Copy)]
struct Split {
    count: usize,
    by_rows: bool,
    groups: usize,
    rows: usize,
    cols: usize,
}

impl Split {
    const ROWS: usize = 2 * TILE_ROWS;
    const COLS: usize = 2 * TILE_COLS;

    fn new(m: usize, k: usize, n: usize, threads: usize) -> Self {
        let (row_groups, col_groups) = (m.div_ceil(Self::ROWS), n.div_ceil(Self::COLS));
        let worth = (m * k * n / MIN_PART_PRODUCTS).max(1);
        let wanted = threads.min(worth);
        // Column parts share the packing of `lhs` (each packs its own
        // columns of `rhs`, the larger operand to pack at these shapes):
        // split by rows only when the columns are too few.
        let by_rows = col_groups < 2 * wanted && row_groups > col_groups;
        let groups = if by_rows { row_groups } else { col_groups };
        Split {
            count: wanted.min(groups).max(1),
            by_rows,
            groups,
            rows: m,
            cols: n,
        }
    }

    /// Part `i`'s operands and output: groups `i * groups / count ..`
    /// up to the next part's first.
    fn part<'a>(
        &self,
        i: usize,
        lhs: View<'a, f32>,
        rhs: View<'a, f32>,
        out: &OutPlace,
    ) -> (View<'a, f32>, View<'a, f32>, OutPlace) {
        let (unit, total) = if self.by_rows {
            (Self::ROWS, self.rows)
        } else {
            (Self::COLS, self.cols)
        };
        let first = (i * self.groups / self.count * unit).min(total);
        let end = ((i + 1) * self.groups / self.count * unit).min(total);
        if self.by_rows {
            (
                lhs.row_range(first..end),
                rhs,
                out.block(first..end, 0..self.cols),
            )
        } else {
            (
                lhs,
                rhs.col_range(first..end),
                out.block(0..self.rows, first..end),
            )
        }
    }
}

/// The output shared by the parts of a product. Each part writes only its
/// own block of it (disjoint rows or columns), and the product's caller
/// holds the output borrowed mutably until every part is done.
struct SharedPlace(OutPlace);

// SAFETY: the parts that share the output write disjoint values of it
// (see `Split::part`), and nothing else reads or writes it meanwhile.
unsafe impl Sync for SharedPlace {}

/// `out` from `lhs * rhs` on this thread (the oriented product: `out`'s
/// shape is `lhs.rows x rhs.cols`).
fn compute(
    lhs: View<'_, f32>,
    rhs: View<'_, f32>,
    out: &OutPlace,
    into: ProductInto<f32>,
    tiles: Tiles,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    if m == 0 || n == 0 {
        return;
    }
    // With few rows each `rhs` value feeds few tiles, and packing it costs
    // about what its products do: read a row-major `rhs` where it is.
    let rhs_in_place = rhs.col_stride == 1 && m <= IN_PLACE_RHS_MAX_ROWS;

    let cols_per_block = block_len(n, COLS_PER_BLOCK, TILE_COLS);
    let depth_per_block = block_len(k, DEPTH_PER_BLOCK, 1);
    let rows_per_block = block_len(m, ROWS_PER_BLOCK, TILE_ROWS);
    PACKED.with_borrow_mut(|packed| {
        let rhs_len = cols_per_block / TILE_COLS * depth_per_block;
        let lhs_len = rows_per_block * depth_per_block;
        if packed.rhs.len() < rhs_len {
            packed.rhs.resize(rhs_len, RhsStep::ZERO);
        }
        if packed.lhs.len() < lhs_len {
            packed.lhs.resize(lhs_len, 0.0);
        }
        for first_col in (0..n).step_by(cols_per_block) {
            let cols = first_col..n.min(first_col + cols_per_block);
            for first_depth in (0..k).step_by(depth_per_block) {
                let depths = first_depth..k.min(first_depth + depth_per_block);
                let depth = depths.len();
                let tile_into = match into {
                    ProductInto::Overwrite if first_depth == 0 => TileInto::Overwrite,
                    ProductInto::Overwrite => TileInto::Add,
                    ProductInto::AddScaled(scale) => TileInto::AddScaled(scale),
                };
                // whole slivers `..in_place` are read in place, the rest packed
                let in_place = if rhs_in_place {
                    cols.len() / TILE_COLS
                } else {
                    0
                };
                let packed_cols = cols.start + in_place * TILE_COLS..cols.end;
                let rhs_block = &mut packed.rhs[..packed_cols.len().div_ceil(TILE_COLS) * depth];
                pack_rhs(&rhs, depths.clone(), packed_cols, rhs_block);
                let rhs_sliver = |c: usize| {
                    if c < in_place {
                        RhsSliver {
                            // row `depths.start < k`, column `cols.start +
                            // c * TILE_COLS < n`: inside `rhs`
                            ptr: rhs.data.as_ptr().wrapping_add(
                                depths.start * rhs.row_stride + cols.start + c * TILE_COLS,
                            ),
                            step_stride: rhs.row_stride,
                            depth,
                        }
                    } else {
                        RhsSliver::packed(&rhs_block[(c - in_place) * depth..][..depth])
                    }
                };
                for first_row in (0..m).step_by(rows_per_block) {
                    let rows = first_row..m.min(first_row + rows_per_block);
                    let lhs_block =
                        &mut packed.lhs[..rows.len().div_ceil(TILE_ROWS) * TILE_ROWS * depth];
                    pack_lhs(&lhs, rows.clone(), depths.clone(), lhs_block);
                    let lhs_sliver =
                        |s: usize| &lhs_block[s * depth * TILE_ROWS..][..depth * TILE_ROWS];
                    let (col_slivers, row_slivers) = (
                        cols.len().div_ceil(TILE_COLS),
                        rows.len().div_ceil(TILE_ROWS),
                    );
                    // tiles computed together: 2 x 2 with the wide kernel
                    let step = match tiles {
                        Tiles::Narrow => 1,
                        Tiles::Wide => 2,
                    };
                    // each `rhs` sliver (in L1) meets every `lhs` sliver
                    // of the block (in L2)
                    for c in (0..col_slivers).step_by(step) {
                        for s in (0..row_slivers).step_by(step) {
                            let place = |s: usize, c: usize| {
                                out.tile(rows.start + s * TILE_ROWS, cols.start + c * TILE_COLS)
                            };
                            if step == 2 {
                                #[cfg(test)]
                                WIDE_BLOCKS.with(|w| w.set(w.get() + 1));
                                let (two_rows, two_cols) =
                                    (s + 1 < row_slivers, c + 1 < col_slivers);
                                // SAFETY: the CPU has AVX-512F, AVX2 and
                                // FMA (asserted above); the slivers and
                                // places are as below, distinct tiles.
                                unsafe {
                                    match (two_rows, two_cols) {
                                        (true, true) => wide::block(
                                            [lhs_sliver(s), lhs_sliver(s + 1)],
                                            [rhs_sliver(c), rhs_sliver(c + 1)],
                                            [
                                                [place(s, c), place(s, c + 1)],
                                                [place(s + 1, c), place(s + 1, c + 1)],
                                            ],
                                            tile_into,
                                        ),
                                        (true, false) => wide::block(
                                            [lhs_sliver(s), lhs_sliver(s + 1)],
                                            [rhs_sliver(c)],
                                            [[place(s, c)], [place(s + 1, c)]],
                                            tile_into,
                                        ),
                                        (false, true) => wide::block(
                                            [lhs_sliver(s)],
                                            [rhs_sliver(c), rhs_sliver(c + 1)],
                                            [[place(s, c), place(s, c + 1)]],
                                            tile_into,
                                        ),
                                        (false, false) => wide::block(
                                            [lhs_sliver(s)],
                                            [rhs_sliver(c)],
                                            [[place(s, c)]],
                                            tile_into,
                                        ),
                                    }
                                };
                                continue;
                            }
                            for c in c..col_slivers.min(c + step) {
                                for s in s..row_slivers.min(s + step) {
                                    // SAFETY: the CPU has AVX2 and FMA
                                    // (asserted above). An in-place `rhs`
                                    // sliver is 16 columns `< n` of a
                                    // row-major `rhs` over rows `depths`,
                                    // whose every value the view was
                                    // checked on construction to hold; a
                                    // packed one holds `depth` whole steps.
                                    // The tile's place is inside the output
                                    // (see `OutPlace::tile`), borrowed
                                    // mutably for this whole call.
                                    unsafe {
                                        kernel::tile(
                                            lhs_sliver(s),
                                            rhs_sliver(c),
                                            place(s, c),
                                            tile_into,
                                        )
                                    };
                                }
                            }
                        }
                    }
                }
            }
        }
    });
}

/// The output as the blocks see it (transposed when the product is): value
/// `(r, c)` at `ptr[r * row_stride + c * col_stride]`, `rows x cols`.
#[derive(Clone, Copy)]
struct OutPlace {
    ptr: *mut f32,
    row_stride: usize,
    col_stride: usize,
    rows: usize,
    cols: usize,
}

impl OutPlace {
    /// The block of rows `rows` and columns `cols` (inside the output).
    fn block(&self, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> OutPlace {
        debug_assert!(rows.end <= self.rows && cols.end <= self.cols);
        OutPlace {
            ptr: self
                .ptr
                .wrapping_add(rows.start * self.row_stride + cols.start * self.col_stride),
            rows: rows.len(),
            cols: cols.len(),
            ..*self
        }
    }

    /// The tile from row `row < rows`, column `col < cols`: whole, or as
    /// much of it as the output has. Each of its values is a value of the
    /// output's view, which was checked on construction to fit its slice.
    fn tile(&self, row: usize, col: usize) -> TileOut {
        TileOut {
            ptr: self
                .ptr
                .wrapping_add(row * self.row_stride + col * self.col_stride),
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            rows: TILE_ROWS.min(self.rows - row),
            cols: TILE_COLS.min(self.cols - col),
        }
    }
}

#[cfg(test)]
mod tests;
