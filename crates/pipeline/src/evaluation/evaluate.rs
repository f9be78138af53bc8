//! Scores a trained model the same way whatever it is (autoencoder or PCA):
//! test and noisy-test reconstruction error (overall, per digit class and
//! against the noise level), 5-NN accuracy and trustworthiness of its codes,
//! a t-SNE map of the validation digits, the tasks' scores (`tasks.rs`:
//! clustering, a linear probe, one-class detection), and the image grids
//! the report shows (reconstructions, worst reconstructions, interpolations, and for
//! 2-D codes the decoded manifold).

use std::time::Instant;

use crate::Result;
use aelab_data::noise::{Corruption, NoiseKind};
use aelab_models::score::{score_model, Scores};
use aelab_models::variational::{variational_scores, VariationalScores};
use aelab_models::Reconstructor;
use aelab_reduce::{
    fft_tsne, knn_accuracy, knn_leave_one_out_accuracy, trustworthiness, trustworthiness_sampled,
    tsne, umap, FftTsneParams, Pca, Trust, TsneParams, UmapParams,
};
use aelab_report::{Baseline, DigitRow};
use aelab_spec::{EvalDetail, Experiment, RunConfig, TsneInput};
use aelab_train::streams::{noise_lanes, rng, Stream};

use crate::evaluation::latent_views;
use crate::evaluation::tasks::{score_tasks, TaskScores};
use crate::input::dataset::Dataset;

/// Neighbours in every k-NN accuracy and trustworthiness.
pub const KNN_K: usize = 5;
/// Validation digits behind the code trustworthiness when t-SNE is off.
const TRUST_POINTS: usize = 5_000;
/// Rows whose input neighbourhoods are ranked exactly for trustworthiness;
/// above this many points, the sum over rows is estimated from this many
/// evenly spaced rows and its standard error reported
/// ([`aelab_reduce::trustworthiness_sampled`]).
pub const TRUST_ROWS: usize = 10_000;
/// Noise levels of the denoising curve.
const CURVE_LEVELS: usize = 11;
/// Worst-reconstructed test digits shown.
const WORST: usize = 10;

pub struct Evaluation {
    /// The validation digits, clean in and out (every run, denoising or not).
    pub clean_val: Option<Scores>,
    pub test: Option<Scores>,
    pub noisy_test: Option<Scores>,
    pub latent_knn5_acc: Option<f64>,
    /// Mean absolute code value and the share of values near zero.
    pub code_activity: Option<(f64, f64)>,
    /// Trustworthiness of the codes, its standard error and rows.
    pub latent_trust5: Option<Trust>,
    pub tsne: Option<TsneMap>,
    pub umap: Option<TsneMap>,
    pub per_class_test_mse: Option<Vec<f64>>,
    pub denoising_curve: Option<Vec<[f64; 2]>>,
    /// Originals, reconstructions, noisy inputs and their reconstructions.
    pub grid: Vec<DigitRow>,
    pub grid_source: &'static str,
    /// Which digits the embedding views show: `validation`, or `training`
    /// for a split without validation digits.
    pub embedded: &'static str,
    /// The worst-reconstructed test digits and their reconstructions.
    pub worst: Option<(Vec<DigitRow>, Vec<u8>)>,
    pub interpolations: Vec<DigitRow>,
    /// For 2-D codes: the decoded manifold and the codes with labels.
    pub latent_plane: Option<latent_views::LatentPlane>,
    /// A variational autoencoder's loss and KL on the clean validation and
    /// test digits, decoding the mean code.
    pub variational_val: Option<VariationalScores>,
    pub variational_test: Option<VariationalScores>,
    /// A variational autoencoder's digits decoded from prior draws.
    pub prior_samples: Vec<DigitRow>,
    /// Clustering, the linear probe and one-class detection, as asked.
    pub tasks: TaskScores,
}

