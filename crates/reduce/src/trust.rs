//! Trustworthiness (Venna and Kaski): how far an embedding's `k` nearest
//! neighbours are from being neighbours in the original space, as
//! scikit-learn's `trustworthiness` computes it. 1 means every embedded
//! neighbourhood is a true one.

use crate::distances::map_distance_rows;
use crate::knn::nearest_neighbors;

/// `T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i} (r(i, j) - k)`,
/// where `U_i` are the embedding's `k` nearest neighbours of `i` that are
/// not among its `k` nearest in the input, and `r(i, j)` is `j`'s rank among
/// `i`'s neighbours in the input (1 = nearest). One value per embedding in
/// `embeddings` (`(values, width)`), sharing the input distances, which are
/// computed in blocks of rows (no `n x n` matrix).
pub fn trustworthiness(
    input: &[f32],
    input_dim: usize,
    embeddings: &[(&[f32], usize)],
    k: usize,
) -> Vec<f64> {
    trustworthiness_of_rows(input, input_dim, embeddings, k, None)
        .into_iter()
        .map(|t| t.value)
        .collect()
}

/// Trustworthiness estimated from the penalties of some rows only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trust {
    /// The estimate (exact when every row was used).
    pub value: f64,
    /// Its standard error from the spread of the rows' penalties (0 when
    /// every row was used).
    pub standard_error: f64,
    /// Rows whose input neighbourhoods were ranked.
    pub rows: usize,
}

/// [`trustworthiness`] from the penalties of `sample` evenly spaced rows
/// (`i * n / sample`) instead of all `n`: each sampled row's ranks are exact
/// (its distances to every input row), only the sum over rows is estimated,
/// so the estimate is unbiased over the choice of rows and its standard
/// error is reported. `sample >= n` gives the exact value.
pub fn trustworthiness_sampled(
    input: &[f32],
    input_dim: usize,
    embeddings: &[(&[f32], usize)],
    k: usize,
    sample: usize,
) -> Vec<Trust> {
    let n = input.len() / input_dim;
    if sample >= n {
        return trustworthiness_of_rows(input, input_dim, embeddings, k, None);
    }
    let rows: Vec<usize> = (0..sample).map(|i| i * n / sample).collect();
    trustworthiness_of_rows(input, input_dim, embeddings, k, Some(&rows))
}

fn trustworthiness_of_rows(
    input: &[f32],
    input_dim: usize,
    embeddings: &[(&[f32], usize)],
    k: usize,
    rows: Option<&[usize]>,
) -> Vec<Trust> {
    let n = input.len() / input_dim;
    if n < 3 * k + 2 {
        let nan = Trust {
            value: f64::NAN,
            standard_error: f64::NAN,
            rows: 0,
        };
        return vec![nan; embeddings.len()];
    }
    let neighbours: Vec<Vec<Vec<(usize, f32)>>> = embeddings
        .iter()
        .map(|&(values, width)| {
            assert_eq!(values.len(), n * width, "one embedded row per input row");
            nearest_neighbors(values, width, k)
        })
        .collect();
    // per row, per embedding: sum over j in U_i of (r(i, j) - k)
    let penalties: Vec<Vec<f64>> = map_distance_rows(input, input, input_dim, rows, |i, row| {
        neighbours
            .iter()
            .map(|lists| {
                lists[i]
                    .iter()
                    .map(|&(j, _)| {
                        let rank = input_rank(row, i, j);
                        rank.saturating_sub(k) as f64
                    })
                    .sum()
            })
            .collect()
    });
    let used = penalties.len();
    let scale = 2.0 / (n as f64 * k as f64 * (2.0 * n as f64 - 3.0 * k as f64 - 1.0));
    (0..embeddings.len())
        .map(|e| {
            let values: Vec<f64> = penalties.iter().map(|p| p[e]).collect();
            let mean = values.iter().sum::<f64>() / used as f64;
            let standard_error = if used >= n || used < 2 {
                0.0
            } else {
                let variance =
                    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (used - 1) as f64;
                // finite-population correction: sampling without replacement
                (variance / used as f64 * (1.0 - used as f64 / n as f64)).sqrt() * n as f64 * scale
            };
            Trust {
                value: 1.0 - scale * mean * n as f64,
                standard_error,
                rows: used,
            }
        })
        .collect()
}

/// `j`'s rank among `i`'s input neighbours (1 = nearest; `i` itself left
/// out; ties by index, as in `knn`), from `i`'s squared distances `row`.
fn input_rank(row: &[f32], i: usize, j: usize) -> usize {
    let d = row[j];
    let closer = row.iter().filter(|&&dl| dl < d).count();
    let tied_before = row[..j].iter().filter(|&&dl| dl == d).count();
    let own = usize::from(row[i] < d || (row[i] == d && i < j));
    closer + tied_before - own + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_embeddings_score_one_and_scrambled_ones_less() {
        let points: Vec<f32> = (0..60)
            .map(|i| (i as f32 * 0.37).sin() * 10.0 + i as f32)
            .collect();
        let scaled: Vec<f32> = points.iter().map(|p| p * 3.0 - 1.0).collect();
        let scrambled: Vec<f32> = (0..60).map(|i| ((i * 37) % 60) as f32).collect();
        let t = trustworthiness(
            &points,
            1,
            &[(&points, 1), (&scaled, 1), (&scrambled, 1)],
            5,
        );
        assert_eq!(&t[..2], &[1.0, 1.0]);
        assert!(t[2] < 0.8, "{t:?}");
    }

    /// Two 2-D point sets; the value is scikit-learn's:
    /// ```python
    /// import numpy as np; from sklearn.manifold import trustworthiness
    /// i = np.arange(60)
    /// X = np.stack([np.sin(i*0.37)*10+i, np.cos(i*0.11)*5], 1).astype(np.float32)
    /// Y = np.stack([(i*37) % 60, (i*13) % 7], 1).astype(np.float32)
    /// trustworthiness(X, Y, n_neighbors=5)  # 0.46769230769230774 (scikit-learn 1.9.1)
    /// ```
    fn sklearn_pair() -> (Vec<f32>, Vec<f32>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let f = i as f64;
            x.push(((f * 0.37).sin() * 10.0 + f) as f32);
            x.push(((f * 0.11).cos() * 5.0) as f32);
            y.push(((i * 37) % 60) as f32);
            y.push(((i * 13) % 7) as f32);
        }
        (x, y)
    }

    #[test]
    fn matches_scikit_learn() {
        let (x, y) = sklearn_pair();
        let t = trustworthiness(&x, 2, &[(&y, 2)], 5);
        assert!((t[0] - 0.467_692_307_692_307_74).abs() < 1e-12, "{t:?}");
    }

    #[test]
    fn sampled_rows_estimate_the_exact_value_within_their_error() {
        let (x, y) = sklearn_pair();
        let exact = trustworthiness_sampled(&x, 2, &[(&y, 2)], 5, 60)[0];
        assert_eq!(exact.standard_error, 0.0);
        assert!((exact.value - 0.467_692_307_692_307_74).abs() < 1e-12);
        let sampled = trustworthiness_sampled(&x, 2, &[(&y, 2)], 5, 30)[0];
        assert_eq!(sampled.rows, 30);
        assert!(sampled.standard_error > 0.0);
        assert!(
            (sampled.value - exact.value).abs() < 3.0 * sampled.standard_error,
            "{sampled:?} against {exact:?}"
        );
    }
}
