//! Loads an experiment's data once: finds the files (downloading and
//! verifying an IDX data set on first use), decodes them, records their
//! checksums, splits them, and checks them against what the runs ask.

use std::borrow::Cow;
use std::path::PathBuf;

use aelab_data::fetch::FetchOptions;
use aelab_data::mnist::{self, FileRecord};
use aelab_data::split::Split;
use aelab_data::{digits, kaggle_csv, preprocess, ImageSet, SourceFile};
use aelab_models::IMAGE_PIXELS;
use aelab_spec::{DataSource, DataSplit, EmbedSplit, Experiment, ModelKind, Preprocess, RunConfig};

use crate::evaluation::tasks::Clustered;
use crate::input::fetching::download_bars;
use crate::{NoProgress, PipelineError, Progress, Result};

/// The split data as `[0, 1]` floats, and where it came from.
#[derive(Clone)]
pub struct Dataset {
    /// The images as bytes, with their labels.
    pub split: Split,
    pub train: Vec<f32>,
    pub validation: Vec<f32>,
    pub test: Option<Vec<f32>>,
    pub files: Vec<FileRecord>,
    /// The folder or files actually read, for the resolved config.
    pub source: DataSource,
}

impl Dataset {
    /// Pixels per image side (images are square).
    pub fn side(&self) -> usize {
        self.split.train.rows
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.split.train.pixel_count()
    }

    /// The digits the embedding views (t-SNE, trustworthiness, the PCA
    /// view) show: the validation split, or the training digits when the
    /// split has no validation digits; with their labels and the split's
    /// name for captions.
    pub fn embedding_digits(&self) -> Option<(&[f32], &[u8], &'static str)> {
        let validation = self.split.validation.labels.as_deref();
        match validation {
            Some(labels) if !labels.is_empty() => Some((&self.validation, labels, "validation")),
            _ => {
                let labels = self.split.train.labels.as_deref()?;
                (!labels.is_empty()).then_some((&self.train[..], labels, "training"))
            }
        }
    }
}

/// Digits chosen by `eval.tsne.split`, with their labels and a name for
/// captions; borrowed unless `all` joins several splits.
pub struct EmbedDigits<'a> {
    pub digits: Cow<'a, [f32]>,
    pub labels: Cow<'a, [u8]>,
    pub which: &'static str,
}

impl Dataset {
    /// The labelled digits of `split` (`validation` falls back to the
    /// training digits when the split has none, as [`Self::embedding_digits`]
    /// does; `all` is validation, training and labelled test digits in
    /// that order); `None` when there are none.
    pub fn embed_digits(&self, split: EmbedSplit) -> Option<EmbedDigits<'_>> {
        let test = match (
            &self.test,
            self.split.test.as_ref().and_then(|t| t.labels.as_ref()),
        ) {
            (Some(images), Some(labels)) if !labels.is_empty() => Some((images, labels)),
            _ => None,
        };
        let train_labels = self.split.train.labels.as_deref().unwrap_or(&[]);
        let picked = match split {
            EmbedSplit::Validation => {
                let (digits, labels, which) = self.embedding_digits()?;
                EmbedDigits {
                    digits: Cow::Borrowed(digits),
                    labels: Cow::Borrowed(labels),
                    which,
                }
            }
            EmbedSplit::Test => {
                let (images, labels) = test?;
                EmbedDigits {
                    digits: Cow::Borrowed(images),
                    labels: Cow::Borrowed(labels),
                    which: "test",
                }
            }
            EmbedSplit::Train => EmbedDigits {
                digits: Cow::Borrowed(&self.train),
                labels: Cow::Borrowed(train_labels),
                which: "training",
            },
            EmbedSplit::All => {
                let validation_labels = self.split.validation.labels.as_deref().unwrap_or(&[]);
                let mut digits = Vec::new();
                let mut labels = Vec::new();
                if !validation_labels.is_empty() {
                    digits.extend_from_slice(&self.validation);
                    labels.extend_from_slice(validation_labels);
                }
                if !train_labels.is_empty() {
                    digits.extend_from_slice(&self.train);
                    labels.extend_from_slice(train_labels);
                }
                if let Some((images, test_labels)) = test {
                    digits.extend_from_slice(images);
                    labels.extend_from_slice(test_labels);
                }
                EmbedDigits {
                    digits: Cow::Owned(digits),
                    labels: Cow::Owned(labels),
                    which: "validation, training and test",
                }
            }
        };
        (!picked.labels.is_empty()).then_some(picked)
    }
}

