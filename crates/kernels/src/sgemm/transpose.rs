//! An 8 x 8 transpose in AVX registers, for packing a transposed input and
//! for landing a tile in a transposed output.

use std::arch::x86_64::{
    __m256, _mm256_permute2f128_ps, _mm256_shuffle_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
};

/// Transposes 8 vectors of 8 values: lane `c` of `rows[r]` becomes lane
/// `r` of the result's vector `c`. Moves values only, so exact.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn transpose_8x8(rows: [__m256; 8]) -> [__m256; 8] {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = rows;
    // interleave pairs of rows: (0 1), (2 3), ...
    let t0 = _mm256_unpacklo_ps(r0, r1);
    let t1 = _mm256_unpackhi_ps(r0, r1);
    let t2 = _mm256_unpacklo_ps(r2, r3);
    let t3 = _mm256_unpackhi_ps(r2, r3);
    let t4 = _mm256_unpacklo_ps(r4, r5);
    let t5 = _mm256_unpackhi_ps(r4, r5);
    let t6 = _mm256_unpacklo_ps(r6, r7);
    let t7 = _mm256_unpackhi_ps(r6, r7);
    // 4 x 4 transposes within each 128-bit half
    let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let s1 = _mm256_shuffle_ps::<0xee>(t0, t2);
    let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let s3 = _mm256_shuffle_ps::<0xee>(t1, t3);
    let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let s5 = _mm256_shuffle_ps::<0xee>(t4, t6);
    let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let s7 = _mm256_shuffle_ps::<0xee>(t5, t7);
    // swap the off-diagonal 4 x 4 blocks
    [
        _mm256_permute2f128_ps::<0x20>(s0, s4),
        _mm256_permute2f128_ps::<0x20>(s1, s5),
        _mm256_permute2f128_ps::<0x20>(s2, s6),
        _mm256_permute2f128_ps::<0x20>(s3, s7),
        _mm256_permute2f128_ps::<0x31>(s0, s4),
        _mm256_permute2f128_ps::<0x31>(s1, s5),
        _mm256_permute2f128_ps::<0x31>(s2, s6),
        _mm256_permute2f128_ps::<0x31>(s3, s7),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_storeu_ps};

    #[test]
    fn lanes_swap_with_vectors() {
        if !is_x86_feature_detected!("avx2") {
            return;
        }
        let values: Vec<f32> = (0..64).map(|v| v as f32).collect();
        // SAFETY: AVX2 is there (checked above); every load and store
        // covers 8 values of a 64-value buffer.
        let out = unsafe {
            let rows = std::array::from_fn(|r| _mm256_loadu_ps(values[8 * r..].as_ptr()));
            let mut out = [0.0f32; 64];
            for (c, column) in transpose_8x8(rows).into_iter().enumerate() {
                _mm256_storeu_ps(out[8 * c..].as_mut_ptr(), column);
            }
            out
        };
        for r in 0..8 {
            for c in 0..8 {
                assert_eq!(out[8 * c + r], values[8 * r + c]);
            }
        }
    }
}
