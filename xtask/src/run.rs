//! `cargo xtask run <spec>`: validates the spec, loads the data once, runs
//! every run into a new archive, and writes the comparison report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aelab_archive::{RunStatus, Summary};
use aelab_models::Reconstructor;
use aelab_reduce::{knn_accuracy, trustworthiness, Pca};
use aelab_report::{
    embedding_scatter, grouped_bars, line_chart, write_report, Baseline, Figure, ReportInput,
    RunReport, Series, XAxis,
};
use aelab_spec::{Experiment, RunConfig};
use anyhow::{Context, Result};

use crate::archive_writer::ArchiveWriter;
use crate::dataset::{self, Dataset};
use crate::evaluate::KNN_K;
use crate::execute::{execute, RunResult};
use crate::{progress, project_root};

#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment spec (TOML), e.g. experiments/dae.toml.
    spec: PathBuf,
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
    /// Only warnings and errors; no progress bars.
    #[arg(long, short)]
    quiet: bool,
}

/// Digits in the PCA view of the data.
const PCA_VIEW_POINTS: usize = 5_000;

pub fn run(args: RunArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let experiment = Experiment::load(&args.spec)?;
    tracing::info!(
        "experiment {}: {} run(s): {}",
        experiment.name,
        experiment.runs.len(),
        experiment
            .runs
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let data = dataset::load(&experiment)?;
    tracing::info!(
        "data: {} training, {} validation, {} test images of {}x{}",
        data.split.train.len(),
        data.split.validation.len(),
        data.split.test.as_ref().map_or(0, |t| t.len()),
        data.split.train.rows,
        data.split.train.cols
    );
    let results = args
        .results_dir
        .unwrap_or_else(|| project_root().join("results"));
    let mut archive = ArchiveWriter::create(&results, &experiment, &data)
        .with_context(|| format!("opening an archive under {}", results.display()))?;
    tracing::info!("archive: {}", archive.dir.display());

    let overall = progress::bar("experiment", experiment.runs.len() as u64, "runs");
    let mut reports = Vec::new();
    let mut histories = Vec::new();
    for run in &experiment.runs {
        let dir = archive.run_dir(&run.name);
        let result = execute(run, &data, &dir).unwrap_or_else(|e| {
            tracing::error!("run {} failed: {e:#}", run.name);
            failed(run, &dir, &e)
        });
        let status = result.summary.status.unwrap_or(RunStatus::Failed);
        archive.set_run_status(&run.name, status)?;
        overall.inc(1);
        histories.push((run.name.clone(), result.history.clone()));
        reports.push(run_report(run, result));
    }
    overall.finish_and_clear();

    let figures = experiment_figures(&archive.dir, &data, &histories, &reports)?;
    let baseline = embedding_baseline(&experiment, &data)?;
    write_report(
        &archive.dir,
        &report_input(&experiment, &archive, &data, reports, figures, baseline),
    )?;
    archive.finish()?;
    let failed = archive
        .manifest()
        .runs
        .iter()
        .any(|r| r.status == RunStatus::Failed);
    tracing::info!("report: {}", archive.dir.join("report.html").display());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A run that broke (not one that diverged): its summary says why.
fn failed(run: &RunConfig, dir: &Path, error: &anyhow::Error) -> RunResult {
    let summary = Summary {
        run: run.name.clone(),
        status: Some(RunStatus::Failed),
        error: Some(format!("{error:#}")),
        ..Summary::default()
    };
    if let Err(e) = summary.write(&dir.join("summary.json")) {
        tracing::error!("cannot record the failure of {}: {e}", run.name);
    }
    RunResult {
        summary,
        history: Vec::new(),
        figures: Vec::new(),
    }
}

fn run_report(run: &RunConfig, result: RunResult) -> RunReport {
    RunReport {
        name: run.name.clone(),
        settings: flatten_settings(run),
        summary: result.summary,
        figures: result.figures,
    }
}

/// The run's config as `section.key = value` pairs.
fn flatten_settings(run: &RunConfig) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = toml::Value::try_from(run) {
        walk("", &value, &mut out);
    }
    out
}

/// The figures that span runs: validation loss of every run, and the PCA
/// view of the validation digits.
fn experiment_figures(
    dir: &Path,
    data: &Dataset,
    histories: &[(String, Vec<aelab_train::EpochRecord>)],
    reports: &[RunReport],
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let per_class: Vec<(String, Vec<f64>)> = reports
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.summary.per_class_test_mse.clone()?)))
        .collect();
    if !per_class.is_empty() {
        let digits: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        grouped_bars(
            &dir.join("per-class-mse.png"),
            "test MSE per digit class",
            ("digit class", "test MSE"),
            &digits,
            &per_class,
        )?;
        figures.push(Figure {
            path: "per-class-mse.png".into(),
            caption: "Test reconstruction MSE of each digit class, one bar per run: which digits each model finds hard".into(),
        });
    }
    let curves: Vec<Series> = reports
        .iter()
        .filter_map(|r| {
            Some(Series {
                label: r.name.clone(),
                points: r
                    .summary
                    .denoising_curve
                    .as_ref()?
                    .iter()
                    .map(|p| (p[0], p[1]))
                    .collect(),
            })
        })
        .collect();
    if let (false, Some(run)) = (curves.is_empty(), reports.first()) {
        let kind = run
            .settings
            .iter()
            .find(|(k, _)| k == "eval.noise.kind")
            .map(|(_, v)| if v == "none" { "gaussian" } else { v.as_str() })
            .unwrap_or("gaussian");
        line_chart(
            &dir.join("denoising.png"),
            &format!("test MSE against {kind} noise level of the inputs"),
            (&format!("{kind} noise level"), "test MSE (clean targets)"),
            XAxis::Real,
            &curves,
        )?;
        figures.push(Figure {
            path: "denoising.png".into(),
            caption: format!(
                "Test MSE of every run with its test inputs corrupted by {kind} noise of increasing level and clean targets: where each model breaks"
            ),
        });
    }
    let series: Vec<Series> = histories
        .iter()
        .filter(|(_, h)| h.len() > 1)
        .map(|(name, h)| Series {
            label: name.clone(),
            points: h
                .iter()
                .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if !series.is_empty() {
        line_chart(
            &dir.join("val-loss.png"),
            "validation loss per epoch, all runs",
            ("epoch", "validation BCE"),
            XAxis::Count,
            &series,
        )?;
        figures.push(Figure {
            path: "val-loss.png".into(),
            caption: "Validation loss (BCE) per epoch of every trained run; denoising runs are validated on noisy inputs against clean targets".into(),
        });
    }
    if let Some(labels) = &data.split.validation.labels {
        let n = labels.len().min(PCA_VIEW_POINTS);
        if n >= 3 {
            let images = &data.validation[..n * data.pixels()];
            let pca = Pca::fit(images, data.pixels(), 2)?;
            let ratio = pca.explained_variance_ratio();
            let points: Vec<[f32; 2]> =
                pca.encode(images).chunks(2).map(|c| [c[0], c[1]]).collect();
            embedding_scatter(
                &dir.join("pca-digits.png"),
                &format!(
                    "PCA of {n} validation digits ({:.1}% of the variance)",
                    100.0 * (ratio[0] + ratio[1])
                ),
                (
                    &format!("PC 1 ({:.1}% of variance)", 100.0 * ratio[0]),
                    &format!("PC 2 ({:.1}% of variance)", 100.0 * ratio[1]),
                ),
                &points,
                &labels[..n],
            )?;
            figures.push(Figure {
                path: "pca-digits.png".into(),
                caption: format!(
                    "The raw pixels of {n} validation digits projected on their first two principal components, \
                     coloured by label; explained variance ratio {:.4} and {:.4}",
                    ratio[0], ratio[1]
                ),
            });
        }
    }
    Ok(figures)
}

/// The linear baseline beside the runs' codes: PCA with as many components
/// as the runs' most common code width, fitted on the training split.
fn embedding_baseline(experiment: &Experiment, data: &Dataset) -> Result<Option<Baseline>> {
    let (Some(train_labels), Some(val_labels)) =
        (&data.split.train.labels, &data.split.validation.labels)
    else {
        return Ok(None);
    };
    let mut widths: Vec<usize> = experiment.runs.iter().map(|r| r.model.latent).collect();
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
    let knn5_latent_acc = knn_accuracy(
        &pca.encode(&data.train),
        train_labels,
        &val_codes,
        val_labels,
        latent,
        KNN_K,
    );
    let n = experiment.runs.first().map_or(0, |r| r.eval.tsne.points);
    let n = if n == 0 { 5_000 } else { n }.min(val_labels.len());
    let trust = trustworthiness(
        &data.validation[..n * pixels],
        pixels,
        &[(&val_codes[..n * latent], latent)],
        KNN_K,
    );
    Ok(Some(Baseline {
        label: format!("PCA {latent}"),
        knn5_latent_acc,
        trust5_latent: trust[0],
    }))
}

fn report_input(
    experiment: &Experiment,
    archive: &ArchiveWriter,
    data: &Dataset,
    runs: Vec<RunReport>,
    figures: Vec<Figure>,
    baseline: Option<Baseline>,
) -> ReportInput {
    let manifest = archive.manifest();
    let mut provenance = vec![
        ("archive".to_string(), archive.dir.display().to_string()),
        ("spec".to_string(), experiment.path.display().to_string()),
        (
            "git".to_string(),
            format!(
                "{}{}",
                manifest.git.revision,
                if manifest.git.dirty { " (dirty)" } else { "" }
            ),
        ),
        ("rustc".to_string(), manifest.rustc.clone()),
        ("threads".to_string(), manifest.threads.to_string()),
        ("host".to_string(), manifest.host.clone()),
        ("started".to_string(), manifest.started.clone()),
    ];
    for f in &data.files {
        provenance.push((format!("sha256 {}", f.path.display()), f.sha256.clone()));
    }
    ReportInput {
        title: format!("Experiment {}", experiment.name),
        description: experiment.description.clone(),
        provenance,
        runs,
        figures,
        baseline,
    }
}
