//! Principal component analysis through the covariance matrix.

use std::path::Path;

use aelab_models::{ModelError, Reconstructor};
use linfa_linalg::eigh::EighInto;
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ReduceError;

/// A fitted PCA: the mean, the top components (unit rows), and the variance
/// each explains.
#[derive(Debug, Clone)]
pub struct Pca {
    mean: Array1<f64>,
    /// `k x d`, one component per row.
    components: Array2<f64>,
    explained_variance: Vec<f64>,
    total_variance: f64,
}

impl Pca {
    /// Fits `k` components to `data`, `dim` values per row.
    pub fn fit(data: &[f32], dim: usize, k: usize) -> Result<Pca, ReduceError> {
        let rows = data.len().checked_div(dim).unwrap_or(0);
        if rows < 2 || rows * dim != data.len() {
            return Err(ReduceError::Input(format!(
                "PCA needs at least 2 whole rows of {dim} values, got {} values",
                data.len()
            )));
        }
        if k == 0 || k > dim {
            return Err(ReduceError::Input(format!(
                "PCA with {k} components on {dim}-dimensional data; allowed: 1..={dim}"
            )));
        }
        let started = std::time::Instant::now();
        let (mean, covariance) = covariance(data, rows, dim)?;
        let total_variance = covariance.diag().sum();
        let gram_seconds = started.elapsed().as_secs_f64();
        let (values, components) = top_eigenpairs(&covariance, k)?;
        tracing::debug!(
            "PCA of {rows} x {dim}: covariance {gram_seconds:.3} s, eigenvectors {:.3} s",
            started.elapsed().as_secs_f64() - gram_seconds
        );
        let explained_variance = values.iter().map(|v| v.max(0.0)).collect();
        Ok(Pca {
            mean,
            components,
            explained_variance,
            total_variance,
        })
    }

    /// Each component's share of the data's total variance (as
    /// scikit-learn reports it; linfa divides by the kept components only).
    pub fn explained_variance_ratio(&self) -> Vec<f64> {
        self.explained_variance
            .iter()
            .map(|v| v / self.total_variance)
            .collect()
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// The `k` largest eigenvalues of the symmetric matrix `c`, largest first,
/// and their unit eigenvectors as rows, each signed as scikit-learn signs
/// them (largest |loading| positive).
///
/// A full eigendecomposition of 784 x 784 takes 0.8 s here; PCA needs only
/// the top components, so for `k` well below the dimension this runs
/// subspace iteration (a seeded random block of `k + 10` vectors, multiplied
/// by `c` and re-orthonormalised until the Ritz values settle to 1e-12) and
/// a small eigendecomposition of the projected matrix.
fn top_eigenpairs(c: &Array2<f64>, k: usize) -> Result<(Vec<f64>, Array2<f64>), ReduceError> {
    let dim = c.nrows();
    let width = (k + 10).min(dim);
    let (values, vectors) = if 2 * width > dim {
        c.clone()
            .eigh_into()
            .map_err(|e| ReduceError::Eigen(e.to_string()))?
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(0x0005_eed0);
        let mut q = orthonormal(Array2::from_shape_fn((dim, width), |_| {
            rng.gen::<f64>() - 0.5
        }));
        let mut previous = vec![f64::INFINITY; width];
        let mut ritz = None;
        for _ in 0..MAX_SUBSPACE_ITERATIONS {
            let cq = c.dot(&q);
            let projected = q.t().dot(&cq);
            let (values, vectors) = projected
                .eigh_into()
                .map_err(|e| ReduceError::Eigen(e.to_string()))?;
            let mut sorted: Vec<f64> = values.to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let settled = sorted
                .iter()
                .zip(&previous)
                .take(k)
                .all(|(v, p)| (v - p).abs() <= 1e-12 * sorted[0].abs().max(f64::MIN_POSITIVE));
            ritz = Some((values, q.dot(&vectors)));
            if settled {
                break;
            }
            previous = sorted;
            q = orthonormal(cq);
        }
        ritz.ok_or_else(|| ReduceError::Eigen("no iterations".into()))?
    };
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let mut components = Array2::zeros((k, dim));
    for (row, &i) in order.iter().take(k).enumerate() {
        let mut column = vectors.column(i).to_owned();
        let norm = column.dot(&column).sqrt();
        column.mapv_inplace(|v| v / norm);
        let largest = column
            .iter()
            .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m });
        if largest < 0.0 {
            column.mapv_inplace(|v| -v);
        }
        components.row_mut(row).assign(&column);
    }
    Ok((
        order.iter().take(k).map(|&i| values[i]).collect(),
        components,
    ))
}

/// Most rounds of subspace iteration (they settle in far fewer on digits).
const MAX_SUBSPACE_ITERATIONS: usize = 300;

/// Orthonormal columns spanning those of `a` (modified Gram-Schmidt, twice).
fn orthonormal(mut a: Array2<f64>) -> Array2<f64> {
    for _ in 0..2 {
        for j in 0..a.ncols() {
            for i in 0..j {
                let projection = a.column(i).dot(&a.column(j));
                let previous = a.column(i).to_owned();
                a.column_mut(j).scaled_add(-projection, &previous);
            }
            let norm = a.column(j).dot(&a.column(j)).sqrt().max(f64::MIN_POSITIVE);
            a.column_mut(j).mapv_inplace(|v| v / norm);
        }
    }
    a
}

/// Column means, accumulated in f64.
fn mean(data: &[f32], rows: usize, dim: usize) -> Array1<f64> {
    let mut sums = vec![0.0f64; dim];
    for row in data.chunks(dim) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += f64::from(v);
        }
    }
    Array1::from_iter(sums.into_iter().map(|s| s / rows as f64))
}

