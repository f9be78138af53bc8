//! A grid of digit images: one labelled row per kind (originals, noisy
//! inputs, reconstructions), one column per test digit.

use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::{fonts, ReportError};

/// A labelled row of images, each `side * side` pixels in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitRow {
    pub label: String,
    pub images: Vec<Vec<f32>>,
}

const SCALE: usize = 3;
const GAP: usize = 6;
const LABEL_WIDTH: usize = 230;
const TITLE_HEIGHT: usize = 48;

/// Draws `rows` of `side x side` digits (dark ink on white) into a PNG.
pub fn digit_grid(
    path: &Path,
    title: &str,
    rows: &[DigitRow],
    side: usize,
) -> Result<(), ReportError> {
    let columns = rows
        .iter()
        .map(|r| r.images.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let cell = side * SCALE + GAP;
    let width = (LABEL_WIDTH + columns * cell + GAP) as u32;
    let height = (TITLE_HEIGHT + rows.len() * cell + GAP) as u32;
    draw_png(path, (width, height), |root| {
        let title_style = TextStyle::from((fonts::FAMILY, 22).into_font()).color(&BLACK);
        root.draw_text(title, &title_style, (12, 12))
            .map_err(|e| e.to_string())?;
        let label_style = TextStyle::from((fonts::FAMILY, 16).into_font()).color(&BLACK);
        for (r, row) in rows.iter().enumerate() {
            let top = TITLE_HEIGHT + r * cell;
            root.draw_text(&row.label, &label_style, (12, (top + cell / 2 - 8) as i32))
                .map_err(|e| e.to_string())?;
            for (c, image) in row.images.iter().enumerate() {
                let left = LABEL_WIDTH + c * cell;
                for (i, &v) in image.iter().enumerate() {
                    let ink = 255 - (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                    let color = RGBColor(ink, ink, ink);
                    let (y, x) = (top + (i / side) * SCALE, left + (i % side) * SCALE);
                    root.draw(&Rectangle::new(
                        [
                            (x as i32, y as i32),
                            ((x + SCALE) as i32, (y + SCALE) as i32),
                        ],
                        color.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                }
                root.draw(&Rectangle::new(
                    [
                        (left as i32 - 1, top as i32 - 1),
                        ((left + side * SCALE) as i32, (top + side * SCALE) as i32),
                    ],
                    BLACK.mix(0.25),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}
