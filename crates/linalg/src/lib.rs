//! Dense matrix products for aelab's own kernels: the fused training step
//! in `aelab-train` and PCA's covariance and subspace iteration in
//! `aelab-reduce`. They run on `gemm`, the library under dfdx's CPU
//! matmul, on the calling thread.
//!
//! Matrices are views into slices with a row and a column stride, so a
//! transpose, or a block of columns of a wider matrix, costs nothing; the
//! output can take `out += scale * lhs * rhs`, which lets an SGD update
//! ride along with its gradient product.
//!
//! ```
//! use aelab_linalg::{matmul, ProductInto, View, ViewMut};
//! let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
//! let mut out = [0.0f32; 4];
//! matmul(ViewMut::rows(&mut out, 2, 2), View::rows(&a, 2, 2).t(), View::rows(&a, 2, 2), ProductInto::Overwrite);
//! assert_eq!(out, [10.0, 14.0, 14.0, 20.0]); // a^T a
//! ```

mod matmul;

pub use matmul::{matmul, ProductInto, Scalar, View, ViewMut};
