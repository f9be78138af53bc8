//! The charts of a sweep: for each numeric swept key, each charted metric
//! against the swept value, one line per variant and other swept values,
//! each point the mean over the seeds of its configuration with an error
//! bar of one standard deviation; a logarithmic axis for keys swept
//! geometrically (learning rates). Then two views of the whole sweep: the
//! parallel coordinates of every swept key and the chosen validation
//! metric, and the trade-off between reconstruction (test MSE) and codes
//! (5-NN accuracy) with its Pareto front.

use std::path::Path;

use aelab_report::{
    geometric, line_chart_with_spread, parallel_coordinates, pareto_scatter, spread, Choice,
    Figure, RunReport, Series, SpreadStyle, XAxis, METRICS,
};
use aelab_spec::Experiment;

use crate::Result;

/// The metrics a sweep is charted by (`summary.json` keys).
/// A metric no run measured (AUROC without a normal class) is not charted.
const SWEEP_METRICS: [&str; 8] = [
    "test_mse",
    "noisy_test_mse",
    "latent_knn5_acc",
    "val_bce",
    "clean_val_bce",
    "auroc",
    "cluster_acc",
    "probe_acc",
];

/// Every chart of the sweep of `experiment` (none without a sweep).
pub fn sweep_figures(
    dir: &Path,
    experiment: &Experiment,
    reports: &[RunReport],
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let keys: Vec<&String> = experiment.swept.iter().filter(|k| *k != "seed").collect();
    for key in &keys {
        figures.extend(key_charts(dir, experiment, reports, key)?);
    }
    if !keys.is_empty() {
        figures.extend(parallel_view(dir, experiment, reports, &keys)?);
    }
    if experiment.runs.len() > 1 {
        figures.extend(pareto_view(dir, reports)?);
    }
    Ok(figures)
}

/// A line's values: at each swept value, the metric of every seed.
type SeedValues = Vec<(f64, Vec<f64>)>;

