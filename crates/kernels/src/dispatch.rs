//! [`vectorised!`]: one loop body compiled twice, for AVX2 and for the
//! baseline x86-64 (or any other target), picked at run time.
//!
//! Both copies perform the same IEEE operations in the same order (no
//! fused multiply-adds, fixed accumulation lanes), so results are
//! bit-identical whichever runs; only the vector width differs.

/// Defines `$vis fn $name(...)` running `$body`, compiled with AVX2
/// enabled when the CPU has it. The body may call only `#[inline(always)]`
/// helpers (such as [`crate::elementary`]'s) for them to be compiled for
/// AVX2 too.
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
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    portable($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            portable($($arg),*)
        }
    };
}
