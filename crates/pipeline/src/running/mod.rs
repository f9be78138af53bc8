//! Running an experiment from start to end: the order of its runs and
//! how many at once (`schedule.rs`), which runs an invocation executes
//! (`selection.rs`), the manifest and provenance it records, each run's
//! identity (what makes two runs the same), and progress reporting.

pub(crate) mod experiment;
pub(crate) mod identity;
pub(crate) mod manifest;
pub(crate) mod progress;
pub(crate) mod provenance;
pub(crate) mod schedule;
pub(crate) mod selection;
