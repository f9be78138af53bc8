//! Searches in rungs: successive halving and Hyperband's decisions
//! (`rungs.rs`), advancing trials from checkpoints (`halving.rs`), a rung as
//! cluster array tasks (`rung_jobs.rs`), and the report's search section.

pub(crate) mod halving;
pub(crate) mod rung_jobs;
pub(crate) mod rungs;
pub(crate) mod search_report;
