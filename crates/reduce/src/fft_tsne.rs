//! t-SNE to 2-D with FFT-accelerated interpolation for the repulsion
//! (`interpolation.rs`), as openTSNE runs it by default: exact neighbour
//! lists (three per unit of perplexity), perplexity-calibrated affinities
//! (`affinities.rs`), a PCA initialisation scaled to a standard deviation
//! of 1e-4, 250 iterations of early exaggeration 12, then 500 without,
//! momentum 0.8, learning rate `n / exaggeration`, gains (+0.2 when the
//! gradient's sign differs from the last update's, else x0.8 + 0.01) and
//! each point's step clipped to length 5 (openTSNE 1.0's `max_step_norm`).
//!
//! The optimisation runs with the points renumbered breadth-first over the
//! affinity graph (`locality.rs`), so that the neighbours each point reads
//! are mostly in cache; the map comes back in the input's order.
//!
//! Reproducible whatever the thread count: every parallel step writes
//! per-point results, and every sum over points runs in point order, so
//! the map is the same bits on one thread or two (on one kind of CPU).

use rayon::prelude::*;

use crate::affinities::{conditional, joint, SparseRows};
use crate::barnes_hut::BarnesHut;
use crate::distances::pool;
use crate::interpolation::Interpolation;
use crate::knn::nearest_neighbors;
use crate::locality::{breadth_first_order, renumbered};
use crate::ReduceError;

/// How the repulsive forces are approximated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repulsion {
    /// FFT-accelerated interpolation on openTSNE's grid (`interpolation.rs`).
    Interpolation,
    /// Barnes-Hut with this opening angle (`barnes_hut.rs`).
    BarnesHut(f64),
}

/// Settings of [`fft_tsne`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FftTsneParams {
    pub perplexity: f64,
    pub repulsion: Repulsion,
    /// Iterations with early exaggeration.
    pub exaggeration_epochs: usize,
    pub exaggeration: f64,
    /// Iterations after it.
    pub epochs: usize,
    /// Threads (at most `THREADS` are used; the map does not depend on it).
    pub threads: usize,
}

impl Default for FftTsneParams {
    /// openTSNE's defaults.
    fn default() -> Self {
        FftTsneParams {
            perplexity: 30.0,
            repulsion: Repulsion::Interpolation,
            exaggeration_epochs: 250,
            exaggeration: 12.0,
            epochs: 500,
            threads: crate::machine_threads(),
        }
    }
}

/// Embeds `points` (`dim` values per row) in 2-D; returns `x, y` per row.
pub fn fft_tsne(
    points: &[f32],
    dim: usize,
    params: FftTsneParams,
) -> Result<Vec<[f32; 2]>, ReduceError> {
    let n = crate::tsne::check_rows(points, dim, params.perplexity)?;
    let pool = pool(params.threads);
    let map = pool.install(|| {
        let k = ((3.0 * params.perplexity) as usize).min(n - 1);
        let neighbors = nearest_neighbors(points, dim, k);
        let p = joint(&neighbors, &conditional(&neighbors, params.perplexity));
        drop(neighbors);
        // optimise in an order where neighbours sit together in memory
        let order = breadth_first_order(&p);
        let p = renumbered(&p, &order);
        let initial = pca_init(points, dim)?;
        let mut y: Vec<[f64; 2]> = order.iter().map(|&i| initial[i as usize]).collect();
        let mut optimiser = Optimiser::new(n, params.repulsion);
        let early = params.exaggeration.max(1.0);
        for _ in 0..params.exaggeration_epochs {
            optimiser.step(&p, &mut y, early, (n as f64 / early).max(50.0));
        }
        for _ in 0..params.epochs {
            optimiser.step(&p, &mut y, 1.0, (n as f64).max(50.0));
        }
        let mut map = vec![[0.0f32; 2]; n];
        for (&i, point) in order.iter().zip(&y) {
            map[i as usize] = [point[0] as f32, point[1] as f32];
        }
        Ok(map)
    });
    map
}

