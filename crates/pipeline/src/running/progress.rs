//! How the pipeline reports progress without drawing anything itself: it
//! asks a [`Progress`] for bars and moves them; the command line answers
//! with terminal bars, tests and benchmarks with [`NoProgress`]. Log lines
//! go through `tracing` either way.

/// A counter the pipeline advances (steps of a run, runs of an experiment).
pub trait Bar: Send + Sync {
    fn inc(&self, delta: u64);
    fn set_message(&self, message: String);
    /// Removes the bar; it is not used again.
    fn finish(&self);
}

/// Makes bars.
pub trait Progress: Sync {
    /// A bar labelled `name` counting to `total` `unit`s.
    fn bar(&self, name: &str, total: u64, unit: &str) -> Box<dyn Bar>;
}

/// Shows nothing.
pub struct NoProgress;

struct NoBar;

impl Bar for NoBar {
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish(&self) {}
}

impl Progress for NoProgress {
    fn bar(&self, _: &str, _: u64, _: &str) -> Box<dyn Bar> {
        Box::new(NoBar)
    }
}
