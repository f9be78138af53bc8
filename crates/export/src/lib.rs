//! Trained aelab models and runs in the formats other tools read: ONNX
//! graphs (`onnx.rs`, written through `prost` messages of ONNX's schema in
//! `onnx_proto.rs`) for onnxruntime and any ONNX runtime, PyTorch state
//! dicts (`torch.rs`) in safetensors with the reference modules' keys, and
//! TensorBoard event files (`tensorboard.rs`, on the messages of
//! `tensorboard_proto.rs`); and finished runs into an MLflow tracking
//! server over its REST API (`mlflow.rs`).
//!
//! It turns a model in memory into bytes; finding a run's model and
//! writing the files (atomically) is the pipeline's.
//!
//! ONNX covers every model kind aelab trains (dense and layered); the
//! PyTorch layouts are `torch_ae.py`'s for the dense family and
//! `torch_conv.py`'s `enc`/`dec` Sequentials for layered networks.

#![forbid(unsafe_code)]

mod layout;
mod mlflow;
mod onnx;
mod onnx_graph;
mod onnx_layered;
mod onnx_proto;
mod tensorboard;
mod tensorboard_proto;
mod torch;

pub use mlflow::{Exported, MetricPoint, MlflowClient, MlflowRun, KEY_TAG as MLFLOW_KEY_TAG};
pub use onnx::{dense_onnx, OnnxModels};
pub use onnx_graph::{BATCH, OPSET};
pub use onnx_layered::layered_onnx;
pub use tensorboard::{projector_config, EventWriter, HParam};
pub use torch::{dense_state_dict, layered_state_dict, MODULE as TORCH_MODULE, SEQUENTIAL_MODULE};

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model cannot be written in the format.
    #[error("cannot encode the model: {0}")]
    Encode(String),

    /// The MLflow tracking server refused or could not be reached.
    #[error("MLflow tracking server {uri}: {message}")]
    Tracking { uri: String, message: String },
}
