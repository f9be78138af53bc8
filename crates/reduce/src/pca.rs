//! Principal component analysis through the covariance matrix.

use std::path::Path;

use aelab_kernels::{matmul, matmul_threads, ProductInto, View, ViewMut};
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

    /// `images` centred and projected on the components, in f64: one row
    /// of `k` coordinates an image.
    fn project(&self, images: &[f32]) -> Array2<f64> {
        let rows = images.len() / self.dim();
        let x = Array2::from_shape_fn((rows, self.dim()), |(r, c)| {
            f64::from(images[r * self.dim() + c]) - self.mean[c]
        });
        x.dot(&self.components.t())
    }
}

/// `points` (`dim` values a row) projected on their first two principal
/// components, in f64 and unscaled: the starting layout of t-SNE and of
/// the spectral layout's pieces. A second coordinate of 0 when `dim` is 1;
/// all zeros for fewer than two rows (nothing to spread).
pub(crate) fn leading_two_components(
    points: &[f32],
    dim: usize,
) -> Result<Vec<[f64; 2]>, ReduceError> {
    let rows = points.len().checked_div(dim).unwrap_or(0);
    if rows < 2 {
        return Ok(vec![[0.0; 2]; rows]);
    }
    let pca = Pca::fit(points, dim, dim.min(2))?;
    Ok(pca
        .project(points)
        .rows()
        .into_iter()
        .map(|row| [row[0], row.get(1).copied().unwrap_or(0.0)])
        .collect())
}

