//! CSV files in the Kaggle digit-recognizer layout: a header
//! `label,pixel0,...,pixelN-1` (test files may lack the `label` column), then
//! one image per row of integers 0..=255. The image side is the square root of
//! the pixel count (784 -> 28x28, 64 -> 8x8).

use std::path::Path;

use crate::{DataError, ImageSet};

/// Reads a digit-recognizer CSV file. Labelled files give an [`ImageSet`]
/// with labels; files without the `label` column give one without.
pub fn read(path: &Path) -> Result<ImageSet, DataError> {
    let text = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse(path, &text)
}

/// Parses CSV text already in memory; `path` is used in error messages.
pub fn parse(path: &Path, text: &[u8]) -> Result<ImageSet, DataError> {
    let err = |line: u64, message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut records = reader.byte_records();

    let header = match records.next() {
        None => {
            return Err(err(
                1,
                "the file is empty; expected a header `label,pixel0,...`".into(),
            ))
        }
        Some(r) => r.map_err(|e| err(1, e.to_string()))?,
    };
    let header: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let labelled = header.first().map(String::as_str) == Some("label");
    let first_pixel = usize::from(labelled);
    let pixel_count = header.len() - first_pixel;
    for (i, name) in header[first_pixel..].iter().enumerate() {
        if *name != format!("pixel{i}") {
            return Err(err(
                1,
                format!(
                    "header column {} is `{name}`, expected `pixel{i}` (layout: `label,pixel0,...,pixelN-1`)",
                    i + first_pixel + 1
                ),
            ));
        }
    }
    let side = (pixel_count as f64).sqrt().round() as usize;
    if pixel_count == 0 || side * side != pixel_count {
        return Err(err(
            1,
            format!("{pixel_count} pixel columns is not a square image (784 = 28x28, 64 = 8x8)"),
        ));
    }

    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for record in records {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(err(
                line,
                format!("{} fields, the header has {}", record.len(), header.len()),
            ));
        }
        for (column, field) in record.iter().enumerate() {
            let value = parse_byte(field).map_err(|what| {
                err(
                    line,
                    format!("column {} (`{}`): {what}", column + 1, header[column]),
                )
            })?;
            if labelled && column == 0 {
                labels.push(value);
            } else {
                pixels.push(value);
            }
        }
    }
    if pixels.is_empty() {
        return Err(err(2, "the file has a header but no rows".into()));
    }
    Ok(ImageSet {
        rows: side,
        cols: side,
        pixels,
        labels: labelled.then_some(labels),
        max_value: ImageSet::BYTE_MAX,
    })
}

fn parse_byte(field: &[u8]) -> Result<u8, String> {
    let text = String::from_utf8_lossy(field);
    let text = text.trim();
    match text.parse::<i64>() {
        Ok(v) if (0..=255).contains(&v) => Ok(v as u8),
        Ok(v) => Err(format!("value {v} is outside 0..=255")),
        Err(_) => Err(format!("`{text}` is not an integer 0..=255")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ImageSet, DataError> {
        parse(Path::new("digits.csv"), text.as_bytes())
    }

    #[test]
    fn labelled_and_unlabelled() {
        let set = parse_str("label,pixel0,pixel1,pixel2,pixel3\n7,0,255,1,2\n3,4,5,6,7\n").unwrap();
        assert_eq!((set.rows, set.cols, set.len()), (2, 2, 2));
        assert_eq!(set.labels, Some(vec![7, 3]));
        assert_eq!(set.pixels, vec![0, 255, 1, 2, 4, 5, 6, 7]);
        let test = parse_str("pixel0,pixel1,pixel2,pixel3\n0,1,2,3\n").unwrap();
        assert_eq!(test.labels, None);
        assert_eq!(test.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("", "line 1", "empty"),
            (
                "label,pixel0,pixel1,pixel2,pixel3\n1,2,3,4,5\n1,2,3\n",
                "line 3",
                "3 fields",
            ),
            (
                "label,pixel0,pixel1,pixel2,pixel3\n1,2,3,4,256\n",
                "line 2",
                "outside 0..=255",
            ),
            (
                "label,pixel0,pixel1,pixel2,pixel3\n1,2,x,4,5\n",
                "line 2",
                "not an integer",
            ),
            (
                "label,pixel0,pixel1,pixel2,pixel3\n1,-2,3,4,5\n",
                "line 2",
                "outside",
            ),
            (
                "label,pixel0,pixl1,pixel2,pixel3\n1,2,3,4,5\n",
                "line 1",
                "expected `pixel1`",
            ),
            (
                "label,pixel0,pixel1,pixel2\n1,2,3,4\n",
                "line 1",
                "not a square",
            ),
            ("label,pixel0,pixel1,pixel2,pixel3\n", "line 2", "no rows"),
        ];
        for (text, line, what) in cases {
            let err = parse_str(text).unwrap_err().to_string();
            assert!(err.contains("digits.csv"), "{err}");
            assert!(err.contains(line), "{text:?}: {err}");
            assert!(err.contains(what), "{text:?}: {err}");
        }
    }
}
