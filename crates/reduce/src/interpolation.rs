//! t-SNE's repulsive forces by FFT-accelerated interpolation (Linderman et
//! al. 2019, as FIt-SNE and openTSNE compute them): the map is cut into a
//! square grid of boxes with three equispaced interpolation nodes per box
//! and axis; each point spreads four charges (`1, x, y, x^2 + y^2`) onto the
//! nodes of its box by Lagrange weights; the nodes' potentials under the
//! kernel `(1 + r^2)^-2` are one circular convolution per charge (two
//! complex FFTs, two charges packed in each); each point reads its
//! potentials back by the same weights. Then, for point `i`,
//! `sum_j (1 + r_ij^2)^-2 (y_i - y_j) = y_i phi_1 - (phi_x, phi_y)` and
//! `sum_j (1 + r_ij^2)^-1 = (1 + |y_i|^2) phi_1 - 2 y_i . (phi_x, phi_y) +
//! phi_r2`, which gives the normaliser `Z`.
//!
//! The grids and transforms are `f32` (half the memory traffic of `f64`
//! and twice the lanes; the 70,000-digit map took 72 s instead of 106 s,
//! 5-NN accuracy 0.9770 against 0.9771), the points' weights and
//! potentials `f64`.
//!
//! Deterministic whatever the thread count: charges are spread in point
//! order on one thread, each FFT row and each point's read-back is its own
//! task, and `Z` is summed in point order.

use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// Interpolation nodes per box and axis.
const NODES_PER_BOX: usize = 3;
/// Fewest boxes per axis (FIt-SNE's `min_num_intervals`).
const MIN_BOXES: usize = 50;
/// Boxes per unit of map extent (FIt-SNE's `intervals_per_integer`).
const BOXES_PER_UNIT: f64 = 1.0;

/// The grids and FFT plans, reused from one iteration to the next.
pub(crate) struct Interpolation {
    /// Fewest boxes per axis, and boxes per unit of extent.
    min_boxes: usize,
    boxes_per_unit: f64,
    planner: FftPlanner<f32>,
    len: usize,
    forward: Option<Arc<dyn Fft<f32>>>,
    inverse: Option<Arc<dyn Fft<f32>>>,
    /// `(1, x)` and `(y, x^2 + y^2)` packed as complex values, then their potentials.
    grids: [Vec<Complex<f32>>; 2],
    kernel: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Per point: first node per axis and the three weights per axis.
    stencils: Vec<Stencil>,
    sums: Vec<f64>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Stencil {
    node: [usize; 2],
    weights: [[f64; NODES_PER_BOX]; 2],
}

impl Interpolation {
    /// FIt-SNE's and openTSNE's grid: at least 50 boxes, one per unit.
    pub(crate) fn new() -> Self {
        Interpolation::with_grid(MIN_BOXES, BOXES_PER_UNIT)
    }

    /// A grid of at least `min_boxes` boxes per axis, `boxes_per_unit` per
    /// unit of the map's extent (finer is more accurate: the error falls
    /// with the cube of the box width).
    pub(crate) fn with_grid(min_boxes: usize, boxes_per_unit: f64) -> Self {
        Interpolation {
            min_boxes,
            boxes_per_unit,
            planner: FftPlanner::new(),
            len: 0,
            forward: None,
            inverse: None,
            grids: [Vec::new(), Vec::new()],
            kernel: Vec::new(),
            scratch: Vec::new(),
            stencils: Vec::new(),
            sums: Vec::new(),
        }
    }

