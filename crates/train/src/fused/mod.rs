//! aelab's own training kernels for the stacked autoencoder, contributed
//! beside dfdx rather than through it: dfdx 0.13 keeps its kernel traits
//! private, so a fused SELU or loss cannot be added to it, and at batch 32
//! its per-op tensors and tape cost more than the matrix products.
//!
//! The model stays a dfdx module: [`FusedNet`] starts from its parameters
//! ([`aelab_models::StackedAutoencoder::dense_layers`]) and writes them back
//! for validation and at the end. The matrix products run on `gemm`, the
//! library under dfdx's CPU matmul, through `aelab-kernels`. The tests in
//! `crate::engine` hold this engine to dfdx's autodiff and optimizers.

mod adam;
mod elementwise;
#[cfg(test)]
mod gradient_check;
mod net;

pub(crate) use adam::{AdamMoments, AdamStep};
pub(crate) use elementwise::bias_sigmoid_bce_backward;
pub(crate) use net::FusedNet;
