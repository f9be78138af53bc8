//! The figures that span runs: validation loss per configuration (mean
//! over seeds with a band of one standard deviation), test MSE per digit
//! class, the denoising curves, the PCA view of the digits, and for a sweep
//! the charts of `sweep_charts.rs`. Experiments with many configurations
//! show the best few by validation, and say so.

use std::path::Path;

use crate::Result;
use aelab_archive::{MetricsRow, Summary};
use aelab_models::Reconstructor;
use aelab_reduce::Pca;
use aelab_report::{
    embedding_scatter, grouped_bars, line_chart, seed_groups, spread, Choice, Figure, RunReport,
    SeedGroup, Series, XAxis,
};
use aelab_spec::Experiment;

use crate::input::dataset::Dataset;
use crate::reporting::sweep_charts::sweep_figures;

/// Digits in the PCA view of the data.
const PCA_VIEW_POINTS: usize = 5_000;
/// Configurations a chart of lines or bars shows at most: the best by
/// validation.
const SHOWN_CONFIGURATIONS: usize = 10;

/// The figures that span runs.
pub fn experiment_figures(
    dir: &Path,
    data: &Dataset,
    histories: &[(String, Vec<MetricsRow>)],
    reports: &[RunReport],
    experiment: &Experiment,
) -> Result<Vec<Figure>> {
    let mut figures = sweep_figures(dir, experiment, reports)?;
    let groups = seed_groups(reports);
    let shown = best_by_validation(&groups, reports, SHOWN_CONFIGURATIONS);
    let which = |what: &str| {
        let of = if groups.len() > reports.len() / 2 {
            "run"
        } else {
            "configuration (mean over its seeds)"
        };
        if shown.len() < groups.len() {
            format!(
                "{what}, the {} best of {} by validation BCE, one per {of}",
                shown.len(),
                groups.len()
            )
        } else {
            format!("{what}, one per {of}")
        }
    };

    let per_class: Vec<(String, Vec<f64>)> = shown
        .iter()
        .filter_map(|&g| {
            let classes = mean_curve(&groups[g], reports, |s| {
                let per_class = s.per_class_test_mse.as_ref()?;
                Some(
                    per_class
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| (i as f64, v))
                        .collect(),
                )
            })?;
            Some((
                groups[g].name.clone(),
                classes.points.iter().map(|p| p.1).collect(),
            ))
        })
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
            caption: format!(
                "{}: which digits each model finds hard",
                which("Test reconstruction MSE of each digit class")
            ),
        });
    }

    let curves: Vec<Series> = shown
        .iter()
        .filter_map(|&g| {
            mean_curve(&groups[g], reports, |s| {
                Some(
                    s.denoising_curve
                        .as_ref()?
                        .iter()
                        .map(|p| (p[0], p[1]))
                        .collect(),
                )
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
                "{} with the test inputs corrupted by {kind} noise of increasing level and clean targets: where each model breaks",
                which("Test MSE")
            ),
        });
    }

    let history = |name: &str| histories.iter().find(|(n, _)| n == name).map(|(_, h)| h);
    let series: Vec<Series> = shown
        .iter()
        .filter_map(|&g| {
            let curve = mean_curve_of_runs(&groups[g], reports, |r| {
                let h = history(&r.name)?;
                (h.len() > 1).then(|| {
                    h.iter()
                        .filter_map(|row| row.val_loss.map(|v| (row.epoch as f64, v)))
                        .collect()
                })
            })?;
            (!curve.points.is_empty()).then_some(curve)
        })
        .collect();
    if !series.is_empty() {
        let band = series.iter().any(|s| !s.spread.is_empty());
        line_chart(
            &dir.join("val-loss.png"),
            "validation loss per epoch",
            ("epoch", "validation BCE"),
            XAxis::Count,
            &series,
        )?;
        figures.push(Figure {
            path: "val-loss.png".into(),
            caption: format!(
                "{}{}; denoising runs are validated on noisy inputs against clean targets",
                which("Validation loss (BCE) per epoch"),
                if band {
                    "; the band is ± one standard deviation across seeds"
                } else {
                    ""
                }
            ),
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

/// Indices (in run order) of up to `k` groups, the best by validation.
fn best_by_validation(groups: &[SeedGroup], reports: &[RunReport], k: usize) -> Vec<usize> {
    let summaries: Vec<Vec<&Summary>> = groups
        .iter()
        .map(|g| g.members.iter().map(|&i| &reports[i].summary).collect())
        .collect();
    let order = match Choice::for_runs(reports.iter().map(|r| &r.summary)) {
        Some(choice) => choice.rank(&summaries),
        None => (0..groups.len()).collect(),
    };
    let mut chosen: Vec<usize> = order.into_iter().take(k).collect();
    chosen.sort_unstable();
    chosen
}

/// `group`'s curve from each run's summary: the mean at each x of the
/// first run's curve, and the standard deviation across seeds.
fn mean_curve(
    group: &SeedGroup,
    reports: &[RunReport],
    curve: impl Fn(&Summary) -> Option<Vec<(f64, f64)>>,
) -> Option<Series> {
    mean_curve_of_runs(group, reports, |r| curve(&r.summary))
}

/// [`mean_curve`] from each run's report.
fn mean_curve_of_runs(
    group: &SeedGroup,
    reports: &[RunReport],
    curve: impl Fn(&RunReport) -> Option<Vec<(f64, f64)>>,
) -> Option<Series> {
    let curves: Vec<Vec<(f64, f64)>> = group
        .members
        .iter()
        .filter_map(|&i| curve(&reports[i]))
        .collect();
    let first = curves.first()?;
    let mut points = Vec::new();
    let mut spreads = Vec::new();
    for &(x, _) in first {
        let ys: Vec<f64> = curves
            .iter()
            .filter_map(|c| c.iter().find(|p| p.0 == x).map(|p| p.1))
            .collect();
        // A point no run has (a digit class the test set lacks) stays,
        // as NaN, so later points keep their x.
        match spread(&ys) {
            Some(s) => {
                points.push((x, s.mean));
                spreads.push(if s.n > 1 { s.sd } else { 0.0 });
            }
            None => {
                points.push((x, f64::NAN));
                spreads.push(0.0);
            }
        }
    }
    let spread = if curves.len() > 1 {
        spreads
    } else {
        Vec::new()
    };
    Some(Series {
        label: group.name.clone(),
        points,
        spread,
    })
}
