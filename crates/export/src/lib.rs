//! Trained aelab models in the formats other tools read: ONNX graphs
//! (`onnx.rs`, written through `prost` messages of ONNX's schema in
//! `onnx_proto.rs`) for onnxruntime and any ONNX runtime, and PyTorch state
//! dicts (`torch.rs`) in safetensors with the reference modules' keys.
//!
//! It turns a model in memory into bytes; finding a run's model and
//! writing the files (atomically) is the pipeline's.
//!
//! Dense autoencoders (plain, tied, variational) are exported; the layered
//! (conv) models are not yet.

#![forbid(unsafe_code)]

mod onnx;
mod onnx_proto;
mod torch;

pub use onnx::{dense_onnx, OnnxModels, BATCH, OPSET};
pub use torch::{dense_state_dict, MODULE as TORCH_MODULE};

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model cannot be written in the format.
    #[error("cannot encode the model: {0}")]
    Encode(String),
}
