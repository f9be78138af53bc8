//! The result archive: where an experiment's results go and the records
//! written there. `results/<name>/<YYYYmmdd-HHMMSS>-<id>/` holds the spec as
//! given, a manifest (provenance and status), one folder per run
//! (`config.toml`, `metrics.csv`, `summary.json`, weights, plots) and the
//! comparison report.
//!
//! Invariants: a new archive never reuses or touches an existing folder, and
//! every file is written to a temporary name, synced, then renamed, so a
//! crash or Ctrl-C leaves either the old file, the new file, or none, never a
//! half-written one that looks complete.

mod atomic;
mod layout;
mod records;

pub use atomic::{write_atomic, write_atomic_with};
pub use layout::{create_archive, ArchiveError};
pub use records::{
    read_metrics_csv, write_metrics_csv, DataFile, Divergence, Figure, GitInfo, Manifest,
    MetricsRow, RunEntry, RunStatus, Summary,
};
