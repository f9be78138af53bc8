//! Checks shared by the tasks: the shape and finiteness of flat code
//! slices, and that paired arguments have one entry per point.

use crate::TasksError;

/// Checks that `codes` holds a whole, non-zero number of finite
/// `dim`-dimensional codes and returns that number.
pub(crate) fn codes(what: &'static str, codes: &[f32], dim: usize) -> Result<usize, TasksError> {
    if dim == 0 {
        return Err(TasksError::ZeroDim);
    }
    if !codes.len().is_multiple_of(dim) {
        return Err(TasksError::RaggedCodes {
            what,
            len: codes.len(),
            dim,
        });
    }
    if codes.is_empty() {
        return Err(TasksError::Empty { what });
    }
    if let Some(index) = codes.iter().position(|v| !v.is_finite()) {
        return Err(TasksError::NonFiniteCode {
            what,
            point: index / dim,
            dimension: index % dim,
            value: codes[index],
        });
    }
    Ok(codes.len() / dim)
}

/// Checks that two per-point arguments have the same length.
pub(crate) fn same_length(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<(), TasksError> {
    if left_len == right_len {
        Ok(())
    } else {
        Err(TasksError::LengthMismatch {
            left,
            left_len,
            right,
            right_len,
        })
    }
}

/// Checks a labels/assignments pair: equal length and not empty.
pub(crate) fn partition(labels: &[u8], assignments: &[usize]) -> Result<(), TasksError> {
    same_length("labels", labels.len(), "assignments", assignments.len())?;
    if labels.is_empty() {
        return Err(TasksError::Empty { what: "labels" });
    }
    Ok(())
}