    /// Writes `sum_j (1 + r_ij^2)^-2 (y_i - y_j)` into `forces[i]` and
    /// returns `Z = sum_{i != j} (1 + r_ij^2)^-1`. Runs its parallel parts
    /// on the current rayon pool.
    pub(crate) fn forces(&mut self, y: &[[f64; 2]], forces: &mut [[f64; 2]]) -> f64 {
        let n = y.len();
        if n == 0 {
            return 0.0;
        }
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in y {
            min = min.min(p[0]).min(p[1]);
            max = max.max(p[0]).max(p[1]);
        }
        let extent = (max - min).max(1e-12);
        let boxes = smooth_at_least(
            self.min_boxes
                .max((extent * self.boxes_per_unit).ceil() as usize),
        );
        let nodes = boxes * NODES_PER_BOX;
        let len = 2 * nodes;
        let box_width = extent / boxes as f64;
        let spacing = box_width / NODES_PER_BOX as f64;
        self.plan(len);

        // where each point falls and its Lagrange weights
        self.stencils.resize(n, Stencil::default());
        self.stencils
            .par_iter_mut()
            .zip(y.par_iter())
            .for_each(|(stencil, point)| {
                for (axis, &coordinate) in point.iter().enumerate() {
                    let at = (coordinate - min) / box_width;
                    let b = (at.floor().max(0.0) as usize).min(boxes - 1);
                    stencil.node[axis] = b * NODES_PER_BOX;
                    stencil.weights[axis] = lagrange_weights(at - b as f64);
                }
            });

        // spread the charges, in point order
        for grid in &mut self.grids {
            grid.clear();
            grid.resize(len * len, Complex::new(0.0, 0.0));
        }
        for (stencil, p) in self.stencils.iter().zip(y) {
            let r2 = p[0] * p[0] + p[1] * p[1];
            for (b, &wy) in stencil.weights[1].iter().enumerate() {
                let row = (stencil.node[1] + b) * len + stencil.node[0];
                for (a, &wx) in stencil.weights[0].iter().enumerate() {
                    let w = wx * wy;
                    self.grids[0][row + a] += Complex::new(w as f32, (w * p[0]) as f32);
                    self.grids[1][row + a] += Complex::new((w * p[1]) as f32, (w * r2) as f32);
                }
            }
        }

        // the kernel on the circular grid of lags, and its spectrum (real:
        // the kernel is even)
        self.kernel.clear();
        self.kernel.resize(len * len, Complex::new(0.0, 0.0));
        self.kernel
            .par_chunks_mut(len)
            .enumerate()
            .for_each(|(row, values)| {
                let dy = lag(row, len) as f64 * spacing;
                for (column, v) in values.iter_mut().enumerate() {
                    let dx = lag(column, len) as f64 * spacing;
                    let q = 1.0 / (1.0 + dx * dx + dy * dy);
                    *v = Complex::new((q * q) as f32, 0.0);
                }
            });
        let forward = self.forward.clone().expect("planned");
        let inverse = self.inverse.clone().expect("planned");
        fft_2d(&mut self.kernel, &mut self.scratch, len, &*forward);
        let scale = 1.0 / (len * len) as f32;
        for grid_index in 0..2 {
            let grid = &mut self.grids[grid_index];
            fft_2d(grid, &mut self.scratch, len, &*forward);
            grid.par_chunks_mut(len)
                .zip(self.kernel.par_chunks(len))
                .for_each(|(values, kernel)| {
                    for (v, k) in values.iter_mut().zip(kernel) {
                        *v *= k.re * scale;
                    }
                });
            fft_2d(grid, &mut self.scratch, len, &*inverse);
        }

        // read the potentials back at each point
        let grids = &self.grids;
        self.sums.resize(n, 0.0);
        forces
            .par_iter_mut()
            .zip(self.sums.par_iter_mut())
            .zip(self.stencils.par_iter().zip(y.par_iter()))
            .for_each(|((force, sum), (stencil, p))| {
                let mut phi = [0.0f64; 4];
                for (b, &wy) in stencil.weights[1].iter().enumerate() {
                    let row = (stencil.node[1] + b) * len + stencil.node[0];
                    for (a, &wx) in stencil.weights[0].iter().enumerate() {
                        let w = wx * wy;
                        let (u, v) = (grids[0][row + a], grids[1][row + a]);
                        phi[0] += w * f64::from(u.re);
                        phi[1] += w * f64::from(u.im);
                        phi[2] += w * f64::from(v.re);
                        phi[3] += w * f64::from(v.im);
                    }
                }
                force[0] = p[0] * phi[0] - phi[1];
                force[1] = p[1] * phi[0] - phi[2];
                let r2 = p[0] * p[0] + p[1] * p[1];
                *sum = (1.0 + r2) * phi[0] - 2.0 * (p[0] * phi[1] + p[1] * phi[2]) + phi[3];
            });
        // every point's own term, (1 + 0)^-1, is not a pair
        self.sums.iter().sum::<f64>() - n as f64
    }

