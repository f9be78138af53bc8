//! Line charts: loss per epoch, metrics against a swept or evaluated value;
//! a line may carry its spread across seeds (± one standard deviation),
//! drawn as a shaded band or as error bars, and the x axis may be
//! logarithmic (learning rates swept geometrically).

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::{fonts, palette, ReportError};

/// Lines of more points than this are drawn without markers.
const MARKED_POINTS: usize = 100;

/// A named line of `(x, y)` points, with an optional spread per point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// `± spread[i]` around `points[i]` (one standard deviation across
    /// seeds); empty for none.
    pub spread: Vec<f64>,
}

impl Series {
    /// A line without spread.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            spread: Vec::new(),
        }
    }
}

/// How the x axis is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Whole numbers starting at 1 (epochs).
    Count,
    /// Real values (noise levels).
    Real,
    /// Positive real values on a logarithmic scale (learning rates swept
    /// geometrically).
    Log,
}

/// How a series' spread is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpreadStyle {
    /// A shaded band (curves over epochs).
    Band,
    /// Error bars at each point (values at swept settings).
    Bars,
}

/// Draws `series` as lines with markers into a PNG at `path`;
/// `axes` are the x and y descriptions. Spreads are drawn as `spread`
/// says; a log axis leaves out points at x <= 0.
pub fn line_chart(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    x_axis: XAxis,
    series: &[Series],
) -> Result<(), ReportError> {
    line_chart_with_spread(path, title, axes, x_axis, series, SpreadStyle::Band)
}

/// [`line_chart`] with the spread drawn in `style`.
pub fn line_chart_with_spread(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    x_axis: XAxis,
    series: &[Series],
    style: SpreadStyle,
) -> Result<(), ReportError> {
    // Each series' finite points with their spread (0 where none).
    let lines: Vec<Vec<(f64, f64, f64)>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| (x, y, s.spread.get(i).copied().unwrap_or(0.0)))
                .filter(|&(x, y, e)| {
                    y.is_finite() && e.is_finite() && (x_axis != XAxis::Log || x > 0.0)
                })
                .collect()
        })
        .collect();
    let (mut x_min, mut x_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y_min, mut y_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y, e) in lines.iter().flatten() {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y - e);
        y_max = y_max.max(y + e);
    }
    if !y_min.is_finite() {
        (x_min, x_max, y_min, y_max) = match x_axis {
            XAxis::Log => (1.0, 10.0, 0.0, 1.0),
            _ => (0.0, 1.0, 0.0, 1.0),
        };
    }
    let pad = ((y_max - y_min) * 0.08).max(1e-4);
    let y_range = (y_min - pad)..(y_max + pad);
    let legend_series: Vec<Series> = lines
        .iter()
        .map(|l| Series::new("", l.iter().map(|&(x, y, _)| (x, y)).collect()))
        .collect();
    let caption = (fonts::FAMILY, 24);
    let y_decimals = tick_decimals(y_max - y_min);
    // The axes, labels and grid every line chart draws, on either kind of
    // x coordinate.
    macro_rules! mesh {
        ($chart:expr, $x_labels:expr, $x_format:expr) => {
            $chart
                .configure_mesh()
                .x_desc(axes.0)
                .y_desc(axes.1)
                .label_style((fonts::FAMILY, 15))
                .axis_desc_style((fonts::FAMILY, 17))
                .x_labels($x_labels)
                .x_label_formatter($x_format)
                .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(|e| e.to_string())?
        };
    }
    draw_png(path, (900, 540), |root| {
        let builder = |root| {
            let mut b = ChartBuilder::on(root);
            b.caption(title, caption)
                .margin(16)
                .x_label_area_size(50)
                .y_label_area_size(80);
            b
        };
        if x_axis == XAxis::Log {
            let (lo, hi) = (x_min / 1.15, x_max * 1.15);
            let ticks = log_ticks(lo, hi);
            let mut chart = builder(root)
                .build_cartesian_2d(
                    (lo..hi).log_scale().with_key_points(ticks.clone()),
                    y_range.clone(),
                )
                .map_err(|e| e.to_string())?;
            mesh!(chart, ticks.len(), &|x: &f64| format_log_tick(*x));
            draw_lines(&mut chart, series, &lines, style)?;
            let corner = emptiest_corner(
                &legend_series,
                (lo.ln(), hi.ln()),
                (y_range.start, y_range.end),
                true,
            );
            legend_at(&mut chart, corner)?;
            return Ok(());
        }
        let x_range = match x_axis {
            XAxis::Count => 0.5..x_max.max(1.0) + 0.5,
            _ => {
                let pad = ((x_max - x_min) * 0.04).max(1e-6);
                (x_min - pad)..(x_max + pad)
            }
        };
        let mut chart = builder(root)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(|e| e.to_string())?;
        // Whole-number settings (a normal class, a width) get whole ticks.
        let whole = lines.iter().flatten().all(|&(x, _, _)| x.fract() == 0.0);
        let real_decimals = if whole {
            0
        } else {
            tick_decimals(x_max - x_min)
        };
        let x_format = |x: &f64| match x_axis {
            XAxis::Count => format!("{x:.0}"),
            _ => format!("{x:.real_decimals$}"),
        };
        let x_labels = match x_axis {
            XAxis::Count => x_max.clamp(1.0, 15.0) as usize,
            _ if whole => ((x_max - x_min) as usize + 1).clamp(2, 11),
            _ => 11,
        };
        mesh!(chart, x_labels, &x_format);
        draw_lines(&mut chart, series, &lines, style)?;
        let corner = emptiest_corner(
            &legend_series,
            (x_range.start, x_range.end),
            (y_range.start, y_range.end),
            false,
        );
        legend_at(&mut chart, corner)?;
        Ok(())
    })
}

