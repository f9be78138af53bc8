//! The comparison report of an archive and the figures that span its runs
//! (loss curves, per-class bars, sweep charts), and each run's TensorBoard
//! log.

pub(crate) mod figures;
pub(crate) mod report;
pub(crate) mod sweep_charts;
pub(crate) mod tensorboard;
