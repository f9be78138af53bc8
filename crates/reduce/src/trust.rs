//! Trustworthiness (Venna and Kaski): how far an embedding's `k` nearest
//! neighbours are from being neighbours in the original space, as
//! scikit-learn's `trustworthiness` computes it. 1 means every embedded
//! neighbourhood is a true one.

use crate::knn::{for_each_distance_row, nearest_neighbors};

/// `T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i} (r(i, j) - k)`,
/// where `U_i` are the embedding's `k` nearest neighbours of `i` that are
/// not among its `k` nearest in the input, and `r(i, j)` is `j`'s rank among
/// `i`'s neighbours in the input (1 = nearest). One value per embedding in
/// `embeddings` (`(values, width)`), sharing the input distances.
pub fn trustworthiness(
    input: &[f32],
    input_dim: usize,
    embeddings: &[(&[f32], usize)],
    k: usize,
) -> Vec<f64> {
    let n = input.len() / input_dim;
    if n < 3 * k + 2 {
        return vec![f64::NAN; embeddings.len()];
    }
    let neighbours: Vec<Vec<Vec<(usize, f32)>>> = embeddings
        .iter()
        .map(|&(values, width)| {
            assert_eq!(values.len(), n * width, "one embedded row per input row");
            nearest_neighbors(values, width, k)
        })
        .collect();
    let mut penalties = vec![0.0f64; embeddings.len()];
    for_each_distance_row(input, input, input_dim, |i, row| {
        for (penalty, lists) in penalties.iter_mut().zip(&neighbours) {
            for &(j, _) in &lists[i] {
                let d = row[j];
                // rank of j among i's input neighbours, ties by index as in knn
                let rank = row
                    .iter()
                    .enumerate()
                    .filter(|&(l, &dl)| l != i && (dl < d || (dl == d && l < j)))
                    .count()
                    + 1;
                if rank > k {
                    *penalty += (rank - k) as f64;
                }
            }
        }
    });
    let (n, k) = (n as f64, k as f64);
    penalties
        .into_iter()
        .map(|p| 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * p)
        .collect()
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
}
