//! UMAP (McInnes, Healy and Melville 2018) to 2-D, as umap-learn 0.5 runs
//! it: exact `neighbors`-nearest lists (the point itself counted, as
//! umap-learn counts it), each point's fuzzy memberships
//! `exp(-(d - rho) / sigma)` with `sigma` found by bisection so they sum
//! to `log2(neighbors)`, the fuzzy union `a + b - ab`, edges under
//! `max / epochs` dropped, then stochastic gradient descent on the
//! cross-entropy: each edge sampled in proportion to its weight, five
//! negative samples per positive one, the step shrinking linearly from 1
//! to 0 over the epochs (200 above 10,000 points, else 500), the curve
//! `1 / (1 + a d^2b)` fitted to `min_dist` as umap-learn fits it.
//!
//! The initial layout is umap-learn's spectral one ([`crate::spectral`]):
//! the graph's Laplacian eigenvectors, scaled to [0, 10]. (aelab began
//! from the codes' first two principal components, umap-learn's
//! `init="pca"`; over 10 seeds on 5,000 autoencoder codes those maps'
//! 5-NN accuracy was 0.005 below the spectral start's in aelab and in
//! umap-learn alike, p = 0.13 and 0.14 each: README, "Embeddings at
//! scale".)
//!
//! Differences, by choice: the points are renumbered breadth-first over
//! the graph (so that an edge's ends are mostly near each other in
//! memory), and the descent runs in two parts that see each other's moves
//! once per epoch ([`crate::umap_descent`]), so the map is the same bits
//! whatever the thread count (umap-learn's parallel descent is not
//! reproducible).

use rayon::prelude::*;

use crate::affinities::SparseRows;
use crate::distances::pool;
use crate::knn::nearest_neighbors;
use crate::locality::{breadth_first_order, renumbered};
use crate::spectral::spectral_layout;
use crate::umap_descent::{descend, Curve};
use crate::ReduceError;

/// Settings of [`umap`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UmapParams {
    /// Neighbours per point, the point itself included (umap-learn's `n_neighbors`).
    pub neighbors: usize,
    pub min_dist: f64,
    /// Epochs; `None` is umap-learn's choice (200 above 10,000 points, else 500).
    pub epochs: Option<usize>,
    pub seed: u64,
    /// Threads (at most `THREADS` are used; the map does not depend on it).
    pub threads: usize,
}

impl Default for UmapParams {
    /// umap-learn's defaults.
    fn default() -> Self {
        UmapParams {
            neighbors: 15,
            min_dist: 0.1,
            epochs: None,
            seed: 42,
            threads: crate::machine_threads(),
        }
    }
}

/// Embeds `points` (`dim` values per row) in 2-D; returns `x, y` per row.
pub fn umap(points: &[f32], dim: usize, params: UmapParams) -> Result<Vec<[f32; 2]>, ReduceError> {
    let n = points.len().checked_div(dim).unwrap_or(0);
    if n * dim != points.len() || dim == 0 {
        return Err(ReduceError::Input(format!(
            "UMAP needs whole rows of {dim} values, got {} values",
            points.len()
        )));
    }
    if params.neighbors < 2 || n <= params.neighbors {
        return Err(ReduceError::Input(format!(
            "UMAP of {n} points with {} neighbours needs at least 2 neighbours and more points than neighbours",
            params.neighbors
        )));
    }
    let epochs = params.epochs.unwrap_or(if n > 10_000 { 200 } else { 500 });
    let (a, b) = fit_curve(params.min_dist);
    let curve = Curve {
        a: a as f32,
        b: b as f32,
    };
    pool(params.threads).install(|| {
        let neighbors = nearest_neighbors(points, dim, params.neighbors - 1);
        let graph = keep_strong(
            fuzzy_union(&memberships(&neighbors, params.neighbors)),
            epochs,
        );
        let mut init = spectral_layout(&graph, points, dim, params.seed)?;
        scale_to(&mut init, 10.0);
        let order = breadth_first_order(&graph);
        let graph = renumbered(&graph, &order);
        let mut y: Vec<[f32; 2]> = order
            .iter()
            .map(|&i| init[i as usize].map(|v| v as f32))
            .collect();
        descend(&mut y, &graph, epochs, curve, params.seed);
        let mut map = vec![[0.0f32; 2]; n];
        for (&i, &position) in order.iter().zip(&y) {
            map[i as usize] = position;
        }
        Ok(map)
    })
}

