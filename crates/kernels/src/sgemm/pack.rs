//! Packing: copies a block of `lhs` or `rhs` out of its strided view into
//! the order the micro-kernel reads, zero-padded to whole slivers.
//!
//! The kernel then reads both operands sequentially from a few cache lines
//! whatever the views' strides, and every value a tile sums is read in the
//! same order however the data is aligned. A sliver is a panel of `LANES`
//! rows of `lhs` (or columns of `rhs`) along `depth` steps of the inner
//! dimension, stored step by step. Packing is a copy when the lanes are
//! contiguous in memory and a transpose, 8 x 8 values at a time in
//! registers, when the steps are: a transposed input costs about what a
//! plain one does. Packing must stay cheap next to the product: with a
//! batch of 32, each packed `rhs` value feeds only 64 flops.

use std::arch::x86_64::{
    __m256i, _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_loadu_ps, _mm256_maskload_ps,
    _mm256_setr_epi32, _mm256_setzero_ps, _mm256_storeu_ps, _mm_castps_pd, _mm_storel_pd,
    _mm_storeu_ps,
};
use std::ops::Range;

use super::kernel::{RhsStep, TILE_COLS, TILE_ROWS};
use super::transpose::transpose_8x8;
use crate::matmul::View;

/// Packs rows `rows` x depths `depths` of `lhs` into `packed` as slivers of
/// `TILE_ROWS` rows: sliver `s`, depth step `p`, row `r` at `(s * depth +
/// p) * TILE_ROWS + r`, rows past the end zero.
///
/// # Panics
/// If `packed` does not hold the whole slivers, or the block is not in
/// `lhs`.
pub(super) fn pack_lhs(
    lhs: &View<'_, f32>,
    rows: Range<usize>,
    depths: Range<usize>,
    packed: &mut [f32],
) {
    assert!(
        rows.end <= lhs.rows && depths.end <= lhs.cols,
        "block outside lhs"
    );
    let depth = depths.len();
    let slivers = rows.len().div_ceil(TILE_ROWS);
    assert!(
        packed.len() >= slivers * depth * TILE_ROWS,
        "packed lhs too short"
    );
    for s in 0..slivers {
        let first = rows.start + s * TILE_ROWS;
        let panel = Panel {
            // `first < lhs.rows`, `depths.start < lhs.cols` or the view
            // has room for the one offset past it (depth 0 reads nothing)
            origin: first * lhs.row_stride + depths.start * lhs.col_stride,
            lane_stride: lhs.row_stride,
            step_stride: lhs.col_stride,
            lanes: TILE_ROWS.min(rows.end - first),
            depth,
        };
        let sliver = &mut packed[s * depth * TILE_ROWS..(s + 1) * depth * TILE_ROWS];
        // SAFETY: the panel's values are values of `lhs`'s `rows x cols`,
        // in bounds of its slice (checked when the view was made), and
        // `sliver` holds `depth * TILE_ROWS` values; the CPU has AVX2 (the
        // only caller, `sgemm::product`, asserts it).
        unsafe { pack_panel::<TILE_ROWS>(lhs.data, panel, sliver) };
    }
}

/// Packs depths `depths` x columns `cols` of `rhs` into `packed` as slivers
/// of `TILE_COLS` columns, one [`RhsStep`] per depth step: sliver `s`, depth
/// step `p` at `s * depth + p`, columns past the end zero.
///
/// # Panics
/// If `packed` does not hold the whole slivers, or the block is not in
/// `rhs`.
pub(super) fn pack_rhs(
    rhs: &View<'_, f32>,
    depths: Range<usize>,
    cols: Range<usize>,
    packed: &mut [RhsStep],
) {
    assert!(
        depths.end <= rhs.rows && cols.end <= rhs.cols,
        "block outside rhs"
    );
    let depth = depths.len();
    let slivers = cols.len().div_ceil(TILE_COLS);
    assert!(packed.len() >= slivers * depth, "packed rhs too short");
    for s in 0..slivers {
        let first = cols.start + s * TILE_COLS;
        let panel = Panel {
            origin: depths.start * rhs.row_stride + first * rhs.col_stride,
            lane_stride: rhs.col_stride,
            step_stride: rhs.row_stride,
            lanes: TILE_COLS.min(cols.end - first),
            depth,
        };
        let sliver = &mut packed[s * depth..(s + 1) * depth];
        // SAFETY: `RhsStep` is `repr(C)` around `[f32; TILE_COLS]`, 64
        // bytes with no padding, so `depth` steps are `depth * TILE_COLS`
        // f32s in a row, borrowed here for as long as `sliver` is.
        let sliver = unsafe {
            std::slice::from_raw_parts_mut(sliver.as_mut_ptr().cast::<f32>(), depth * TILE_COLS)
        };
        // SAFETY: as in `pack_lhs`: the panel's values are `rhs`'s, in
        // bounds, `sliver` holds `depth * TILE_COLS` values, AVX2 is there.
        unsafe { pack_panel::<TILE_COLS>(rhs.data, panel, sliver) };
    }
}

