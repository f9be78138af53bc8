//! The canvas every PNG of this crate is drawn on: the embedded font
//! registered, a white bitmap, written atomically (temporary name, rename).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{fonts, ReportError};

/// Draws a `size` PNG at `path` with `draw`.
pub(crate) fn draw_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<(), ReportError> {
    let err = |message: String| ReportError::Plot {
        path: path.display().to_string(),
        message,
    };
    fonts::ensure_registered().map_err(err)?;
    aelab_archive::write_atomic_with(path, |tmp| -> Result<(), String> {
        let root = BitMapBackend::new(tmp, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())
    })?;
    Ok(())
}