/// Each metric against the numeric swept `key`.
fn key_charts(
    dir: &Path,
    experiment: &Experiment,
    reports: &[RunReport],
    key: &str,
) -> Result<Vec<Figure>> {
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
    let mut distinct: Vec<f64> = points.iter().map(|p| p.1).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return Ok(Vec::new());
    }
    let axis = if geometric(&distinct) {
        XAxis::Log
    } else {
        XAxis::Real
    };
    let x_label = match axis {
        XAxis::Log => format!("{key} (log scale)"),
        _ => key.to_string(),
    };
    let mut figures = Vec::new();
    for metric in METRICS.iter().filter(|m| SWEEP_METRICS.contains(&m.key)) {
        let mut lines: Vec<(String, SeedValues)> = Vec::new();
        for &(i, x) in &points {
            let Some(y) = (metric.value)(&reports[i].summary).filter(|v| v.is_finite()) else {
                continue;
            };
            let run = &experiment.runs[i];
            let line: Vec<String> = std::iter::once(run.variant.clone())
                .chain(
                    run.sweep
                        .iter()
                        .filter(|(k, _)| k != key && k != "seed")
                        .map(|(k, v)| format!("{k}={v}")),
                )
                .collect();
            let line = line.join(" ");
            let at = match lines.iter_mut().find(|(l, _)| *l == line) {
                Some((_, at)) => at,
                None => {
                    lines.push((line, Vec::new()));
                    &mut lines.last_mut().expect("just pushed").1
                }
            };
            match at.iter_mut().find(|(ax, _)| *ax == x) {
                Some((_, ys)) => ys.push(y),
                None => at.push((x, vec![y])),
            }
        }
        if lines.is_empty() {
            continue;
        }
        let repeated = lines
            .iter()
            .any(|(_, at)| at.iter().any(|(_, ys)| ys.len() > 1));
        let series: Vec<Series> = lines
            .into_iter()
            .map(|(label, mut at)| {
                at.sort_by(|a, b| a.0.total_cmp(&b.0));
                let stats: Vec<(f64, f64, f64)> = at
                    .iter()
                    .filter_map(|(x, ys)| {
                        let s = spread(ys)?;
                        Some((*x, s.mean, if s.n > 1 { s.sd } else { 0.0 }))
                    })
                    .collect();
                Series {
                    label,
                    points: stats.iter().map(|&(x, m, _)| (x, m)).collect(),
                    spread: if repeated {
                        stats.iter().map(|&(_, _, e)| e).collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let label = metric.label;
        let file = format!("sweep-{}-{}.png", key.replace('.', "-"), metric.key);
        line_chart_with_spread(
            &dir.join(&file),
            &format!("{label} against {key}"),
            (&x_label, label),
            axis,
            &series,
            SpreadStyle::Bars,
        )?;
        let bars = if repeated {
            "; each point is the mean over seeds, its bar ± one standard deviation"
        } else {
            ""
        };
        figures.push(Figure {
            path: file,
            caption: format!(
                "{label} against the swept {key}, one line per variant and other swept values{bars}"
            ),
        });
    }
    Ok(figures)
}

/// Every run as a line through the swept keys and the validation BCE it is
/// chosen by, coloured by that BCE.
fn parallel_view(
    dir: &Path,
    experiment: &Experiment,
    reports: &[RunReport],
    keys: &[&String],
) -> Result<Vec<Figure>> {
    let variants = {
        let mut v: Vec<&str> = experiment.runs.iter().map(|r| r.variant.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let mut axes: Vec<String> = Vec::new();
    if variants > 1 {
        axes.push("variant".into());
    }
    axes.extend(keys.iter().map(|k| k.to_string()));
    let Some(choice) = Choice::for_runs(reports.iter().map(|r| &r.summary)) else {
        return Ok(Vec::new());
    };
    axes.push(choice.metric().label.into());
    let mut lines = Vec::new();
    for (run, report) in experiment.runs.iter().zip(reports) {
        let Some(bce) = choice.score(&report.summary) else {
            continue;
        };
        let mut values: Vec<String> = Vec::new();
        if variants > 1 {
            values.push(run.variant.clone());
        }
        values.extend(keys.iter().map(|k| {
            run.sweep
                .iter()
                .find(|(sk, _)| sk == *k)
                .map_or("–".to_string(), |(_, v)| v.clone())
        }));
        values.push(format!("{bce}"));
        lines.push((values, bce));
    }
    if lines.len() < 2 {
        return Ok(Vec::new());
    }
    parallel_coordinates(
        &dir.join("sweep-parallel.png"),
        &format!("{} runs across the swept settings", lines.len()),
        &axes,
        &lines,
    )?;
    Ok(vec![Figure {
        path: "sweep-parallel.png".into(),
        caption: "Parallel coordinates: each run is a line through its value of every swept key and its validation BCE (clean inputs), coloured by that BCE from best (dark purple) to worst (yellow); numeric axes keep their order (a geometric one on a log scale), and – marks a key a variant does not sweep".into(),
    }])
}

/// Test MSE against the 5-NN accuracy of the codes, the Pareto front
/// marked.
fn pareto_view(dir: &Path, reports: &[RunReport]) -> Result<Vec<Figure>> {
    let points: Vec<(String, f64, f64)> = reports
        .iter()
        .filter_map(|r| {
            let mse = r.summary.test_mse.filter(|v| v.is_finite())?;
            let acc = r.summary.latent_knn5_acc.filter(|v| v.is_finite())?;
            Some((r.name.clone(), mse, acc))
        })
        .collect();
    if points.len() < 2 {
        return Ok(Vec::new());
    }
    let front = pareto_scatter(
        &dir.join("pareto.png"),
        "reconstruction against codes",
        (
            "test MSE (lower is better)",
            "5-NN accuracy of the codes (higher is better)",
        ),
        &points,
    )?;
    Ok(vec![Figure {
        path: "pareto.png".into(),
        caption: format!(
            "Every run's test MSE against the 5-NN accuracy of its codes; the {} runs on the Pareto front (none better on both) are joined: {}",
            front.len(),
            front.join(", ")
        ),
    }])
}
