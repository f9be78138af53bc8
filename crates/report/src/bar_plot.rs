//! Grouped bar charts: one group per category (digit class), one bar per
//! series (run).

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::line_plot::legend;
use crate::{fonts, palette, ReportError};

/// Draws `series` (name, one value per group) as grouped bars.
pub fn grouped_bars(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    groups: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<(), ReportError> {
    let y_max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let bars = series.len().max(1) as f64;
    draw_png(path, (960, 520), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 22))
            .margin(16)
            .x_label_area_size(46)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..groups.len() as f64, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .x_labels(groups.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - x.floor() - 0.5).abs() < 1e-6 && i < groups.len() {
                    groups[i].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.4}"))
            .label_style((fonts::FAMILY, 15))
            .axis_desc_style((fonts::FAMILY, 17))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let width = 0.8 / bars;
        for (s, (name, values)) in series.iter().enumerate() {
            let color = palette::color(s);
            let rects = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(g, &v)| {
                    let left = g as f64 + 0.1 + s as f64 * width;
                    Rectangle::new([(left, 0.0), (left + width * 0.92, v)], color.filled())
                });
            chart
                .draw_series(rects)
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
                });
        }
        legend(&mut chart)?;
        Ok(())
    })
}
