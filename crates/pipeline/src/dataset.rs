//! Loads an experiment's data once: finds the files, decodes them, records
//! their checksums, splits them, and checks them against what the runs ask.

use aelab_data::mnist::{self, FileRecord};
use aelab_data::split::Split;
use aelab_data::{kaggle_csv, ImageSet, SourceFile};
use aelab_models::IMAGE_PIXELS;
use aelab_spec::{DataSource, Experiment, ModelKind};

use crate::{PipelineError, Result};

/// The split data as `[0, 1]` floats, and where it came from.
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
}

/// Loads the data `experiment` names and checks every run against it.
pub fn load(experiment: &Experiment) -> Result<Dataset> {
    let config = &experiment.data;
    let (labelled, test, files, source) = match &config.source {
        DataSource::Mnist { dir } => {
            let dir = mnist::locate(dir.as_deref())?;
            // Recorded absolute, so the archive says exactly what was read.
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            let data = mnist::load(&dir)?;
            (
                data.train,
                Some(data.test),
                data.files,
                DataSource::Mnist { dir: Some(dir) },
            )
        }
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
                ))
                .into());
            }
            (train_set, test_set, files, config.source.clone())
        }
    };
    if let Some(test) = &test {
        if (test.rows, test.cols) != (labelled.rows, labelled.cols) {
            return Err(PipelineError::Mismatch(format!(
                "test images are {}x{} but training images are {}x{}",
                test.rows, test.cols, labelled.rows, labelled.cols
            ))
            .into());
        }
    }
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
            ModelKind::Autoencoder if rows * cols != IMAGE_PIXELS || rows != cols => {
                return fail(
                    "model.kind",
                    format!(
                        "the autoencoder takes 28x28 images but the data has {rows}x{cols}; \
                         use kind = \"pca\" for other sizes"
                    ),
                );
            }
            ModelKind::Pca if run.model.latent > rows * cols => {
                return fail(
                    "model.latent",
                    format!(
                        "{} components for {} pixels; allowed: 1..={}",
                        run.model.latent,
                        rows * cols,
                        rows * cols
                    ),
                );
            }
            _ => {}
        }
        if run.model.kind == ModelKind::Autoencoder && run.train.batch_size > split.train.len() {
            return fail(
                "train.batch_size",
                format!(
                    "{} is larger than the {} training images",
                    run.train.batch_size,
                    split.train.len()
                ),
            );
        }
        if run.eval.tsne.points > 0
            && split.validation.len() <= (3.0 * run.eval.tsne.perplexity + 1.0) as usize
        {
            return fail(
                "eval.tsne.points",
                format!(
                    "t-SNE of the validation digits needs more than {} of them for perplexity {}, \
                     the split has {}; raise data.validation or set points = 0",
                    3.0 * run.eval.tsne.perplexity + 1.0,
                    run.eval.tsne.perplexity,
                    split.validation.len()
                ),
            );
        }
    }
    Ok(())
}
