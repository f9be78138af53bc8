//! Weight files: named f32 tensors in safetensors, with string metadata
//! (what architecture they belong to), written and read back.

use std::collections::HashMap;
use std::path::Path;

use crate::ModelError;

/// One tensor to write.
pub struct NamedTensor<'a> {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: &'a [f32],
}

/// `tensors` with `metadata` as the bytes of a safetensors file.
pub fn serialize_tensors(
    tensors: &[NamedTensor<'_>],
    metadata: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.values.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::new();
    for (tensor, data) in tensors.iter().zip(&bytes) {
        let view = safetensors::tensor::TensorView::new(
            safetensors::Dtype::F32,
            tensor.shape.clone(),
            data,
        )
        .map_err(|e| format!("{e:?}"))?;
        views.push((tensor.name.as_str(), view));
    }
    let metadata =
        (!metadata.is_empty()).then(|| metadata.iter().cloned().collect::<HashMap<_, _>>());
    safetensors::serialize(views, &metadata).map_err(|e| format!("{e:?}"))
}

/// Writes `tensors` with `metadata` to `path`.
pub(crate) fn write_tensors(
    path: &Path,
    tensors: &[NamedTensor<'_>],
    metadata: &[(String, String)],
) -> Result<(), ModelError> {
    let save_error = |message: String| ModelError::Save {
        path: path.to_path_buf(),
        message,
    };
    let bytes = serialize_tensors(tensors, metadata).map_err(save_error)?;
    std::fs::write(path, bytes).map_err(|e| save_error(e.to_string()))
}

/// Every tensor of the file at `path`, by name (all must be f32).
pub(crate) fn read_tensors(path: &Path) -> Result<HashMap<String, Vec<f32>>, ModelError> {
    let load_error = |message: String| ModelError::Load {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| load_error(format!("not a safetensors file: {e:?}")))?;
    let mut tensors = HashMap::new();
    for (name, tensor) in file.tensors() {
        if tensor.dtype() != safetensors::Dtype::F32 {
            return Err(load_error(format!("tensor {name} is not f32")));
        }
        let values: Vec<f32> = tensor
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        tensors.insert(name, values);
    }
    Ok(tensors)
}

/// The input width (values per image) of the dense autoencoder whose
/// weights are at `path`: the columns of its first encoder layer.
pub fn dense_input_width(path: &Path) -> Result<usize, ModelError> {
    let load_error = |message: String| ModelError::Load {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| load_error(format!("not a safetensors file: {e:?}")))?;
    // (`0.0.0.weight`: the dfdx modules' name in files of earlier versions)
    ["encoder.0.weight", "0.0.0.weight"]
        .iter()
        .find_map(|name| file.tensor(name).ok())
        .and_then(|t| t.shape().get(1).copied())
        .ok_or_else(|| load_error("no first encoder layer (encoder.0.weight)".into()))
}
