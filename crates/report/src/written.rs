//! Writes an experiment's comparison as files: `comparison.csv`,
//! `report.md` and `report.html`. The renderings depend on the comparison,
//! never the other way round.

use std::path::Path;

use aelab_archive::write_atomic;

use crate::comparison::{Comparison, ReportInput};
use crate::{html, markdown, ReportError};

/// Writes `comparison.csv`, `report.md` and `report.html` into `dir`.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<(), ReportError> {
    let comparison = Comparison::new(input);
    let csv = comparison.csv().map_err(|message| ReportError::Plot {
        path: dir.join("comparison.csv").display().to_string(),
        message,
    })?;
    write_atomic(&dir.join("comparison.csv"), &csv)?;
    write_atomic(
        &dir.join("report.md"),
        markdown::render(&comparison).as_bytes(),
    )?;
    write_atomic(
        &dir.join("report.html"),
        html::render(&comparison, dir).as_bytes(),
    )?;
    Ok(())
}