/// Each point's memberships to its neighbours (its own row of the graph).
fn memberships(neighbors: &[Vec<(usize, f32)>], k: usize) -> Vec<Vec<(usize, f64)>> {
    let target = (k as f64).log2();
    let mean_distance = {
        let (sum, count) = neighbors
            .iter()
            .flatten()
            .fold((0.0f64, 0usize), |(s, c), &(_, d)| {
                (s + f64::from(d), c + 1)
            });
        sum / count.max(1) as f64
    };
    neighbors
        .par_iter()
        .map(|row| {
            let distances: Vec<f64> = row.iter().map(|&(_, d)| f64::from(d)).collect();
            let rho = distances.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
            let total = |sigma: f64| -> f64 {
                distances
                    .iter()
                    .map(|&d| {
                        if d - rho > 0.0 {
                            (-(d - rho) / sigma).exp()
                        } else {
                            1.0
                        }
                    })
                    .sum()
            };
            // umap-learn's smooth_knn_dist: 64 bisection steps, tolerance 1e-5
            let (mut low, mut high, mut sigma) = (0.0f64, f64::INFINITY, 1.0f64);
            for _ in 0..64 {
                let sum = total(sigma);
                if (sum - target).abs() < 1e-5 {
                    break;
                }
                if sum > target {
                    high = sigma;
                    sigma = (low + high) / 2.0;
                } else {
                    low = sigma;
                    sigma = if high.is_finite() {
                        (low + high) / 2.0
                    } else {
                        sigma * 2.0
                    };
                }
            }
            let row_mean = distances.iter().sum::<f64>() / distances.len().max(1) as f64;
            let floor = 1e-3 * if rho > 0.0 { row_mean } else { mean_distance };
            let sigma = sigma.max(floor);
            row.iter()
                .zip(&distances)
                .map(|(&(j, _), &d)| {
                    let w = if d - rho > 0.0 {
                        (-(d - rho) / sigma).exp()
                    } else {
                        1.0
                    };
                    (j, w)
                })
                .collect()
        })
        .collect()
}

/// The symmetric fuzzy union `a + b - ab` of the rows, each row sorted by
/// column.
fn fuzzy_union(rows: &[Vec<(usize, f64)>]) -> SparseRows {
    let mut directed: Vec<(u32, u32, f64)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        for &(j, w) in row {
            directed.push((i as u32, j as u32, w));
            directed.push((j as u32, i as u32, w));
        }
    }
    directed.sort_by_key(|x| (x.0, x.1));
    let mut graph = SparseRows {
        offsets: vec![0; rows.len() + 1],
        columns: Vec::with_capacity(directed.len()),
        values: Vec::with_capacity(directed.len()),
    };
    let mut at = 0;
    while at < directed.len() {
        let (head, tail, w) = directed[at];
        let mut next = at + 1;
        // (i, j) from i's row and from j's row, when both hold it
        let weight =
            if next < directed.len() && (directed[next].0, directed[next].1) == (head, tail) {
                let other = directed[next].2;
                next += 1;
                w + other - w * other
            } else {
                w
            };
        graph.columns.push(tail);
        graph.values.push(weight);
        graph.offsets[head as usize + 1] = graph.columns.len();
        at = next;
    }
    // rows without edges end where the row before them does
    for i in 1..graph.offsets.len() {
        graph.offsets[i] = graph.offsets[i].max(graph.offsets[i - 1]);
    }
    graph
}

/// Drops edges under `max / epochs` (they would never be sampled).
fn keep_strong(graph: SparseRows, epochs: usize) -> SparseRows {
    let max = graph.values.iter().copied().fold(0.0f64, f64::max);
    let mut kept = SparseRows {
        offsets: Vec::with_capacity(graph.offsets.len()),
        columns: Vec::new(),
        values: Vec::new(),
    };
    kept.offsets.push(0);
    for row in graph.offsets.windows(2) {
        for e in row[0]..row[1] {
            let weight = graph.values[e];
            if weight >= max / epochs as f64 && weight > 0.0 {
                kept.columns.push(graph.columns[e]);
                kept.values.push(weight);
            }
        }
        kept.offsets.push(kept.columns.len());
    }
    kept
}

fn scale_to(y: &mut [[f64; 2]], size: f64) {
    for d in 0..2 {
        let (min, max) = y
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[d]), hi.max(p[d]))
            });
        let range = if max > min { max - min } else { 1.0 };
        y.iter_mut()
            .for_each(|p| p[d] = size * (p[d] - min) / range);
    }
}

