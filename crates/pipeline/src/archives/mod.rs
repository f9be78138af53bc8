//! Working on finished archives: comparing two, exporting a run's model
//! (ONNX, PyTorch), listing them, and reproducing one bit for bit.

pub(crate) mod compare;
pub(crate) mod export;
pub(crate) mod listing;
pub(crate) mod mlflow;
pub(crate) mod reproduce;
