//! Principal component analysis through the covariance matrix.

use std::path::Path;

use aelab_models::{ModelError, Reconstructor};
use linfa_linalg::eigh::EighInto;
use ndarray::{Array1, Array2, ArrayView2, Axis};

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
        let x = ArrayView2::from_shape((rows, dim), data)
            .map_err(|e| ReduceError::Input(e.to_string()))?
            .mapv(f64::from);
        let mean = x
            .mean_axis(Axis(0))
            .ok_or_else(|| ReduceError::Input("no rows".into()))?;
        let centered = x - &mean;
        let covariance = centered.t().dot(&centered) / (rows - 1) as f64;
        let total_variance = covariance.diag().sum();
        let (values, vectors) = covariance
            .eigh_into()
            .map_err(|e| ReduceError::Eigen(e.to_string()))?;
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let mut components = Array2::zeros((k, dim));
        for (row, &i) in order.iter().take(k).enumerate() {
            let mut column = vectors.column(i).to_owned();
            // Fix the sign as scikit-learn does: largest |loading| positive.
            let largest = column
                .iter()
                .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m });
            if largest < 0.0 {
                column.mapv_inplace(|v| -v);
            }
            components.row_mut(row).assign(&column);
        }
        let explained_variance = order.iter().take(k).map(|&i| values[i].max(0.0)).collect();
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
    fn bad_inputs_are_errors() {
        assert!(Pca::fit(&[1.0, 2.0, 3.0], 3, 1).is_err());
        assert!(Pca::fit(&[0.0; 12], 3, 4).is_err());
    }
}
