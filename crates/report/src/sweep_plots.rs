//! Views of a whole sweep: parallel coordinates (every run a line through
//! its swept settings and a metric) and a trade-off scatter with its
//! Pareto front; and [`geometric`], which decides when a swept axis is
//! drawn on a log scale.

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::{fonts, palette, ReportError};

/// Whether sorted distinct positive `values` are closer to a geometric
/// than to an arithmetic progression and span at least 10x (a learning
/// rate grid such as 0.0005 * 1.25^k): such an axis is drawn on a log scale.
pub fn geometric(values: &[f64]) -> bool {
    if values.len() < 2 || values[0] <= 0.0 {
        return false;
    }
    let span = values[values.len() - 1] / values[0];
    if values.len() == 2 {
        return span >= 10.0;
    }
    let relative_spread = |steps: Vec<f64>| {
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        let var = steps.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / steps.len() as f64;
        var.sqrt() / mean.abs()
    };
    let ratios = relative_spread(values.windows(2).map(|w| (w[1] / w[0]).ln()).collect());
    let steps = relative_spread(values.windows(2).map(|w| w[1] - w[0]).collect());
    span >= 10.0 && ratios < steps
}

/// One axis of the parallel coordinates: where each value sits in [0, 1]
/// and the ticks to label.
struct Axis {
    positions: Vec<f64>,
    ticks: Vec<(f64, String)>,
}

/// Where a value an axis does not have (a variant that does not sweep the
/// key) sits: just below the axis.
const MISSING: f64 = -0.06;

