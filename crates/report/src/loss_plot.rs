//! Loss per epoch as line charts.

use std::path::Path;

use plotters::prelude::*;

use crate::{fonts, palette, ReportError};

/// A named line: `(epoch, loss)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Draws `series` as lines with markers into a PNG at `path`.
pub fn loss_curves(
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), ReportError> {
    let err = |message: String| ReportError::Plot {
        path: path.display().to_string(),
        message,
    };
    fonts::ensure_registered().map_err(err)?;
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite());
    let (mut x_max, mut y_min, mut y_max) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in points {
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if !y_min.is_finite() {
        (y_min, y_max) = (0.0, 1.0);
    }
    let pad = ((y_max - y_min) * 0.08).max(1e-4);
    aelab_archive::write_atomic_with(path, |tmp| -> Result<(), String> {
        let root = BitMapBackend::new(tmp, (900, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (fonts::FAMILY, 24))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.5f64..x_max + 0.5, (y_min - pad)..(y_max + pad))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(y_label)
            .label_style((fonts::FAMILY, 15))
            .axis_desc_style((fonts::FAMILY, 17))
            .x_labels(x_max.min(15.0) as usize)
            .x_label_formatter(&|x| format!("{x:.0}"))
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
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((fonts::FAMILY, 16))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    })?;
    Ok(())
}
