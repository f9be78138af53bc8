//! What a trained model is judged by: reconstruction, codes and maps
//! (`evaluate.rs`, `latent_views.rs`), the papers' tasks (`tasks.rs`), a run's
//! figures, and the full evaluation a light sweep gives its best runs.

pub(crate) mod detail;
pub(crate) mod evaluate;
pub(crate) mod latent_views;
pub(crate) mod run_figures;
pub(crate) mod tasks;
