//! Windows of a channels-last map laid out as rows of a matrix (im2col),
//! and the adjoint that adds such rows back into a map (col2im): the two
//! halves of every convolution here, forward and backward.

use crate::layers::Window;

/// Patch-matrix values a layer works on at once: a few megabytes, so a
/// chunk's patches stay in cache and whole-set buffers are never built.
pub const PATCH_BUDGET: usize = 1 << 20;

impl Window {
    /// Images handled per chunk so that their patches fit [`PATCH_BUDGET`].
    pub fn images_per_chunk(&self) -> usize {
        (PATCH_BUDGET / (self.positions() * self.patch_len()).max(1)).max(1)
    }

    /// Writes the windows of `image` (`in_height x in_width x channels`)
    /// as rows of `patches` (`positions() x patch_len()`), zeros where a
    /// window overhangs the input. A row is `kernel x kernel x channels`.
    pub fn gather(&self, image: &[f32], patches: &mut [f32]) {
        match self.channels {
            1 => self.gather_by::<1>(image, patches),
            2 => self.gather_by::<2>(image, patches),
            4 => self.gather_by::<4>(image, patches),
            8 => self.gather_by::<8>(image, patches),
            16 => self.gather_by::<16>(image, patches),
            32 => self.gather_by::<32>(image, patches),
            64 => self.gather_by::<64>(image, patches),
            _ => self.gather_any(image, patches),
        }
    }

    /// [`gather`](Self::gather) for `C` channels: each window position's
    /// channels move as one fixed-size block, with no call into `memcpy`.
    fn gather_by<const C: usize>(&self, image: &[f32], patches: &mut [f32]) {
        let row_len = self.kernel * C;
        let width = self.in_width;
        let mut rows = patches.chunks_exact_mut(self.patch_len());
        for oy in 0..self.out_height {
            for ox in 0..self.out_width {
                let patch = rows.next().expect("patches has a row per position");
                let (lo, hi, first) = self.columns(ox);
                for (ky, dst) in patch.chunks_exact_mut(row_len).enumerate() {
                    let Some(iy) = self.input_row(oy, ky) else {
                        dst.fill(0.0);
                        continue;
                    };
                    let (before, rest) = dst.split_at_mut(lo * C);
                    let (inside, after) = rest.split_at_mut((hi - lo) * C);
                    before.fill(0.0);
                    after.fill(0.0);
                    let at = (iy * width + first) * C;
                    let src = &image[at..at + (hi - lo) * C];
                    for (block, from) in inside.chunks_exact_mut(C).zip(src.chunks_exact(C)) {
                        let block: &mut [f32; C] = block.try_into().expect("a block of C");
                        *block = from.try_into().expect("a block of C");
                    }
                }
            }
        }
    }

    /// [`gather`](Self::gather) for any channel count.
    fn gather_any(&self, image: &[f32], patches: &mut [f32]) {
        let c = self.channels;
        let row_len = self.kernel * c;
        let mut rows = patches.chunks_exact_mut(self.patch_len());
        for oy in 0..self.out_height {
            for ox in 0..self.out_width {
                let patch = rows.next().expect("patches has a row per position");
                let (lo, hi, first) = self.columns(ox);
                for ky in 0..self.kernel {
                    let dst = &mut patch[ky * row_len..(ky + 1) * row_len];
                    let Some(iy) = self.input_row(oy, ky) else {
                        dst.fill(0.0);
                        continue;
                    };
                    // the window's columns inside the image are contiguous
                    let at = (iy * self.in_width + first) * c;
                    if lo > 0 {
                        dst[..lo * c].fill(0.0);
                    }
                    copy_short(&mut dst[lo * c..hi * c], &image[at..at + (hi - lo) * c]);
                    if hi < self.kernel {
                        dst[hi * c..].fill(0.0);
                    }
                }
            }
        }
    }

