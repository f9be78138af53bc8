//! t-SNE's input affinities from exact neighbour lists: each row's Gaussian
//! bandwidth found by bisection so that its conditional distribution has
//! the requested perplexity, then the symmetric joint `P = (P + P^T) / 2n`
//! as a sparse matrix (rows in order, columns sorted), built the same way
//! whatever the thread count.

use rayon::prelude::*;

/// A sparse symmetric matrix in compressed rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparseRows {
    /// Row `i` is `columns[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<usize>,
    pub columns: Vec<u32>,
    pub values: Vec<f64>,
}

/// `p_{j|i}` for each row's neighbours (Euclidean `distances`), each row
/// summing to 1 with perplexity `perplexity` (`2^H`, `H` in bits; within
/// 1e-5 in entropy, at most 200 bisection steps).
pub(crate) fn conditional(neighbors: &[Vec<(usize, f32)>], perplexity: f64) -> Vec<Vec<f64>> {
    let target = perplexity.ln();
    neighbors
        .par_iter()
        .map(|row| {
            let squared: Vec<f64> = row
                .iter()
                .map(|&(_, d)| f64::from(d) * f64::from(d))
                .collect();
            let nearest = squared.iter().copied().fold(f64::INFINITY, f64::min);
            let (mut beta, mut low, mut high) = (1.0f64, 0.0f64, f64::INFINITY);
            let mut p = vec![0.0; squared.len()];
            for _ in 0..200 {
                let mut sum = 0.0;
                let mut weighted = 0.0;
                for (pj, &d) in p.iter_mut().zip(&squared) {
                    *pj = (-beta * (d - nearest)).exp();
                    sum += *pj;
                    weighted += *pj * (d - nearest);
                }
                // entropy in nats of p / sum
                let entropy = sum.ln() + beta * weighted / sum;
                if (entropy - target).abs() < 1e-5 {
                    break;
                }
                if entropy > target {
                    low = beta;
                    beta = if high.is_finite() {
                        (beta + high) / 2.0
                    } else {
                        beta * 2.0
                    };
                } else {
                    high = beta;
                    beta = (beta + low) / 2.0;
                }
            }
            let sum: f64 = p.iter().sum();
            if sum > 0.0 {
                p.iter_mut().for_each(|v| *v /= sum);
            }
            p
        })
        .collect()
}

/// `(p_{j|i} + p_{i|j}) / 2n` over the union of both neighbour relations.
pub(crate) fn joint(neighbors: &[Vec<(usize, f32)>], conditional: &[Vec<f64>]) -> SparseRows {
    let n = neighbors.len();
    let mut counts = vec![0usize; n + 1];
    for (i, row) in neighbors.iter().enumerate() {
        counts[i + 1] += row.len();
        for &(j, _) in row {
            counts[j + 1] += 1;
        }
    }
    for i in 0..n {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut entries = vec![(0u32, 0.0f64); counts[n]];
    let scale = 1.0 / (2.0 * n as f64);
    for (i, (row, p)) in neighbors.iter().zip(conditional).enumerate() {
        for (&(j, _), &pj) in row.iter().zip(p) {
            entries[fill[i]] = (j as u32, pj * scale);
            fill[i] += 1;
            entries[fill[j]] = (i as u32, pj * scale);
            fill[j] += 1;
        }
    }
    let mut offsets = Vec::with_capacity(n + 1);
    let mut columns = Vec::with_capacity(entries.len());
    let mut values = Vec::with_capacity(entries.len());
    offsets.push(0);
    for i in 0..n {
        let row = &mut entries[counts[i]..counts[i + 1]];
        row.sort_by_key(|&(j, _)| j);
        for &(j, v) in row.iter() {
            if columns.len() > offsets[i] && columns.last() == Some(&j) {
                *values.last_mut().expect("a value per column") += v;
            } else {
                columns.push(j);
                values.push(v);
            }
        }
        offsets.push(columns.len());
    }
    SparseRows {
        offsets,
        columns,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_reach_the_perplexity() {
        // perplexity 2^H with H the entropy in nats: exp(-sum p ln p)
        let row: Vec<(usize, f32)> = (1..=30).map(|j| (j, (j as f32).sqrt())).collect();
        for perplexity in [5.0, 10.0, 20.0] {
            let p = &conditional(std::slice::from_ref(&row), perplexity)[0];
            let entropy: f64 = p.iter().filter(|&&v| v > 0.0).map(|&v| -v * v.ln()).sum();
            assert!((entropy.exp() - perplexity).abs() < 1e-3, "{perplexity}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            // nearer neighbours weigh more
            assert!(p.windows(2).all(|w| w[0] >= w[1]));
        }
    }

    #[test]
    fn the_joint_is_symmetric_and_sums_to_one() {
        let neighbors = vec![
            vec![(1, 1.0), (2, 2.0)],
            vec![(0, 1.0), (2, 1.5)],
            vec![(1, 1.5), (0, 2.0)],
            vec![(2, 3.0), (1, 4.0)],
        ];
        let conditional = vec![
            vec![0.7, 0.3],
            vec![0.6, 0.4],
            vec![0.5, 0.5],
            vec![0.9, 0.1],
        ];
        let p = joint(&neighbors, &conditional);
        let dense = |i: usize, j: usize| {
            (p.offsets[i]..p.offsets[i + 1])
                .find(|&e| p.columns[e] as usize == j)
                .map_or(0.0, |e| p.values[e])
        };
        // brute force: (p_j|i + p_i|j) / (2 * 4)
        let expected = [
            [0.0, 0.7 + 0.6, 0.3 + 0.5, 0.0],
            [0.6 + 0.7, 0.0, 0.4 + 0.5, 0.1],
            [0.5 + 0.3, 0.5 + 0.4, 0.0, 0.9],
            [0.0, 0.1, 0.9, 0.0],
        ];
        for (i, row) in expected.iter().enumerate() {
            for (j, &value) in row.iter().enumerate() {
                assert!((dense(i, j) - value / 8.0).abs() < 1e-12, "{i} {j}");
            }
        }
        assert!((p.values.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
