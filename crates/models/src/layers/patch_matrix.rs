//! The patch matrix a convolution (or transposed convolution) multiplies,
//! `rows = output positions` by `cols = kernel x kernel x channels`, kept
//! in whichever layout its window gathers fastest: as rows, one window
//! after another ([`Window::gather`]), or for one-channel windows
//! transposed, one kernel tap after another ([`Window::gather_taps`]).
//! Either way the layers see the same matrix, so conv.rs and deconv.rs
//! hold one version of each product.

use aelab_kernels::{matmul, ProductInto, View, ViewMut};

use crate::layers::Window;

/// How a chunk's patch matrix lies in its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchLayout {
    /// Row-major `[positions, patch_len]`.
    Rows,
    /// Row-major `[patch_len, positions]`: the transpose.
    Taps,
}

impl PatchLayout {
    /// The faster layout for `window`.
    pub(crate) fn of(window: &Window) -> Self {
        if window.channels == 1 {
            PatchLayout::Taps
        } else {
            PatchLayout::Rows
        }
    }

    /// Output positions (matrix rows) of `values` images' worth of
    /// values, `per_image` values each.
    fn rows(window: &Window, values: usize, per_image: usize) -> usize {
        values / per_image.max(1) * window.positions()
    }

    /// The patches of every image in `images`, one after another, into
    /// `buffer`; returns the matrix's rows.
    pub(crate) fn gather(self, window: &Window, images: &[f32], buffer: &mut Vec<f32>) -> usize {
        let m = Self::rows(window, images.len(), window.in_len());
        buffer.resize(m * window.patch_len(), 0.0);
        match self {
            PatchLayout::Rows => {
                let per_image = window.positions() * window.patch_len();
                for (image, rows) in images
                    .chunks_exact(window.in_len())
                    .zip(buffer.chunks_exact_mut(per_image))
                {
                    window.gather(image, rows);
                }
            }
            PatchLayout::Taps => window.gather_taps(images, buffer, m),
        }
        m
    }

    /// Adds the `m`-row matrix in `buffer` back onto `images` (not cleared
    /// first), the adjoint of [`gather`](Self::gather).
    pub(crate) fn scatter_add(self, window: &Window, buffer: &[f32], m: usize, images: &mut [f32]) {
        match self {
            PatchLayout::Rows => {
                let per_image = window.positions() * window.patch_len();
                for (image, rows) in images
                    .chunks_exact_mut(window.in_len())
                    .zip(buffer.chunks_exact(per_image))
                {
                    window.scatter_add(rows, image);
                }
            }
            PatchLayout::Taps => {
                window.scatter_add_taps(&buffer[..m * window.patch_len()], m, images)
            }
        }
    }

    /// The `m x patch_len` matrix in `buffer`, for reading.
    pub(crate) fn view<'a>(self, window: &Window, buffer: &'a [f32], m: usize) -> View<'a, f32> {
        let p = window.patch_len();
        match self {
            PatchLayout::Rows => View::rows(buffer, m, p),
            PatchLayout::Taps => View::rows(buffer, p, m).t(),
        }
    }

    /// `buffer = a b`, an `m x patch_len` matrix (`a` is `m x k`, `b` is
    /// `k x patch_len`), written in this layout: for taps as `b^T a^T`.
    pub(crate) fn product_into(
        self,
        window: &Window,
        buffer: &mut Vec<f32>,
        m: usize,
        a: View<'_, f32>,
        b: View<'_, f32>,
    ) {
        let p = window.patch_len();
        buffer.resize(m * p, 0.0);
        match self {
            PatchLayout::Rows => matmul(ViewMut::rows(buffer, m, p), a, b, ProductInto::Overwrite),
            PatchLayout::Taps => matmul(
                ViewMut::rows(buffer, p, m),
                b.t(),
                a.t(),
                ProductInto::Overwrite,
            ),
        }
    }
}