/// The column means and sample covariance matrix (f64) of `rows` rows of
/// `dim` values.
///
/// The product `X^T X` of the centred data is the cost; it runs in f32 (the
/// data are f32 pixels) on two halves of the rows at once, and is summed in
/// f64: 4-5x faster than one f64 product, and the eigenvalues agree to
/// about 1e-6 relative.
fn covariance(
    data: &[f32],
    rows: usize,
    dim: usize,
) -> Result<(Array1<f64>, Array2<f64>), ReduceError> {
    let mean = mean(data, rows, dim);
    let mean32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
    let gram = |chunk: &[f32]| -> Result<Array2<f32>, ReduceError> {
        let n = chunk.len() / dim;
        let centred = Array2::from_shape_fn((n, dim), |(r, c)| chunk[r * dim + c] - mean32[c]);
        Ok(centred.t().dot(&centred))
    };
    let half = (rows / 2) * dim;
    let (a, b) = rayon::join(|| gram(&data[..half]), || gram(&data[half..]));
    let (a, b) = (a?, b?);
    let covariance = Array2::from_shape_fn((dim, dim), |(i, j)| {
        (f64::from(a[(i, j)]) + f64::from(b[(i, j)])) / (rows - 1) as f64
    });
    Ok((mean, covariance))
}

impl Reconstructor for Pca {
    fn latent_dim(&self) -> usize {
        self.components.nrows()
    }

    fn encode(&self, images: &[f32]) -> Vec<f32> {
        let rows = images.len() / self.dim();
        let x = Array2::from_shape_fn((rows, self.dim()), |(r, c)| {
            f64::from(images[r * self.dim() + c]) - self.mean[c]
        });
        x.dot(&self.components.t())
            .iter()
            .map(|&v| v as f32)
            .collect()
    }

    fn decode(&self, codes: &[f32]) -> Vec<f32> {
        let k = self.latent_dim();
        let codes =
            Array2::from_shape_fn((codes.len() / k, k), |(r, c)| f64::from(codes[r * k + c]));
        (codes.dot(&self.components) + &self.mean)
            .iter()
            .map(|&v| v.clamp(0.0, 1.0) as f32)
            .collect()
    }

    fn save_weights(&self, path: &Path) -> Result<(), ModelError> {
        let err = |message: String| ModelError::Save {
            path: path.to_path_buf(),
            message,
        };
        let as_bytes = |values: &mut dyn Iterator<Item = f64>| -> Vec<u8> {
            values.flat_map(|v| (v as f32).to_le_bytes()).collect()
        };
        let mean = as_bytes(&mut self.mean.iter().copied());
        let components = as_bytes(&mut self.components.iter().copied());
        let (k, d) = self.components.dim();
        let tensors = vec![
            ("mean", f32_view(&mean, vec![d]).map_err(&err)?),
            (
                "components",
                f32_view(&components, vec![k, d]).map_err(&err)?,
            ),
        ];
        safetensors::serialize_to_file(tensors, &None, path).map_err(|e| err(format!("{e:?}")))
    }
}

fn f32_view(
    bytes: &[u8],
    shape: Vec<usize>,
) -> Result<safetensors::tensor::TensorView<'_>, String> {
    safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape, bytes)
        .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_main_axis_and_reports_total_variance_shares() {
        // points along (1, 2) with a little noise along (2, -1), inside [0, 1]
        let mut data = Vec::new();
        for i in 0..200 {
            let t = i as f32 / 500.0;
            let e = if i % 2 == 0 { 0.001 } else { -0.001 };
            data.extend_from_slice(&[0.1 + t + 2.0 * e, 0.1 + 2.0 * t - e, 0.5]);
        }
        let pca = Pca::fit(&data, 3, 2).unwrap();
        let c = pca.components.row(0);
        let norm5 = 5f64.sqrt();
        assert!(
            (c[0] - 1.0 / norm5).abs() < 1e-3 && (c[1] - 2.0 / norm5).abs() < 1e-3,
            "{c}"
        );
        let ratio = pca.explained_variance_ratio();
        assert!(
            ratio[0] > 0.999 && ratio[0] + ratio[1] <= 1.0 + 1e-12,
            "{ratio:?}"
        );
        let one = Pca::fit(&data, 3, 1).unwrap();
        assert_eq!(
            one.explained_variance_ratio()[0],
            ratio[0],
            "shares of the total, not of the kept"
        );
        let rec = pca.reconstruct(&data[..3]);
        assert!((rec[0] - data[0]).abs() < 1e-4 && (rec[1] - data[1]).abs() < 1e-4);
    }

    #[test]
    fn subspace_iteration_matches_the_full_eigendecomposition() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let x = Array2::from_shape_fn((300, 64), |(_, c)| {
            rng.gen::<f64>() * (1.0 + c as f64 / 8.0)
        });
        let c = x.t().dot(&x) / 300.0;
        let (fast, fast_vectors) = top_eigenpairs(&c, 5).unwrap();
        let (all, all_vectors) = c.clone().eigh_into().unwrap();
        let mut order: Vec<usize> = (0..64).collect();
        order.sort_by(|&a, &b| all[b].total_cmp(&all[a]));
        for (row, &i) in order.iter().take(5).enumerate() {
            assert!(
                (fast[row] - all[i]).abs() <= 1e-9 * all[i].abs(),
                "{} vs {}",
                fast[row],
                all[i]
            );
            let cosine = fast_vectors.row(row).dot(&all_vectors.column(i)).abs();
            assert!(
                (cosine - 1.0).abs() < 1e-8,
                "eigenvector {row}: |cos| = {cosine}"
            );
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Pca::fit(&[1.0, 2.0, 3.0], 3, 1).is_err());
        assert!(Pca::fit(&[0.0; 12], 3, 4).is_err());
    }
}
