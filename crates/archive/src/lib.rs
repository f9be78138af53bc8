//! The result archive: where an experiment's results go and the records
//! written there. `results/<name>/<YYYYmmdd-HHMMSS>-<id>/` holds the spec as
//! given, a manifest (provenance and status), one folder per run
//! (`config.toml`, `metrics.csv`, `summary.json`, weights, plots) and the
//! comparison report. This crate also owns what spans archives: run
//! identities, reuse of completed runs (hard links), the locked manifest
//! that shards merge into, listing with sizes, and garbage collection.
//!
//! Invariants: a new archive never reuses or touches an existing folder;
//! every file is written to a temporary name, synced, then renamed, so a
//! crash or Ctrl-C leaves either the old file, the new file, or none, never a
//! half-written one that looks complete; no file is changed in place, so
//! hard links between archives are safe. Knows nothing of specs or models:
//! the pipeline hands it text, hashes and records.

#![forbid(unsafe_code)]

mod atomic;
mod clock;
mod gc;
mod identity;
mod inventory;
mod layout;
mod records;
mod run_cache;
mod writer;

pub use atomic::{link_or_copy_atomic, write_atomic, write_atomic_with};
pub use clock::{now, stamp};
pub use gc::{execute_gc, plan_gc, GcPlan};
pub use identity::{run_identity, IdentityInputs};
pub use inventory::{all_archives, archive_folders, disk_usage, human_bytes, DiskUsage};
pub use layout::{create_archive, ArchiveError};
pub use records::{
    read_metrics_csv, write_metrics_csv, DataFile, Divergence, Figure, GitInfo, LayerRow, Manifest,
    MetricsRow, RunEntry, RunStatus, Summary, CODE_NEAR_ZERO, RENAMED_FIELDS, SCHEMA_VERSION,
};
pub use run_cache::RunCache;
pub use writer::ArchiveWriter;
