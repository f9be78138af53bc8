//! The IDX format of the MNIST files: a big-endian magic number
//! (`0x00000801` for a vector of u8 labels, `0x00000803` for u8 images), one
//! big-endian u32 per dimension, then the data. Counts and sizes are checked
//! against the file's length; errors give the byte offset.

use crate::{DataError, ImageSet, SourceFile};

/// Magic number of an IDX file of unsigned-byte labels (1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Magic number of an IDX file of unsigned-byte images (3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;

/// Decodes an IDX images file into unlabelled images.
pub fn decode_images(file: &SourceFile) -> Result<ImageSet, DataError> {
    let dims = header(file, IMAGES_MAGIC, "images", 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(DataError::Invalid {
            path: file.path.clone(),
            message: format!("images of {rows}x{cols} pixels declared in the header"),
        });
    }
    let len = count.checked_mul(rows).and_then(|n| n.checked_mul(cols));
    let pixels = body(file, 16, len, &format!("{count} images of {rows}x{cols}"))?;
    Ok(ImageSet {
        rows,
        cols,
        pixels,
        labels: None,
        max_value: ImageSet::BYTE_MAX,
    })
}

/// Decodes an IDX labels file.
pub fn decode_labels(file: &SourceFile) -> Result<Vec<u8>, DataError> {
    let dims = header(file, LABELS_MAGIC, "labels", 1)?;
    body(file, 8, Some(dims[0]), &format!("{} labels", dims[0]))
}

/// Attaches `labels` to `images`, checking that the counts agree.
pub fn label(
    mut images: ImageSet,
    images_file: &SourceFile,
    labels: Vec<u8>,
    labels_file: &SourceFile,
) -> Result<ImageSet, DataError> {
    if images.len() != labels.len() {
        return Err(DataError::CountMismatch {
            images: images_file.path.clone(),
            image_count: images.len(),
            labels: labels_file.path.clone(),
            label_count: labels.len(),
        });
    }
    images.labels = Some(labels);
    Ok(images)
}

fn header(
    file: &SourceFile,
    magic: u32,
    expected: &'static str,
    ndim: usize,
) -> Result<Vec<usize>, DataError> {
    let bytes = &file.bytes;
    let header_len = 4 + 4 * ndim;
    if bytes.len() < 4 {
        return Err(truncated(file, 0, "the magic number", 4));
    }
    let found = be_u32(&bytes[0..4]);
    if found != magic {
        return Err(DataError::BadMagic {
            path: file.path.clone(),
            expected,
            magic,
            found,
        });
    }
    if bytes.len() < header_len {
        return Err(truncated(
            file,
            bytes.len(),
            &format!("a header of {ndim} dimension sizes"),
            header_len,
        ));
    }
    Ok((0..ndim)
        .map(|i| be_u32(&bytes[4 + 4 * i..8 + 4 * i]) as usize)
        .collect())
}

fn body(
    file: &SourceFile,
    start: usize,
    len: Option<usize>,
    what: &str,
) -> Result<Vec<u8>, DataError> {
    let bytes = &file.bytes;
    let end = len
        .and_then(|len| start.checked_add(len))
        .ok_or_else(|| DataError::Invalid {
            path: file.path.clone(),
            message: format!("header declares {what}, more than memory can address"),
        })?;
    if bytes.len() < end {
        return Err(truncated(file, bytes.len(), what, end));
    }
    if bytes.len() > end {
        return Err(DataError::TrailingBytes {
            path: file.path.clone(),
            offset: end,
            extra: bytes.len() - end,
        });
    }
    Ok(bytes[start..end].to_vec())
}

fn truncated(file: &SourceFile, offset: usize, what: &str, needed: usize) -> DataError {
    DataError::Truncated {
        path: file.path.clone(),
        offset,
        what: what.to_string(),
        needed,
        available: file.bytes.len(),
    }
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Encodes images as an IDX file (for test fixtures and round trips).
pub fn encode_images(set: &ImageSet) -> Vec<u8> {
    let mut out = IMAGES_MAGIC.to_be_bytes().to_vec();
    for d in [set.len(), set.rows, set.cols] {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(&set.pixels);
    out
}

/// Encodes labels as an IDX file (for test fixtures and round trips).
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = LABELS_MAGIC.to_be_bytes().to_vec();
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(bytes: Vec<u8>) -> SourceFile {
        SourceFile::from_bytes(Path::new("fixture-idx"), bytes)
    }

    fn fixture() -> ImageSet {
        ImageSet {
            rows: 2,
            cols: 3,
            pixels: (0..12).collect(),
            labels: None,
            max_value: ImageSet::BYTE_MAX,
        }
    }

    #[test]
    fn round_trip() {
        let set = fixture();
        let decoded = decode_images(&file(encode_images(&set))).unwrap();
        assert_eq!(decoded, set);
        assert_eq!(
            decode_labels(&file(encode_labels(&[3, 1]))).unwrap(),
            vec![3, 1]
        );
    }

    #[test]
    fn wrong_magic_names_file_and_offset() {
        let err = decode_images(&file(encode_labels(&[1, 2])))
            .unwrap_err()
            .to_string();
        assert!(err.contains("fixture-idx"), "{err}");
        assert!(
            err.contains("offset 0") && err.contains("0x00000801"),
            "{err}"
        );
    }

    #[test]
    fn truncated_header_and_body() {
        let err = decode_images(&file(vec![0, 0, 8, 3, 0]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated at byte offset 5"), "{err}");
        let mut bytes = encode_images(&fixture());
        bytes.truncate(20);
        let err = decode_images(&file(bytes)).unwrap_err().to_string();
        assert!(
            err.contains("truncated at byte offset 20") && err.contains("needs 28"),
            "{err}"
        );
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = encode_labels(&[1, 2]);
        bytes.push(9);
        let err = decode_labels(&file(bytes)).unwrap_err().to_string();
        assert!(err.contains("offset 10"), "{err}");
    }

    #[test]
    fn mismatched_counts() {
        let images_file = file(encode_images(&fixture()));
        let labels_file =
            SourceFile::from_bytes(Path::new("labels-idx"), encode_labels(&[1, 2, 3]));
        let images = decode_images(&images_file).unwrap();
        let labels = decode_labels(&labels_file).unwrap();
        let err = label(images, &images_file, labels, &labels_file)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2 images") && err.contains("3 labels"),
            "{err}"
        );
    }

    #[test]
    fn huge_declared_sizes_do_not_panic() {
        let bytes = vec![
            0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        ];
        let error = decode_images(&file(bytes)).unwrap_err().to_string();
        assert!(error.contains("fixture-idx"), "names the file: {error}");
    }
}
