//! A confusion matrix as a heat map: one row per true class, one column per
//! predicted class (for clustering, the class each cluster was matched
//! to), each cell shaded by the share of its row and labelled with its
//! count.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::canvas::draw_png;
use crate::{fonts, ReportError};

/// Draws `counts[true][predicted]` with `classes` naming rows and columns.
pub fn confusion_matrix(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    classes: &[String],
    counts: &[Vec<usize>],
) -> Result<(), ReportError> {
    let n = classes.len().max(1);
    let cell = 56u32;
    let (left, top, bottom) = (90u32, 60u32, 70u32);
    let size = (left + cell * n as u32 + 30, top + cell * n as u32 + bottom);
    draw_png(path, size, |root| {
        let text = |size: u32| (fonts::FAMILY, size).into_font();
        let centred = Pos::new(HPos::Center, VPos::Center);
        root.draw(&Text::new(
            title.to_string(),
            (size.0 as i32 / 2, 24),
            text(20).color(&BLACK).pos(centred),
        ))
        .map_err(|e| e.to_string())?;
        for (row, values) in counts.iter().enumerate().take(n) {
            let total: usize = values.iter().sum();
            for (column, &count) in values.iter().enumerate().take(n) {
                let share = if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                };
                // white (0) to a dark blue (1)
                let shade = |full: f64, none: f64| (none + (full - none) * share) as u8;
                let color = RGBColor(shade(8.0, 255.0), shade(48.0, 255.0), shade(107.0, 255.0));
                let x = (left + cell * column as u32) as i32;
                let y = (top + cell * row as u32) as i32;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell as i32 - 1, y + cell as i32 - 1)],
                    color.filled(),
                ))
                .map_err(|e| e.to_string())?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    count.to_string(),
                    (x + cell as i32 / 2, y + cell as i32 / 2),
                    text(14).color(&ink).pos(centred),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        for (i, name) in classes.iter().enumerate().take(n) {
            let middle = (cell * i as u32 + cell / 2) as i32;
            root.draw(&Text::new(
                name.clone(),
                (left as i32 - 14, top as i32 + middle),
                text(15)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(|e| e.to_string())?;
            root.draw(&Text::new(
                name.clone(),
                (left as i32 + middle, (top + cell * n as u32) as i32 + 14),
                text(15)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(|e| e.to_string())?;
        }
        root.draw(&Text::new(
            axes.0.to_string(),
            (
                (left + cell * n as u32 / 2) as i32,
                (top + cell * n as u32) as i32 + 44,
            ),
            text(16)
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(|e| e.to_string())?;
        root.draw(&Text::new(
            axes.1.to_string(),
            (24, (top + cell * n as u32 / 2) as i32),
            text(16)
                .transform(FontTransform::Rotate270)
                .color(&BLACK)
                .pos(centred),
        ))
        .map_err(|e| e.to_string())?;
        Ok(())
    })
}
