//! Training or fitting one run: the run from its config to its summary
//! (`execute.rs`), the training loop's threads (`train_run.rs`), the
//! checkpoints a search continues from, and the layer table of a model.

pub(crate) mod checkpoint_file;
pub(crate) mod execute;
pub(crate) mod shapes;
pub(crate) mod train_run;
