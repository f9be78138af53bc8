//! Writes an experiment's comparison as files: `comparison.csv`,
//! `groups.csv` (with repeated seeds), `report.md`, `report.html` and each
//! run's page `runs/<run>/report.html`. HTML is streamed to its temporary
//! file, so memory stays bounded however many runs there are. The
//! renderings depend on the comparison, never the other way round.

use std::io::{BufWriter, Write as _};
use std::path::Path;

use aelab_archive::{write_atomic, write_atomic_with};

use crate::comparison::{Comparison, ReportInput};
use crate::{html, markdown, ReportError};

/// Writes the report files into `dir`.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<(), ReportError> {
    let comparison = Comparison::new(input);
    let csv_error = |file: &str| {
        let path = dir.join(file).display().to_string();
        move |message| ReportError::Plot { path, message }
    };
    write_atomic(
        &dir.join("comparison.csv"),
        &comparison.csv().map_err(csv_error("comparison.csv"))?,
    )?;
    if comparison.repeated {
        write_atomic(
            &dir.join("groups.csv"),
            &comparison.groups_csv().map_err(csv_error("groups.csv"))?,
        )?;
    }
    write_atomic(
        &dir.join("report.md"),
        markdown::render(&comparison).as_bytes(),
    )?;
    stream_page(&dir.join("report.html"), |out| {
        html::render(&comparison, dir, out)
    })?;
    for (i, run) in input.runs.iter().enumerate() {
        let run_dir = dir.join("runs").join(&run.name);
        if run_dir.is_dir() {
            stream_page(&run_dir.join("report.html"), |out| {
                html::render_run(&comparison, i, dir, out)
            })?;
        }
    }
    Ok(())
}

/// Writes the page `render` produces to `path` through a buffered stream,
/// atomically.
fn stream_page(
    path: &Path,
    render: impl FnOnce(&mut dyn std::fmt::Write),
) -> Result<(), ReportError> {
    Ok(write_atomic_with(path, |tmp| {
        let mut out = IoText {
            inner: BufWriter::new(std::fs::File::create(tmp)?),
            error: None,
        };
        render(&mut out);
        if let Some(e) = out.error {
            return Err(e);
        }
        out.inner.flush()
    })?)
}

/// `fmt::Write` onto an `io::Write`, keeping the first I/O error (a full
/// disk) for the caller instead of losing it.
struct IoText<W: std::io::Write> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> std::fmt::Write for IoText<W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.inner.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}
