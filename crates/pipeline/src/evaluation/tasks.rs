//! Scores a trained model's codes on the tasks papers judge them by
//! (`aelab-tasks` does the arithmetic): k-means of the codes against the
//! labels (ACC, NMI, ARI), a linear probe (a logistic regression fitted on
//! the training codes, scored on the test codes) and, for a one-class run,
//! how well its reconstruction error tells the other classes' test digits
//! from the normal class (AUROC, average precision).

use std::time::Instant;

use aelab_data::split::Split;
use aelab_models::score::score_model;
use aelab_models::variational::variational_image_losses;
use aelab_models::Reconstructor;
use aelab_spec::{ClusterConfig, RunConfig};
use aelab_tasks::{
    adjusted_rand_index, auroc, average_precision, cluster_accuracy, kmeans, linear_probe,
    normalized_mutual_info, roc_curve, KMeansParams, ProbeParams,
};

use crate::input::dataset::Dataset;
use crate::Result;

/// The digits k-means clusters: the labelled test digits, or, without them
/// (`data.split = "all"`, or a source with no test set), every labelled
/// validation and training digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clustered {
    Test,
    All,
}

impl Clustered {
    /// Which digits a split's runs cluster; `None` when it has no labels.
    pub fn of(split: &Split) -> Option<Clustered> {
        let labelled = |set: &aelab_data::ImageSet| set.labels.is_some() && !set.is_empty();
        if split.test.as_ref().is_some_and(labelled) {
            Some(Clustered::Test)
        } else if labelled(&split.train) {
            Some(Clustered::All)
        } else {
            None
        }
    }

    /// How many digits that is.
    pub fn count(self, split: &Split) -> usize {
        match self {
            Clustered::Test => split.test.as_ref().map_or(0, |t| t.len()),
            Clustered::All => split.train.len() + split.validation.len(),
        }
    }

    /// The name in captions.
    pub fn name(self) -> &'static str {
        match self {
            Clustered::Test => "test",
            Clustered::All => "validation and training",
        }
    }
}

/// k-means of the codes, scored against the labels.
pub struct ClusterScores {
    pub accuracy: f64,
    pub nmi: f64,
    pub ari: f64,
    /// Digits clustered, and which.
    pub points: usize,
    pub clustered: Clustered,
    /// Rows: true label; columns: the label each cluster was matched to.
    pub confusion: Vec<Vec<usize>>,
    pub seconds: f64,
}

/// A one-class run's separation of the other classes from its own.
pub struct OneClassScores {
    pub normal_class: u8,
    pub auroc: f64,
    pub average_precision: f64,
    /// (false positive rate, true positive rate), anomalies positive.
    pub roc: Vec<[f64; 2]>,
    /// What the anomaly score is, for captions.
    pub score_name: &'static str,
}

/// The tasks' scores of one run; each `None` when the run did not ask.
#[derive(Default)]
pub struct TaskScores {
    pub cluster: Option<ClusterScores>,
    pub probe_acc: Option<f64>,
    pub one_class: Option<OneClassScores>,
}

/// Scores `model` on the tasks `run` asks for, on `data` (the run's own
/// view, [`Dataset::for_run`]).
pub fn score_tasks(
    model: &dyn Reconstructor,
    data: &Dataset,
    run: &RunConfig,
) -> Result<TaskScores> {
    let mut scores = TaskScores::default();
    if let Some(config) = run.eval.cluster {
        scores.cluster = cluster_codes(model, data, config, run.seed)?;
    }
    if run.eval.probe {
        scores.probe_acc = probe_codes(model, data)?;
    }
    if let Some(class) = run.data.normal_class {
        scores.one_class = one_class(model, data, class)?;
    }
    Ok(scores)
}

/// The digits to cluster as `(images, labels)`.
fn clustered_digits(data: &Dataset, clustered: Clustered) -> Option<(Vec<f32>, Vec<u8>)> {
    match clustered {
        Clustered::Test => {
            let labels = data.split.test.as_ref()?.labels.clone()?;
            Some((data.test.clone()?, labels))
        }
        Clustered::All => {
            let mut images = data.validation.clone();
            images.extend_from_slice(&data.train);
            let mut labels = data.split.validation.labels.clone().unwrap_or_default();
            labels.extend(data.split.train.labels.as_deref()?);
            Some((images, labels))
        }
    }
}

