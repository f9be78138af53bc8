//! [`matmul`], [`matmul_threads`] and the strided views they multiply.

use gemm::{gemm, Parallelism};

/// The element types multiplied here, each with its product kernel.
pub trait Scalar: Copy + 'static {
    const ONE: Self;

    /// `out` from `lhs * rhs` on this type's kernel, split across up to
    /// `threads` threads where the kernel can without changing a bit, the
    /// shapes already checked to chain and `out` not empty; [`matmul`]
    /// calls it.
    #[doc(hidden)]
    fn product(
        out: ViewMut<'_, Self>,
        lhs: View<'_, Self>,
        rhs: View<'_, Self>,
        into: ProductInto<Self>,
        threads: usize,
    );
}

impl Scalar for f32 {
    const ONE: Self = 1.0;

    /// [`crate::sgemm`] on the AVX-512 and AVX2 paths, `gemm` (on the
    /// calling thread only) on the baseline (see [`crate::Isa::active`]).
    fn product(
        out: ViewMut<'_, f32>,
        lhs: View<'_, f32>,
        rhs: View<'_, f32>,
        into: ProductInto<f32>,
        threads: usize,
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::sgemm::{product, Tiles};
            match crate::Isa::active() {
                crate::Isa::Avx512 => return product(out, lhs, rhs, into, Tiles::Wide, threads),
                crate::Isa::Avx2 => return product(out, lhs, rhs, into, Tiles::Narrow, threads),
                crate::Isa::Baseline => {}
            }
        }
        let _ = threads;
        on_gemm(out, lhs, rhs, into);
    }
}

impl Scalar for f64 {
    const ONE: Self = 1.0;

    /// `gemm`, on the calling thread.
    fn product(
        out: ViewMut<'_, f64>,
        lhs: View<'_, f64>,
        rhs: View<'_, f64>,
        into: ProductInto<f64>,
        _threads: usize,
    ) {
        on_gemm(out, lhs, rhs, into);
    }
}

/// Panics unless a `rows x cols` matrix with contiguous rows `row_stride`
/// apart fits in `len` values, with every offset an `isize` (gemm takes
/// signed strides).
fn assert_fits(len: usize, rows: usize, cols: usize, row_stride: usize) {
    let last = (rows.saturating_sub(1))
        .checked_mul(row_stride)
        .and_then(|start| start.checked_add(cols));
    let fits = rows == 0
        || cols == 0
        || (last.is_some_and(|end| end <= len) && row_stride <= isize::MAX as usize);
    assert!(
        fits,
        "{rows} x {cols} matrix (row stride {row_stride}) past a slice of {len}"
    );
}

/// A read-only `rows x cols` matrix inside a slice.
#[derive(Debug, Clone, Copy)]
pub struct View<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) row_stride: usize,
    pub(crate) col_stride: usize,
}

impl<'a, T: Scalar> View<'a, T> {
    /// The first `rows * cols` values of `data`, row-major.
    pub fn rows(data: &'a [T], rows: usize, cols: usize) -> Self {
        View::strided(data, rows, cols, cols)
    }