impl Dataset {
    /// The data one run sees: with `data.normal_class`, its training and
    /// validation digits are that class's only (the test digits stay whole:
    /// the other classes are the anomalies); with `data.preprocess =
    /// "gcn-l1-minmax"`, every image is contrast-normalised and scaled by
    /// the range of the (normal class's) training images. Borrowed when the
    /// run asks for neither.
    pub fn for_run(&self, run: &RunConfig) -> Cow<'_, Dataset> {
        let data = &run.data;
        if data.normal_class.is_none() && data.preprocess == Preprocess::Unit {
            return Cow::Borrowed(self);
        }
        let mut split = self.split.clone();
        if let Some(class) = data.normal_class {
            split.train = split.train.of_class(class);
            split.validation = split.validation.of_class(class);
        }
        let mut train = split.train.to_unit_f32();
        let mut validation = split.validation.to_unit_f32();
        let mut test = split.test.as_ref().map(ImageSet::to_unit_f32);
        if data.preprocess == Preprocess::GcnL1Minmax {
            let pixels = split.train.pixel_count();
            let all = std::iter::once(&mut train)
                .chain(std::iter::once(&mut validation))
                .chain(test.as_mut());
            let mut sets: Vec<&mut Vec<f32>> = all.collect();
            for set in sets.iter_mut() {
                preprocess::global_contrast_l1(set, pixels);
            }
            let range = preprocess::value_range(sets[0]);
            for set in sets {
                preprocess::min_max_scale(set, range);
            }
        }
        Cow::Owned(Dataset {
            split,
            train,
            validation,
            test,
            files: self.files.clone(),
            source: self.source.clone(),
        })
    }
}

/// Loads the data `experiment` names and checks every run against it.
pub fn load(experiment: &Experiment) -> Result<Dataset> {
    load_with(experiment, &NoProgress)
}

/// [`load`], drawing any download on `progress`.
pub fn load_with(experiment: &Experiment, progress: &dyn Progress) -> Result<Dataset> {
    let config = &experiment.data;
    let (labelled, test, files, source) = match &config.source {
        DataSource::Mnist { .. } | DataSource::FashionMnist { .. } | DataSource::Kmnist { .. } => {
            let Some((dataset, dir)) = config.source.idx_dataset() else {
                unreachable!("every IDX source names its data set")
            };
            let options = FetchOptions::from_env();
            let dir = mnist::resolve(dataset, dir, &options, download_bars(progress))?;
            // Recorded absolute, so the archive says exactly what was read.
            let dir: PathBuf = std::fs::canonicalize(&dir).unwrap_or(dir);
            let data = mnist::load_dataset(dataset, &dir)?;
            (
                data.train,
                Some(data.test),
                data.files,
                config.source.with_dir(dir),
            )
        }
        DataSource::Digits => (
            digits::load()?,
            None,
            vec![FileRecord {
                path: PathBuf::from(digits::FILE_NAME),
                sha256: digits::SHA256.to_string(),
            }],
            DataSource::Digits,
        ),
        DataSource::Csv { train, test } => {
            let (train_set, train_file) = read_csv(train)?;
            let mut files = vec![train_file];
            let test_set = match test {
                Some(path) => {
                    let (set, file) = read_csv(path)?;
                    files.push(file);
                    Some(set)
                }
                None => None,
            };
            if train_set.labels.is_none() {
                return Err(PipelineError::Mismatch(format!(
                    "{}: data.train needs a `label` column (it is split into training and validation digits)",
                    train.display()
                )));
            }
            // Recorded absolute, like an IDX folder: a report or a
            // reproduction from another folder finds the same files.
            let absolute =
                |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
            let source = DataSource::Csv {
                train: absolute(train),
                test: test.as_deref().map(absolute),
            };
            (train_set, test_set, files, source)
        }
    };
    if let Some(test) = &test {
        if (test.rows, test.cols) != (labelled.rows, labelled.cols) {
            return Err(PipelineError::Mismatch(format!(
                "test images are {}x{} but training images are {}x{}",
                test.rows, test.cols, labelled.rows, labelled.cols
            )));
        }
    }
    // The clustering papers' protocol: every image trains, none tests.
    let (labelled, test) = match (config.split, test) {
        (DataSplit::All, Some(test)) => (labelled.followed_by(&test), None),
        (_, test) => (labelled, test),
    };
    let split = Split::new(labelled, config.limit, config.validation)
        .map_err(|e| {
            PipelineError::Mismatch(format!(
                "splitting the data of {}: {e}",
                experiment.path.display()
            ))
        })?
        .with_test(test);
    check_runs(experiment, &split)?;
    Ok(Dataset {
        train: split.train.to_unit_f32(),
        validation: split.validation.to_unit_f32(),
        test: split.test.as_ref().map(ImageSet::to_unit_f32),
        split,
        files,
        source,
    })
}

fn read_csv(path: &std::path::Path) -> Result<(ImageSet, FileRecord)> {
    let file = SourceFile::read(path)?;
    let set = kaggle_csv::parse(path, &file.bytes)?;
    Ok((
        set,
        FileRecord {
            path: file.path,
            sha256: file.sha256,
        },
    ))
}

