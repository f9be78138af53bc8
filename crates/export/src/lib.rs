//! Trained aelab models and runs in the formats other tools read: ONNX
//! graphs (`onnx.rs`, written through `prost` messages of ONNX's schema in
//! `onnx_proto.rs`) for onnxruntime and any ONNX runtime, PyTorch state
//! dicts (`torch.rs`) in safetensors with the reference modules' keys, and
//! TensorBoard event files (`tensorboard.rs`, on the messages of
//! `tensorboard_proto.rs`).
//!
//! It turns a model in memory into bytes; finding a run's model and
//! writing the files (atomically) is the pipeline's.
//!
//! Dense autoencoders (plain, tied, variational) are exported; the layered
//! (conv) models are not yet.

#![forbid(unsafe_code)]

mod onnx;
mod onnx_proto;
mod tensorboard;
mod tensorboard_proto;
mod torch;

pub use onnx::{dense_onnx, OnnxModels, BATCH, OPSET};
pub use tensorboard::{projector_config, EventWriter, HParam};
pub use torch::{dense_state_dict, MODULE as TORCH_MODULE};

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model cannot be written in the format.
    #[error("cannot encode the model: {0}")]
    Encode(String),
}