    /// Rows of `cols` values starting `row_stride` apart: a block of
    /// columns of a wider row-major matrix when `data` starts at the
    /// block's first column.
    pub fn strided(data: &'a [T], rows: usize, cols: usize, row_stride: usize) -> Self {
        assert_fits(data.len(), rows, cols, row_stride);
        View {
            data,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// Rows `rows` of the matrix, without moving data.
    pub(crate) fn row_range(self, rows: std::ops::Range<usize>) -> Self {
        assert!(
            rows.start <= rows.end && rows.end <= self.rows,
            "rows outside the view"
        );
        View {
            data: &self.data[(rows.start * self.row_stride).min(self.data.len())..],
            rows: rows.len(),
            ..self
        }
    }

    /// Columns `cols` of the matrix, without moving data.
    pub(crate) fn col_range(self, cols: std::ops::Range<usize>) -> Self {
        self.t().row_range(cols).t()
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The transpose, without moving data.
    pub fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// A writable `rows x cols` matrix with contiguous rows inside a slice.
#[derive(Debug)]
pub struct ViewMut<'a, T> {
    pub(crate) data: &'a mut [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) row_stride: usize,
}

impl<'a, T: Scalar> ViewMut<'a, T> {
    /// The first `rows * cols` values of `data`, row-major.
    pub fn rows(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        ViewMut::strided(data, rows, cols, cols)
    }

    /// Rows of `cols` values starting `row_stride` apart (at least `cols`:
    /// output rows must not overlap).
    pub fn strided(data: &'a mut [T], rows: usize, cols: usize, row_stride: usize) -> Self {
        assert_fits(data.len(), rows, cols, row_stride);
        assert!(
            rows < 2 || row_stride >= cols,
            "output rows of {cols} values {row_stride} apart overlap"
        );
        ViewMut {
            data,
            rows,
            cols,
            row_stride,
        }
    }
}

/// How a product lands in its output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProductInto<T> {
    /// `out = lhs * rhs`.
    Overwrite,
    /// `out += scale * lhs * rhs`.
    AddScaled(T),
}

/// `out` from `lhs * rhs`, split across the threads of the rayon pool it
/// is called on ([`matmul_threads`] with [`rayon::current_num_threads`]):
/// inside a one-thread pool, as a run trains by default, on that thread
/// alone. The bits do not depend on the thread count.
///
/// # Panics
/// If the shapes do not chain (`lhs.cols != rhs.rows`, or `out` is not
/// `lhs.rows x rhs.cols`).
pub fn matmul<T: Scalar>(
    out: ViewMut<'_, T>,
    lhs: View<'_, T>,
    rhs: View<'_, T>,
    into: ProductInto<T>,
) {
    matmul_threads(rayon::current_num_threads(), out, lhs, rhs, into);
}

/// [`matmul`] split into up to `threads` parts (fewer when a part would be
/// too small to pay for its hand-over) run on the current rayon pool, with
/// the same bits as [`matmul`] whatever `threads`: each part computes its
/// own block of the output, and each value is summed the same way. f64
/// products, and f32 ones on [`crate::Isa::Baseline`], run on the calling
/// thread.
///
/// # Panics
/// As [`matmul`].
pub fn matmul_threads<T: Scalar>(
    threads: usize,
    out: ViewMut<'_, T>,
    lhs: View<'_, T>,
    rhs: View<'_, T>,
    into: ProductInto<T>,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert_eq!(k, rhs.rows, "inner dimensions differ");
    assert_eq!(
        (out.rows, out.cols),
        (m, n),
        "output shape differs from the product's"
    );
    if m == 0 || n == 0 {
        return;
    }
    T::product(out, lhs, rhs, into, threads.max(1));
}

/// `out` from `lhs * rhs` on `gemm` 0.15, on the calling thread (shapes
/// checked by [`matmul`]); `T` must be f32 or f64.
fn on_gemm<T: Scalar>(
    out: ViewMut<'_, T>,
    lhs: View<'_, T>,
    rhs: View<'_, T>,
    into: ProductInto<T>,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    let (read_dst, scale) = match into {
        ProductInto::Overwrite => (false, T::ONE),
        ProductInto::AddScaled(scale) => (true, scale),
    };
    // SAFETY: every view was checked on construction (without overflow) to
    // keep the largest index gemm touches, `(rows - 1) * row_stride +
    // (cols - 1) * col_stride`, inside its slice, with strides that fit an
    // isize (a transpose swaps both pairs, so still fits); `out` is borrowed
    // mutably, so it aliases neither input, and its rows do not overlap; `T`
    // is f32 or f64, which gemm implements.
    unsafe {
        gemm(
            m,
            n,
            k,
            out.data.as_mut_ptr(),
            1,
            out.row_stride as isize,
            read_dst,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            T::ONE,
            scale,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
        (0..cols)
            .flat_map(|c| (0..rows).map(move |r| a[r * cols + c]))
            .collect()
    }

    fn close(x: &[f64], y: &[f64]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-12)
    }

    #[test]
    fn products_with_transposes_and_scaled_accumulation() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.11).cos()).collect();
        let expected = naive(&a, &b, m, k, n);
        let (va, vb) = (View::rows(&a, m, k), View::rows(&b, k, n));

