//! The machine's f32 FMA peak on one core, measured: independent chains of
//! fused multiply-adds on the widest registers a path has, enough of them
//! to cover the FMA latency on every port, so the loop runs at the FMA
//! units' throughput and nothing else (no loads, no stores).
//!
//! A peak from the data sheet (ports x width x clock) needs the clock under
//! load, which a VM does not report; the loop measures what the core
//! actually sustains, turbo and the AVX-512 clock offset included.

use std::time::Instant;

use crate::Isa;

/// Iterations of the FMA loop per timing: 1.6 GFLOP on AVX-512, about
/// 15 ms at 100 GFLOP/s.
const ITERATIONS: u64 = 1 << 22;

/// The best f32 GFLOP/s (2 per fused multiply-add) of `repeats` timings
/// of the FMA loop on `isa`'s registers, on the calling thread; `None`
/// where the path has no FMA (the baseline) or the CPU lacks it.
pub fn fma_peak_gflops(isa: Isa, repeats: usize) -> Option<f64> {
    if !isa.is_supported() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        let (lanes, run): (u64, fn(u64) -> f32) = match isa {
            // SAFETY (both): the CPU supports the path, checked above.
            Isa::Avx512 => (16, |n| unsafe { x86::chains_512(n) }),
            Isa::Avx2 => (8, |n| unsafe { x86::chains_256(n) }),
            Isa::Baseline => return None,
        };
        let mut best = 0.0f64;
        for _ in 0..repeats.max(1) {
            let started = Instant::now();
            let result = run(ITERATIONS);
            let seconds = started.elapsed().as_secs_f64();
            std::hint::black_box(result);
            let flop = 2.0 * (ITERATIONS * x86::CHAINS as u64 * lanes) as f64;
            best = best.max(flop / seconds / 1e9);
        }
        Some(best)
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_storeu_ps, _mm512_add_ps,
        _mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps,
    };

    /// Independent FMA chains: 12 covers 2 ports x 4 cycles of latency
    /// with room (Zen 3/4, Intel's big cores).
    pub(super) const CHAINS: usize = 12;

    /// `iterations` rounds of [`CHAINS`] 8-wide FMAs.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn chains_256(iterations: u64) -> f32 {
        let mut acc = [_mm256_set1_ps(1.0); CHAINS];
        let (scale, shift) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, scale, shift);
            }
        }
        let sum = acc
            .iter()
            .fold(_mm256_set1_ps(0.0), |s, &a| _mm256_add_ps(s, a));
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds 8 values.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
        lanes.iter().sum()
    }

    /// `iterations` rounds of [`CHAINS`] 16-wide FMAs.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn chains_512(iterations: u64) -> f32 {
        let mut acc = [_mm512_set1_ps(1.0); CHAINS];
        let (scale, shift) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, scale, shift);
            }
        }
        _mm512_reduce_add_ps(
            acc.iter()
                .fold(_mm512_set1_ps(0.0), |s, &a| _mm512_add_ps(s, a)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fma_path_measures_a_positive_peak() {
        assert_eq!(fma_peak_gflops(Isa::Baseline, 1), None);
        for isa in [Isa::Avx512, Isa::Avx2] {
            match fma_peak_gflops(isa, 1) {
                Some(peak) => assert!(peak > 1.0, "{}: {peak} GFLOP/s", isa.name()),
                None => {
                    assert!(!isa.is_supported());
                    eprintln!("SKIPPED: this CPU lacks {}", isa.name());
                }
            }
        }
    }
}
