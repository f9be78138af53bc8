//! The figures that span runs: validation loss of every run, test MSE per
//! digit class, the denoising curves, the PCA view of the digits, and for a
//! sweep each metric against the swept value.

use std::path::Path;

use crate::Result;
use aelab_archive::MetricsRow;
use aelab_models::Reconstructor;
use aelab_reduce::Pca;
use aelab_report::{
    embedding_scatter, grouped_bars, line_chart, Figure, RunReport, Series, XAxis, METRICS,
};
use aelab_spec::Experiment;

use crate::dataset::Dataset;

/// Digits in the PCA view of the data.
const PCA_VIEW_POINTS: usize = 5_000;

/// The metrics a sweep is charted by (`summary.json` keys).
const SWEEP_METRICS: [&str; 4] = ["test_mse", "noisy_test_mse", "latent_knn5_acc", "val_bce"];

/// The figures that span runs: validation loss of every run, and the PCA
/// view of the validation digits (the training digits of a split without
/// validation digits).
pub fn experiment_figures(
    dir: &Path,
    data: &Dataset,
    histories: &[(String, Vec<MetricsRow>)],
    reports: &[RunReport],
    experiment: &Experiment,
) -> Result<Vec<Figure>> {
    let mut figures = sweep_figures(dir, experiment, reports)?;
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
    if let Some((digits, labels, which)) = data.embedding_digits() {
        let n = labels.len().min(PCA_VIEW_POINTS);
        if n >= 3 {
            let images = &digits[..n * data.pixels()];
            let pca = Pca::fit(images, data.pixels(), 2)?;
            let ratio = pca.explained_variance_ratio();
            let points: Vec<[f32; 2]> =
                pca.encode(images).chunks(2).map(|c| [c[0], c[1]]).collect();
            embedding_scatter(
                &dir.join("pca-digits.png"),
                &format!(
                    "PCA of {n} {which} digits ({:.1}% of the variance)",
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
                    "The raw pixels of {n} {which} digits projected on their first two principal components, \
                     coloured by label; explained variance ratio {:.4} and {:.4}",
                    ratio[0], ratio[1]
                ),
            });
        }
    }
    Ok(figures)
}

/// For each swept key with numeric values: each metric against the value,
/// one line per combination of the variant and the other swept values.
fn sweep_figures(
    dir: &Path,
    experiment: &Experiment,
    reports: &[RunReport],
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for key in &experiment.swept {
        let points: Vec<(usize, f64)> = experiment
            .runs
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let value = run
                    .sweep
                    .iter()
                    .find(|(k, _)| k == key)?
                    .1
                    .parse::<f64>()
                    .ok()?;
                Some((i, value))
            })
            .collect();
        let distinct = {
            let mut v: Vec<f64> = points.iter().map(|p| p.1).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        if distinct.len() < 2 {
            continue;
        }
        // Orders of magnitude apart (learning rates): chart the log.
        let log = distinct[0] > 0.0 && distinct[distinct.len() - 1] / distinct[0] >= 100.0;
        let x_label = if log {
            format!("log10({key})")
        } else {
            key.clone()
        };
        for metric in METRICS.iter().filter(|m| SWEEP_METRICS.contains(&m.key)) {
            let label = metric.label;
            let mut series: Vec<Series> = Vec::new();
            for &(i, x) in &points {
                let run = &experiment.runs[i];
                let Some(y) = (metric.value)(&reports[i].summary).filter(|v| v.is_finite()) else {
                    continue;
                };
                let line: Vec<String> = std::iter::once(run.variant.clone())
                    .chain(
                        run.sweep
                            .iter()
                            .filter(|(k, _)| k != key)
                            .map(|(k, v)| format!("{k}={v}")),
                    )
                    .collect();
                let line = line.join(" ");
                let x = if log { x.log10() } else { x };
                match series.iter_mut().find(|s| s.label == line) {
                    Some(s) => s.points.push((x, y)),
                    None => series.push(Series {
                        label: line,
                        points: vec![(x, y)],
                    }),
                }
            }
            if series.is_empty() {
                continue;
            }
            for s in &mut series {
                s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            let file = format!("sweep-{}-{}.png", key.replace('.', "-"), metric.key);
            line_chart(
                &dir.join(&file),
                &format!("{label} against {key}"),
                (&x_label, label),
                XAxis::Real,
                &series,
            )?;
            figures.push(Figure {
                path: file,
                caption: format!("{label} of every run against the swept {key}, one line per variant and other swept values"),
            });
        }
    }
    Ok(figures)
}
