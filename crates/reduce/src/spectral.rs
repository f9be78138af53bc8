//! UMAP's initial layout, as umap-learn 0.5's `spectral_layout` makes it:
//! each point's entries in the two eigenvectors of the graph's normalised
//! Laplacian `I - D^-1/2 W D^-1/2` with the smallest eigenvalues after the
//! trivial one, so that strongly joined points start near each other and
//! the clusters start apart. A graph in several pieces gets one layout per
//! piece, each shrunk and placed at its own spot, since a Laplacian's
//! eigenvectors cannot say where unconnected pieces lie relative to each
//! other.
//!
//! The eigenvectors come from Lanczos iteration with full
//! re-orthogonalisation (umap-learn calls ARPACK's, through scipy's
//! `eigsh`, to the same tolerance, 1e-4),
//! on `(I + D^-1/2 W D^-1/2) / 2`, whose largest eigenpairs are the
//! Laplacian's smallest, with the trivial eigenvector `D^1/2 1` projected
//! out. Every product and sum is cut into pieces that do not depend on the
//! thread count, so the layout is the same bits on any number of threads.
//!
//! One difference, by choice: for more than four pieces umap-learn places
//! them by a spectral embedding of their centroids' affinities
//! `exp(-d^2)`; here they are placed by the centroids' first two principal
//! components, which keeps pieces that are far apart in the codes far
//! apart in the map.

use aelab_data::normal::fill_standard_normal;
use linfa_linalg::eigh::EighInto;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::affinities::SparseRows;
use crate::fft_tsne::pca_init;
use crate::pca::dot as dot_in_lanes;
use crate::ReduceError;

/// umap-learn's `eigsh` tolerance: the largest residual `|L x - l x|` of
/// an accepted eigenvector.
const TOLERANCE: f64 = 1e-4;

/// The most Lanczos vectors kept (each holds a value per point).
const MAX_LANCZOS_VECTORS: usize = 240;

/// Lanczos steps between convergence checks.
const CHECK_EVERY: usize = 8;

/// Values per piece of a vector product: sums are added piece by piece in
/// order, so their bits do not depend on the thread count.
const PIECE: usize = 4096;

/// The standard deviation of the noise added to the layout once it is
/// scaled to at most 10 (umap-learn's `noisy_scale_coords`).
const NOISE: f64 = 1e-4;

/// The spectral layout of `graph` (symmetric, non-negative weights; one
/// row per point of `points`, `dim` values each), scaled so that its
/// largest coordinate is 10, with noise from `seed`.
pub(crate) fn spectral_layout(
    graph: &SparseRows,
    points: &[f32],
    dim: usize,
    seed: u64,
) -> Result<Vec<[f64; 2]>, ReduceError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::MAX);
    let mut layout = pieces_layout(graph, points, dim, &mut rng)?;
    let largest = largest_magnitude(layout.iter().flatten());
    let mut noise = vec![0.0f32; 2 * layout.len()];
    fill_standard_normal(&mut rng, &mut noise);
    for (v, z) in layout.iter_mut().flatten().zip(&noise) {
        *v = *v * 10.0 / largest + NOISE * f64::from(*z);
    }
    Ok(layout)
}

