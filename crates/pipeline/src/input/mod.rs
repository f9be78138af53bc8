//! The data an experiment runs on: loading (and fetching) it once, split
//! and preprocessed as the spec says.

pub(crate) mod dataset;
pub(crate) mod fetching;
