//! The instruction sets the kernels are compiled for ([`Isa`]), which one
//! runs ([`Isa::active`]: the widest the CPU has, unless a caller forces
//! another on its thread with [`with_isa`]), and [`vectorised!`]: one loop
//! body compiled for each, picked at run time.
//!
//! A loop's copies perform the same IEEE operations in the same order (no
//! fused multiply-adds, fixed accumulation lanes), so results are
//! bit-identical whichever runs; only the vector width differs. The f32
//! products are bit-identical between [`Isa::Avx512`] and [`Isa::Avx2`]
//! (each value is the same FMA chain, see `sgemm`); on [`Isa::Baseline`]
//! they run on `gemm`, which sums in its own order.

use std::cell::Cell;

/// An instruction set aelab's kernels have a path for, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// The target's baseline (SSE2 on x86-64): loops compiled for it, f32
    /// products on `gemm` (which picks its own kernels for the CPU).
    Baseline,
    /// AVX2 with FMA: loops compiled for AVX2, f32 products on aelab's
    /// 6 x 16 micro-kernel.
    Avx2,
    /// AVX-512F (with AVX2 and FMA): loops compiled for AVX-512, f32
    /// products on the 12 x 32 micro-kernel.
    Avx512,
}

thread_local! {
    static FORCED: Cell<Option<Isa>> = const { Cell::new(None) };
}

impl Isa {
    /// Every path, widest first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Baseline];

    /// The name recorded with a run's results: `avx512`, `avx2` or
    /// `baseline`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the path.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                Isa::Avx2.is_supported() && std::arch::is_x86_feature_detected!("avx512f")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU supports.
    pub fn widest() -> Isa {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.is_supported())
            .unwrap_or(Isa::Baseline)
    }

    /// The path the kernels take on this thread: the one forced by an
    /// enclosing [`with_isa`], else [`Isa::widest`].
    pub fn active() -> Isa {
        FORCED.get().unwrap_or_else(Isa::widest)
    }
}

/// Runs `body` with the kernels on this thread taking `isa`'s path (work
/// that `body` hands to other threads takes theirs): for tests of each
/// path, and for comparing paths on one machine.
///
/// # Panics
/// If the CPU does not support `isa`.
pub fn with_isa<R>(isa: Isa, body: impl FnOnce() -> R) -> R {
    assert!(
        isa.is_supported(),
        "this CPU cannot run the {} kernels",
        isa.name()
    );
    /// Puts back the path forced before, even if `body` panics.
    struct Restore(Option<Isa>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.set(self.0);
        }
    }
    let _restore = Restore(FORCED.replace(Some(isa)));
    body()
}

/// Defines `$vis fn $name(...)` running `$body`, compiled for each
/// [`Isa`] and run on [`Isa::active`]'s. The body may call only
/// `#[inline(always)]` helpers (such as [`crate::elementary`]'s) for them
/// to be compiled for the wider sets too.
///
/// ```
/// aelab_kernels::vectorised! {
///     /// Doubles every value.
///     pub fn double(values: &mut [f32]) {
///         for v in values {
///             *v *= 2.0;
///         }
///     }
/// }
/// let mut v = [1.0, 2.5];
/// double(&mut v);
/// assert_eq!(v, [2.0, 5.0]);
/// ```
#[macro_export]
macro_rules! vectorised {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn portable($($arg: $ty),*) $(-> $ret)? $body

            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    portable($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    portable($($arg),*)
                }
                match $crate::Isa::active() {
                    // SAFETY: `active` is a path the CPU supports.
                    $crate::Isa::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    $crate::Isa::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::Isa::Baseline => {}
                }
            }
            portable($($arg),*)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forcing_a_path_lasts_for_the_body_only() {
        let widest = Isa::widest();
        assert_eq!(Isa::active(), widest);
        let inner = with_isa(Isa::Baseline, || {
            let nested = with_isa(widest, Isa::active);
            (Isa::active(), nested)
        });
        assert_eq!(inner, (Isa::Baseline, widest));
        assert_eq!(Isa::active(), widest);
        let unwound = std::panic::catch_unwind(|| with_isa(Isa::Baseline, || panic!("inside")));
        assert!(unwound.is_err());
        assert_eq!(Isa::active(), widest, "a panic inside restores the path");
    }

    #[test]
    fn the_widest_path_is_supported_and_baseline_always() {
        assert!(Isa::Baseline.is_supported());
        assert!(Isa::widest().is_supported());
        for isa in Isa::ALL {
            if isa > Isa::widest() {
                assert!(!isa.is_supported(), "{isa:?} is wider than the widest");
            }
        }
    }
}

#[cfg(test)]
mod paths {
    use super::{with_isa, Isa};
    use crate::elementary::{exp_clamped, ln_normal};

    crate::vectorised! {
        /// A loop of the kind the training step runs: polynomials,
        /// selects and a sum in fixed lanes.
        fn loss_like(values: &mut [f32]) -> f32 {
            let mut lanes = [0.0f32; 16];
            for (i, v) in values.iter_mut().enumerate() {
                let e = exp_clamped(*v);
                *v = if *v > 0.0 { ln_normal(1.0 + e) } else { e / (1.0 + e) };
                lanes[i % 16] += *v;
            }
            lanes.iter().sum()
        }
    }

    #[test]
    fn vectorised_loops_give_the_same_bits_on_every_path() {
        let start: Vec<f32> = (0..10_007)
            .map(|i| ((i * 7919) % 2001) as f32 / 100.0 - 10.0)
            .collect();
        let run = |isa: Isa| {
            let mut values = start.clone();
            let sum = with_isa(isa, || loss_like(&mut values));
            (
                sum.to_bits(),
                values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            )
        };
        let baseline = run(Isa::Baseline);
        for isa in Isa::ALL.into_iter().filter(|isa| isa.is_supported()) {
            assert!(
                run(isa) == baseline,
                "{} differs from the baseline",
                isa.name()
            );
        }
        for isa in Isa::ALL.into_iter().filter(|isa| !isa.is_supported()) {
            eprintln!(
                "SKIPPED: this CPU lacks {}; its loops went untested",
                isa.name()
            );
        }
    }
}