/// Maps of up to this many points are made by `bhtsne` (one thread), larger
/// ones by `aelab_reduce::fft_tsne` (FFT-accelerated interpolation on two
/// threads, the same map on any thread count). At 5,000 points bhtsne took
/// 9.2 s (5-NN accuracy 0.9478) against 16.2 s (0.9496) for Barnes-Hut in
/// `fft_tsne` on the same loaded machine, and it keeps maps of the default
/// size as earlier archives have them; above this size its exact neighbour
/// search and one thread dominate.
const BHTSNE_MAX_POINTS: usize = 10_000;

/// A 2-D map (t-SNE or UMAP) of some digits and how good it is.
pub struct TsneMap {
    pub points: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
    pub knn5_acc: f64,
    pub trust5: f64,
    /// The standard error of `trust5` when it was estimated from
    /// [`TRUST_ROWS`] rows (0 when exact).
    pub trust5_error: f64,
    pub seconds: f64,
}

/// The corruption behind the noisy-test metrics.
pub fn eval_corruption(run: &RunConfig) -> Corruption {
    Corruption {
        kind: run.eval.noise.kind,
        level: run.eval.noise.level as f32,
    }
}

fn rows(data: &[f32], pixels: usize) -> Vec<Vec<f32>> {
    data.chunks(pixels).map(<[f32]>::to_vec).collect()
}

/// Scores `model` on `data` as `run` asks, in `detail`: light skips the
/// denoising curve, the worst digits, interpolations, the code plane,
/// t-SNE, trustworthiness and the image grid.
pub fn evaluate(
    model: &dyn Reconstructor,
    data: &Dataset,
    run: &RunConfig,
    detail: EvalDetail,
) -> Result<Evaluation> {
    let full = detail != EvalDetail::Light;
    let corruption = eval_corruption(run);
    let pixels = data.pixels();
    let test_labels = data.split.test.as_ref().and_then(|t| t.labels.as_ref());
    let mut evaluation = Evaluation {
        clean_val: None,
        test: None,
        noisy_test: None,
        latent_knn5_acc: None,
        code_activity: None,
        latent_trust5: None,
        tsne: None,
        umap: None,
        per_class_test_mse: None,
        denoising_curve: None,
        grid: Vec::new(),
        grid_source: "validation",
        embedded: "validation",
        worst: None,
        interpolations: Vec::new(),
        latent_plane: None,
        variational_val: variational_scores(model, &data.validation, &data.validation),
        variational_test: None,
        prior_samples: Vec::new(),
        tasks: score_tasks(model, data, run)?,
    };

    if !data.validation.is_empty() {
        let (clean_val, _) = score_model(model, &data.validation, &data.validation, pixels);
        evaluation.clean_val = Some(clean_val);
    }
    let mut noisy_test = None;
    if let Some(test) = &data.test {
        let (test_scores, errors) = score_model(model, test, test, pixels);
        evaluation.test = Some(test_scores);
        evaluation.variational_test = variational_scores(model, test, test);
        if !corruption.is_none() {
            let noisy = corruption.apply_lanes(test, &mut noise_lanes(run.seed, Stream::TestNoise));
            evaluation.noisy_test = Some(score_model(model, &noisy, test, pixels).0);
            noisy_test = Some(noisy);
        }
        if let Some(labels) = test_labels {
            evaluation.per_class_test_mse = Some(per_class(&errors, labels));
        }
        if full {
            evaluation.denoising_curve = Some(denoising_curve(model, test, pixels, run));
            if let Some(labels) = test_labels {
                evaluation.interpolations =
                    latent_views::interpolations(model, test, labels, pixels);
            }
            evaluation.worst = Some(worst_reconstructed(model, test, test_labels, &errors));
        }
    }

    if let Some((digits, labels, which)) = data.embedding_digits() {
        evaluation.embedded = which;
        let codes = model.encode(digits);
        evaluation.code_activity = code_activity(&codes);
        // Held-out codes against the training codes: only with validation
        // digits (the training digits would find themselves).
        if let (Some(train_labels), "validation") = (&data.split.train.labels, which) {
            evaluation.latent_knn5_acc = Some(knn_accuracy(
                &model.encode(&data.train),
                train_labels,
                &codes,
                labels,
                model.latent_dim(),
                KNN_K,
            ));
        }
        if full && model.latent_dim() == 2 {
            evaluation.latent_plane = Some(latent_views::latent_plane(model, &codes, labels));
        }
    }
    if full {
        if let Some(chosen) = data.embed_digits(run.eval.tsne.split) {
            evaluation.embedded = chosen.which;
            embed(
                model,
                &chosen.digits,
                &chosen.labels,
                pixels,
                run,
                &mut evaluation,
            )?;
        }
    }
    if !full {
        return Ok(evaluation);
    }
    evaluation.prior_samples =
        latent_views::prior_samples(model, &mut rng(run.seed, Stream::CodeDraws));

    let (source, grid_source) = match &data.test {
        Some(test) => (test, "test"),
        None if data.validation.is_empty() => (&data.train, "training"),
        None => (&data.validation, "validation"),
    };
    evaluation.grid_source = grid_source;
    let n = run.eval.samples.min(source.len() / pixels);
    let originals = &source[..n * pixels];
    // The grid shows the very noisy inputs the noisy-test metrics scored.
    let noisy = match (&noisy_test, grid_source) {
        (Some(all), "test") => all[..n * pixels].to_vec(),
        _ => corruption.apply_lanes(originals, &mut noise_lanes(run.seed, Stream::TestNoise)),
    };
    evaluation.grid = vec![
        DigitRow {
            label: "original".into(),
            images: rows(originals, pixels),
        },
        DigitRow {
            label: "reconstruction".into(),
            images: rows(&model.reconstruct(originals), pixels),
        },
    ];
    if !corruption.is_none() {
        evaluation.grid.push(DigitRow {
            label: format!("{} {} input", corruption.kind.name(), corruption.level),
            images: rows(&noisy, pixels),
        });
        evaluation.grid.push(DigitRow {
            label: "its reconstruction".into(),
            images: rows(&model.reconstruct(&noisy), pixels),
        });
    }
    Ok(evaluation)
}

