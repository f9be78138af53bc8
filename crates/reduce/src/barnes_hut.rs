//! t-SNE's repulsive forces by Barnes-Hut (van der Maaten 2014): a
//! quadtree over the map, each cell summarised by its number of points and
//! their centre of mass; a cell seen from point `i` at distance `d` with
//! side `w < theta d` stands in for all its points. Its cost grows as
//! `n log n` whatever the map's extent (the FFT grid of
//! `interpolation.rs` grows with the square of the extent, which is large
//! for 70,000 points).
//!
//! Deterministic whatever the thread count: the tree is built on one
//! thread in point order, each point's sum is its own task, and the
//! normaliser `Z` is summed in point order.

use rayon::prelude::*;

/// Below this side a cell is not split further; coincident points share a leaf.
const SMALLEST_SIDE: f64 = 1e-9;
const NO_CHILD: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Cell {
    centre: [f64; 2],
    half: f64,
    /// Points below, and their centre of mass.
    mass: f64,
    com: [f64; 2],
    /// First of four children (`NO_CHILD` for a leaf).
    children: u32,
    /// A leaf's point (`usize::MAX` when empty).
    point: usize,
}

/// A quadtree over a map, reused from one iteration to the next.
pub(crate) struct BarnesHut {
    theta: f64,
    cells: Vec<Cell>,
    leaf_of: Vec<u32>,
    /// Points in depth-first order of the tree (near points together, so
    /// consecutive traversals reuse the same cells from cache).
    order: Vec<usize>,
    /// Per point in `order`: its force and its share of `Z`.
    results: Vec<([f64; 2], f64)>,
}

impl BarnesHut {
    pub(crate) fn new(theta: f64) -> Self {
        BarnesHut {
            theta,
            cells: Vec::new(),
            leaf_of: Vec::new(),
            order: Vec::new(),
            results: Vec::new(),
        }
    }

    /// Writes `sum_j (1 + r_ij^2)^-2 (y_i - y_j)` (approximately) into
    /// `forces[i]` and returns `Z = sum_{i != j} (1 + r_ij^2)^-1`.
    pub(crate) fn forces(&mut self, y: &[[f64; 2]], forces: &mut [[f64; 2]]) -> f64 {
        if y.is_empty() {
            return 0.0;
        }
        self.build(y);
        let (cells, leaf_of, theta2) = (&self.cells, &self.leaf_of, self.theta * self.theta);
        self.results.resize(y.len(), ([0.0; 2], 0.0));
        self.results
            .par_iter_mut()
            .zip(self.order.par_iter())
            .with_min_len(64)
            .for_each_init(
                || Vec::with_capacity(256),
                |stack: &mut Vec<u32>, (result, &i)| {
                    let p = y[i];
                    let (mut f, mut z) = ([0.0f64; 2], 0.0f64);
                    stack.clear();
                    stack.push(0);
                    while let Some(c) = stack.pop() {
                        let cell = &cells[c as usize];
                        let mut mass = cell.mass;
                        let mut com = cell.com;
                        if leaf_of[i] == c {
                            // leave the point itself out of its own leaf
                            mass -= 1.0;
                            if mass <= 0.0 {
                                continue;
                            }
                            com = [
                                (cell.com[0] * cell.mass - p[0]) / mass,
                                (cell.com[1] * cell.mass - p[1]) / mass,
                            ];
                        }
                        let (dx, dy) = (p[0] - com[0], p[1] - com[1]);
                        let d2 = dx * dx + dy * dy;
                        let side = 2.0 * cell.half;
                        if cell.children == NO_CHILD || side * side < theta2 * d2 {
                            let q = 1.0 / (1.0 + d2);
                            z += mass * q;
                            let w = mass * q * q;
                            f[0] += w * dx;
                            f[1] += w * dy;
                        } else {
                            for k in 0..4 {
                                if cells[(cell.children + k) as usize].mass > 0.0 {
                                    stack.push(cell.children + k);
                                }
                            }
                        }
                    }
                    *result = (f, z);
                },
            );
        // back to point order; Z summed in point order
        for (&i, &(f, _)) in self.order.iter().zip(&self.results) {
            forces[i] = f;
        }
        let mut z_of = vec![0.0f64; y.len()];
        for (&i, &(_, z)) in self.order.iter().zip(&self.results) {
            z_of[i] = z;
        }
        z_of.iter().sum()
    }

