//! Exact k-nearest neighbours by brute force in blocks of matrix products
//! (`distances.rs`, on two threads):
//! classification accuracy (Euclidean, majority vote, ties to the class of
//! the nearest tied neighbour) and the neighbour lists t-SNE starts from.

use crate::distances::map_distance_rows;
use crate::plane_neighbors::plane_neighbors;

/// Accuracy of labelling each `query` row by its `k` nearest `reference`
/// rows (`dim` values per row).
pub fn knn_accuracy(
    reference: &[f32],
    reference_labels: &[u8],
    query: &[f32],
    query_labels: &[u8],
    dim: usize,
    k: usize,
) -> f64 {
    accuracy(
        reference,
        reference_labels,
        query,
        query_labels,
        dim,
        k,
        false,
    )
}

/// Leave-one-out accuracy of `k`-NN within one set of points (each point is
/// labelled by its `k` nearest others), e.g. for a 2-D t-SNE map.
pub fn knn_leave_one_out_accuracy(points: &[f32], labels: &[u8], dim: usize, k: usize) -> f64 {
    accuracy(points, labels, points, labels, dim, k, true)
}

fn accuracy(
    reference: &[f32],
    reference_labels: &[u8],
    query: &[f32],
    query_labels: &[u8],
    dim: usize,
    k: usize,
    leave_one_out: bool,
) -> f64 {
    let n_query = query_labels.len();
    assert_eq!(
        reference.len(),
        reference_labels.len() * dim,
        "reference rows"
    );
    assert_eq!(query.len(), n_query * dim, "query rows");
    if n_query == 0 || reference_labels.len() <= usize::from(leave_one_out) {
        return f64::NAN;
    }
    let correct = map_nearest(reference, query, dim, k, leave_one_out, |i, nearest| {
        let labelled: Vec<(f32, u8)> = nearest
            .iter()
            .map(|&(d, j)| (d, reference_labels[j]))
            .collect();
        vote(&labelled) == query_labels[i]
    });
    correct.iter().filter(|&&c| c).count() as f64 / n_query as f64
}

/// The `k` nearest other points of every point, nearest first, with their
/// Euclidean distances; ties are broken by index, so the result does not
/// depend on anything but the data.
pub fn nearest_neighbors(points: &[f32], dim: usize, k: usize) -> Vec<Vec<(usize, f32)>> {
    map_nearest(points, points, dim, k, true, |i, nearest| {
        let row = &points[i * dim..(i + 1) * dim];
        nearest
            .iter()
            .map(|&(_, j)| {
                let other = &points[j * dim..(j + 1) * dim];
                let d2: f32 = row.iter().zip(other).map(|(a, b)| (a - b) * (a - b)).sum();
                (j, d2.sqrt())
            })
            .collect()
    })
}

/// `per_row(query_index, nearest)` for every query row, `nearest` being its
/// `k` nearest reference rows as `(squared distance, index)`, nearest first
/// (ties by index); with `exclude_self`, query `i` skips reference `i`.
fn map_nearest<T: Send>(
    reference: &[f32],
    query: &[f32],
    dim: usize,
    k: usize,
    exclude_self: bool,
    per_row: impl Fn(usize, &[(f32, usize)]) -> T + Sync,
) -> Vec<T> {
    if dim == 2 && exclude_self && std::ptr::eq(reference, query) {
        // maps: a grid search instead of all pairs
        return plane_neighbors(query, k)
            .iter()
            .enumerate()
            .map(|(i, nearest)| per_row(i, nearest))
            .collect();
    }
    map_distance_rows(reference, query, dim, None, |query_index, row| {
        let mut nearest: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
        for (chunk_index, chunk) in row.chunks(SCAN_CHUNK).enumerate() {
            // once the list is full, a chunk with nothing nearer than its
            // last entry changes nothing: one vectorised minimum skips it
            if nearest.len() == k {
                // a select, not `f32::min`, so that the loop vectorises
                let least = chunk
                    .iter()
                    .fold(f32::INFINITY, |m, &d| if d < m { d } else { m });
                if k == 0 || least >= nearest[k - 1].0 {
                    continue;
                }
            }
            for (offset, &d) in chunk.iter().enumerate() {
                let j = chunk_index * SCAN_CHUNK + offset;
                if k > 0 && (nearest.len() < k || d < nearest[nearest.len() - 1].0) {
                    if exclude_self && j == query_index {
                        continue;
                    }
                    let at = nearest.partition_point(|&(e, _)| e <= d);
                    nearest.insert(at, (d, j));
                    nearest.truncate(k);
                }
            }
        }
        per_row(query_index, &nearest)
    })
}

/// Distances scanned per step of the neighbour search.
const SCAN_CHUNK: usize = 64;

/// Majority label of `nearest` (sorted by distance); ties go to the label
/// whose first neighbour is nearest.
fn vote(nearest: &[(f32, u8)]) -> u8 {
    let mut counts = [0usize; 256];
    for &(_, label) in nearest {
        counts[usize::from(label)] += 1;
    }
    let best = nearest
        .iter()
        .map(|&(_, l)| counts[usize::from(l)])
        .max()
        .unwrap_or(0);
    nearest
        .iter()
        .find(|&&(_, l)| counts[usize::from(l)] == best)
        .map_or(0, |&(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_clusters_are_classified_and_noise_is_not() {
        let reference = [0.0, 0.0, 0.1, 0.0, 0.0, 0.1, 5.0, 5.0, 5.1, 5.0, 5.0, 5.1];
        let labels = [1, 1, 1, 2, 2, 2];
        let query = [0.05, 0.05, 4.9, 5.0];
        assert_eq!(
            knn_accuracy(&reference, &labels, &query, &[1, 2], 2, 3),
            1.0
        );
        assert_eq!(
            knn_accuracy(&reference, &labels, &query, &[2, 1], 2, 3),
            0.0
        );
        assert_eq!(knn_leave_one_out_accuracy(&reference, &labels, 2, 2), 1.0);
    }

    #[test]
    fn leave_one_out_excludes_the_point_itself() {
        // each point's only same-label partner is far; with itself excluded the vote is wrong
        let points = [0.0, 10.0, 0.1, 10.1];
        let labels = [1, 2, 2, 1];
        assert_eq!(knn_leave_one_out_accuracy(&points, &labels, 1, 1), 0.0);
        assert_eq!(knn_accuracy(&points, &labels, &points, &labels, 1, 1), 1.0);
    }

    #[test]
    fn neighbour_lists_are_exact_and_break_ties_by_index() {
        let points = [0.0, 1.0, 1.0, 3.0, -1.0];
        let lists = nearest_neighbors(&points, 1, 2);
        assert_eq!(lists[0], vec![(1, 1.0), (2, 1.0)]);
        assert_eq!(lists[3], vec![(1, 2.0), (2, 2.0)]);
        assert_eq!(lists[4][0], (0, 1.0));
    }

    #[test]
    fn ties_go_to_the_nearest() {
        assert_eq!(vote(&[(0.1, 3), (0.2, 4), (0.3, 4), (0.4, 3)]), 3);
        assert_eq!(vote(&[(0.1, 3), (0.2, 4), (0.3, 4)]), 4);
    }
}