/// Trustworthiness of the codes and, when asked, the t-SNE and UMAP maps of
/// the first of `digits` (the digits `eval.tsne.split` chose); all against
/// the pixels, each group of the same size sharing its distances.
fn embed(
    model: &dyn Reconstructor,
    digits: &[f32],
    labels: &[u8],
    pixels: usize,
    run: &RunConfig,
    evaluation: &mut Evaluation,
) -> Result<()> {
    let latent = model.latent_dim();
    let available = labels.len().min(digits.len() / pixels);
    let tsne_n = run.eval.tsne.points.min(available);
    let umap_n = run.eval.umap.points.min(available);
    let n = match tsne_n.max(umap_n) {
        0 => TRUST_POINTS.min(available),
        n => n,
    };
    let images = &digits[..n * pixels];
    let codes = model.encode(images);
    let mut tsne_map = None;
    if tsne_n > 0 {
        let started = Instant::now();
        let reconstructions;
        let (input, dim) = match run.eval.tsne.input {
            TsneInput::Latent => (&codes[..tsne_n * latent], latent),
            TsneInput::Reconstruction => {
                reconstructions = model.reconstruct(&images[..tsne_n * pixels]);
                (reconstructions.as_slice(), pixels)
            }
        };
        let points = if tsne_n <= BHTSNE_MAX_POINTS {
            let params = TsneParams {
                perplexity: run.eval.tsne.perplexity,
                ..TsneParams::default()
            };
            tsne(input, dim, params)?
        } else {
            let params = FftTsneParams {
                perplexity: run.eval.tsne.perplexity,
                ..FftTsneParams::default()
            };
            fft_tsne(input, dim, params)?
        };
        tsne_map = Some((points, started.elapsed().as_secs_f64()));
    }
    let mut umap_map = None;
    if umap_n > 0 {
        let started = Instant::now();
        let params = UmapParams {
            neighbors: run.eval.umap.neighbors,
            min_dist: run.eval.umap.min_dist,
            epochs: None,
            seed: run.seed,
            threads: rayon::current_num_threads(),
        };
        let points = umap(&codes[..umap_n * latent], latent, params)?;
        umap_map = Some((points, started.elapsed().as_secs_f64()));
    }
    let flatten = |map: &Option<(Vec<[f32; 2]>, f64)>| -> Vec<f32> {
        map.iter()
            .flat_map(|(p, _)| p.iter().flatten().copied())
            .collect()
    };
    let (tsne_flat, umap_flat) = (flatten(&tsne_map), flatten(&umap_map));
    // the codes, and every map of all n points, in one pass over the pixels
    let mut shared: Vec<(&[f32], usize)> = vec![(&codes, latent)];
    if tsne_n == n && tsne_map.is_some() {
        shared.push((&tsne_flat, 2));
    }
    if umap_n == n && umap_map.is_some() {
        shared.push((&umap_flat, 2));
    }
    let started = Instant::now();
    let trust = trustworthiness_sampled(images, pixels, &shared, KNN_K, TRUST_ROWS);
    evaluation.latent_trust5 = Some(trust[0]);
    let mut next = 1;
    let mut map_trust = |m: usize, flat: &[f32]| -> Trust {
        if m == n {
            next += 1;
            trust[next - 1]
        } else {
            trustworthiness_sampled(
                &images[..m * pixels],
                pixels,
                &[(flat, 2)],
                KNN_K,
                TRUST_ROWS,
            )[0]
        }
    };
    let tsne_trust = tsne_map.as_ref().map(|_| map_trust(tsne_n, &tsne_flat));
    let umap_trust = umap_map.as_ref().map(|_| map_trust(umap_n, &umap_flat));
    let to_map = |(points, seconds): (Vec<[f32; 2]>, f64), flat: &[f32], trust: Trust| {
        let m = points.len();
        TsneMap {
            knn5_acc: knn_leave_one_out_accuracy(flat, &labels[..m], 2, KNN_K),
            trust5: trust.value,
            trust5_error: trust.standard_error,
            labels: labels[..m].to_vec(),
            points,
            seconds,
        }
    };
    evaluation.tsne = tsne_map
        .zip(tsne_trust)
        .map(|(map, trust)| to_map(map, &tsne_flat, trust));
    evaluation.umap = umap_map
        .zip(umap_trust)
        .map(|(map, trust)| to_map(map, &umap_flat, trust));
    tracing::debug!(
        points = n,
        seconds = started.elapsed().as_secs_f64(),
        "trustworthiness and 5-NN accuracy of the embeddings"
    );
    Ok(())
}

