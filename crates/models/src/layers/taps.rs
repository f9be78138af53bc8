//! The patch matrix of a one-channel window, transposed: one row per kernel
//! tap (`ky x kernel + kx`), one column per output position of every image
//! in a chunk. For one channel a patch row holds only `kernel x kernel`
//! single values, so [`Window::gather`] moves them one by one; laid out by
//! tap, each output row's values are one contiguous span of a shifted
//! input row (at stride 1), copied whole. Convolutions and transposed
//! convolutions whose window has one channel (a first layer on grey
//! digits, a last layer back to them) multiply these rows instead.

use crate::layers::Window;

impl Window {
    /// Kernel taps: rows of the transposed patch matrix.
    pub fn taps(&self) -> usize {
        self.kernel * self.kernel
    }

    /// Writes the taps of `images` (one-channel, `in_len()` values each)
    /// into `taps`: `taps()` rows of `columns` values, image `n`'s output
    /// positions at columns `n x positions()..`, zeros where a tap falls
    /// outside the image. Columns past the images are left as they are.
    pub fn gather_taps(&self, images: &[f32], taps: &mut [f32], columns: usize) {
        debug_assert_eq!(self.channels, 1, "taps are for one-channel windows");
        let (positions, out_w) = (self.positions(), self.out_width);
        for (t, row) in taps.chunks_exact_mut(columns).enumerate() {
            let (ky, kx) = (t / self.kernel, t % self.kernel);
            let (lo, hi) = self.tap_columns(kx);
            for (image, dst) in images
                .chunks_exact(self.in_len())
                .zip(row.chunks_exact_mut(positions))
            {
                for (oy, dst) in dst.chunks_exact_mut(out_w).enumerate() {
                    let Some(iy) = self.input_row(oy, ky) else {
                        dst.fill(0.0);
                        continue;
                    };
                    let src = &image[iy * self.in_width..(iy + 1) * self.in_width];
                    dst[..lo].fill(0.0);
                    dst[hi..].fill(0.0);
                    if lo == hi {
                        continue;
                    }
                    let first = lo * self.stride + kx - self.pad_left;
                    if self.stride == 1 {
                        dst[lo..hi].copy_from_slice(&src[first..first + hi - lo]);
                    } else {
                        for (d, s) in dst[lo..hi]
                            .iter_mut()
                            .zip(src[first..].iter().step_by(self.stride))
                        {
                            *d = *s;
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of [`gather_taps`](Self::gather_taps): adds every tap
    /// back onto the input position it was read from (padding is dropped).
    /// `images` is not cleared first.
    pub fn scatter_add_taps(&self, taps: &[f32], columns: usize, images: &mut [f32]) {
        debug_assert_eq!(self.channels, 1, "taps are for one-channel windows");
        let (positions, out_w) = (self.positions(), self.out_width);
        let in_len = self.in_len();
        for (t, row) in taps.chunks_exact(columns).enumerate() {
            let (ky, kx) = (t / self.kernel, t % self.kernel);
            let (lo, hi) = self.tap_columns(kx);
            if lo == hi {
                continue;
            }
            for (image, src) in images
                .chunks_exact_mut(in_len)
                .zip(row.chunks_exact(positions))
            {
                for (oy, src) in src.chunks_exact(out_w).enumerate() {
                    let Some(iy) = self.input_row(oy, ky) else {
                        continue;
                    };
                    let dst = &mut image[iy * self.in_width..(iy + 1) * self.in_width];
                    let first = lo * self.stride + kx - self.pad_left;
                    let dst = dst[first..].iter_mut().step_by(self.stride);
                    for (d, s) in dst.zip(&src[lo..hi]) {
                        *d += *s;
                    }
                }
            }
        }
    }

    /// The output columns `lo..hi` at which kernel column `kx` reads inside
    /// the image: `lo x stride + kx >= pad_left` and
    /// `ox x stride + kx < in_width + pad_left`.
    fn tap_columns(&self, kx: usize) -> (usize, usize) {
        let lo = self.pad_left.saturating_sub(kx).div_ceil(self.stride);
        let hi = (self.in_width + self.pad_left)
            .saturating_sub(kx)
            .div_ceil(self.stride)
            .min(self.out_width);
        (lo.min(hi), hi)
    }
}

#[cfg(test)]
mod tests {
    use crate::layers::{Padding, Window};

    /// Windows at odd sizes, strides 1 to 3, every padding kind, one
    /// channel, including a kernel wider than the padded image's margin.
    fn windows() -> Vec<Window> {
        [
            (7, 5, 3, 1, Padding::Same),
            (7, 5, 3, 2, Padding::Same),
            (9, 9, 5, 2, Padding::Explicit(2)),
            (6, 7, 2, 2, Padding::Valid),
            (5, 5, 4, 3, Padding::Same),
            (8, 8, 5, 1, Padding::Explicit(3)),
            (28, 28, 5, 1, Padding::Explicit(2)),
        ]
        .into_iter()
        .map(|(h, w, k, s, padding)| Window::of(h, w, 1, k, s, padding).unwrap())
        .collect()
    }

    /// The taps are the patch matrix transposed, image after image: checked
    /// against [`Window::gather`], which walks the windows position by
    /// position.
    #[test]
    fn taps_are_the_patch_matrix_transposed() {
        for win in windows() {
            let images = 3;
            let x: Vec<f32> = (0..images * win.in_len())
                .map(|i| ((i * 7919) % 13) as f32 - 6.0)
                .collect();
            let columns = images * win.positions() + 2;
            let mut taps = vec![f32::NAN; win.taps() * columns];
            win.gather_taps(&x, &mut taps, columns);
            for (n, image) in x.chunks_exact(win.in_len()).enumerate() {
                let mut patches = vec![f32::NAN; win.positions() * win.patch_len()];
                win.gather(image, &mut patches);
                for (position, patch) in patches.chunks_exact(win.patch_len()).enumerate() {
                    for (t, &value) in patch.iter().enumerate() {
                        let tap = taps[t * columns + n * win.positions() + position];
                        assert_eq!(
                            tap, value,
                            "{win:?}: image {n}, position {position}, tap {t}"
                        );
                    }
                }
            }
        }
    }

    /// `<gather_taps(x), p> = <x, scatter_add_taps(p)>` for any x and p.
    #[test]
    fn scatter_taps_is_the_adjoint_of_gather_taps() {
        for win in windows() {
            let images = 2;
            let columns = images * win.positions();
            let x: Vec<f32> = (0..images * win.in_len())
                .map(|i| ((i * 7919) % 13) as f32 - 6.0)
                .collect();
            let p: Vec<f32> = (0..win.taps() * columns)
                .map(|i| ((i * 104_729) % 11) as f32 - 5.0)
                .collect();
            let mut gathered = vec![f32::NAN; p.len()];
            win.gather_taps(&x, &mut gathered, columns);
            let mut scattered = vec![0.0; x.len()];
            win.scatter_add_taps(&p, columns, &mut scattered);
            let lhs: f64 = gathered.iter().zip(&p).map(|(a, b)| f64::from(a * b)).sum();
            let rhs: f64 = x
                .iter()
                .zip(&scattered)
                .map(|(a, b)| f64::from(a * b))
                .sum();
            assert_eq!(lhs, rhs, "{win:?}");
        }
    }
}