/// The `k` largest eigenvalues of the symmetric matrix `c`, largest first,
/// and their unit eigenvectors as rows, each signed as scikit-learn signs
/// them (largest |loading| positive).
///
/// A full eigendecomposition of 784 x 784 takes 0.8 s here; PCA needs only
/// the top components, so for `k` well below the dimension this runs
/// [`subspace_iteration`].
fn top_eigenpairs(c: &Array2<f64>, k: usize) -> Result<(Vec<f64>, Array2<f64>), ReduceError> {
    let dim = c.nrows();
    let width = (k + SUBSPACE_EXTRA).min(dim);
    let (values, vectors) = if 2 * width > dim {
        c.clone()
            .eigh_into()
            .map_err(|e| ReduceError::Eigen(e.to_string()))?
    } else {
        subspace_iteration(c, k, width)?
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

/// Vectors beyond `k` in the iterated block: more cost per round, fewer
/// rounds (the top `k` converge at the rate `lambda[k + extra] / lambda[k]`).
const SUBSPACE_EXTRA: usize = 20;

/// Most rounds of subspace iteration (they settle in far fewer on digits).
const MAX_SUBSPACE_ITERATIONS: usize = 300;

/// Eigenpairs of the symmetric `c` for a block of `width` vectors, of which
/// the top `k` have converged: a seeded random block, multiplied by `c` and
/// re-orthonormalised each round, with a Rayleigh-Ritz step (a small
/// eigendecomposition of the projected matrix) until the top `k` Ritz
/// values settle to 1e-12. Returns the Ritz values and vectors (columns).
///
/// The block is kept as rows (`width x dim`), so its product with `c` is
/// one matrix product and Gram-Schmidt walks contiguous memory.
fn subspace_iteration(
    c: &Array2<f64>,
    k: usize,
    width: usize,
) -> Result<(Array1<f64>, Array2<f64>), ReduceError> {
    let dim = c.nrows();
    let c = c.as_standard_layout();
    let c = c
        .as_slice()
        .ok_or_else(|| ReduceError::Eigen("covariance layout".into()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(0x0005_eed0);
    let mut basis: Vec<f64> = (0..width * dim).map(|_| rng.gen::<f64>() - 0.5).collect();
    orthonormalise_rows(&mut basis, dim);
    let mut product = vec![0.0f64; width * dim];
    let mut previous = vec![f64::INFINITY; width];
    for round in 1..=MAX_SUBSPACE_ITERATIONS {
        // basis * c = (c * basis^T)^T, as c is symmetric; half the rows
        // on each of two threads
        let half = width / 2 * dim;
        let (top, bottom) = product.split_at_mut(half);
        let times_c = |out: &mut [f64], rows: &[f64]| {
            let n = rows.len() / dim;
            matmul(
                ViewMut::rows(out, n, dim),
                View::rows(rows, n, dim),
                View::rows(c, dim, dim),
                ProductInto::Overwrite,
            );
        };
        rayon::join(
            || times_c(top, &basis[..half]),
            || times_c(bottom, &basis[half..]),
        );
        let mut projected = vec![0.0f64; width * width];
        matmul(
            ViewMut::rows(&mut projected, width, width),
            View::rows(&product, width, dim),
            View::rows(&basis, width, dim).t(),
            ProductInto::Overwrite,
        );
        let projected = Array2::from_shape_fn((width, width), |(i, j)| {
            0.5 * (projected[i * width + j] + projected[j * width + i])
        });
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
        if settled || round == MAX_SUBSPACE_ITERATIONS {
            tracing::debug!("subspace iteration: {round} rounds of {width} vectors");
            let basis = Array2::from_shape_vec((width, dim), basis)
                .map_err(|e| ReduceError::Eigen(e.to_string()))?;
            return Ok((values, basis.t().dot(&vectors)));
        }
        previous = sorted;
        std::mem::swap(&mut basis, &mut product);
        orthonormalise_rows(&mut basis, dim);
    }
    unreachable!("the last round returns")
}

/// Makes the rows (`dim` wide) of `a` orthonormal, spanning what they
/// spanned: modified Gram-Schmidt, twice for accuracy.
fn orthonormalise_rows(a: &mut [f64], dim: usize) {
    for _ in 0..2 {
        for j in 0..a.len() / dim {
            let (done, rest) = a.split_at_mut(j * dim);
            let row = &mut rest[..dim];
            for earlier in done.chunks_exact(dim) {
                let projection = dot(earlier, row);
                for (r, e) in row.iter_mut().zip(earlier) {
                    *r -= projection * e;
                }
            }
            let norm = dot(row, row).sqrt().max(f64::MIN_POSITIVE);
            for r in row {
                *r /= norm;
            }
        }
    }
}

/// A dot product in four interleaved sums, which the compiler can keep in
/// one vector register (a single running sum cannot be reordered).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let (a_body, a_tail) = a.split_at(a.len() / 4 * 4);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(4).zip(b_body.chunks_exact(4)) {
        for lane in 0..4 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    let tail: f64 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f64>() + tail
}

/// Column means (accumulated in f64), and the columns that are not
/// constant.
fn column_stats(data: &[f32], rows: usize, dim: usize) -> (Array1<f64>, Vec<usize>) {
    let mut sums = vec![0.0f64; dim];
    let mut low = vec![f32::INFINITY; dim];
    let mut high = vec![f32::NEG_INFINITY; dim];
    for row in data.chunks_exact(dim) {
        for (((s, lo), hi), &v) in sums.iter_mut().zip(&mut low).zip(&mut high).zip(row) {
            *s += f64::from(v);
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
    }
    let varying = (0..dim).filter(|&c| low[c] < high[c]).collect();
    let mean = Array1::from_iter(sums.into_iter().map(|s| s / rows as f64));
    (mean, varying)
}

/// The column means and sample covariance matrix (f64) of `rows` rows of
/// `dim` values.
///
/// The product `Y^T Y` of the centred data is the cost, so it leaves out
/// constant columns (whose covariances are exactly zero; 75 of the 784
/// pixels are blank in all 37,000 training digits), runs in f32 (the data are f32 pixels) on
/// two halves of the rows at once, each summed in f64 afterwards, and
/// computes only the blocks on and above the diagonal.
fn covariance(
    data: &[f32],
    rows: usize,
    dim: usize,
) -> Result<(Array1<f64>, Array2<f64>), ReduceError> {
    let (mean, varying) = column_stats(data, rows, dim);
    let centre: Vec<f32> = varying.iter().map(|&c| mean[c] as f32).collect();
    let half = (rows / 2) * dim;
    let (a, b) = rayon::join(
        || upper_gram(&data[..half], dim, &varying, &centre),
        || upper_gram(&data[half..], dim, &varying, &centre),
    );
    let width = varying.len();
    let mut covariance = Array2::zeros((dim, dim));
    for (i, &row) in varying.iter().enumerate() {
        for (j, &column) in varying.iter().enumerate() {
            let upper = i.min(j) * width + i.max(j);
            covariance[(row, column)] =
                (f64::from(a[upper]) + f64::from(b[upper])) / (rows - 1) as f64;
        }
    }
    Ok((mean, covariance))
}

/// Columns per block of the Gram product.
const GRAM_BLOCK: usize = 112;
/// Rows centred and multiplied at a time: a few MB, so the block products
/// read them from cache rather than memory.
const GRAM_ROWS: usize = 1024;

/// `Y^T Y` for `Y` = `columns` of `rows` (`dim` wide) minus `centre`,
/// row-major, correct on and above the diagonal (the blocks below it are
/// left at zero).
fn upper_gram(rows: &[f32], dim: usize, columns: &[usize], centre: &[f32]) -> Vec<f32> {
    let width = columns.len();
    let mut gram = vec![0.0f32; width * width];
    let blocks: Vec<(usize, usize)> = (0..width)
        .step_by(GRAM_BLOCK)
        .map(|first| (first, GRAM_BLOCK.min(width - first)))
        .collect();
    let mut centred = Vec::with_capacity(GRAM_ROWS * width);
    for chunk in rows.chunks(GRAM_ROWS * dim) {
        let n = chunk.len() / dim;
        centred.clear();
        for row in chunk.chunks_exact(dim) {
            centred.extend(columns.iter().zip(centre).map(|(&c, m)| row[c] - m));
        }
        for (i, &(first_i, width_i)) in blocks.iter().enumerate() {
            for &(first_j, width_j) in &blocks[i..] {
                // one thread: the two halves of the rows already run at once
                matmul_threads(
                    1,
                    ViewMut::strided(
                        &mut gram[first_i * width + first_j..],
                        width_i,
                        width_j,
                        width,
                    ),
                    View::strided(&centred[first_i..], n, width_i, width).t(),
                    View::strided(&centred[first_j..], n, width_j, width),
                    ProductInto::AddScaled(1.0),
                );
            }
        }
    }
    gram
}

impl Reconstructor for Pca {
    fn latent_dim(&self) -> usize {
        self.components.nrows()
    }

    fn encode(&self, images: &[f32]) -> Vec<f32> {
        self.project(images).iter().map(|&v| v as f32).collect()
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
    fn blocked_covariance_matches_the_definition() {
        // wider than one Gram block, more rows than one chunk, and two
        // constant columns (left out of the product, zero in the result)
        let (rows, dim) = (GRAM_ROWS + 77, GRAM_BLOCK + 38);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let data: Vec<f32> = (0..rows * dim)
            .map(|i| match i % dim {
                0 => 0.0,
                7 => 0.25,
                c => rng.gen::<f32>() * (c % 5) as f32,
            })
            .collect();
        let (mean, got) = covariance(&data, rows, dim).unwrap();
        let mut worst = 0.0f64;
        for i in 0..dim {
            for j in 0..dim {
                let want = (0..rows)
                    .map(|r| {
                        (f64::from(data[r * dim + i]) - mean[i])
                            * (f64::from(data[r * dim + j]) - mean[j])
                    })
                    .sum::<f64>()
                    / (rows - 1) as f64;
                worst = worst.max((got[(i, j)] - want).abs());
            }
        }
        assert!(worst < 1e-5, "covariance off by {worst}");
        assert!(got.row(0).iter().chain(got.column(7)).all(|&v| v == 0.0));
        assert_eq!(got, got.t());
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            Pca::fit(&[1.0, 2.0, 3.0], 3, 1),
            Err(ReduceError::Input(m)) if m.contains("at least 2 whole rows")
        ));
        assert!(matches!(
            Pca::fit(&[0.0; 12], 3, 4),
            Err(ReduceError::Input(m)) if m.contains("allowed: 1..=3")
        ));
    }
}