/// The [`WORST`] test digits by reconstruction error (`errors`, one per
/// image), worst first, above their reconstructions; and their labels.
fn worst_reconstructed(
    model: &dyn Reconstructor,
    test: &[f32],
    labels: Option<&Vec<u8>>,
    errors: &[f64],
) -> (Vec<DigitRow>, Vec<u8>) {
    let pixels = test.len() / errors.len().max(1);
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|&a, &b| errors[b].total_cmp(&errors[a]).then(a.cmp(&b)));
    order.truncate(WORST);
    let originals: Vec<f32> = order
        .iter()
        .flat_map(|&i| &test[i * pixels..(i + 1) * pixels])
        .copied()
        .collect();
    let reconstructions = model.reconstruct(&originals);
    (
        vec![
            DigitRow {
                label: "original".into(),
                images: rows(&originals, pixels),
            },
            DigitRow {
                label: "reconstruction".into(),
                images: rows(&reconstructions, pixels),
            },
        ],
        order.iter().map(|&i| labels.map_or(0, |l| l[i])).collect(),
    )
}

/// Test MSE with the inputs corrupted at levels 0, 0.1, ..., 1 of the eval
/// noise kind (Gaussian when the eval noise is none); targets clean.
fn denoising_curve(
    model: &dyn Reconstructor,
    test: &[f32],
    pixels: usize,
    run: &RunConfig,
) -> Vec<[f64; 2]> {
    let kind = match run.eval.noise.kind {
        NoiseKind::None => NoiseKind::Gaussian,
        kind => kind,
    };
    (0..CURVE_LEVELS)
        .map(|i| {
            let level = i as f64 / (CURVE_LEVELS - 1) as f64;
            let corruption = Corruption {
                kind,
                level: level as f32,
            };
            let noisy = corruption.apply_lanes(test, &mut noise_lanes(run.seed, Stream::TestNoise));
            [level, score_model(model, &noisy, test, pixels).0.mse]
        })
        .collect()
}

