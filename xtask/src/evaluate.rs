//! Scores a trained model the same way whatever it is (autoencoder or PCA):
//! test and noisy-test reconstruction error, 5-NN accuracy of its codes, a
//! t-SNE map of the validation digits, and the reconstruction grid.

use std::time::Instant;

use aelab_data::noise::Corruption;
use aelab_models::score::{score, Scores};
use aelab_models::Reconstructor;
use aelab_reduce::{knn_accuracy, knn_leave_one_out_accuracy, tsne, TsneParams};
use aelab_report::DigitRow;
use aelab_spec::{RunConfig, TsneInput};
use aelab_train::streams::{rng, Stream};
use anyhow::Result;

use crate::dataset::Dataset;

/// Neighbours in every k-NN accuracy.
pub const KNN_K: usize = 5;

pub struct Evaluation {
    pub test: Option<Scores>,
    pub noisy_test: Option<Scores>,
    pub knn5_latent_acc: Option<f64>,
    pub tsne: Option<TsneMap>,
    pub grid: Vec<DigitRow>,
    pub grid_source: &'static str,
}

pub struct TsneMap {
    pub points: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
    pub knn5_acc: f64,
    pub seconds: f64,
}

/// The corruption behind the noisy-test metrics.
pub fn eval_corruption(run: &RunConfig) -> Corruption {
    Corruption {
        kind: run.eval.noise.kind,
        level: run.eval.noise.level as f32,
    }
}

pub fn evaluate(model: &dyn Reconstructor, data: &Dataset, run: &RunConfig) -> Result<Evaluation> {
    let corruption = eval_corruption(run);
    let pixels = data.pixels();
    let (test, noisy_test) = match &data.test {
        Some(test) => {
            let noisy = corruption.apply(test, &mut rng(run.seed, Stream::TestNoise));
            (
                Some(score(&model.reconstruct(test), test)),
                (!corruption.is_none()).then(|| score(&model.reconstruct(&noisy), test)),
            )
        }
        None => (None, None),
    };

    let knn5_latent_acc = match (&data.split.train.labels, &data.split.validation.labels) {
        (Some(train_labels), Some(val_labels)) if !val_labels.is_empty() => Some(knn_accuracy(
            &model.encode(&data.train),
            train_labels,
            &model.encode(&data.validation),
            val_labels,
            model.latent_dim(),
            KNN_K,
        )),
        _ => None,
    };

    let tsne_map = match &data.split.validation.labels {
        Some(labels) if run.eval.tsne.points > 0 => {
            let n = run.eval.tsne.points.min(labels.len());
            let images = &data.validation[..n * pixels];
            let started = Instant::now();
            let (input, dim) = match run.eval.tsne.input {
                TsneInput::Latent => (model.encode(images), model.latent_dim()),
                TsneInput::Reconstruction => (model.reconstruct(images), pixels),
            };
            let points = tsne(
                &input,
                dim,
                TsneParams {
                    perplexity: run.eval.tsne.perplexity,
                    ..TsneParams::default()
                },
            )?;
            let flat: Vec<f32> = points.iter().flatten().copied().collect();
            Some(TsneMap {
                knn5_acc: knn_leave_one_out_accuracy(&flat, &labels[..n], 2, KNN_K),
                labels: labels[..n].to_vec(),
                points,
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        _ => None,
    };

    let (source, grid_source) = match &data.test {
        Some(test) => (test, "test"),
        None => (&data.validation, "validation"),
    };
    let n = run.eval.samples.min(source.len() / pixels);
    let originals = &source[..n * pixels];
    let noisy = corruption.apply(originals, &mut rng(run.seed, Stream::TestNoise));
    let rows = |data: &[f32]| data.chunks(pixels).map(<[f32]>::to_vec).collect::<Vec<_>>();
    let mut grid = vec![
        DigitRow {
            label: "original".into(),
            images: rows(originals),
        },
        DigitRow {
            label: "reconstruction".into(),
            images: rows(&model.reconstruct(originals)),
        },
    ];
    if !corruption.is_none() {
        grid.push(DigitRow {
            label: format!("{} {} input", corruption.kind.name(), corruption.level),
            images: rows(&noisy),
        });
        grid.push(DigitRow {
            label: "its reconstruction".into(),
            images: rows(&model.reconstruct(&noisy)),
        });
    }

    Ok(Evaluation {
        test,
        noisy_test,
        knn5_latent_acc,
        tsne: tsne_map,
        grid,
        grid_source,
    })
}