/// The layout before scaling: for a connected graph, the eigenvectors;
/// otherwise each piece's coordinates within half the distance from its
/// spot to the nearest other (a piece of at most three points at random
/// there), as umap-learn's `multi_component_layout` places them.
fn pieces_layout(
    graph: &SparseRows,
    points: &[f32],
    dim: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<[f64; 2]>, ReduceError> {
    let n = graph.offsets.len() - 1;
    let (count, labels) = connected_pieces(graph);
    let mut layout = vec![[0.0f64; 2]; n];
    if count == 1 {
        let vectors = smallest_nontrivial_eigenvectors(graph)?;
        for (i, p) in layout.iter_mut().enumerate() {
            *p = [vectors[0][i], vectors[1][i]];
        }
    } else {
        let spots = piece_spots(count, &labels, points, dim)?;
        let mut pieces: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (i, &piece) in labels.iter().enumerate() {
            pieces[piece].push(i);
        }
        for (piece, members) in pieces.into_iter().enumerate() {
            let spot = spots[piece];
            // half the distance to the nearest other spot
            let room = spots
                .iter()
                .map(|s| ((s[0] - spot[0]).powi(2) + (s[1] - spot[1]).powi(2)).sqrt())
                .filter(|&d| d > 0.0)
                .fold(f64::INFINITY, f64::min)
                / 2.0;
            let room = if room.is_finite() { room } else { 1.0 };
            if members.len() <= 3 {
                // too few points for two non-trivial eigenvectors
                for &i in &members {
                    layout[i] = [0, 1].map(|d| spot[d] + rng.gen_range(-room..room));
                }
                continue;
            }
            let vectors = smallest_nontrivial_eigenvectors(&subgraph(graph, &members))?;
            let largest = largest_magnitude(vectors.iter().flatten());
            for (local, &i) in members.iter().enumerate() {
                layout[i] = [0, 1].map(|d| spot[d] + vectors[d][local] * room / largest);
            }
        }
    }
    Ok(layout)
}

/// The number of connected pieces of `graph` and each point's piece,
/// numbered in order of their lowest point.
fn connected_pieces(graph: &SparseRows) -> (usize, Vec<usize>) {
    let n = graph.offsets.len() - 1;
    let mut labels = vec![usize::MAX; n];
    let mut count = 0;
    let mut stack = Vec::new();
    for start in 0..n {
        if labels[start] != usize::MAX {
            continue;
        }
        labels[start] = count;
        stack.push(start);
        while let Some(i) = stack.pop() {
            for &j in &graph.columns[graph.offsets[i]..graph.offsets[i + 1]] {
                if labels[j as usize] == usize::MAX {
                    labels[j as usize] = count;
                    stack.push(j as usize);
                }
            }
        }
        count += 1;
    }
    (count, labels)
}

/// Where each piece goes: for up to four, umap-learn's spots (1, 0),
/// (0, 1), (-1, 0), (0, -1); for more, the first two principal components
/// of the pieces' centroids, scaled to at most 1.
fn piece_spots(
    count: usize,
    labels: &[usize],
    points: &[f32],
    dim: usize,
) -> Result<Vec<[f64; 2]>, ReduceError> {
    if count <= 4 {
        return Ok([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]][..count].to_vec());
    }
    let mut sums = vec![0.0f64; count * dim];
    let mut sizes = vec![0usize; count];
    for (row, &piece) in points.chunks_exact(dim).zip(labels) {
        sizes[piece] += 1;
        for (s, &v) in sums[piece * dim..][..dim].iter_mut().zip(row) {
            *s += f64::from(v);
        }
    }
    let centroids: Vec<f32> = sums
        .chunks_exact(dim)
        .zip(&sizes)
        .flat_map(|(row, &size)| row.iter().map(move |s| (s / size as f64) as f32))
        .collect();
    let mut spots = pca_init(&centroids, dim)?;
    let largest = largest_magnitude(spots.iter().flatten());
    for s in &mut spots {
        *s = s.map(|v| v / largest);
    }
    Ok(spots)
}

/// The rows and columns of `members` (ascending, all of one piece) of
/// `graph`, numbered from 0 in that order.
fn subgraph(graph: &SparseRows, members: &[usize]) -> SparseRows {
    let mut local = vec![u32::MAX; graph.offsets.len() - 1];
    for (r, &i) in members.iter().enumerate() {
        local[i] = r as u32;
    }
    let mut sub = SparseRows {
        offsets: vec![0],
        columns: Vec::new(),
        values: Vec::new(),
    };
    for &i in members {
        for e in graph.offsets[i]..graph.offsets[i + 1] {
            sub.columns.push(local[graph.columns[e] as usize]);
            sub.values.push(graph.values[e]);
        }
        sub.offsets.push(sub.columns.len());
    }
    sub
}