/// Mean of `errors` per label 0-9 (NaN for a class with no images).
fn per_class(errors: &[f64], labels: &[u8]) -> Vec<f64> {
    let mut sums = [0.0f64; 10];
    let mut counts = [0usize; 10];
    for (&e, &l) in errors.iter().zip(labels) {
        if let Some(slot) = sums.get_mut(usize::from(l)) {
            *slot += e;
            counts[usize::from(l)] += 1;
        }
    }
    sums.iter()
        .zip(counts)
        .map(|(s, c)| if c == 0 { f64::NAN } else { s / c as f64 })
        .collect()
}

/// The linear baseline beside the runs' codes: PCA with as many components
/// as the runs' most common code width, fitted on the training split.
pub fn embedding_baseline(experiment: &Experiment, data: &Dataset) -> Result<Option<Baseline>> {
    let (Some(train_labels), Some(val_labels)) =
        (&data.split.train.labels, &data.split.validation.labels)
    else {
        return Ok(None);
    };
    let mut widths: Vec<usize> = experiment.runs.iter().map(|r| r.model.latent()).collect();
    widths.sort_unstable();
    let Some(&latent) = widths
        .iter()
        .max_by_key(|&&w| (widths.iter().filter(|&&x| x == w).count(), w))
    else {
        return Ok(None);
    };
    if val_labels.is_empty() || latent > data.pixels() {
        return Ok(None);
    }
    let pixels = data.pixels();
    let pca = Pca::fit(&data.train, pixels, latent)?;
    let val_codes = pca.encode(&data.validation);
    let latent_knn5_acc = knn_accuracy(
        &pca.encode(&data.train),
        train_labels,
        &val_codes,
        val_labels,
        latent,
        KNN_K,
    );
    let n = experiment.runs.first().map_or(0, |r| r.eval.tsne.points);
    let n = if n == 0 { TRUST_POINTS } else { n }.min(val_labels.len());
    let trust = trustworthiness(
        &data.validation[..n * pixels],
        pixels,
        &[(&val_codes[..n * latent], latent)],
        KNN_K,
    );
    Ok(Some(Baseline {
        label: format!("PCA {latent}"),
        latent_knn5_acc,
        latent_trust5: trust[0],
    }))
}

/// Mean `|code|` and the share of code values under
/// [`aelab_archive::CODE_NEAR_ZERO`] in absolute value.
fn code_activity(codes: &[f32]) -> Option<(f64, f64)> {
    if codes.is_empty() {
        return None;
    }
    let n = codes.len() as f64;
    let mean_abs = codes.iter().map(|c| f64::from(c.abs())).sum::<f64>() / n;
    let near_zero = codes
        .iter()
        .filter(|c| f64::from(c.abs()) < aelab_archive::CODE_NEAR_ZERO)
        .count() as f64
        / n;
    Some((mean_abs, near_zero))
}