    /// The quadtree of `y`, points inserted in order.
    fn build(&mut self, y: &[[f64; 2]]) {
        let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in y {
            for d in 0..2 {
                min[d] = min[d].min(p[d]);
                max[d] = max[d].max(p[d]);
            }
        }
        let half = ((max[0] - min[0]).max(max[1] - min[1]) / 2.0).max(SMALLEST_SIDE) * (1.0 + 1e-9);
        self.cells.clear();
        self.cells.push(Cell {
            centre: [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0],
            half,
            mass: 0.0,
            com: [0.0; 2],
            children: NO_CHILD,
            point: usize::MAX,
        });
        self.leaf_of.clear();
        self.leaf_of.resize(y.len(), 0);
        for i in 0..y.len() {
            self.insert(y, i);
        }
        // leaves in depth-first order
        self.order.clear();
        let mut stack = vec![0u32];
        while let Some(c) = stack.pop() {
            let cell = self.cells[c as usize];
            if cell.children == NO_CHILD {
                if cell.point != usize::MAX {
                    self.order.push(cell.point);
                }
            } else {
                for k in (0..4).rev() {
                    stack.push(cell.children + k);
                }
            }
        }
        // coincident points beyond a leaf's first
        if self.order.len() < y.len() {
            let mut listed = vec![false; y.len()];
            for &i in &self.order {
                listed[i] = true;
            }
            self.order.extend((0..y.len()).filter(|&i| !listed[i]));
        }
    }

    fn insert(&mut self, y: &[[f64; 2]], i: usize) {
        let p = y[i];
        let mut c = 0usize;
        loop {
            let cell = &mut self.cells[c];
            cell.com[0] = (cell.com[0] * cell.mass + p[0]) / (cell.mass + 1.0);
            cell.com[1] = (cell.com[1] * cell.mass + p[1]) / (cell.mass + 1.0);
            cell.mass += 1.0;
            if cell.children != NO_CHILD {
                c = cell.children as usize + quadrant(cell.centre, p);
                continue;
            }
            if cell.point == usize::MAX {
                cell.point = i;
                self.leaf_of[i] = c as u32;
                return;
            }
            if cell.half < SMALLEST_SIDE {
                // coincident points: the leaf holds them all
                self.leaf_of[i] = c as u32;
                return;
            }
            // split the leaf and move its point (one point: mass was 1) down
            let (centre, half, old) = (cell.centre, cell.half / 2.0, cell.point);
            let first = self.cells.len() as u32;
            self.cells[c].children = first;
            self.cells[c].point = usize::MAX;
            for k in 0..4 {
                let sx = if k & 1 == 0 { -1.0 } else { 1.0 };
                let sy = if k & 2 == 0 { -1.0 } else { 1.0 };
                self.cells.push(Cell {
                    centre: [centre[0] + sx * half, centre[1] + sy * half],
                    half,
                    mass: 0.0,
                    com: [0.0; 2],
                    children: NO_CHILD,
                    point: usize::MAX,
                });
            }
            let moved = first as usize + quadrant(centre, y[old]);
            let child = &mut self.cells[moved];
            child.mass = 1.0;
            child.com = y[old];
            child.point = old;
            self.leaf_of[old] = moved as u32;
            c = first as usize + quadrant(centre, p);
        }
    }
}

/// Which child of a cell centred at `centre` holds `p` (bit 0: right, bit 1: up).
fn quadrant(centre: [f64; 2], p: [f64; 2]) -> usize {
    usize::from(p[0] >= centre[0]) | (usize::from(p[1] >= centre[1]) << 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forces_and_normaliser_match_brute_force() {
        let mut y = crate::test_data::clumps_2d();
        y.extend([[5.0, 5.0], [5.0, 5.0]]); // coincident points
        let exact = crate::test_data::brute_force_repulsion(&y);
        let errors = |theta: f64| {
            let mut forces = vec![[0.0; 2]; y.len()];
            let z = BarnesHut::new(theta).forces(&y, &mut forces);
            crate::test_data::repulsion_errors(&exact, &forces, z)
        };
        // theta = 0 visits every point: exact
        let (z0, f0) = errors(0.0);
        assert!(z0 < 1e-12 && f0 < 1e-12, "{z0} {f0}");
        let (z5, f5) = errors(0.5);
        assert!(z5 < 1e-2 && f5 < 5e-2, "{z5} {f5}");
    }
}