    /// The adjoint of [`gather`](Self::gather): adds each row of `patches`
    /// back onto the positions of `image` its window covers (padding is
    /// dropped). `image` is not cleared first.
    pub fn scatter_add(&self, patches: &[f32], image: &mut [f32]) {
        match self.channels {
            1 => self.scatter_by::<1>(patches, image),
            2 => self.scatter_by::<2>(patches, image),
            4 => self.scatter_by::<4>(patches, image),
            8 => self.scatter_by::<8>(patches, image),
            16 => self.scatter_by::<16>(patches, image),
            32 => self.scatter_by::<32>(patches, image),
            64 => self.scatter_by::<64>(patches, image),
            _ => self.scatter_any(patches, image),
        }
    }

    /// [`scatter_add`](Self::scatter_add) for `C` channels, a fixed-size
    /// block per window position.
    fn scatter_by<const C: usize>(&self, patches: &[f32], image: &mut [f32]) {
        let row_len = self.kernel * C;
        let width = self.in_width;
        let mut rows = patches.chunks_exact(self.patch_len());
        for oy in 0..self.out_height {
            for ox in 0..self.out_width {
                let patch = rows.next().expect("patches has a row per position");
                let (lo, hi, first) = self.columns(ox);
                for (ky, src) in patch.chunks_exact(row_len).enumerate() {
                    let Some(iy) = self.input_row(oy, ky) else {
                        continue;
                    };
                    let row = &mut image[iy * width * C..(iy + 1) * width * C];
                    for kx in lo..hi {
                        let x = first + kx - lo;
                        let dst: &mut [f32; C] = (&mut row[x * C..(x + 1) * C])
                            .try_into()
                            .expect("a block of C");
                        let add: &[f32; C] =
                            src[kx * C..(kx + 1) * C].try_into().expect("a block of C");
                        for (d, a) in dst.iter_mut().zip(add) {
                            *d += a;
                        }
                    }
                }
            }
        }
    }

    /// [`scatter_add`](Self::scatter_add) for any channel count.
    fn scatter_any(&self, patches: &[f32], image: &mut [f32]) {
        let c = self.channels;
        let row_len = self.kernel * c;
        let mut rows = patches.chunks_exact(self.patch_len());
        for oy in 0..self.out_height {
            for ox in 0..self.out_width {
                let patch = rows.next().expect("patches has a row per position");
                let (lo, hi, first) = self.columns(ox);
                for ky in 0..self.kernel {
                    let Some(iy) = self.input_row(oy, ky) else {
                        continue;
                    };
                    let src = &patch[ky * row_len + lo * c..ky * row_len + hi * c];
                    let at = (iy * self.in_width + first) * c;
                    for (d, s) in image[at..at + (hi - lo) * c].iter_mut().zip(src) {
                        *d += s;
                    }
                }
            }
        }
    }

    /// The input row that kernel row `ky` of output row `oy` reads.
    #[inline]
    pub(crate) fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad_top)
            .filter(|&y| y < self.in_height)
    }

    /// For output column `ox`: the kernel columns `lo..hi` that fall inside
    /// the image, and the input column that kernel column `lo` reads.
    #[inline]
    pub(crate) fn columns(&self, ox: usize) -> (usize, usize, usize) {
        let start = ox * self.stride;
        let lo = self.pad_left.saturating_sub(start).min(self.kernel);
        let hi = (self.in_width + self.pad_left)
            .saturating_sub(start)
            .min(self.kernel)
            .max(lo);
        // start + lo >= pad_left whenever lo < hi; 0 when nothing is read
        let first = (start + lo).saturating_sub(self.pad_left);
        (lo, hi, first)
    }

    /// Values in one input image.
    pub fn in_len(&self) -> usize {
        self.in_height * self.in_width * self.channels
    }
}

