//! The 12 x 32 micro-kernel for AVX-512: a 2 x 2 block of [`kernel`]'s
//! 6 x 16 tiles computed at once, from two packed `lhs` slivers and two
//! `rhs` slivers in the very layout the narrow kernel reads.
//!
//! The block lives in 24 of AVX-512's 32 zmm registers (12 rows of two
//! 16-wide halves); each depth step loads one 16-wide step of each `rhs`
//! sliver, broadcasts each of the 12 `lhs` values and issues 24 FMAs,
//! twice the narrow kernel's work per broadcast. Every output value is
//! still one FMA chain over the depth in order, so the block's values are
//! bit-identical to the narrow kernel's four tiles; it lands them through
//! the same stores ([`kernel::land`]).
//!
//! [`kernel`]: super::kernel

use std::arch::x86_64::{
    __m256, __m512, _mm256_castpd_ps, _mm256_setzero_ps, _mm512_castps512_ps256, _mm512_castps_pd,
    _mm512_extractf64x4_pd, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps,
};

use super::kernel::{self, RhsSliver, TileInto, TileOut, TILE_COLS, TILE_ROWS};

/// Computes the four tiles `out[i][j] = lhs[i] * rhs[j]` over the slivers'
/// depth and lands each as `into` says.
///
/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA. Each of `rhs` and each of
/// `out` must meet [`kernel::tile`]'s contract, and the four outputs must
/// not overlap.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn block(
    lhs: [&[f32]; 2],
    rhs: [RhsSliver; 2],
    out: [[TileOut; 2]; 2],
    into: TileInto,
) {
    let depth = rhs[0].depth;
    assert!(
        rhs[1].depth == depth && lhs.iter().all(|l| l.len() == depth * TILE_ROWS),
        "slivers of different depths"
    );
    out.iter().flatten().for_each(kernel::prefetch);

    const ROWS: usize = 2 * TILE_ROWS;
    // row `r` (of 12) times `rhs[h]` at `2 r + h`
    let mut acc: [__m512; 2 * ROWS] = [_mm512_setzero_ps(); 2 * ROWS];
    let (upper, lower) = (lhs[0].as_ptr(), lhs[1].as_ptr());
    for p in 0..depth {
        // SAFETY: step `p < depth` of each `rhs` sliver holds `TILE_COLS`
        // = 16 values (the contract); each `lhs` sliver has `TILE_ROWS`
        // values per step (asserted above).
        let (left, right) = unsafe {
            (
                _mm512_loadu_ps(rhs[0].ptr.add(p * rhs[0].step_stride)),
                _mm512_loadu_ps(rhs[1].ptr.add(p * rhs[1].step_stride)),
            )
        };
        for r in 0..ROWS {
            let sliver = if r < TILE_ROWS { upper } else { lower };
            // SAFETY: `p * TILE_ROWS + r % TILE_ROWS < depth * TILE_ROWS`.
            let a = _mm512_set1_ps(unsafe { *sliver.add(p * TILE_ROWS + r % TILE_ROWS) });
            acc[2 * r] = _mm512_fmadd_ps(a, left, acc[2 * r]);
            acc[2 * r + 1] = _mm512_fmadd_ps(a, right, acc[2 * r + 1]);
        }
    }

    for (i, row_of_tiles) in out.into_iter().enumerate() {
        for (j, tile_out) in row_of_tiles.into_iter().enumerate() {
            // the narrow kernel's registers for tile (i, j): row `r`'s low
            // and high 8 values at `2 r`, `2 r + 1`
            let mut halves: [__m256; 2 * TILE_ROWS] = [_mm256_setzero_ps(); 2 * TILE_ROWS];
            for r in 0..TILE_ROWS {
                let row = acc[2 * (TILE_ROWS * i + r) + j];
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