fn cluster_codes(
    model: &dyn Reconstructor,
    data: &Dataset,
    config: ClusterConfig,
    seed: u64,
) -> Result<Option<ClusterScores>> {
    let Some(clustered) = Clustered::of(&data.split) else {
        return Ok(None);
    };
    let Some((images, labels)) = clustered_digits(data, clustered) else {
        return Ok(None);
    };
    let started = Instant::now();
    let codes = model.encode(&images);
    let latent = model.latent_dim();
    let params = KMeansParams::new(config.k, config.starts, seed);
    let clustering = kmeans(&codes, latent, &params)?;
    let matched = cluster_accuracy(&labels, &clustering.assignments)?;
    Ok(Some(ClusterScores {
        accuracy: matched.accuracy,
        nmi: normalized_mutual_info(&labels, &clustering.assignments)?,
        ari: adjusted_rand_index(&labels, &clustering.assignments)?,
        points: labels.len(),
        clustered,
        confusion: matched.confusion,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

/// The held-out digits a probe is scored on: the test digits, else the
/// validation digits.
fn held_out(data: &Dataset) -> Option<(&[f32], &[u8])> {
    match (
        &data.test,
        data.split.test.as_ref().and_then(|t| t.labels.as_ref()),
    ) {
        (Some(images), Some(labels)) if !labels.is_empty() => Some((images, labels)),
        _ => {
            let labels = data.split.validation.labels.as_deref()?;
            (!labels.is_empty()).then_some((&data.validation[..], labels))
        }
    }
}

/// Accuracy of a linear probe of `model`'s codes.
fn probe_codes(model: &dyn Reconstructor, data: &Dataset) -> Result<Option<f64>> {
    let (Some(train_labels), Some((test, test_labels))) =
        (data.split.train.labels.as_deref(), held_out(data))
    else {
        return Ok(None);
    };
    let train_codes = model.encode(&data.train);
    let test_codes = model.encode(test);
    let probe = linear_probe(
        &train_codes,
        train_labels,
        &test_codes,
        test_labels,
        model.latent_dim(),
        &ProbeParams::default(),
    )?;
    Ok(Some(probe.accuracy))
}

/// The same probe on the raw pixels: the baseline a code should beat.
pub fn probe_pixels(data: &Dataset) -> Result<Option<f64>> {
    let (Some(train_labels), Some((test, test_labels))) =
        (data.split.train.labels.as_deref(), held_out(data))
    else {
        return Ok(None);
    };
    let probe = linear_probe(
        &data.train,
        train_labels,
        test,
        test_labels,
        data.pixels(),
        &ProbeParams::default(),
    )?;
    Ok(Some(probe.accuracy))
}

/// Each test digit's anomaly score (its summed squared reconstruction
/// error, or a VAE's negative ELBO), against whether its class is another
/// than `normal_class`.
fn one_class(
    model: &dyn Reconstructor,
    data: &Dataset,
    normal_class: u8,
) -> Result<Option<OneClassScores>> {
    let (Some(test), Some(labels)) = (
        &data.test,
        data.split.test.as_ref().and_then(|t| t.labels.as_ref()),
    ) else {
        return Ok(None);
    };
    let pixels = data.pixels();
    let (scores, score_name) = match variational_image_losses(model, test, test) {
        Some(losses) => (losses, "negative ELBO"),
        None => {
            let (_, mean_squared) = score_model(model, test, test, pixels);
            let summed = mean_squared.iter().map(|e| e * pixels as f64).collect();
            (summed, "summed squared reconstruction error")
        }
    };
    let anomalous: Vec<bool> = labels.iter().map(|&l| l != normal_class).collect();
    Ok(Some(OneClassScores {
        normal_class,
        auroc: auroc(&scores, &anomalous)?,
        average_precision: average_precision(&scores, &anomalous)?,
        roc: roc_curve(&scores, &anomalous)?,
        score_name,
    }))
}