/// Gradient descent with momentum and gains, its buffers kept.
struct Optimiser {
    interpolation: Option<Interpolation>,
    barnes_hut: Option<BarnesHut>,
    attraction: Vec<[f64; 2]>,
    /// `f32` copies of the positions, for the attraction.
    positions: Vec<[f32; 2]>,
    repelled: Vec<[f64; 2]>,
    update: Vec<[f64; 2]>,
    gains: Vec<[f64; 2]>,
}

impl Optimiser {
    fn new(n: usize, repulsion: Repulsion) -> Self {
        let (interpolation, barnes_hut) = match repulsion {
            Repulsion::Interpolation => (Some(Interpolation::new()), None),
            Repulsion::BarnesHut(theta) => (None, Some(BarnesHut::new(theta))),
        };
        Optimiser {
            interpolation,
            barnes_hut,
            attraction: vec![[0.0; 2]; n],
            positions: Vec::with_capacity(n),
            repelled: vec![[0.0; 2]; n],
            update: vec![[0.0; 2]; n],
            gains: vec![[1.0; 2]; n],
        }
    }

    /// One iteration: gradient `exaggeration * attraction - repulsion / Z`.
    fn step(&mut self, p: &SparseRows, y: &mut [[f64; 2]], exaggeration: f64, learning_rate: f64) {
        const MOMENTUM: f64 = 0.8;
        const MAX_STEP: f64 = 5.0;
        let z = match (&mut self.interpolation, &mut self.barnes_hut) {
            (Some(interpolation), _) => interpolation.forces(y, &mut self.repelled),
            (None, Some(barnes_hut)) => barnes_hut.forces(y, &mut self.repelled),
            (None, None) => unreachable!("one repulsion is always chosen"),
        };
        self.positions.clear();
        self.positions
            .extend(y.iter().map(|point| [point[0] as f32, point[1] as f32]));
        let positions = &self.positions;
        self.attraction
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, force)| *force = attraction(p, positions, i));
        let inverse_z = if z > 0.0 { 1.0 / z } else { 0.0 };
        y.par_iter_mut()
            .zip(self.update.par_iter_mut())
            .zip(self.gains.par_iter_mut())
            .zip(self.attraction.par_iter().zip(self.repelled.par_iter()))
            .for_each(|(((point, update), gains), (attraction, repelled))| {
                for d in 0..2 {
                    let gradient = exaggeration * attraction[d] - repelled[d] * inverse_z;
                    gains[d] = if sign(gradient) != sign(update[d]) {
                        gains[d] + 0.2
                    } else {
                        gains[d] * 0.8 + 0.01
                    };
                    update[d] = MOMENTUM * update[d] - learning_rate * gains[d] * gradient;
                }
                let length = update[0].hypot(update[1]);
                if length > MAX_STEP {
                    update[0] *= MAX_STEP / length;
                    update[1] *= MAX_STEP / length;
                }
                point[0] += update[0];
                point[1] += update[1];
            });
        // keep the map centred (a sum in point order)
        let n = y.len() as f64;
        let mut mean = [0.0; 2];
        for point in y.iter() {
            mean[0] += point[0];
            mean[1] += point[1];
        }
        for point in y.iter_mut() {
            point[0] -= mean[0] / n;
            point[1] -= mean[1] / n;
        }
    }
}

/// Edges per step of [`attraction`], each in its own lane: the divisions
/// of a step are independent (and vectorise), and the lanes are summed in
/// a fixed order, so the force does not depend on the vector width.
const EDGE_LANES: usize = 8;

