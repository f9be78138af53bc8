//! aelab's reductions through linfa's traits, so a user composes them with
//! linfa's own algorithms on a `DatasetBase`:
//!
//! * [`PcaParams`] is `Fit`: `PcaParams::new(k).fit(&dataset)?` gives a
//!   [`Pca`], which is `Predict` (`pca.predict(&records)`: the codes, one
//!   row per record, as `Array2<f64>`);
//! * [`FftTsneParams`], [`TsneParams`] and [`UmapParams`] are `Transformer`s
//!   of records into 2-D maps: `params.transform(&records)?`.
//!
//! Records are `Array2<f64>` (linfa's usual float type); they are computed in
//! `f32`, as the rest of aelab computes them, so results equal the slice
//! functions' on the same values.

use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace, Transformer};
use ndarray::{Array2, ArrayBase, Data, Ix2};

use crate::{fft_tsne, tsne, umap, FftTsneParams, Pca, ReduceError, TsneParams, UmapParams};

/// The number of components of a [`Pca`] to fit through linfa's [`Fit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcaParams {
    pub components: usize,
}

impl PcaParams {
    /// `components` principal components (1 up to the records' width).
    pub fn new(components: usize) -> Self {
        Self { components }
    }
}

/// Records as aelab's row-major `f32` values, with their width.
fn flat<S: Data<Elem = f64>>(records: &ArrayBase<S, Ix2>) -> (Vec<f32>, usize) {
    let values = records.iter().map(|&v| v as f32).collect();
    (values, records.ncols())
}

impl<S: Data<Elem = f64>, T> Fit<ArrayBase<S, Ix2>, T, ReduceError> for PcaParams {
    type Object = Pca;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<S, Ix2>, T>) -> Result<Pca, ReduceError> {
        let (values, dim) = flat(&dataset.records);
        Pca::fit(&values, dim, self.components)
    }
}

impl<S: Data<Elem = f64>> PredictInplace<ArrayBase<S, Ix2>, Array2<f64>> for Pca {
    /// Writes the codes of `x` into `y` (`x.nrows() x components`).
    fn predict_inplace(&self, x: &ArrayBase<S, Ix2>, y: &mut Array2<f64>) {
        use aelab_models::Reconstructor;
        let (values, _) = flat(x);
        for (target, code) in y.iter_mut().zip(self.encode(&values)) {
            *target = f64::from(code);
        }
    }

    fn default_target(&self, x: &ArrayBase<S, Ix2>) -> Array2<f64> {
        use aelab_models::Reconstructor;
        Array2::zeros((x.nsamples(), self.latent_dim()))
    }
}

/// A 2-D map as an `n x 2` array.
fn map_array(map: Vec<[f32; 2]>) -> Array2<f64> {
    Array2::from_shape_fn((map.len(), 2), |(i, j)| f64::from(map[i][j]))
}

impl<S: Data<Elem = f64>> Transformer<&ArrayBase<S, Ix2>, Result<Array2<f64>, ReduceError>>
    for FftTsneParams
{
    fn transform(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<f64>, ReduceError> {
        let (values, dim) = flat(x);
        fft_tsne(&values, dim, *self).map(map_array)
    }
}

impl<S: Data<Elem = f64>> Transformer<&ArrayBase<S, Ix2>, Result<Array2<f64>, ReduceError>>
    for TsneParams
{
    fn transform(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<f64>, ReduceError> {
        let (values, dim) = flat(x);
        tsne(&values, dim, *self).map(map_array)
    }
}

impl<S: Data<Elem = f64>> Transformer<&ArrayBase<S, Ix2>, Result<Array2<f64>, ReduceError>>
    for UmapParams
{
    fn transform(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<f64>, ReduceError> {
        let (values, dim) = flat(x);
        umap(&values, dim, *self).map(map_array)
    }
}