/// The normalised Laplacian's eigenvectors (unit length) with the two
/// smallest eigenvalues after the trivial 0, smallest first, each signed
/// so that its largest entry is positive. `graph` is connected and has at
/// least four points.
fn smallest_nontrivial_eigenvectors(graph: &SparseRows) -> Result<[Vec<f64>; 2], ReduceError> {
    let n = graph.offsets.len() - 1;
    let operator = HalfShiftedAdjacency::new(graph);
    let trivial = operator.trivial_eigenvector();
    let limit = MAX_LANCZOS_VECTORS.min(n - 1);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    // a fixed pseudo-random start: from all ones (umap-learn's), a graph
    // with a mirror symmetry, such as a path, would never show the
    // eigenvectors that change sign under it
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_1a7c);
    let mut start: Vec<f64> = (0..n).map(|_| rng.gen_range(0.5..1.5)).collect();
    project_out(&[trivial.as_slice()], &mut start);
    normalise(&mut start);
    basis.push(start);
    // the projected matrix, tridiagonal: diagonal and off-diagonal
    let mut diagonal = Vec::new();
    let mut off_diagonal = Vec::new();
    loop {
        let current = basis.last().map_or(&[][..], Vec::as_slice);
        let mut next = operator.apply(current);
        let alpha = dot(current, &next);
        diagonal.push(alpha);
        // the three-term recurrence, then one pass of classical
        // Gram-Schmidt against every vector so far (in exact arithmetic it
        // would remove nothing; in floating point Lanczos vectors soon lose
        // their orthogonality without it)
        let previous = basis
            .len()
            .checked_sub(2)
            .map(|p| (&basis[p], off_diagonal[p]));
        next.par_chunks_mut(PIECE)
            .enumerate()
            .for_each(|(piece, next)| {
                let range = piece * PIECE..piece * PIECE + next.len();
                for (x, &q) in next.iter_mut().zip(&current[range.clone()]) {
                    *x -= alpha * q;
                }
                if let Some((before, beta)) = previous {
                    for (x, &q) in next.iter_mut().zip(&before[range.clone()]) {
                        *x -= beta * q;
                    }
                }
            });
        let mut against: Vec<&[f64]> = vec![trivial.as_slice()];
        against.extend(basis.iter().map(Vec::as_slice));
        project_out(&against, &mut next);
        let beta = normalise(&mut next);
        let steps = diagonal.len();
        let exhausted = beta <= 1e-12 || steps == limit;
        if exhausted || steps % CHECK_EVERY == 0 {
            let (values, ritz) = tridiagonal_eigenpairs(&diagonal, &off_diagonal)?;
            let mut order: Vec<usize> = (0..steps).collect();
            order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
            let top = [order[0], order[order.len().min(2) - 1]];
            // |N x - t x| = beta |last entry of x's Ritz coordinates|; the
            // Laplacian's residual is twice that
            let converged = top
                .iter()
                .all(|&c| 2.0 * beta * ritz[[steps - 1, c]].abs() <= TOLERANCE);
            if converged || exhausted {
                tracing::debug!(
                    "spectral layout: {steps} Lanczos steps for {n} points{}",
                    if converged { "" } else { ", not converged" }
                );
                return Ok(top.map(|c| {
                    let coordinates = ritz.column(c);
                    let mut vector = vec![0.0f64; n];
                    for (q, &w) in basis.iter().zip(coordinates.iter()) {
                        vector.iter_mut().zip(q).for_each(|(v, x)| *v += w * x);
                    }
                    normalise(&mut vector);
                    let largest = vector
                        .iter()
                        .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m });
                    if largest < 0.0 {
                        vector.iter_mut().for_each(|v| *v = -*v);
                    }
                    vector
                }));
            }
        }
        off_diagonal.push(beta);
        basis.push(next);
    }
}

/// `N = (I + D^-1/2 W D^-1/2) / 2` of a graph `W` with degrees `D`:
/// eigenvalues in [0, 1], the largest the Laplacian's smallest.
struct HalfShiftedAdjacency<'a> {
    graph: &'a SparseRows,
    /// `1 / sqrt(degree)` per point (0 for a point without edges).
    inverse_root_degree: Vec<f64>,
}