/// `v` rounded to 4 significant digits, without trailing zeros.
fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Numeric values spread by value (log scale when [`geometric`]; values
/// that are not numbers, `–`, just below), the rest as evenly spaced
/// categories in sorted order.
fn axis(values: &[&str]) -> Axis {
    let numbers: Vec<Option<f64>> = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    let mut distinct: Vec<f64> = numbers.iter().flatten().copied().collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let numeric = !distinct.is_empty()
        && values
            .iter()
            .zip(&numbers)
            .all(|(text, n)| n.is_some() || *text == "–");
    if numeric {
        let log = geometric(&distinct);
        let map = |v: f64| if log { v.ln() } else { v };
        let (lo, hi) = (map(distinct[0]), map(distinct[distinct.len() - 1]));
        let at = |v: f64| {
            if hi > lo {
                (map(v) - lo) / (hi - lo)
            } else {
                0.5
            }
        };
        let shown: Vec<f64> = if distinct.len() <= 8 {
            distinct.clone()
        } else {
            vec![
                distinct[0],
                distinct[distinct.len() / 2],
                distinct[distinct.len() - 1],
            ]
        };
        let mut ticks: Vec<(f64, String)> =
            shown.iter().map(|&v| (at(v), short_number(v))).collect();
        if numbers.iter().any(Option::is_none) {
            ticks.push((MISSING, "–".into()));
        }
        return Axis {
            positions: numbers.iter().map(|n| n.map_or(MISSING, at)).collect(),
            ticks,
        };
    }
    let mut categories: Vec<&str> = values.to_vec();
    categories.sort_unstable();
    categories.dedup();
    let at = |v: &str| {
        let i = categories.iter().position(|c| *c == v).unwrap_or(0);
        if categories.len() > 1 {
            i as f64 / (categories.len() - 1) as f64
        } else {
            0.5
        }
    };
    Axis {
        positions: values.iter().map(|v| at(v)).collect(),
        ticks: categories.iter().map(|c| (at(c), c.to_string())).collect(),
    }
}

/// Parallel coordinates: `lines` are `(values, colour value)`, one value
/// per axis of `axes`; lines are coloured by the colour value from lowest
/// (dark, drawn on top) to highest (light).
pub fn parallel_coordinates(
    path: &Path,
    title: &str,
    axes: &[String],
    lines: &[(Vec<String>, f64)],
) -> Result<(), ReportError> {
    let columns: Vec<Axis> = (0..axes.len())
        .map(|a| {
            let values: Vec<&str> = lines
                .iter()
                .map(|(v, _)| v.get(a).map_or("–", String::as_str))
                .collect();
            axis(&values)
        })
        .collect();
    let (lo, hi) = lines
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, c)| {
            (lo.min(*c), hi.max(*c))
        });
    let shade = |c: f64| {
        let t = if hi > lo { (c - lo) / (hi - lo) } else { 0.0 };
        // viridis' ends and middle: dark purple (lowest), teal, yellow.
        let stops = [
            (68.0, 1.0, 84.0),
            (33.0, 145.0, 140.0),
            (253.0, 231.0, 37.0),
        ];
        let (a, b, u) = if t < 0.5 {
            (stops[0], stops[1], t * 2.0)
        } else {
            (stops[1], stops[2], t * 2.0 - 1.0)
        };
        let mix = |x: f64, y: f64| (x + u * (y - x)).round() as u8;
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    };
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| lines[b].1.total_cmp(&lines[a].1));
    let width = (220 * axes.len()).clamp(700, 1400) as u32;
    draw_png(path, (width, 560), |root| {
        let n = axes.len().max(2) as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 22))
            .margin(24)
            .margin_left(40)
            .margin_right(60)
            .build_cartesian_2d(-0.15f64..(n - 1.0) + 0.15, -0.12f64..1.1)
            .map_err(|e| e.to_string())?;
        for &i in &order {
            let points: Vec<(f64, f64)> = columns
                .iter()
                .enumerate()
                .map(|(a, column)| (a as f64, column.positions[i]))
                .collect();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    points,
                    shade(lines[i].1).mix(0.8).stroke_width(1),
                )))
                .map_err(|e| e.to_string())?;
        }
        for (a, (name, column)) in axes.iter().zip(&columns).enumerate() {
            let x = a as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, 1.0)],
                    BLACK.stroke_width(2),
                )))
                .map_err(|e| e.to_string())?;
            let area = chart.plotting_area();
            area.draw(&Text::new(
                name.clone(),
                (x - 0.1, -0.07),
                (fonts::FAMILY, 16).into_font().color(&BLACK),
            ))
            .map_err(|e| e.to_string())?;
            for (y, tick) in &column.ticks {
                area.draw(&Text::new(
                    tick.clone(),
                    (x + 0.02, *y + 0.01),
                    (fonts::FAMILY, 13).into_font().color(&palette::color(7)),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// Every `(name, x, y)` point, with x better low and y better high; the
/// Pareto front (no other point better on both) joined and marked.
/// Returns the front's names, lowest x first.
pub fn pareto_scatter(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[(String, f64, f64)],
) -> Result<Vec<String>, ReportError> {
    let mut sorted: Vec<&(String, f64, f64)> = points.iter().collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)));
    let mut front: Vec<&(String, f64, f64)> = Vec::new();
    for p in sorted {
        if front.last().is_none_or(|last| p.2 > last.2) {
            front.push(p);
        }
    }
    let range = |values: Vec<f64>| {
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        let pad = ((hi - lo) * 0.08).max(1e-4);
        (lo - pad)..(hi + pad)
    };
    let x_range = range(points.iter().map(|p| p.1).collect());
    let y_range = range(points.iter().map(|p| p.2).collect());
    draw_png(path, (900, 620), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style((fonts::FAMILY, 14))
            .axis_desc_style((fonts::FAMILY, 16))
            .x_label_formatter(&|x| format!("{x:.4}"))
            .y_label_formatter(&|y| format!("{y:.3}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let grey = palette::color(7);
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new((p.1, p.2), 4, grey.mix(0.6).filled())),
            )
            .map_err(|e| e.to_string())?;
        let blue = palette::color(0);
        chart
            .draw_series(LineSeries::new(
                front.iter().map(|p| (p.1, p.2)),
                blue.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                front
                    .iter()
                    .map(|p| Circle::new((p.1, p.2), 6, blue.filled())),
            )
            .map_err(|e| e.to_string())?;
        if front.len() <= 12 {
            for p in &front {
                chart
                    .plotting_area()
                    .draw(&Text::new(
                        p.0.clone(),
                        (p.1, p.2),
                        (fonts::FAMILY, 13).into_font().color(&BLACK),
                    ))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })?;
    Ok(front.iter().map(|p| p.0.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_grids_get_a_log_axis() {
        // 0.0005 * 1.25^k for k = 0..19 spans 70x
        let lr: Vec<f64> = (0..20).map(|k| 0.0005 * 1.25f64.powi(k)).collect();
        assert!(geometric(&lr));
        assert!(geometric(&[0.001, 0.01, 0.1, 1.0]));
        assert!(
            !geometric(&[0.1, 0.3, 0.5, 0.7, 0.9]),
            "noise levels stay linear"
        );
        assert!(
            !geometric(&[1.0, 2.0, 4.0]),
            "a span under 10x stays linear"
        );
        assert!(!geometric(&[-1.0, 1.0]));
    }

    #[test]
    fn the_pareto_front_is_what_nothing_beats_on_both() {
        let dir = tempfile::tempdir().unwrap();
        let points: Vec<(String, f64, f64)> = [
            ("a", 0.010, 0.95),
            ("b", 0.012, 0.97),
            ("c", 0.011, 0.94), // beaten by a on both
            ("d", 0.020, 0.97), // beaten by b (same accuracy, worse MSE)
            ("e", 0.030, 0.99),
        ]
        .iter()
        .map(|&(n, x, y)| (n.to_string(), x, y))
        .collect();
        let front = pareto_scatter(&dir.path().join("p.png"), "t", ("x", "y"), &points).unwrap();
        assert_eq!(front, vec!["a", "b", "e"]);
        assert!(dir.path().join("p.png").is_file());
    }

    #[test]
    fn axes_place_numbers_by_value_and_categories_evenly() {
        let numeric = axis(&["0.25", "0.75", "0.5", "–"]);
        assert_eq!(numeric.positions, vec![0.0, 1.0, 0.5, MISSING]);
        assert_eq!(short_number(0.000625), "0.000625");
        assert_eq!(short_number(0.452193211879515), "0.4522");
        assert_eq!(short_number(1500.0), "1500");
        let log = axis(&["0.001", "0.1", "0.01"]);
        assert!(
            (log.positions[2] - 0.5).abs() < 1e-12,
            "{:?}",
            log.positions
        );
        let categories = axis(&["sgd", "adam", "sgd"]);
        assert_eq!(categories.positions, vec![1.0, 0.0, 1.0]);
    }
}