/// `a, b` of `1 / (1 + a x^2b)` fitted by least squares (Levenberg-Marquardt
/// from `(1, 1)`, as scipy's `curve_fit`) to 1 below `min_dist` and
/// `exp(-(x - min_dist))` above, at 300 points of [0, 3] (umap-learn's
/// `find_ab_params` with spread 1).
pub(crate) fn fit_curve(min_dist: f64) -> (f64, f64) {
    let xs: Vec<f64> = (0..300).map(|i| 3.0 * i as f64 / 299.0).collect();
    let target: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                (-(x - min_dist)).exp()
            }
        })
        .collect();
    let cost = |a: f64, b: f64| -> f64 {
        xs.iter()
            .zip(&target)
            .map(|(&x, &t)| {
                let r = 1.0 / (1.0 + a * x.powf(2.0 * b)) - t;
                r * r
            })
            .sum()
    };
    let (mut a, mut b) = (1.0f64, 1.0f64);
    let mut lambda = 1e-3;
    let mut current = cost(a, b);
    for _ in 0..500 {
        // normal equations J^T J + lambda diag, J^T r
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &t) in xs.iter().zip(&target) {
            let u = if x > 0.0 { x.powf(2.0 * b) } else { 0.0 };
            let f = 1.0 / (1.0 + a * u);
            let r = f - t;
            let da = -u * f * f;
            let db = if x > 0.0 {
                -a * u * 2.0 * x.ln() * f * f
            } else {
                0.0
            };
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let (maa, mbb) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
        let det = maa * mbb - jab * jab;
        if det == 0.0 {
            break;
        }
        let step_a = -(mbb * ga - jab * gb) / det;
        let step_b = -(maa * gb - jab * ga) / det;
        let trial = cost(a + step_a, b + step_b);
        if trial < current {
            a += step_a;
            b += step_b;
            let improved = current - trial;
            current = trial;
            lambda = (lambda / 10.0).max(1e-12);
            if improved < 1e-15 * current.max(1e-300) {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn_leave_one_out_accuracy;

    #[test]
    fn curve_matches_umap_learn() {
        // from umap.umap_ import find_ab_params; find_ab_params(1.0, min_dist)
        // (umap-learn 0.5.12, scipy's curve_fit)
        for (min_dist, a, b) in [
            (0.1, 1.576_943_460_465_84, 0.895_060_877_963_997_4),
            (0.5, 0.583_030_020_396_832_9, 1.334_166_992_635_296_6),
            (0.0, 1.932_808_398_005_290_1, 0.790_494_973_695_876_5),
        ] {
            let (fa, fb) = fit_curve(min_dist);
            assert!(
                (fa - a).abs() < 1e-4 && (fb - b).abs() < 1e-4,
                "{min_dist}: {fa} {fb}"
            );
        }
    }

    #[test]
    fn the_union_is_symmetric_and_fuzzy() {
        // row 0 holds 1 at 0.5; row 1 holds 0 at 0.4 and 2 at 1.0
        let rows = vec![vec![(1, 0.5)], vec![(0, 0.4), (2, 1.0)], vec![]];
        let graph = fuzzy_union(&rows);
        let weight = |h: usize, t: u32| {
            (graph.offsets[h]..graph.offsets[h + 1])
                .find(|&e| graph.columns[e] == t)
                .map(|e| graph.values[e])
        };
        assert_eq!(weight(0, 1), Some(0.5 + 0.4 - 0.2));
        assert_eq!(weight(1, 0), Some(0.5 + 0.4 - 0.2));
        assert_eq!(weight(2, 1), Some(1.0));
        assert_eq!(graph.offsets, [0, 1, 3, 4]);
        assert_eq!(graph.columns, [1, 0, 2, 1]);
    }

    #[test]
    fn separates_clusters_with_the_same_bits_on_one_thread_or_two() {
        let (points, labels) = crate::test_data::three_clusters();
        let params = UmapParams::default();
        let a = umap(&points, 5, params).unwrap();
        assert_eq!(a, umap(&points, 5, params).unwrap());
        let one_thread = UmapParams {
            threads: 1,
            ..params
        };
        assert_eq!(a, umap(&points, 5, one_thread).unwrap());
        let flat: Vec<f32> = a.iter().flatten().copied().collect();
        assert!(knn_leave_one_out_accuracy(&flat, &labels, 2, 5) > 0.95);
        assert!(matches!(
            umap(
                &points[..50],
                5,
                UmapParams {
                    neighbors: 15,
                    ..params
                }
            ),
            Err(crate::ReduceError::Input(_))
        ));
    }
}
