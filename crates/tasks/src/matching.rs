//! Clustering accuracy: the share of points whose cluster is matched to
//! their label under the best one-to-one matching of clusters to labels, as
//! DEC/IDEC/DCEC's `cluster_acc` (scipy's `linear_sum_assignment` on the
//! cluster-by-label counts). The matching is found with the Hungarian
//! method (`pathfinding`'s `kuhn_munkres`) on the clusters that hold points
//! against the labels `0..classes`; when several matchings are best, which
//! one is returned may differ from scipy's, the accuracy does not.
//!
//! As `cluster_acc`, the problem is square of side
//! `D = max(classes, clusters)` with `classes = largest label + 1` and
//! `clusters = largest cluster id + 1`: every cluster is matched to a
//! distinct column `0..D`, and a column at or above `classes` is a label
//! that does not exist (the cluster's points all count as wrong).

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

use crate::{validate, TasksError};

/// The best matching of clusters to labels and what it scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// Share of points whose cluster is matched to their label, 0..=1.
    pub accuracy: f64,
    /// For each cluster id `0..clusters`, the label it is matched to; a
    /// value at or above `classes` means no label (more clusters than
    /// labels, or a cluster id that holds no point). Values are distinct.
    pub mapping: Vec<usize>,
    /// `confusion[t][l]`: points of true label `t` whose cluster is matched
    /// to label `l`. `classes` rows, `max(classes, clusters)` columns; the
    /// diagonal holds the correct points, columns at or above `classes`
    /// the points of unmatched clusters.
    pub confusion: Vec<Vec<usize>>,
    /// Number of label values, largest label + 1.
    pub classes: usize,
}

/// Clustering accuracy: the best one-to-one matching of clusters to labels (Hungarian), as DEC/IDEC/DCEC's `cluster_acc`.
///
/// Fails when the lengths differ, on no points, or on a cluster id at or
/// above the number of points.
pub fn cluster_accuracy(labels: &[u8], assignments: &[usize]) -> Result<Matched, TasksError> {
    validate::partition(labels, assignments)?;
    let n = labels.len();
    let largest = assignments.iter().copied().max().unwrap_or(0);
    if largest >= n {
        return Err(TasksError::ClusterIdTooLarge {
            id: largest,
            points: n,
        });
    }
    let clusters = largest + 1;
    let classes = usize::from(labels.iter().copied().max().unwrap_or(0)) + 1;

    // Clusters that hold points, in id order, and each id's place among them.
    let mut place = vec![usize::MAX; clusters];
    let mut present = Vec::new();
    let mut sorted_ids: Vec<usize> = assignments.to_vec();
    sorted_ids.sort_unstable();
    sorted_ids.dedup();
    for id in sorted_ids {
        place[id] = present.len();
        present.push(id);
    }
    let mut counts = vec![0i64; present.len() * classes];
    for (&label, &id) in labels.iter().zip(assignments) {
        counts[place[id] * classes + usize::from(label)] += 1;
    }

    // Hungarian on the smaller side as rows (kuhn_munkres needs rows <= columns).
    let matched_label: Vec<Option<usize>> = if present.len() <= classes {
        let weights = Matrix::from_vec(present.len(), classes, counts.clone()).map_err(|_| {
            TasksError::Empty {
                what: "assignments",
            }
        })?;
        let (_, columns) = kuhn_munkres(&weights);
        columns.into_iter().map(Some).collect()
    } else {
        let mut transposed = vec![0i64; classes * present.len()];
        for (p, row) in counts.chunks_exact(classes).enumerate() {
            for (l, &c) in row.iter().enumerate() {
                transposed[l * present.len() + p] = c;
            }
        }
        let weights = Matrix::from_vec(classes, present.len(), transposed)
            .map_err(|_| TasksError::Empty { what: "labels" })?;
        let (_, columns) = kuhn_munkres(&weights);
        let mut by_cluster = vec![None; present.len()];
        for (label, p) in columns.into_iter().enumerate() {
            by_cluster[p] = Some(label);
        }
        by_cluster
    };

    let side = classes.max(clusters);
    let mut mapping = vec![usize::MAX; clusters];
    for (p, &id) in present.iter().enumerate() {
        if let Some(label) = matched_label[p] {
            mapping[id] = label;
        }
    }
    // Unmatched clusters take the columns that are no label, in id order.
    let mut taken = vec![false; side];
    for &m in mapping.iter().filter(|&&m| m != usize::MAX) {
        taken[m] = true;
    }
    let mut free = (0..side).filter(|&c| !taken[c]);
    for m in mapping.iter_mut().filter(|m| **m == usize::MAX) {
        *m = free.next().unwrap_or(side);
    }

    let mut confusion = vec![vec![0usize; side]; classes];
    let mut correct = 0usize;
    for (&label, &id) in labels.iter().zip(assignments) {
        let column = mapping[id];
        confusion[usize::from(label)][column] += 1;
        if column == usize::from(label) {
            correct += 1;
        }
    }
    Ok(Matched {
        accuracy: correct as f64 / n as f64,
        mapping,
        confusion,
        classes,
    })
}
