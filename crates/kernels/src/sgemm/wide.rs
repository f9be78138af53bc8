//! The micro-kernels for AVX-512: a block of up to 2 x 2 of [`kernel`]'s
//! 6 x 16 tiles computed at once, from one or two packed `lhs` slivers and
//! one or two `rhs` slivers in the very layout the narrow kernel reads.
//!
//! The whole 12 x 32 block lives in 24 of AVX-512's 32 zmm registers (12
//! rows of two 16-wide halves); each depth step loads one 16-wide step of
//! each `rhs` sliver, broadcasts each of the 12 `lhs` values and issues 24
//! FMAs, twice the narrow kernel's work per broadcast. The smaller blocks
//! (12 x 16, 6 x 32, 6 x 16) cover a product's edges, where only one
//! sliver of a kind is left, so that no part of a product falls back to
//! the 8-wide kernel. Every output value is still one FMA chain over the
//! depth in order, so a block's values are bit-identical to the narrow
//! kernel's tiles; it lands them 16 values a store when its tiles are
//! whole rows of a row-major output, else through the narrow kernel's
//! stores ([`kernel::land`]), with the same arithmetic per value.
//!
//! [`kernel`]: super::kernel

use std::arch::x86_64::{
    __m256, __m512, _mm256_castpd_ps, _mm256_setzero_ps, _mm512_add_ps, _mm512_castps512_ps256,
    _mm512_castps_pd, _mm512_extractf64x4_pd, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps,
    _mm512_setzero_ps, _mm512_storeu_ps,
};

use super::kernel::{self, RhsSliver, TileInto, TileOut, TILE_COLS, TILE_ROWS};

/// Accumulators of the largest block: row `r` (of `6 L`) times `rhs[h]`
/// at `R r + h`, for `R` `rhs` slivers.
type Accumulators = [__m512; 4 * TILE_ROWS];

/// Depth steps per round of the depth loop.
const UNROLL: usize = 4;

/// Computes the `L x R` tiles `out[i][j] = lhs[i] * rhs[j]` over the
/// slivers' depth and lands each as `into` says (`L` and `R` are 1 or 2).
///
/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA. Each of `rhs` and each of
/// `out` must meet [`kernel::tile`]'s contract, and the outputs must not
/// overlap.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn block<const L: usize, const R: usize>(
    lhs: [&[f32]; L],
    rhs: [RhsSliver; R],
    out: [[TileOut; R]; L],
    into: TileInto,
) {
    const { assert!(L >= 1 && L <= 2 && R >= 1 && R <= 2) };
    let depth = rhs[0].depth;
    assert!(
        rhs.iter().all(|r| r.depth == depth) && lhs.iter().all(|l| l.len() == depth * TILE_ROWS),
        "slivers of different depths"
    );
    out.iter().flatten().for_each(kernel::prefetch);

    let mut acc: Accumulators = [_mm512_setzero_ps(); 4 * TILE_ROWS];
    // one depth step: `R` loads, `6 L` broadcasts, `6 L R` FMAs
    let step = |p: usize, acc: &mut Accumulators| {
        let mut steps = [_mm512_setzero_ps(); R];
        for (h, sliver) in rhs.iter().enumerate() {
            // SAFETY: step `p < depth` of each `rhs` sliver holds
            // `TILE_COLS` = 16 values (the contract).
            steps[h] = unsafe { _mm512_loadu_ps(sliver.ptr.add(p * sliver.step_stride)) };
        }
        for r in 0..L * TILE_ROWS {
            let sliver = lhs[r / TILE_ROWS];
            // SAFETY: each `lhs` sliver has `TILE_ROWS` values per step
            // (asserted above): `p * TILE_ROWS + r % TILE_ROWS < depth *
            // TILE_ROWS`.
            let a = _mm512_set1_ps(unsafe { *sliver.as_ptr().add(p * TILE_ROWS + r % TILE_ROWS) });
            for (h, &b) in steps.iter().enumerate() {
                acc[R * r + h] = _mm512_fmadd_ps(a, b, acc[R * r + h]);
            }
        }
    };
    let unrolled = depth / UNROLL * UNROLL;
    for p in (0..unrolled).step_by(UNROLL) {
        for u in 0..UNROLL {
            step(p + u, &mut acc);
        }
    }
    for p in unrolled..depth {
        step(p, &mut acc);
    }

    // SAFETY: the places meet `tile`'s contract (this function's).
    if unsafe { store_whole_block::<L, R>(&acc, &out, into) } {
        return;
    }
    for (i, row_of_tiles) in out.into_iter().enumerate() {
        for (j, tile_out) in row_of_tiles.into_iter().enumerate() {
            // the narrow kernel's registers for tile (i, j): row `r`'s low
            // and high 8 values at `2 r`, `2 r + 1`
            let mut halves: [__m256; 2 * TILE_ROWS] = [_mm256_setzero_ps(); 2 * TILE_ROWS];
            for r in 0..TILE_ROWS {
                let row = acc[R * (TILE_ROWS * i + r) + j];
                halves[2 * r] = _mm512_castps512_ps256(row);
                halves[2 * r + 1] =
                    _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(row)));
            }
            // SAFETY: `tile_out` meets `tile`'s contract (this function's).
            unsafe { kernel::land(&halves, tile_out, into) };
        }
    }
    const _: () = assert!(TILE_COLS == 16, "a zmm register holds one sliver step");
}

/// Lands the block 16 values at a time when its tiles are whole tiles of
/// an output with contiguous rows, side by side as the blocks of
/// `sgemm::compute` place them (the common case); `false`, with nothing
/// written, otherwise. The arithmetic per value is [`kernel::land`]'s: a
/// store, one add, or one fused multiply-add.
///
/// # Safety
/// As [`block`]'s.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn store_whole_block<const L: usize, const R: usize>(
    acc: &Accumulators,
    out: &[[TileOut; R]; L],
    into: TileInto,
) -> bool {
    let first = out[0][0];
    let side_by_side = out.iter().enumerate().all(|(i, row)| {
        row.iter().enumerate().all(|(j, t)| {
            t.rows == TILE_ROWS
                && t.cols == TILE_COLS
                && t.col_stride == 1
                && t.row_stride == first.row_stride
                && t.ptr
                    == first
                        .ptr
                        .wrapping_add(i * TILE_ROWS * first.row_stride + j * TILE_COLS)
        })
    });
    if !side_by_side {
        return false;
    }
    for r in 0..L * TILE_ROWS {
        for h in 0..R {
            // SAFETY: row `r` of the block is row `r % 6` of tile `(r / 6,
            // h)`: 16 contiguous values of the output (checked above; the
            // caller's contract makes them the output's, borrowed for this
            // call).
            unsafe {
                let at = first.ptr.add(r * first.row_stride + TILE_COLS * h);
                let tile = acc[R * r + h];
                let value = match into {
                    TileInto::Overwrite => tile,
                    TileInto::Add => _mm512_add_ps(_mm512_loadu_ps(at), tile),
                    TileInto::AddScaled(scale) => {
                        _mm512_fmadd_ps(_mm512_set1_ps(scale), tile, _mm512_loadu_ps(at))
                    }
                };
                _mm512_storeu_ps(at, value);
            }
        }
    }
    true
}