    fn plan(&mut self, len: usize) {
        if self.len != len {
            self.forward = Some(self.planner.plan_fft_forward(len));
            self.inverse = Some(self.planner.plan_fft_inverse(len));
            self.len = len;
        }
    }
}

/// A 2-D transform of a `len x len` row-major grid, rows then columns
/// (through a transpose and back), each row its own task.
fn fft_2d(
    grid: &mut [Complex<f32>],
    transposed: &mut Vec<Complex<f32>>,
    len: usize,
    fft: &dyn Fft<f32>,
) {
    let rows = |values: &mut [Complex<f32>]| {
        values.par_chunks_mut(len).for_each_init(
            || vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()],
            |scratch, row| fft.process_with_scratch(row, scratch),
        );
    };
    rows(grid);
    transposed.resize(len * len, Complex::new(0.0, 0.0));
    transpose(grid, transposed, len);
    rows(transposed);
    transpose(transposed, grid, len);
}

fn transpose(from: &[Complex<f32>], to: &mut [Complex<f32>], len: usize) {
    const TILE: usize = 32;
    to.par_chunks_mut(len * TILE)
        .enumerate()
        .for_each(|(tile_row, out)| {
            let first = tile_row * TILE;
            let rows = out.len() / len;
            for column_start in (0..len).step_by(TILE) {
                for r in 0..rows {
                    for c in column_start..(column_start + TILE).min(len) {
                        out[r * len + c] = from[c * len + first + r];
                    }
                }
            }
        });
}

/// The signed lag of circular index `index` (of `len`, even).
fn lag(index: usize, len: usize) -> isize {
    if index < len / 2 {
        index as isize
    } else {
        index as isize - len as isize
    }
}

/// Weights of the three nodes of a box (at `(j + 0.5) / 3` of its width) for
/// a point at `t` (0..=1) of the box: the Lagrange basis polynomials.
fn lagrange_weights(t: f64) -> [f64; NODES_PER_BOX] {
    let at = |j: usize| (j as f64 + 0.5) / NODES_PER_BOX as f64;
    let mut w = [1.0; NODES_PER_BOX];
    for (j, wj) in w.iter_mut().enumerate() {
        for m in 0..NODES_PER_BOX {
            if m != j {
                *wj *= (t - at(m)) / (at(j) - at(m));
            }
        }
    }
    w
}

/// The least number at least `n` with no prime factor above 5 (fast FFT lengths).
fn smooth_at_least(n: usize) -> usize {
    (n.max(1)..)
        .find(|&m| {
            let mut m = m;
            for p in [2, 3, 5] {
                while m % p == 0 {
                    m /= p;
                }
            }
            m == 1
        })
        .expect("smooth numbers are unbounded")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all pairs, straight from the definitions.
    #[test]
    fn forces_and_normaliser_match_brute_force() {
        let y = crate::test_data::clumps_2d();
        let exact = crate::test_data::brute_force_repulsion(&y);
        let errors = |mut repulsion: Interpolation| {
            let mut forces = vec![[0.0; 2]; y.len()];
            let z = repulsion.forces(&y, &mut forces);
            crate::test_data::repulsion_errors(&exact, &forces, z)
        };
        // openTSNE's grid (about 54 boxes of width 1 here): its accuracy
        let (z_error, force_error) = errors(Interpolation::new());
        assert!(
            z_error < 1e-2 && force_error < 0.1,
            "{z_error} {force_error}"
        );
        // three times finer: the interpolation error falls as the cube
        let (fine_z, fine_force) = errors(Interpolation::with_grid(150, 3.0));
        assert!(fine_z < 3e-4 && fine_force < 3e-3, "{fine_z} {fine_force}");
        assert!(fine_z < z_error / 10.0 && fine_force < force_error / 10.0);
    }

    #[test]
    fn weights_reproduce_quadratics() {
        for t in [0.0, 0.1, 0.5, 0.77, 1.0] {
            let w = lagrange_weights(t);
            let at = |j: usize| (j as f64 + 0.5) / 3.0;
            let f = |x: f64| 2.0 * x * x - x + 0.25;
            let interpolated: f64 = (0..3).map(|j| w[j] * f(at(j))).sum();
            assert!((interpolated - f(t)).abs() < 1e-12);
        }
        assert_eq!(smooth_at_least(49), 50);
        assert_eq!(smooth_at_least(121), 125);
    }
}
