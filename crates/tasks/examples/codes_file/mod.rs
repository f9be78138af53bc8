//! The examples' input: codes as raw little-endian `f32`, row-major (numpy's
//! `tofile`), and their labels, one byte each.

use std::error::Error;

/// The codes in `codes_path` (`dim` values each) and the labels in
/// `labels_path`, checked to be as many.
pub fn read(
    codes_path: &str,
    dim: usize,
    labels_path: &str,
) -> Result<(Vec<f32>, Vec<u8>), Box<dyn Error>> {
    let bytes = std::fs::read(codes_path)?;
    if bytes.len() % 4 != 0 {
        return Err(format!(
            "{codes_path}: {} bytes are not whole f32 values",
            bytes.len()
        )
        .into());
    }
    let codes: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let labels = std::fs::read(labels_path)?;
    if dim == 0 || codes.len() != labels.len() * dim {
        return Err(format!(
            "{codes_path} holds {} values, not {} labels x {dim}",
            codes.len(),
            labels.len()
        )
        .into());
    }
    Ok((codes, labels))
}
