//! Errors of the models crate.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "no autoencoder is compiled with latent = {latent}, hidden = {hidden}; \
         compiled latent sizes: {latents:?}, hidden sizes: {hiddens:?}"
    )]
    UnsupportedShape {
        latent: usize,
        hidden: usize,
        latents: &'static [usize],
        hiddens: &'static [usize],
    },

    #[error("a layer of {expected:?} (inputs, outputs) cannot take parameters of {got:?}")]
    LayerShape {
        expected: (usize, usize),
        got: (usize, usize),
    },

    #[error("cannot write weights to {path}: {message}")]
    Save { path: PathBuf, message: String },

    #[error("cannot read weights from {path}: {message}")]
    Load { path: PathBuf, message: String },
}
