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
    serialize_tensors_and_counts(tensors, &[], metadata)
}

/// [`serialize_tensors`] with scalar int64 tensors beside (`(name,
/// value)`: a PyTorch batch norm's `num_batches_tracked`).
pub fn serialize_tensors_and_counts(
    tensors: &[NamedTensor<'_>],
    counts: &[(String, i64)],
    metadata: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.values.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let count_bytes: Vec<[u8; 8]> = counts.iter().map(|(_, v)| v.to_le_bytes()).collect();
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
    for ((name, _), data) in counts.iter().zip(&count_bytes) {
        let view = safetensors::tensor::TensorView::new(safetensors::Dtype::I64, vec![], data)
            .map_err(|e| format!("{e:?}"))?;
        views.push((name.as_str(), view));
    }
    let metadata =
        (!metadata.is_empty()).then(|| metadata.iter().cloned().collect::<HashMap<_, _>>());
    let bytes = safetensors::serialize(views, &metadata).map_err(|e| format!("{e:?}"))?;
    Ok(canonical_header(bytes))
}

/// `bytes` with the header's keys in sorted order: safetensors writes its
/// metadata from a `HashMap`, whose order changes from run to run, and the
/// same model must give the same file. The data (and the offsets into it)
/// do not move; the header keeps its length, padded to 8 bytes as before.
fn canonical_header(bytes: Vec<u8>) -> Vec<u8> {
    use std::collections::BTreeMap;
    let Some(len) = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(|b: [u8; 8]| u64::from_le_bytes(b) as usize)
    else {
        return bytes;
    };
    let Some(header) = bytes.get(8..8 + len) else {
        return bytes;
    };
    let Ok(parsed) = serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(header) else {
        return bytes;
    };
    let sorted: BTreeMap<String, serde_json::Value> = parsed
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::Object(map) => {
                let inner: BTreeMap<String, serde_json::Value> = map.into_iter().collect();
                (k, serde_json::to_value(inner).unwrap_or_default())
            }
            other => (k, other),
        })
        .collect();
    let Ok(mut text) = serde_json::to_vec(&sorted) else {
        return bytes;
    };
    if text.len() > len {
        return bytes;
    }
    text.resize(len, b' ');
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + len..]);
    out
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

/// `read(file)` on the safetensors file at `path`; its errors, and the
/// file's, as [`ModelError::Load`] naming it.
fn with_file<T>(
    path: &Path,
    read: impl FnOnce(&safetensors::SafeTensors<'_>) -> Result<T, String>,
) -> Result<T, ModelError> {
    let load_error = |message: String| ModelError::Load {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| load_error(e.to_string()))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| load_error(format!("not a safetensors file: {e:?}")))?;
    read(&file).map_err(load_error)
}

/// Every tensor of the file at `path`, by name (all must be f32).
pub(crate) fn read_tensors(path: &Path) -> Result<HashMap<String, Vec<f32>>, ModelError> {
    with_file(path, all_f32)
}

fn all_f32(file: &safetensors::SafeTensors<'_>) -> Result<HashMap<String, Vec<f32>>, String> {
    let mut tensors = HashMap::new();
    for (name, tensor) in file.tensors() {
        if tensor.dtype() != safetensors::Dtype::F32 {
            return Err(format!("tensor {name} is not f32"));
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
    with_file(path, |file| {
        // (`0.0.0.weight`: the dfdx modules' name in files of earlier versions)
        ["encoder.0.weight", "0.0.0.weight"]
            .iter()
            .find_map(|name| file.tensor(name).ok())
            .and_then(|t| t.shape().get(1).copied())
            .ok_or_else(|| "no first encoder layer (encoder.0.weight)".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_tensors_and_metadata_give_the_same_bytes() {
        let values = [1.0f32, -2.0, 3.5];
        let tensors = [
            NamedTensor {
                name: "b".into(),
                shape: vec![3],
                values: &values,
            },
            NamedTensor {
                name: "a".into(),
                shape: vec![1],
                values: &values[..1],
            },
        ];
        let metadata: Vec<(String, String)> = (0..8)
            .map(|i| (format!("key{i}"), format!("value {i}")))
            .collect();
        let first = serialize_tensors(&tensors, &metadata).unwrap();
        for _ in 0..20 {
            assert_eq!(serialize_tensors(&tensors, &metadata).unwrap(), first);
        }
        let back = safetensors::SafeTensors::deserialize(&first).unwrap();
        assert_eq!(back.tensor("b").unwrap().shape(), [3]);
    }
}
