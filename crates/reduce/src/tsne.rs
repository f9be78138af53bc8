//! Barnes-Hut t-SNE to 2-D through `bhtsne`, made reproducible: exact
//! neighbour lists computed here (bhtsne's vantage-point tree picks its
//! vantage points from an unseeded RNG, which reorders tied neighbours),
//! spectral initialisation (deterministic) and a private one-thread pool
//! (parallel sums would make runs differ in the last bits).

use crate::knn::nearest_neighbors;
use crate::ReduceError;

/// t-SNE settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneParams {
    pub perplexity: f64,
    pub epochs: usize,
    pub theta: f64,
}

impl Default for TsneParams {
    /// scikit-learn's perplexity, angle and iterations.
    fn default() -> Self {
        TsneParams {
            perplexity: 30.0,
            epochs: 1000,
            theta: 0.5,
        }
    }
}

/// Embeds `points` (`dim` values per row) in 2-D; returns `x, y` per row.
pub fn tsne(points: &[f32], dim: usize, params: TsneParams) -> Result<Vec<[f32; 2]>, ReduceError> {
    let n = check_rows(points, dim, params.perplexity)?;
    let rows: Vec<&[f32]> = points.chunks(dim).collect();
    // bhtsne's own rule: three neighbours per unit of perplexity.
    let k = (3.0 * params.perplexity) as usize;
    let neighbors: Vec<Vec<bhtsne::Neighbor<f32>>> = nearest_neighbors(points, dim, k)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(index, distance)| bhtsne::Neighbor { index, distance })
                .collect()
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| ReduceError::Input(format!("cannot start the t-SNE thread: {e}")))?;
    let embedding = pool.install(|| {
        let mut tsne: bhtsne::tSNE<f32, &[f32]> = bhtsne::tSNE::new(&rows);
        tsne.perplexity(params.perplexity as f32)
            .epochs(params.epochs)
            // bhtsne's automatic rate is 4x smaller than scikit-learn's in
            // effect; n / 3 matched its 5-NN accuracy best (shared/notes).
            .learning_rate((n as f32 / 3.0).max(50.0))
            .spectral_init()
            .barnes_hut_with_neighbors(params.theta as f32, &neighbors);
        tsne.embedding()
    });
    Ok(embedding.chunks(2).map(|p| [p[0], p[1]]).collect())
}

/// The number of rows of `points`, if they are whole rows of `dim` values
/// and enough for `perplexity` (more than `3 * perplexity + 1`).
pub(crate) fn check_rows(
    points: &[f32],
    dim: usize,
    perplexity: f64,
) -> Result<usize, ReduceError> {
    let n = points.len().checked_div(dim).unwrap_or(0);
    if n * dim != points.len() || dim == 0 {
        return Err(ReduceError::Input(format!(
            "t-SNE needs whole rows of {dim} values, got {} values",
            points.len()
        )));
    }
    if (n as f64) <= 3.0 * perplexity + 1.0 {
        return Err(ReduceError::Input(format!(
            "t-SNE of {n} points with perplexity {perplexity} needs more than {} points",
            3.0 * perplexity + 1.0
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn_leave_one_out_accuracy;

    #[test]
    fn separates_clusters_and_is_reproducible() {
        // three 5-D clusters of 40 points
        let mut points = Vec::new();
        let mut labels = Vec::new();
        for i in 0..120u32 {
            let c = (i % 3) as f32;
            let jitter = ((i * 7919) % 97) as f32 / 97.0 - 0.5;
            points.extend_from_slice(&[c * 4.0 + jitter, jitter * 0.5, -c * 3.0, jitter, c]);
            labels.push((i % 3) as u8);
        }
        let params = TsneParams {
            perplexity: 10.0,
            epochs: 300,
            theta: 0.5,
        };
        let a = tsne(&points, 5, params).unwrap();
        let b = tsne(&points, 5, params).unwrap();
        assert_eq!(a, b);
        let flat: Vec<f32> = a.iter().flatten().copied().collect();
        assert!(knn_leave_one_out_accuracy(&flat, &labels, 2, 5) > 0.95);
        assert!(matches!(
            tsne(&points[..50], 5, params),
            Err(crate::ReduceError::Input(_))
        ));
    }
}
