//! Agreement between labels and clusters that needs no matching:
//! normalised mutual information and the adjusted Rand index, computed as
//! scikit-learn 1.9's `normalized_mutual_info_score` (arithmetic mean
//! normalisation, natural logarithms, the same special cases) and
//! `adjusted_rand_score` (from the pair confusion matrix, in exact integers:
//! `i128` here, Python's integers there). Cluster ids may be any values.

use crate::{validate, TasksError};

/// The non-zero cells of the label-by-cluster contingency table, with the
/// row (label) and column (cluster) totals.
struct Contingency {
    /// `(row, column, count)` of each non-zero cell.
    cells: Vec<(usize, usize, u64)>,
    /// Points per label present.
    rows: Vec<u64>,
    /// Points per cluster present.
    columns: Vec<u64>,
    /// Number of points.
    n: u64,
}

impl Contingency {
    fn new(labels: &[u8], assignments: &[usize]) -> Self {
        let mut pairs: Vec<(u8, usize)> = labels
            .iter()
            .copied()
            .zip(assignments.iter().copied())
            .collect();
        pairs.sort_unstable();
        let mut cluster_ids: Vec<usize> = assignments.to_vec();
        cluster_ids.sort_unstable();
        cluster_ids.dedup();
        let mut label_place = [usize::MAX; 256];
        let mut rows = Vec::new();
        let mut columns = vec![0u64; cluster_ids.len()];
        let mut cells: Vec<(usize, usize, u64)> = Vec::new();
        for (label, id) in pairs {
            let slot = &mut label_place[usize::from(label)];
            if *slot == usize::MAX {
                *slot = rows.len();
                rows.push(0);
            }
            let row = *slot;
            let column = cluster_ids.partition_point(|&c| c < id);
            rows[row] += 1;
            columns[column] += 1;
            match cells.last_mut() {
                Some((r, c, count)) if *r == row && *c == column => *count += 1,
                _ => cells.push((row, column, 1)),
            }
        }
        Self {
            cells,
            rows,
            columns,
            n: labels.len() as u64,
        }
    }
}

/// Entropy (nats) of a partition given its part sizes, as scikit-learn's
/// `_entropy`.
fn entropy(sizes: &[u64]) -> f64 {
    if sizes.len() == 1 {
        return 0.0;
    }
    let total: u64 = sizes.iter().sum();
    let total = total as f64;
    let log_total = total.ln();
    -sizes
        .iter()
        .map(|&s| {
            let s = s as f64;
            (s / total) * (s.ln() - log_total)
        })
        .sum::<f64>()
}

/// Mutual information (nats), as scikit-learn's `mutual_info_score`.
fn mutual_info(table: &Contingency) -> f64 {
    if table.rows.len() == 1 || table.columns.len() == 1 {
        return 0.0;
    }
    let n = table.n as f64;
    let log_n = n.ln();
    let total: f64 = table
        .cells
        .iter()
        .map(|&(r, c, count)| {
            let count = count as f64;
            let share = count / n;
            let outer = (table.rows[r] * table.columns[c]) as f64;
            let term = share * (count.ln() - log_n) + share * (-outer.ln() + log_n + log_n);
            if term.abs() < f64::EPSILON {
                0.0
            } else {
                term
            }
        })
        .sum();
    total.max(0.0)
}

/// Normalised mutual information with the arithmetic mean of the two
/// entropies as normaliser: scikit-learn's default
/// `normalized_mutual_info_score`. 1 when both are a single class/cluster;
/// 0 when the mutual information is 0.
pub fn normalized_mutual_info(labels: &[u8], assignments: &[usize]) -> Result<f64, TasksError> {
    validate::partition(labels, assignments)?;
    let table = Contingency::new(labels, assignments);
    if table.rows.len() == 1 && table.columns.len() == 1 {
        return Ok(1.0);
    }
    let mi = mutual_info(&table);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let normaliser = (entropy(&table.rows) + entropy(&table.columns)) / 2.0;
    Ok(mi / normaliser)
}

/// Adjusted Rand index, as scikit-learn's `adjusted_rand_score`: 1 for
/// identical partitions (up to renaming), about 0 for chance, down to -0.5.
pub fn adjusted_rand_index(labels: &[u8], assignments: &[usize]) -> Result<f64, TasksError> {
    validate::partition(labels, assignments)?;
    let table = Contingency::new(labels, assignments);
    let n = i128::from(table.n);
    let squares: i128 = table
        .cells
        .iter()
        .map(|&(_, _, c)| i128::from(c) * i128::from(c))
        .sum();
    // contingency . column totals, summed; and its transpose with row totals.
    let by_columns: i128 = table
        .cells
        .iter()
        .map(|&(_, c, count)| i128::from(count) * i128::from(table.columns[c]))
        .sum();
    let by_rows: i128 = table
        .cells
        .iter()
        .map(|&(r, _, count)| i128::from(count) * i128::from(table.rows[r]))
        .sum();
    let tp = squares - n;
    let fp = by_columns - squares;
    let fn_ = by_rows - squares;
    let tn = n * n - fp - fn_ - squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let numerator = 2 * (tp * tn - fn_ * fp);
    let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(numerator as f64 / denominator as f64)
}