/// The most lanes a sliver has (an `rhs` sliver's).
const LANES_MAX: usize = TILE_COLS;

/// `lanes` lines of a matrix in a slice, each `depth` values long: value
/// `p` of line `l` at `origin + l * lane_stride + p * step_stride`.
#[derive(Debug, Clone, Copy)]
struct Panel {
    origin: usize,
    lane_stride: usize,
    step_stride: usize,
    lanes: usize,
    depth: usize,
}

/// Writes `panel` into `sliver` step by step, `LANES` values a step: line
/// `l`'s value `p` at `p * LANES + l`, lines `panel.lanes..LANES` zero.
///
/// # Safety
/// The CPU must support AVX2; every value of `panel` must be in `data`;
/// `panel.lanes <= LANES`; `sliver` must hold `panel.depth * LANES`
/// values; `LANES` must be 6 or a multiple of 8.
#[target_feature(enable = "avx2")]
unsafe fn pack_panel<const LANES: usize>(data: &[f32], panel: Panel, sliver: &mut [f32]) {
    debug_assert!(panel.lanes <= LANES && sliver.len() >= panel.depth * LANES);
    let src = data.as_ptr().wrapping_add(panel.origin);
    let dst = sliver.as_mut_ptr();
    let mut done = 0;
    if panel.step_stride == 1 && panel.lanes > 1 {
        // lines contiguous: transpose 8 steps of 8 lanes at a time
        done = panel.depth / 8 * 8;
        for group in (0..LANES).step_by(8) {
            let group_lanes = 8.min(LANES - group);
            let present = panel.lanes.saturating_sub(group).min(group_lanes);
            for p in (0..done).step_by(8) {
                let mut block = [_mm256_setzero_ps(); 8];
                for (l, line) in block.iter_mut().enumerate().take(present) {
                    // SAFETY: line `group + l < panel.lanes`, values `p..p +
                    // 8 <= depth`, contiguous: in `data` (the contract).
                    *line =
                        unsafe { _mm256_loadu_ps(src.add((group + l) * panel.lane_stride + p)) };
                }
                let block = transpose_8x8(block);
                for (i, step) in block.iter().enumerate() {
                    // SAFETY: step `p + i < depth`, lanes `group..group +
                    // group_lanes <= LANES`: inside `sliver`.
                    unsafe {
                        let to = dst.add((p + i) * LANES + group);
                        if group_lanes == 8 {
                            _mm256_storeu_ps(to, *step);
                        } else {
                            // 6 lanes: 4 then 2
                            _mm_storeu_ps(to, _mm256_castps256_ps128(*step));
                            _mm_storel_pd(
                                to.add(4).cast(),
                                _mm_castps_pd(_mm256_extractf128_ps::<1>(*step)),
                            );
                        }
                    }
                }
            }
        }
    }
    if panel.lane_stride == 1 && panel.lanes == LANES {
        // steps contiguous and whole: a copy per step
        for p in 0..panel.depth {
            // SAFETY: step `p < depth` of every lane `< LANES`: in `data`
            // (the contract) and in `sliver`, which does not overlap it
            // (`data` is borrowed shared, `sliver` mutably).
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.add(p * panel.step_stride),
                    dst.add(p * LANES),
                    LANES,
                )
            };
        }
        done = panel.depth;
    } else if panel.lane_stride == 1 && LANES.is_multiple_of(8) {
        // steps contiguous, lanes past the edge: masked loads, 8 lanes at
        // a time, zero beyond the panel's lanes
        let masks: [__m256i; LANES_MAX / 8] = std::array::from_fn(|group| {
            let lane = |i: i32| {
                let l = 8 * group + usize::try_from(i).unwrap_or(0);
                if l < panel.lanes {
                    -1
                } else {
                    0
                }
            };
            _mm256_setr_epi32(
                lane(0),
                lane(1),
                lane(2),
                lane(3),
                lane(4),
                lane(5),
                lane(6),
                lane(7),
            )
        });
        for p in 0..panel.depth {
            for (group, &mask) in masks.iter().enumerate().take(LANES / 8) {
                // SAFETY: the masked lanes `< panel.lanes` of step `p` are
                // in `data` (the contract; masked-off lanes are not read),
                // and lanes `8 group..8 group + 8 <= LANES` of step `p` are
                // in `sliver`.
                unsafe {
                    let values =
                        _mm256_maskload_ps(src.add(p * panel.step_stride + 8 * group), mask);
                    _mm256_storeu_ps(dst.add(p * LANES + 8 * group), values);
                }
            }
        }
        done = panel.depth;
    }
    for p in done..panel.depth {
        for l in 0..LANES {
            // SAFETY: step `p < depth`, lane `l < LANES`: inside `sliver`;
            // a line `l < panel.lanes` is in `data` (the contract).
            unsafe {
                *dst.add(p * LANES + l) = if l < panel.lanes {
                    *src.add(l * panel.lane_stride + p * panel.step_stride)
                } else {
                    0.0
                };
            }
        }
    }
}