/// Enough decimals to tell ten ticks over `span` apart: 1 for a span of 1,
/// 3 for a span of 0.01 to 0.1.
fn tick_decimals(span: f64) -> usize {
    (-(span.max(1e-12) / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
}

/// The labelled ticks of a log axis over `lo..hi`: the 1, 2 and 5 of each
/// decade in it (plotters' own log ticks label only powers of ten, which
/// leaves a single label on a range of one decade).
pub(crate) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if (lo..=hi).contains(&tick) {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// `0.001`, `0.0025`, `1.5`, `300`: a log axis' tick without trailing zeros.
fn format_log_tick(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".into()
    } else {
        text.to_string()
    }
}

/// Each line with its markers and its spread.
fn draw_lines<'a, DB: DrawingBackend + 'a, X>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    series: &[Series],
    lines: &[Vec<(f64, f64, f64)>],
    style: SpreadStyle,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    DB::ErrorType: 'static,
{
    for (i, (s, line)) in series.iter().zip(lines).enumerate() {
        if line.is_empty() {
            // Nothing measured (no validation digits): no line, no legend entry.
            continue;
        }
        let color = palette::color(i);
        let has_spread = line.iter().any(|&(_, _, e)| e > 0.0);
        if has_spread && style == SpreadStyle::Band {
            let mut outline: Vec<(f64, f64)> = line.iter().map(|&(x, y, e)| (x, y + e)).collect();
            outline.extend(line.iter().rev().map(|&(x, y, e)| (x, y - e)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    color.mix(0.18).filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
        if has_spread && style == SpreadStyle::Bars {
            chart
                .draw_series(line.iter().map(|&(x, y, e)| {
                    ErrorBar::new_vertical(x, y - e, y, y + e, color.stroke_width(2), 8)
                }))
                .map_err(|e| e.to_string())?;
        }
        let points: Vec<(f64, f64)> = line.iter().map(|&(x, y, _)| (x, y)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(&s.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        // Markers show where the measurements are; a curve of thousands of
        // points (a ROC curve) is drawn as a line alone.
        if points.len() <= MARKED_POINTS {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The corner whose box (the outer 40% of the plot each way) holds the
/// fewest points, so the legend hides as little as it can (rising curves
/// end top right, ROC curves leave the bottom right empty); the upper right
/// on ties, then the upper left, lower right and lower left. `log` when the
/// x range is given as logarithms.
fn emptiest_corner(
    series: &[Series],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    log: bool,
) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let points: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite())
        .map(|&(x, y)| (if log { x.ln() } else { x }, y))
        .collect();
    let inside = |right: bool, upper: bool, (x, y): (f64, f64)| {
        let in_x = if right {
            x > x0 + (x1 - x0) * 0.6
        } else {
            x < x0 + (x1 - x0) * 0.4
        };
        let in_y = if upper {
            y > y0 + (y1 - y0) * 0.6
        } else {
            y < y0 + (y1 - y0) * 0.4
        };
        in_x && in_y
    };
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (position, right, upper) in corners {
        let count = points.iter().filter(|&&p| inside(right, upper, p)).count();
        if count < best.1 {
            best = (position, count);
        }
    }
    best.0
}

/// The legend every chart of this crate draws: upper right, on a light box.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    legend_at(chart, SeriesLabelPosition::UpperRight)
}

/// The legend at `position`.
pub(crate) fn legend_at<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((fonts::FAMILY, 15))
        .draw()
        .map_err(|e| e.to_string())
}
