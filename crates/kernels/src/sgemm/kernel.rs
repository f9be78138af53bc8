//! The 6 x 16 micro-kernel: one tile of the output from a packed sliver of
//! `lhs` (6 rows) and a packed sliver of `rhs` (16 columns), both `depth`
//! long, with AVX2 and FMA.
//!
//! The tile lives in 12 ymm registers (6 rows of two 8-wide halves); each
//! step of the depth loop broadcasts one `lhs` value per row and multiplies
//! it into two 8-wide loads of `rhs` with fused multiply-adds, so a step is
//! 12 independent FMAs, enough to keep both of Zen 3's FMA pipes busy
//! through their 4-cycle latency. Every output value is one FMA chain over
//! the depth in order, whatever the tile's position or the data's
//! alignment, so its bits depend only on the values.

use std::arch::x86_64::{
    __m256, _mm256_add_ps, _mm256_broadcast_ss, _mm256_castps256_ps128, _mm256_extractf128_ps,
    _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    _mm_add_ps, _mm_castpd_ps, _mm_castps_pd, _mm_fmadd_ps, _mm_load_sd, _mm_loadu_ps,
    _mm_prefetch, _mm_set1_ps, _mm_storel_pd, _mm_storeu_ps, _MM_HINT_T0,
};

use super::transpose::transpose_8x8;

/// Rows of a tile (values of an `lhs` sliver per depth step).
pub(super) const TILE_ROWS: usize = 6;
/// Columns of a tile (values of an `rhs` sliver per depth step).
pub(super) const TILE_COLS: usize = 16;

/// One depth step of a packed `rhs` sliver: `TILE_COLS` values on one
/// cache line, so both 8-wide loads are aligned.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct RhsStep(pub(super) [f32; TILE_COLS]);

impl RhsStep {
    pub(super) const ZERO: Self = RhsStep([0.0; TILE_COLS]);
}

/// A sliver of `rhs` as the kernel reads it: `depth` steps of `TILE_COLS`
/// contiguous values, `step_stride` values apart; a packed sliver (see
/// [`RhsSliver::packed`]) or 16 columns of a row-major `rhs` read in place.
#[derive(Debug, Clone, Copy)]
pub(super) struct RhsSliver {
    pub(super) ptr: *const f32,
    pub(super) step_stride: usize,
    pub(super) depth: usize,
}

impl RhsSliver {
    pub(super) fn packed(steps: &[RhsStep]) -> Self {
        RhsSliver {
            ptr: steps.as_ptr().cast(),
            step_stride: TILE_COLS,
            depth: steps.len(),
        }
    }
}

/// How a computed tile lands in the output.
#[derive(Debug, Clone, Copy)]
pub(super) enum TileInto {
    /// `out = tile`.
    Overwrite,
    /// `out += tile`.
    Add,
    /// `out += scale * tile`, one fused multiply-add per value.
    AddScaled(f32),
}

/// Where a tile lands: the output value at row `r`, column `c` of the tile
/// is `ptr[r * row_stride + c * col_stride]`; only the first `rows x cols`
/// of the tile are real.
#[derive(Debug, Clone, Copy)]
pub(super) struct TileOut {
    pub(super) ptr: *mut f32,
    pub(super) row_stride: usize,
    pub(super) col_stride: usize,
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// Computes `lhs * rhs` over `rhs.depth` steps and lands it in `out` as
/// `into` says.
///
/// `lhs` holds depth step `p`'s `TILE_ROWS` values at `p * TILE_ROWS`.
///
/// # Safety
/// The CPU must support AVX2 and FMA. `rhs` must be valid for reads of
/// `TILE_COLS` values at every `p * step_stride`, `p < depth`. `out` must
/// be valid for reads and writes at every `r * row_stride + c *
/// col_stride` with `r < rows <= TILE_ROWS` and `c < cols <= TILE_COLS`,
/// with no other reference to those values alive.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn tile(lhs: &[f32], rhs: RhsSliver, out: TileOut, into: TileInto) {
    let depth = rhs.depth;
    assert_eq!(lhs.len(), depth * TILE_ROWS, "slivers of different depths");
    prefetch(&out);

    let mut acc = [_mm256_setzero_ps(); 2 * TILE_ROWS];
    let lhs_ptr = lhs.as_ptr();
    for p in 0..depth {
        // SAFETY: step `p < depth` of `rhs` holds `TILE_COLS` = 2 x 8
        // values (the contract); `lhs` has `TILE_ROWS` values per step
        // (asserted above).
        let (low, high) = unsafe {
            let at = rhs.ptr.add(p * rhs.step_stride);
            (_mm256_loadu_ps(at), _mm256_loadu_ps(at.add(8)))
        };
        for r in 0..TILE_ROWS {
            // SAFETY: `p * TILE_ROWS + r < lhs.len()` (asserted above).
            let a = unsafe { _mm256_broadcast_ss(&*lhs_ptr.add(p * TILE_ROWS + r)) };
            acc[2 * r] = _mm256_fmadd_ps(a, low, acc[2 * r]);
            acc[2 * r + 1] = _mm256_fmadd_ps(a, high, acc[2 * r + 1]);
        }
    }

    // SAFETY: this function's contract, passed on.
    unsafe { land(&acc, out, into) }
}

/// Warms the output a tile will read while its products run: its rows
/// when they are contiguous, else its columns.
#[inline(always)]
pub(super) fn prefetch(out: &TileOut) {
    let (lines, line_stride, line_len, along) = if out.col_stride == 1 {
        (out.rows, out.row_stride, out.cols, 1)
    } else {
        (out.cols, out.col_stride, out.rows, out.row_stride)
    };
    for line in 0..lines {
        let first = out.ptr.wrapping_add(line * line_stride);
        // SAFETY: prefetching is only a hint: it never faults, whatever
        // the address (and SSE is in x86-64's baseline).
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first as *const i8);
            _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add((line_len - 1) * along) as *const i8);
        }
    }
}

