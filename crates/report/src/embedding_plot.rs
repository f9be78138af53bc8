//! 2-D maps (t-SNE, PCA) as scatter plots coloured by digit class.

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::line_plot::legend;
use crate::{fonts, palette, ReportError};

/// Draws `points` coloured by `labels` (0-9) with a legend.
pub fn embedding_scatter(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[[f32; 2]],
    labels: &[u8],
) -> Result<(), ReportError> {
    let range = |axis: usize| {
        let (lo, hi) = points
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[axis]), hi.max(p[axis]))
            });
        if lo.is_finite() && hi > lo {
            let pad = (hi - lo) * 0.05;
            (lo - pad) as f64..(hi + pad) as f64
        } else {
            -1.0..1.0
        }
    };
    let (x_range, y_range) = (range(0), range(1));
    draw_png(path, (860, 760), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 22))
            .margin(16)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style((fonts::FAMILY, 14))
            .axis_desc_style((fonts::FAMILY, 16))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for digit in 0..10u8 {
            let color = palette::color(usize::from(digit));
            let members = points
                .iter()
                .zip(labels)
                .filter(|(_, &l)| l == digit)
                .map(|(p, _)| {
                    Circle::new(
                        (f64::from(p[0]), f64::from(p[1])),
                        2,
                        color.mix(0.7).filled(),
                    )
                });
            chart
                .draw_series(members)
                .map_err(|e| e.to_string())?
                .label(digit.to_string())
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
        }
        legend(&mut chart)?;
        Ok(())
    })
}
