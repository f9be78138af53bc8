//! Numeric kernels shared by aelab's crates: the fused training step in
//! `aelab-train`, PCA's covariance and subspace iteration in `aelab-reduce`,
//! and the noise draws in `aelab-data`.
//!
//! - [`matmul()`]: dense products on the calling thread: f32 on our own
//!   AVX2+FMA kernel (`sgemm`, blocked and packed the BLIS way) where the
//!   CPU has both, otherwise, and for f64, on `gemm`, the library under
//!   dfdx's CPU matmul.
//! - [`elementary`]: `exp`, `ln`, `sin`/`cos` as polynomials that vectorise.
//! - [`vectorised!`]: a loop compiled for AVX2 and for the baseline, picked
//!   at run time, with bit-identical results.
//!
//! Products are bit-identical from run to run (and any thread count: every
//! product here runs on the calling thread). On CPUs with AVX2 and FMA an
//! f32 product's bits depend only on the shapes and values, not on the
//! data's alignment, so they match across all such CPUs; `gemm` chooses
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
#[cfg(target_arch = "x86_64")]
mod sgemm;

pub mod elementary;

pub use matmul::{matmul, ProductInto, Scalar, View, ViewMut};
