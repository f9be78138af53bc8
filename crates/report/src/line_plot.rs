//! Line charts: loss per epoch, metrics against a swept or evaluated value.

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::{fonts, palette, ReportError};

/// A named line of `(x, y)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// How the x axis is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Whole numbers starting at 1 (epochs).
    Count,
    /// Real values (noise levels, learning rates).
    Real,
}

/// Draws `series` as lines with markers into a PNG at `path`;
/// `axes` are the x and y descriptions.
pub fn line_chart(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    x_axis: XAxis,
    series: &[Series],
) -> Result<(), ReportError> {
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite());
    let (mut x_min, mut x_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y_min, mut y_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if !y_min.is_finite() {
        (x_min, x_max, y_min, y_max) = (0.0, 1.0, 0.0, 1.0);
    }
    let pad = ((y_max - y_min) * 0.08).max(1e-4);
    let x_range = match x_axis {
        XAxis::Count => 0.5..x_max.max(1.0) + 0.5,
        XAxis::Real => {
            let pad = ((x_max - x_min) * 0.04).max(1e-6);
            (x_min - pad)..(x_max + pad)
        }
    };
    draw_png(path, (900, 540), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 24))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.clone(), (y_min - pad)..(y_max + pad))
            .map_err(|e| e.to_string())?;
        // Enough decimals to tell the ticks apart: 2 for a span of 1.
        let real_decimals =
            (-(x_max - x_min).max(1e-12).log10()).ceil().clamp(0.0, 6.0) as usize + 2;
        let x_format = |x: &f64| match x_axis {
            XAxis::Count => format!("{x:.0}"),
            XAxis::Real => format!("{x:.real_decimals$}"),
        };
        let x_labels = match x_axis {
            XAxis::Count => x_max.clamp(1.0, 15.0) as usize,
            XAxis::Real => 11,
        };
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style((fonts::FAMILY, 15))
            .axis_desc_style((fonts::FAMILY, 17))
            .x_labels(x_labels)
            .x_label_formatter(&x_format)
            .y_label_formatter(&|y| format!("{y:.4}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, s) in series.iter().enumerate() {
            let color = palette::color(i);
            let finite: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(finite.clone(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(&s.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            chart
                .draw_series(finite.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        legend_at(
            &mut chart,
            emptier_top_corner(series, (x_range.start, x_range.end), y_max + pad),
        )?;
        Ok(())
    })
}

/// The upper corner whose quarter of the plot holds fewer points, so the
/// legend hides as little as it can (rising curves end top right).
fn emptier_top_corner(series: &[Series], (x0, x1): (f64, f64), top: f64) -> SeriesLabelPosition {
    let (mut left, mut right) = (0, 0);
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite());
    let bottom = points.clone().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let upper = bottom + (top - bottom) * 0.6;
    for &(x, y) in points {
        if y >= upper {
            if x < x0 + (x1 - x0) * 0.4 {
                left += 1;
            } else if x > x0 + (x1 - x0) * 0.6 {
                right += 1;
            }
        }
    }
    if right > left {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
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