        let mut out = vec![9.0; m * n];
        matmul(
            ViewMut::rows(&mut out, m, n),
            va,
            vb,
            ProductInto::Overwrite,
        );
        assert!(close(&out, &expected), "{out:?} vs {expected:?}");

        let (at, bt) = (transpose(&a, m, k), transpose(&b, k, n));
        let mut out_t = vec![0.0; m * n];
        let (vat, vbt) = (View::rows(&at, k, m).t(), View::rows(&bt, n, k).t());
        matmul(
            ViewMut::rows(&mut out_t, m, n),
            vat,
            vbt,
            ProductInto::Overwrite,
        );
        assert!(close(&out_t, &expected));

        let mut acc = vec![1.0; m * n];
        matmul(
            ViewMut::rows(&mut acc, m, n),
            va,
            vb,
            ProductInto::AddScaled(-0.5),
        );
        let want: Vec<f64> = expected.iter().map(|e| 1.0 - 0.5 * e).collect();
        assert!(close(&acc, &want), "{acc:?} vs {want:?}");
    }

    #[test]
    fn blocks_of_wider_matrices() {
        // a 4 x 6 matrix; multiply its columns 2..5 (transposed) by columns 1..3
        let a: Vec<f64> = (0..24).map(|i| i as f64 * 0.5 - 3.0).collect();
        let a = &a;
        let block = |first: usize, width: usize| -> Vec<f64> {
            (0..4)
                .flat_map(|r| (first..first + width).map(move |c| a[r * 6 + c]))
                .collect()
        };
        let (left, right) = (block(2, 3), block(1, 2));
        let expected = naive(&transpose(&left, 4, 3), &right, 3, 4, 2);
        // written into rows 1..4, columns 2..4 of a 5 x 5 output
        let mut out = [7.0f64; 25];
        matmul(
            ViewMut::strided(&mut out[5 + 2..], 3, 2, 5),
            View::strided(&a[2..], 4, 3, 6).t(),
            View::strided(&a[1..], 4, 2, 6),
            ProductInto::Overwrite,
        );
        for r in 0..3 {
            for c in 0..2 {
                assert!((out[(r + 1) * 5 + c + 2] - expected[r * 2 + c]).abs() < 1e-12);
            }
        }
        assert_eq!(out.iter().filter(|&&v| v == 7.0).count(), 25 - 6);
    }

    #[test]
    #[should_panic(expected = "inner dimensions differ")]
    fn mismatched_shapes_are_refused() {
        let a = [0.0f32; 6];
        let mut out = [0.0f32; 4];
        let v = View::rows(&a, 2, 3);
        matmul(ViewMut::rows(&mut out, 2, 2), v, v, ProductInto::Overwrite);
    }

    #[test]
    #[should_panic(expected = "past a slice")]
    fn views_past_their_slice_are_refused() {
        let a = [0.0f32; 10];
        let _ = View::strided(&a[2..], 3, 3, 4);
    }

    #[test]
    #[should_panic(expected = "past a slice")]
    fn strides_that_overflow_are_refused() {
        let a = [0.0f32; 1];
        let _ = View::strided(&a, 2, 1, usize::MAX);
    }

    #[test]
    #[should_panic(expected = "overlap")]
    fn overlapping_output_rows_are_refused() {
        let mut out = [0.0f32; 8];
        let _ = ViewMut::strided(&mut out, 3, 3, 2);
    }
}
