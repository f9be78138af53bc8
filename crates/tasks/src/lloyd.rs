//! One start of Lloyd's k-means, as scikit-learn's `_kmeans_single_lloyd`:
//! assign every point to its nearest centre, move each centre to the mean
//! of its points, and stop when no label changed ("strict convergence") or
//! when the summed squared centre shift is at most the tolerance, or after
//! `max_iterations`; without strict convergence the points are assigned once
//! more so that labels match the final centres. An empty cluster takes the
//! point farthest from its centre, as `_relocate_empty_clusters_dense`.
//!
//! Distances are computed in `f32` by differences (not the
//! `|x|^2 - 2x.c + |c|^2` expansion), in blocks of points with a fixed
//! order; centre sums, means and shifts are in `f64`, summed in point
//! order. The run is deterministic for given centres.

use crate::blocks::{Blocked, BLOCK};

/// What one start ended with.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Nearest centre of each point.
    pub labels: Vec<u32>,
    /// Final centres, centred coordinates, `k * dim`, row-major.
    pub centres: Vec<f64>,
    /// Iterations run (centre updates).
    pub iterations: usize,
    /// Whether it stopped before `max_iterations` ran out.
    pub converged: bool,
}

/// Runs Lloyd's iterations from `initial` centres (centred, `k * dim`).
/// `tolerance` is absolute: scikit-learn's `tol * mean variance`.
pub(crate) fn run(
    data: &Blocked,
    initial: &[f32],
    k: usize,
    max_iterations: usize,
    tolerance: f64,
) -> Run {
    let (n, dim) = (data.n, data.dim);
    let mut centres: Vec<f64> = initial.iter().map(|&c| f64::from(c)).collect();
    let mut narrowed = vec![0.0f32; k * dim];
    let mut labels = vec![u32::MAX; n];
    let mut previous = vec![u32::MAX; n];
    let mut distances = vec![0.0f32; n];
    let mut sums = vec![0.0f64; k * dim];
    let mut counts = vec![0u64; k];

    let mut strict = false;
    let mut converged = false;
    let mut iterations = 0;
    while iterations < max_iterations {
        narrow(&centres, &mut narrowed);
        assign(data, &narrowed, &mut labels, &mut distances);
        centre_sums(data, &labels, &mut sums, &mut counts);
        relocate_empty(data, &labels, &distances, &mut sums, &mut counts);

        let mut shift = 0.0f64;
        for ((centre, sum), &count) in centres
            .chunks_exact_mut(dim)
            .zip(sums.chunks_exact(dim))
            .zip(&counts)
        {
            if count == 0 {
                continue;
            }
            for (c, &s) in centre.iter_mut().zip(sum) {
                let moved = s / count as f64;
                let d = moved - *c;
                shift += d * d;
                *c = moved;
            }
        }
        iterations += 1;

        if labels == previous {
            strict = true;
            converged = true;
            break;
        }
        if shift <= tolerance {
            converged = true;
            break;
        }
        std::mem::swap(&mut labels, &mut previous);
    }
    if !strict {
        narrow(&centres, &mut narrowed);
        assign(data, &narrowed, &mut labels, &mut distances);
    }
    Run {
        labels,
        centres,
        iterations,
        converged,
    }
}

/// Writes the centres as `f32`.
fn narrow(centres: &[f64], out: &mut [f32]) {
    for (o, &c) in out.iter_mut().zip(centres) {
        *o = c as f32;
    }
}

/// Nearest centre (first of equals) and its squared distance, per point.
/// `centres` holds the `k` centres as `f32`, row-major (`k * dim`).
pub(crate) fn assign(data: &Blocked, centres: &[f32], labels: &mut [u32], distances: &mut [f32]) {
    let dim = data.dim;
    for (((block, real), labels), distances) in data
        .blocks()
        .zip(labels.chunks_mut(BLOCK))
        .zip(distances.chunks_mut(BLOCK))
    {
        let mut best = [f32::INFINITY; BLOCK];
        let mut arg = [0u32; BLOCK];
        for (index, centre) in centres.chunks_exact(dim).enumerate() {
            let mut acc = [0.0f32; BLOCK];
            for (column, &c) in block.iter().zip(centre) {
                for i in 0..BLOCK {
                    let t = column[i] - c;
                    acc[i] += t * t;
                }
            }
            let index = index as u32;
            for i in 0..BLOCK {
                // Branch-free, so that it vectorises: all ones where closer.
                let mask = 0u32.wrapping_sub(u32::from(acc[i] < best[i]));
                arg[i] = (index & mask) | (arg[i] & !mask);
                best[i] = f32::from_bits((acc[i].to_bits() & mask) | (best[i].to_bits() & !mask));
            }
        }
        labels.copy_from_slice(&arg[..real]);
        distances.copy_from_slice(&best[..real]);
    }
}

/// Per-cluster sums of the (centred) points, in `f64` and point order, and
/// the number of points in each cluster.
fn centre_sums(data: &Blocked, labels: &[u32], sums: &mut [f64], counts: &mut [u64]) {
    let dim = data.dim;
    sums.fill(0.0);
    counts.fill(0);
    for ((block, real), labels) in data.blocks().zip(labels.chunks(BLOCK)) {
        for (i, &l) in labels[..real].iter().enumerate() {
            let l = l as usize;
            counts[l] += 1;
            for (s, column) in sums[l * dim..(l + 1) * dim].iter_mut().zip(block) {
                *s += f64::from(column[i]);
            }
        }
    }
}

/// Gives each empty cluster one of the points farthest from their centres
/// (farthest first, ties to the lower index), taking it out of its own
/// cluster's sum, as scikit-learn does; labels are left as they were. Does
/// nothing when every point sits on its centre.
fn relocate_empty(
    data: &Blocked,
    labels: &[u32],
    distances: &[f32],
    sums: &mut [f64],
    counts: &mut [u64],
) {
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    if empty.is_empty() || distances.iter().all(|&d| d == 0.0) {
        return;
    }
    let dim = data.dim;
    let mut order: Vec<usize> = (0..data.n).collect();
    order.sort_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
    let mut point = vec![0.0f32; dim];
    for (&cluster, &far) in empty.iter().zip(&order) {
        let old = labels[far] as usize;
        data.point(far, &mut point);
        for (j, &x) in point.iter().enumerate() {
            sums[old * dim + j] -= f64::from(x);
            sums[cluster * dim + j] = f64::from(x);
        }
        counts[old] = counts[old].saturating_sub(1);
        counts[cluster] = 1;
    }
}