/// Checks every run against the data, before anything trains.
fn check_runs(experiment: &Experiment, split: &Split) -> Result<()> {
    let spec = experiment.path.display();
    let (rows, cols) = (split.train.rows, split.train.cols);
    for run in &experiment.runs {
        let fail = |key: &str, message: String| {
            Err(PipelineError::Mismatch(format!(
                "{spec}: run `{}`, key `{key}`: {message}",
                run.name
            )))
        };
        match run.model.kind {
            ModelKind::Autoencoder | ModelKind::Vae
                if run.model.layered.is_none() && (rows * cols != IMAGE_PIXELS || rows != cols) =>
            {
                return fail(
                    "model.kind",
                    format!(
                        "the autoencoder takes 28x28 images but the data has {rows}x{cols}; \
                         use kind = \"pca\" for other sizes"
                    ),
                );
            }
            ModelKind::Pca if run.model.latent() > rows * cols => {
                return fail(
                    "model.latent",
                    format!(
                        "{} components for {} pixels; allowed: 1..={}",
                        run.model.latent(),
                        rows * cols,
                        rows * cols
                    ),
                );
            }
            _ => {}
        }
        let training = match run.data.normal_class {
            Some(class) => {
                let count = split.train.of_class(class).len();
                if count == 0 {
                    return fail(
                        "data.normal_class",
                        format!(
                            "{class}: the {} training images have none of class {class}{}",
                            split.train.len(),
                            if split.train.labels.is_none() {
                                " (they have no labels)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
                if split
                    .test
                    .as_ref()
                    .and_then(|t| t.labels.as_ref())
                    .is_none()
                {
                    return fail(
                        "data.normal_class",
                        "one-class runs are scored on labelled test images, and this data has none"
                            .into(),
                    );
                }
                count
            }
            None => split.train.len(),
        };
        if run.model.kind.trains() && run.train.batch_size > training {
            return fail(
                "train.batch_size",
                format!(
                    "{} is larger than the {training} training images",
                    run.train.batch_size,
                ),
            );
        }
        let has_labels = |set: &aelab_data::ImageSet| set.labels.is_some() && !set.is_empty();
        let test_labelled = split.test.as_ref().is_some_and(has_labels);
        if run.eval.probe
            && !(has_labels(&split.train) && (test_labelled || has_labels(&split.validation)))
        {
            return fail(
                "eval.probe",
                "the linear probe fits on labelled training digits and scores on labelled test \
                 (or validation) digits, and this data lacks them"
                    .into(),
            );
        }
        if let Some(cluster) = run.eval.cluster {
            let clustered = Clustered::of(split).map_or(0, |c| c.count(split));
            if clustered == 0 {
                return fail(
                    "eval.cluster",
                    "clustering is scored against labels, and this data has no labelled digits"
                        .into(),
                );
            }
            if cluster.k > clustered {
                return fail(
                    "eval.cluster.k",
                    format!(
                        "{} clusters for {clustered} digits; allowed: 2..={clustered}",
                        cluster.k
                    ),
                );
            }
        }
        // The embeddings map the digits of `eval.tsne.split`; `validation`
        // is the training digits of a split without validation digits.
        let labelled = |set: &aelab_data::ImageSet| {
            if set.labels.as_ref().is_some_and(|l| !l.is_empty()) {
                set.len()
            } else {
                0
            }
        };
        let test = split.test.as_ref().map_or(0, labelled);
        let (embedded, which) = match run.eval.tsne.split {
            EmbedSplit::Validation => match split.validation.len() {
                0 => (split.train.len(), "training"),
                n => (n, "validation"),
            },
            EmbedSplit::Test => (test, "test"),
            EmbedSplit::Train => (split.train.len(), "training"),
            EmbedSplit::All => (
                labelled(&split.validation) + labelled(&split.train) + test,
                "labelled",
            ),
        };
        if run.eval.tsne.points > 0 && embedded <= (3.0 * run.eval.tsne.perplexity + 1.0) as usize {
            return fail(
                "eval.tsne.points",
                format!(
                    "t-SNE of the {which} digits needs more than {} of them for perplexity {}, \
                     the split has {embedded}; lower the perplexity or set points = 0",
                    3.0 * run.eval.tsne.perplexity + 1.0,
                    run.eval.tsne.perplexity,
                ),
            );
        }
        if run.eval.umap.points > 0 && embedded <= run.eval.umap.neighbors {
            return fail(
                "eval.umap.points",
                format!(
                    "UMAP of the {which} digits with {} neighbours needs more than {} of them, \
                     the split has {embedded}; lower eval.umap.neighbors or set points = 0",
                    run.eval.umap.neighbors, run.eval.umap.neighbors,
                ),
            );
        }
    }
    Ok(())
}