/// `dst = src` for the short spans of a window row: whole blocks of eight
/// as fixed-size moves, the rest one by one, never a call into `memcpy`
/// (whose set-up costs more than copying a few values).
#[inline]
fn copy_short(dst: &mut [f32], src: &[f32]) {
    let mut to = dst.chunks_exact_mut(8);
    let mut from = src.chunks_exact(8);
    for (d, s) in (&mut to).zip(&mut from) {
        let block: [f32; 8] = s.try_into().expect("a block of eight");
        d.copy_from_slice(&block);
    }
    let (to, from) = (to.into_remainder(), from.remainder());
    #[allow(clippy::manual_memcpy)] // a call into memcpy is what this avoids
    for i in 0..to.len() {
        to[i] = from[i];
    }
}

#[cfg(test)]
mod tests {
    use crate::layers::{Padding, Window};

    /// `<gather(x), p> = <x, scatter_add(p)>` for any x and p: scatter is
    /// gather's adjoint, at odd sizes, strides 1 and 2, every padding.
    #[test]
    fn scatter_is_the_adjoint_of_gather() {
        for (h, w, c, k, s, padding) in [
            (7, 5, 3, 3, 1, Padding::Same),
            (7, 5, 2, 3, 2, Padding::Same),
            (9, 9, 1, 5, 2, Padding::Explicit(2)),
            (6, 7, 2, 2, 2, Padding::Valid),
            (5, 5, 1, 4, 3, Padding::Same),
        ] {
            let win = Window::of(h, w, c, k, s, padding).unwrap();
            let x: Vec<f32> = (0..win.in_len())
                .map(|i| ((i * 7919) % 13) as f32 - 6.0)
                .collect();
            let p: Vec<f32> = (0..win.positions() * win.patch_len())
                .map(|i| ((i * 104_729) % 11) as f32 - 5.0)
                .collect();
            let mut gathered = vec![f32::NAN; p.len()];
            win.gather(&x, &mut gathered);
            let mut scattered = vec![0.0; x.len()];
            win.scatter_add(&p, &mut scattered);
            let lhs: f64 = gathered.iter().zip(&p).map(|(a, b)| f64::from(a * b)).sum();
            let rhs: f64 = x
                .iter()
                .zip(&scattered)
                .map(|(a, b)| f64::from(a * b))
                .sum();
            assert_eq!(lhs, rhs, "{win:?}");
        }
    }

    /// The fixed-size paths give what the general one gives.
    #[test]
    fn every_channel_count_gathers_and_scatters_alike() {
        for c in [1, 2, 3, 4, 8, 16, 32, 64] {
            for (k, s, padding) in [
                (3, 1, Padding::Same),
                (5, 2, Padding::Explicit(1)),
                (2, 2, Padding::Valid),
            ] {
                let win = Window::of(7, 6, c, k, s, padding).unwrap();
                let x: Vec<f32> = (0..win.in_len()).map(|i| (i % 17) as f32).collect();
                let mut fast = vec![f32::NAN; win.positions() * win.patch_len()];
                let mut general = fast.clone();
                win.gather(&x, &mut fast);
                win.gather_any(&x, &mut general);
                assert_eq!(fast, general, "{win:?}");
                let (mut a, mut b) = (vec![0.5; x.len()], vec![0.5; x.len()]);
                win.scatter_add(&fast, &mut a);
                win.scatter_any(&fast, &mut b);
                assert_eq!(a, b, "{win:?}");
            }
        }
    }

    /// A 3x3 'same' window on a 3x3 single-channel image: the centre
    /// position's patch is the image, a corner's is zero-padded.
    #[test]
    fn gather_pads_with_zeros() {
        let win = Window::of(3, 3, 1, 3, 1, Padding::Same).unwrap();
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut p = vec![0.0; 9 * 9];
        win.gather(&x, &mut p);
        assert_eq!(&p[4 * 9..5 * 9], &x[..]);
        assert_eq!(&p[..9], &[0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 5.0]);
    }
}