/// Point `i`'s attraction `sum_j p_ij (y_i - y_j) / (1 + |y_i - y_j|^2)`,
/// in `f32` from `f32` copies of the positions: half the bytes of the
/// random reads, twice the lanes per division, and within 1e-6 of the
/// `f64` sum, far below what moves a map.
fn attraction(p: &SparseRows, positions: &[[f32; 2]], i: usize) -> [f64; 2] {
    let yi = positions[i];
    let span = p.offsets[i]..p.offsets[i + 1];
    let (columns, values) = (&p.columns[span.clone()], &p.values[span]);
    let mut lanes = [[0.0f32; EDGE_LANES]; 2];
    let whole = columns.len() / EDGE_LANES * EDGE_LANES;
    let steps = columns[..whole]
        .chunks_exact(EDGE_LANES)
        .zip(values[..whole].chunks_exact(EDGE_LANES));
    for (cs, vs) in steps {
        let mut dx = [0.0f32; EDGE_LANES];
        let mut dy = [0.0f32; EDGE_LANES];
        let mut v = [0.0f32; EDGE_LANES];
        for lane in 0..EDGE_LANES {
            let yj = positions[cs[lane] as usize];
            dx[lane] = yi[0] - yj[0];
            dy[lane] = yi[1] - yj[1];
            v[lane] = vs[lane] as f32;
        }
        for lane in 0..EDGE_LANES {
            let w = v[lane] / (1.0 + dx[lane] * dx[lane] + dy[lane] * dy[lane]);
            lanes[0][lane] += w * dx[lane];
            lanes[1][lane] += w * dy[lane];
        }
    }
    let mut f = [0.0f64; 2];
    for (d, lane_sums) in lanes.iter().enumerate() {
        f[d] = lane_sums.iter().map(|&x| f64::from(x)).sum();
    }
    for (&c, &v) in columns[whole..].iter().zip(&values[whole..]) {
        let yj = positions[c as usize];
        let (dx, dy) = (yi[0] - yj[0], yi[1] - yj[1]);
        let w = v as f32 / (1.0 + dx * dx + dy * dy);
        f[0] += f64::from(w * dx);
        f[1] += f64::from(w * dy);
    }
    f
}

/// -1, 0 or 1, as numpy's `sign`.
fn sign(x: f64) -> i8 {
    i8::from(x > 0.0) - i8::from(x < 0.0)
}

/// The first two principal components of `points` (`pca.rs`), scaled so
/// the first has standard deviation 1e-4 (openTSNE's initialisation);
/// each component's sign makes its largest loading positive.
pub(crate) fn pca_init(points: &[f32], dim: usize) -> Result<Vec<[f64; 2]>, ReduceError> {
    let mut y = crate::pca::leading_two_components(points, dim)?;
    let n = y.len().max(1);
    let sd = (y.iter().map(|p| p[0] * p[0]).sum::<f64>() / n as f64).sqrt();
    let scale = if sd > 0.0 { 1e-4 / sd } else { 1.0 };
    y.iter_mut().for_each(|p| {
        p[0] *= scale;
        p[1] *= scale;
    });
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn_leave_one_out_accuracy;

    #[test]
    fn separates_clusters_the_same_on_one_thread_or_two() {
        let (points, labels) = crate::test_data::three_clusters();
        let params = FftTsneParams {
            perplexity: 10.0,
            exaggeration_epochs: 100,
            epochs: 200,
            ..FftTsneParams::default()
        };
        let two = fft_tsne(&points, 5, params).unwrap();
        let one = fft_tsne(
            &points,
            5,
            FftTsneParams {
                threads: 1,
                ..params
            },
        )
        .unwrap();
        assert_eq!(one, two);
        let flat: Vec<f32> = two.iter().flatten().copied().collect();
        assert!(knn_leave_one_out_accuracy(&flat, &labels, 2, 5) > 0.95);
        assert!(matches!(
            fft_tsne(&points[..100], 5, params),
            Err(ReduceError::Input(_))
        ));
    }

    #[test]
    fn pca_init_finds_the_widest_direction() {
        // points along (3, 4) / 5 with a little spread across it
        let points: Vec<f32> = (0..50)
            .flat_map(|i| {
                let t = i as f32 - 25.0;
                let s = if i % 2 == 0 { 0.1 } else { -0.1 };
                [0.6 * t - 0.8 * s, 0.8 * t + 0.6 * s]
            })
            .collect();
        let y = pca_init(&points, 2).unwrap();
        // first coordinate proportional to t, standard deviation 1e-4
        let sd = (y.iter().map(|p| p[0] * p[0]).sum::<f64>() / 50.0).sqrt();
        assert!((sd - 1e-4).abs() < 1e-12);
        // centred t is i - 24.5
        let ratio = y[10][0] / (10.0 - 24.5);
        assert!(ratio > 0.0);
        for (i, p) in y.iter().enumerate() {
            assert!((p[0] - ratio * (i as f64 - 24.5)).abs() < 1e-9);
        }
    }
}
