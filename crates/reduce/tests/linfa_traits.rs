//! aelab's reductions through linfa's traits give what the slice functions
//! give on the same values: PCA by `Fit` on a `DatasetBase` and `Predict`,
//! t-SNE and UMAP as `Transformer`s.

use aelab_models::Reconstructor;
use aelab_reduce::{fft_tsne, umap, FftTsneParams, Pca, PcaParams, UmapParams};
use linfa::traits::{Fit, Predict, Transformer};
use linfa::DatasetBase;
use ndarray::Array2;

/// The first `n` built-in digits, pixels scaled to 0..1, as `f32` rows and
/// the same values as linfa records.
fn digits(n: usize) -> (Vec<f32>, Array2<f64>) {
    let digits = aelab_data::digits::load().expect("built-in digits");
    let pixels: Vec<f32> = digits.pixels[..n * 64]
        .iter()
        .map(|&p| f32::from(p) / 16.0)
        .collect();
    let records = Array2::from_shape_fn((n, 64), |(i, j)| f64::from(pixels[i * 64 + j]));
    (pixels, records)
}

#[test]
fn pca_fits_on_a_dataset_and_predicts_its_codes() {
    let (pixels, records) = digits(600);
    let dataset = DatasetBase::from(records.clone());
    let pca = PcaParams::new(5).fit(&dataset).expect("fit");
    let codes: Array2<f64> = pca.predict(&records);
    assert_eq!(codes.dim(), (600, 5));
    let direct = Pca::fit(&pixels, 64, 5).expect("fit").encode(&pixels);
    for (a, b) in codes.iter().zip(&direct) {
        assert_eq!(*a, f64::from(*b));
    }
    assert!(
        PcaParams::new(65).fit(&dataset).is_err(),
        "more components than dimensions"
    );
}

#[test]
fn tsne_and_umap_transform_records_into_the_same_maps() {
    let (pixels, records) = digits(300);
    let params = FftTsneParams {
        exaggeration_epochs: 100,
        epochs: 100,
        ..FftTsneParams::default()
    };
    let map = params.transform(&records).expect("t-SNE");
    let direct = fft_tsne(&pixels, 64, params).expect("t-SNE");
    assert_eq!(map.nrows(), direct.len());
    for (row, point) in map.rows().into_iter().zip(&direct) {
        assert_eq!((row[0], row[1]), (f64::from(point[0]), f64::from(point[1])));
    }
    let params = UmapParams::default();
    let map = params.transform(&records).expect("UMAP");
    let direct = umap(&pixels, 64, params).expect("UMAP");
    for (row, point) in map.rows().into_iter().zip(&direct) {
        assert_eq!((row[0], row[1]), (f64::from(point[0]), f64::from(point[1])));
    }
}
