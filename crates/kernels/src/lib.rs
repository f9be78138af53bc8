//! Numeric kernels shared by aelab's crates: the fused training step in
//! `aelab-train`, PCA's covariance and subspace iteration in `aelab-reduce`,
//! and the noise draws in `aelab-data`.
//!
//! - [`matmul()`]: dense products, split across the threads of the rayon
//!   pool they are called on ([`matmul_threads`]: across as many as asked):
//!   f32 on our own
//!   AVX-512 or AVX2+FMA kernels (`sgemm`, blocked and packed the BLIS
//!   way) where the CPU has them, otherwise, and for f64, on `gemm`, the
//!   library under dfdx's CPU matmul.
//! - [`elementary`]: `exp`, `ln`, `sin`/`cos` as polynomials that vectorise.
//! - [`vectorised!`]: a loop compiled for AVX-512, AVX2 and the baseline,
//!   picked at run time, with bit-identical results.
//! - [`fma_peak_gflops`]: the core's measured f32 FMA peak on a path, what
//!   the benchmark's "% of peak" is against.
//! - [`Isa`]: those paths; the widest the CPU has runs unless a caller
//!   forces another on its thread ([`with_isa`], how tests cover each).
//!
//! Products are bit-identical from run to run and for any thread count
//! ([`matmul_threads`] splits a product into blocks of its output, each
//! value summed as on one thread). On CPUs with AVX2 and FMA an
//! f32 product's bits depend only on the shapes and values, not on the
//! data's alignment or on which of the two kernels ran, so they match
//! across all such CPUs, with or without AVX-512; `gemm` chooses
//! its kernels and block sizes for the CPU it runs on, so f64 products,
//! and f32 ones on other CPUs, are bit-identical on one kind of CPU, not
//! across kinds.
//!
//! Matrices are views into slices with a row and a column stride, so a
//! transpose, or a block of columns of a wider matrix, costs nothing; the
//! output can take `out += scale * lhs * rhs`, which lets an SGD update
//! ride along with its gradient product.
//!
//! ```
//! use aelab_kernels::{matmul, ProductInto, View, ViewMut};
//! let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
//! let mut out = [0.0f32; 4];
//! matmul(ViewMut::rows(&mut out, 2, 2), View::rows(&a, 2, 2).t(), View::rows(&a, 2, 2), ProductInto::Overwrite);
//! assert_eq!(out, [10.0, 14.0, 14.0, 20.0]); // a^T a
//! ```

#![deny(unsafe_op_in_unsafe_fn)]

mod dispatch;
mod matmul;
mod peak;
#[cfg(target_arch = "x86_64")]
mod sgemm;

pub mod elementary;

pub use dispatch::{with_isa, Isa};
pub use matmul::{matmul, matmul_threads, ProductInto, Scalar, View, ViewMut};
pub use peak::fma_peak_gflops;