/// Lands a computed tile (row `r`'s two 8-wide halves at `2 r`, `2 r + 1`)
/// in `out` as `into` says, by the fastest store the output's shape allows;
/// every way does the same arithmetic per value.
///
/// # Safety
/// As [`tile`]'s for `out` and the CPU.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn land(acc: &[__m256; 2 * TILE_ROWS], out: TileOut, into: TileInto) {
    // SAFETY: each store's extra condition is the branch's test; the rest
    // is this function's contract, passed on.
    unsafe {
        if out.rows == TILE_ROWS && out.cols == TILE_COLS && out.col_stride == 1 {
            store_whole(acc, out, into);
        } else if out.rows == TILE_ROWS && out.row_stride == 1 {
            store_columns(acc, out, into);
        } else {
            store_part(acc, out, into);
        }
    }
}

/// Lands a whole tile in an output with contiguous rows, 8 values at once.
///
/// # Safety
/// As [`tile`]'s, with `out` a whole tile of contiguous rows.
#[target_feature(enable = "avx2,fma")]
unsafe fn store_whole(acc: &[__m256; 2 * TILE_ROWS], out: TileOut, into: TileInto) {
    for r in 0..TILE_ROWS {
        for half in 0..2 {
            // SAFETY: row `r < TILE_ROWS` holds `TILE_COLS` contiguous
            // values of the output (the caller's contract).
            unsafe {
                let at = out.ptr.add(r * out.row_stride + 8 * half);
                let tile = acc[2 * r + half];
                let value = match into {
                    TileInto::Overwrite => tile,
                    TileInto::Add => _mm256_add_ps(_mm256_loadu_ps(at), tile),
                    TileInto::AddScaled(scale) => {
                        _mm256_fmadd_ps(_mm256_set1_ps(scale), tile, _mm256_loadu_ps(at))
                    }
                };
                _mm256_storeu_ps(at, value);
            }
        }
    }
}

/// Lands a tile of whole columns in an output whose columns are
/// contiguous (the transposed product): transposes the tile in registers
/// and lands each column's 6 values 4 + 2 at once, with the same arithmetic
/// as [`store_whole`].
///
/// # Safety
/// As [`tile`]'s, with `out.rows == TILE_ROWS` and `out.row_stride == 1`.
#[target_feature(enable = "avx2,fma")]
unsafe fn store_columns(acc: &[__m256; 2 * TILE_ROWS], out: TileOut, into: TileInto) {
    let zero = _mm256_setzero_ps();
    for half in 0..2 {
        let columns = transpose_8x8([
            acc[half],
            acc[2 + half],
            acc[4 + half],
            acc[6 + half],
            acc[8 + half],
            acc[10 + half],
            zero,
            zero,
        ]);
        for (c, column) in columns
            .iter()
            .enumerate()
            .take(out.cols.saturating_sub(8 * half))
        {
            // SAFETY: column `8 * half + c < cols` of the tile holds
            // `TILE_ROWS` = 4 + 2 contiguous output values (the caller's
            // contract).
            unsafe {
                let at = out.ptr.add((8 * half + c) * out.col_stride);
                let (first, last) = (
                    _mm256_castps256_ps128(*column),
                    _mm256_extractf128_ps::<1>(*column),
                );
                let (first, last) = match into {
                    TileInto::Overwrite => (first, last),
                    TileInto::Add => (
                        _mm_add_ps(_mm_loadu_ps(at), first),
                        _mm_add_ps(_mm_castpd_ps(_mm_load_sd(at.add(4).cast())), last),
                    ),
                    TileInto::AddScaled(scale) => {
                        let scale = _mm_set1_ps(scale);
                        (
                            _mm_fmadd_ps(scale, first, _mm_loadu_ps(at)),
                            _mm_fmadd_ps(scale, last, _mm_castpd_ps(_mm_load_sd(at.add(4).cast()))),
                        )
                    }
                };
                _mm_storeu_ps(at, first);
                _mm_storel_pd(at.add(4).cast(), _mm_castps_pd(last));
            }
        }
    }
}

/// Lands the real part of a tile (an edge tile, or an output whose rows
/// are not contiguous) one value at a time, with the same arithmetic as
/// [`store_whole`].
///
/// # Safety
/// As [`tile`]'s.
#[target_feature(enable = "avx2,fma")]
unsafe fn store_part(acc: &[__m256; 2 * TILE_ROWS], out: TileOut, into: TileInto) {
    let mut tile = [[0.0f32; TILE_COLS]; TILE_ROWS];
    for (r, row) in tile.iter_mut().enumerate() {
        // SAFETY: each row of `tile` holds 16 values, two 8-wide stores.
        unsafe {
            _mm256_storeu_ps(row.as_mut_ptr(), acc[2 * r]);
            _mm256_storeu_ps(row.as_mut_ptr().add(8), acc[2 * r + 1]);
        }
    }
    for (r, row) in tile.iter().enumerate().take(out.rows) {
        for (c, &value) in row.iter().enumerate().take(out.cols) {
            // SAFETY: `r < rows`, `c < cols`: inside the output (the
            // caller's contract).
            let at = unsafe { &mut *out.ptr.add(r * out.row_stride + c * out.col_stride) };
            *at = match into {
                TileInto::Overwrite => value,
                TileInto::Add => *at + value,
                TileInto::AddScaled(scale) => scale.mul_add(value, *at),
            };
        }
    }
}
