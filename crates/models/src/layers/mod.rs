//! Autoencoders written as layer lists: convolutions, transposed
//! convolutions, pooling, upsampling, dense layers, reshapes and batch
//! norms, each with the activation after it, on channels-last maps whose
//! shapes come from the data.
//!
//! - [`vocabulary`]: the layer kinds a spec can write.
//! - [`shape`]: what each layer takes and gives; [`plan`] refuses a list
//!   that cannot work, naming the layer.
//! - [`mirror`]: the decoder mirrored from the encoder; `dense_stack.rs`:
//!   a plain dense stack of the family as a layer list.
//! - one file per kind for its forward and backward kernels (`conv.rs`,
//!   `deconv.rs`, `pool.rs`, `upsample.rs`, `dense.rs`, `batchnorm.rs`),
//!   on the patch matrices of `patches.rs`; `activation.rs` for the
//!   activation after a layer; [`apply`] dispatches a planned layer to
//!   them.
//! - [`network`]: the architecture (the two lists and the loss) and the
//!   network's tensors, which evaluation uses as a
//!   [`Reconstructor`](crate::Reconstructor).

mod activation;
pub mod apply;
mod batchnorm;
mod conv;
mod deconv;
mod dense;
mod dense_stack;
mod mirror;
mod network;
mod patch_matrix;
mod patches;
mod pool;
mod shape;
mod summary;
mod taps;
mod upsample;
mod vocabulary;

pub use mirror::mirror;
pub use network::{LayeredArchitecture, LayeredNet, Loss, Plan};
pub use patches::PATCH_BUDGET;
pub use shape::{plan, PlannedLayer, Shape, ShapeError, Window};
pub use summary::LayerSummary;
pub use vocabulary::{LayerActivation, LayerKind, LayerSpec, Padding};
