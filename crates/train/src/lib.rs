//! Training loops for aelab's autoencoders: mini-batch gradient descent with
//! SGD or Keras' variant of Adam, binary cross-entropy against the clean
//! image, optional input corruption (a denoising autoencoder), a validation
//! pass per epoch, divergence detection, and seeded, bit-reproducible order
//! and noise.
//!
//! The crate reports progress through a caller-supplied observer
//! ([`FitEvent`]) and never prints; it does no file I/O.

#![forbid(unsafe_code)]

mod checkpoint;
mod code_draws;
mod config;
mod dfdx_runtime;
mod dfdx_step;
mod engine;
mod error;
mod fit;
mod fused;
mod layered;
mod learner;
mod optimizer;
mod update_rule;

pub mod streams;

pub use checkpoint::Checkpoint;
pub use config::{EpochRecord, FitConfig, FitData, LrSchedule, Resample};
pub use engine::Engine;
pub use error::TrainError;
pub use fit::{fit, fit_from, validation_inputs, FitEvent, FitOutcome, FitStatus};
pub use optimizer::{OptimizerKind, KERAS_ADAM};
pub use update_rule::{ADADELTA, RMSPROP};