impl<'a> HalfShiftedAdjacency<'a> {
    fn new(graph: &'a SparseRows) -> Self {
        let inverse_root_degree = graph
            .offsets
            .windows(2)
            .map(|row| {
                let degree: f64 = graph.values[row[0]..row[1]].iter().sum();
                if degree > 0.0 {
                    1.0 / degree.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        HalfShiftedAdjacency {
            graph,
            inverse_root_degree,
        }
    }

    /// `D^1/2 1`, unit length: the eigenvector of eigenvalue 1.
    fn trivial_eigenvector(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .inverse_root_degree
            .iter()
            .map(|&s| if s > 0.0 { 1.0 / s } else { 0.0 })
            .collect();
        normalise(&mut v);
        v
    }

    /// `N x`, each row summed in column order.
    fn apply(&self, x: &[f64]) -> Vec<f64> {
        let g = self.graph;
        let s = &self.inverse_root_degree;
        let mut out = vec![0.0f64; x.len()];
        out.par_chunks_mut(PIECE)
            .enumerate()
            .for_each(|(piece, out)| {
                for (local, o) in out.iter_mut().enumerate() {
                    let i = piece * PIECE + local;
                    let row = g.offsets[i]..g.offsets[i + 1];
                    let sum: f64 = g.columns[row.clone()]
                        .iter()
                        .zip(&g.values[row])
                        .map(|(&j, &w)| w * s[j as usize] * x[j as usize])
                        .sum();
                    *o = 0.5 * (x[i] + s[i] * sum);
                }
            });
        out
    }
}

/// Eigenvalues and eigenvectors (columns) of the symmetric tridiagonal
/// matrix with `diagonal` and `off_diagonal` (one shorter).
fn tridiagonal_eigenpairs(
    diagonal: &[f64],
    off_diagonal: &[f64],
) -> Result<(Vec<f64>, Array2<f64>), ReduceError> {
    let m = diagonal.len();
    let t = Array2::from_shape_fn((m, m), |(i, j)| {
        if i == j {
            diagonal[i]
        } else if i + 1 == j {
            off_diagonal[i]
        } else if j + 1 == i {
            off_diagonal[j]
        } else {
            0.0
        }
    });
    let (values, vectors) = t
        .eigh_into()
        .map_err(|e| ReduceError::Eigen(e.to_string()))?;
    Ok((values.to_vec(), vectors))
}

/// Subtracts from `v` its projections on the orthonormal `against`
/// (classical Gram-Schmidt: every coefficient from the same `v`), in one
/// sweep over the pieces of `v` for the coefficients and one for the
/// subtraction.
fn project_out(against: &[&[f64]], v: &mut [f64]) {
    let partial: Vec<Vec<f64>> = v
        .par_chunks(PIECE)
        .enumerate()
        .map(|(piece, v)| {
            let start = piece * PIECE;
            against
                .iter()
                .map(|q| dot_in_lanes(&q[start..start + v.len()], v))
                .collect()
        })
        .collect();
    let coefficients: Vec<f64> = (0..against.len())
        .map(|k| partial.iter().map(|p| p[k]).sum())
        .collect();
    v.par_chunks_mut(PIECE).enumerate().for_each(|(piece, v)| {
        let start = piece * PIECE;
        for (q, &c) in against.iter().zip(&coefficients) {
            let q = &q[start..start + v.len()];
            for (x, &y) in v.iter_mut().zip(q) {
                *x -= c * y;
            }
        }
    });
}

/// Scales `v` to unit length; returns its length before.
fn normalise(v: &mut [f64]) -> f64 {
    let norm = dot(&*v, &*v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    norm
}

/// `a . b`, summed piece by piece in order (each piece on any thread).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let pieces: Vec<f64> = a
        .par_chunks(PIECE)
        .zip(b.par_chunks(PIECE))
        .map(|(a, b)| dot_in_lanes(a, b))
        .collect();
    pieces.iter().sum()
}

/// The largest `|v|` of `values`, at least the smallest positive f64 (a
/// divisor).
fn largest_magnitude<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    values
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph from undirected `edges` (each listed once) on `n` points.
    fn graph(n: usize, edges: &[(usize, usize, f64)]) -> SparseRows {
        let mut rows = vec![Vec::new(); n];
        for &(i, j, w) in edges {
            rows[i].push((j as u32, w));
            rows[j].push((i as u32, w));
        }
        let mut g = SparseRows {
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
        };
        for mut row in rows {
            row.sort_by_key(|&(j, _)| j);
            g.columns.extend(row.iter().map(|&(j, _)| j));
            g.values.extend(row.iter().map(|&(_, w)| w));
            g.offsets.push(g.columns.len());
        }
        g
    }

    fn path(n: usize) -> Vec<(usize, usize, f64)> {
        (1..n).map(|i| (i - 1, i, 1.0)).collect()
    }

    fn ring(n: usize, first: usize) -> Vec<(usize, usize, f64)> {
        (0..n)
            .map(|i| (first + i, first + (i + 1) % n, 1.0))
            .collect()
    }

    #[test]
    fn a_path_gets_its_closed_form_eigenvectors() {
        // on a path of n points, D^-1 W has the eigenvectors cos(pi k i /
        // (n - 1)) with eigenvalues cos(pi k / (n - 1)); the normalised
        // Laplacian's are those times sqrt(degree)
        let n = 30;
        let vectors = smallest_nontrivial_eigenvectors(&graph(n, &path(n))).unwrap();
        for (k, vector) in [1.0, 2.0].iter().zip(&vectors) {
            let mut expected: Vec<f64> = (0..n)
                .map(|i| {
                    let degree = if i == 0 || i == n - 1 { 1.0f64 } else { 2.0 };
                    degree.sqrt() * (std::f64::consts::PI * k * i as f64 / (n - 1) as f64).cos()
                })
                .collect();
            normalise(&mut expected);
            let sign = dot(&expected, vector).signum();
            for (e, v) in expected.iter().zip(vector) {
                assert!((sign * e - v).abs() < 1e-4, "k = {k}: {e} against {v}");
            }
        }
    }

    #[test]
    fn pieces_are_laid_out_apart() {
        // a ring of 12, a path of 10 and a pair: each piece's coordinates
        // within half the distance between spots of its own, umap-learn's
        // (1, 0), (0, 1) and (-1, 0)
        let mut edges = ring(12, 0);
        edges.extend(path(10).iter().map(|&(i, j, w)| (i + 12, j + 12, w)));
        edges.push((22, 23, 0.5));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let layout = pieces_layout(&graph(24, &edges), &[], 0, &mut rng).unwrap();
        let room = std::f64::consts::SQRT_2 / 2.0;
        for (members, spot) in [
            (0..12, [1.0, 0.0]),
            (12..22, [0.0, 1.0]),
            (22..24, [-1.0, 0.0]),
        ] {
            let reach = members
                .flat_map(|i| [0, 1].map(|d| (layout[i][d] - spot[d]).abs()))
                .fold(0.0f64, f64::max);
            assert!(
                reach > 0.1 * room && reach <= room + 1e-9,
                "{spot:?}: {reach}"
            );
        }
    }

    #[test]
    fn more_than_four_pieces_sit_at_the_principal_components_of_their_centroids() {
        // six rings of 5 points whose centroids in 3-D lie at x = 0, 2, ...,
        // 10 with a smaller spread along y (0, 1, 0, 1, 0, 1): the first
        // principal component is the x axis, so the pieces' spots (each
        // piece laid out around its own) come in x order along the first
        // coordinate, scaled to at most 1 (the largest |spot| is 1)
        let (pieces, size) = (6, 5);
        let mut edges = Vec::new();
        let mut points = Vec::new();
        for p in 0..pieces {
            edges.extend(ring(size, p * size));
            for i in 0..size {
                let wobble = 0.01 * i as f32;
                points.extend_from_slice(&[2.0 * p as f32 + wobble, (p % 2) as f32, wobble]);
            }
        }
        let n = pieces * size;
        let spots =
            piece_spots(pieces, &connected_pieces(&graph(n, &edges)).1, &points, 3).unwrap();
        let firsts: Vec<f64> = spots.iter().map(|s| s[0]).collect();
        assert!(
            firsts.windows(2).all(|w| w[1] - w[0] > 0.3),
            "x order along the first coordinate: {firsts:?}"
        );
        // centred: -1 for x = 0 and 1 for x = 10, the others evenly between
        for (p, first) in firsts.iter().enumerate() {
            let expected = -1.0 + 0.4 * p as f64;
            assert!(
                (first - expected).abs() < 0.02,
                "piece {p}: {first} against {expected}"
            );
        }
        // and the layout puts each piece's points around its own spot
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let layout = pieces_layout(&graph(n, &edges), &points, 3, &mut rng).unwrap();
        for (p, spot) in spots.iter().enumerate() {
            let mean = (p * size..(p + 1) * size)
                .map(|i| layout[i][0])
                .sum::<f64>()
                / size as f64;
            assert!((mean - spot[0]).abs() < 0.2, "piece {p}: {mean}");
        }
    }

    #[test]
    fn the_same_bits_on_one_thread_or_two() {
        // a weighted 80 x 80 grid: more points than a piece, so the products
        // are cut into several
        let side = 80;
        let mut edges = Vec::new();
        for r in 0..side {
            for c in 0..side {
                let i = r * side + c;
                let w = 0.5 + ((i * 7919) % 13) as f64 / 13.0;
                if c + 1 < side {
                    edges.push((i, i + 1, w));
                }
                if r + 1 < side {
                    edges.push((i, i + side, w));
                }
            }
        }
        let g = graph(side * side, &edges);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| spectral_layout(&g, &[], 0, 5).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert!(one
            .iter()
            .flatten()
            .all(|v| v.is_finite() && v.abs() <= 10.0 + 1e-3));
    }
}
