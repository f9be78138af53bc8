//! The built-in 8x8 digits: scikit-learn's `load_digits` data (1,797 images
//! of 8x8 pixels with values 0..=16, from the UCI optical digits data),
//! compiled into the crate so they need no download. The file and its
//! licence are described in `crates/data/data/README.md`.
//!
//! Each line of the gzipped CSV holds 64 pixel values (row-major) and then
//! the label; there is no header. scikit-learn writes the values as integers;
//! a value written as a float with a zero fraction (`5.0`) is accepted too.

use std::io::Read;
use std::path::Path;

use crate::{DataError, ImageSet};

/// The gzipped CSV, as scikit-learn ships it.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");

/// The name errors and records give the built-in file.
pub const FILE_NAME: &str = "digits.csv.gz (built in)";

/// Side of the square images.
pub const SIDE: usize = 8;

/// Largest pixel value: each pixel counts the set bits in a 4x4 block.
pub const MAX_VALUE: u8 = 16;

/// Number of images in the built-in data.
pub const COUNT: usize = 1_797;

/// SHA-256 of the built-in gzipped file (its bytes as embedded).
pub const SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

/// The built-in digits: 1,797 labelled 8x8 images, `max_value` 16.
pub fn load() -> Result<ImageSet, DataError> {
    let path = Path::new(FILE_NAME);
    let mut text = String::new();
    flate2::read::GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|source| DataError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    parse(path, &text)
}

/// Parses digits CSV text: per line, `SIDE * SIDE` pixel values 0..=16 and a
/// label 0..=9. `path` names the file in errors.
pub fn parse(path: &Path, text: &str) -> Result<ImageSet, DataError> {
    let pixels_per_image = SIDE * SIDE;
    let mut pixels = Vec::with_capacity(COUNT * pixels_per_image);
    let mut labels = Vec::with_capacity(COUNT);
    for (index, line) in text.lines().enumerate() {
        let line_no = index as u64 + 1;
        let err = |message: String| DataError::Csv {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != pixels_per_image + 1 {
            return Err(err(format!(
                "{} fields, expected {} ({pixels_per_image} pixels and the label)",
                fields.len(),
                pixels_per_image + 1
            )));
        }
        for (column, field) in fields.iter().enumerate() {
            let (max, what) = if column == pixels_per_image {
                (9, "the label")
            } else {
                (MAX_VALUE, "a pixel")
            };
            let value = parse_value(field, max)
                .map_err(|why| err(format!("column {} ({what}): {why}", column + 1)))?;
            if column == pixels_per_image {
                labels.push(value);
            } else {
                pixels.push(value);
            }
        }
    }
    if labels.is_empty() {
        return Err(DataError::Invalid {
            path: path.to_path_buf(),
            message: "no images: the file is empty".into(),
        });
    }
    Ok(ImageSet {
        rows: SIDE,
        cols: SIDE,
        pixels,
        labels: Some(labels),
        max_value: MAX_VALUE,
    })
}

/// An integer `0..=max`, written as `7` or `7.0`.
fn parse_value(field: &str, max: u8) -> Result<u8, String> {
    let text = field.trim();
    let integer = text.strip_suffix(".0").unwrap_or(text);
    match integer.parse::<i64>() {
        Ok(v) if (0..=i64::from(max)).contains(&v) => Ok(v as u8),
        Ok(v) => Err(format!("value {v} is outside 0..={max}")),
        Err(_) => Err(format!("`{text}` is not an integer 0..={max}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_file::sha256_hex;

    /// `sklearn.datasets.load_digits().data[0].astype(int).tolist()`, printed
    /// by scikit-learn 1.9.1 (its label, `target[0]`, is 0).
    const SKLEARN_FIRST: [u8; 64] = [
        0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0,
        0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0,
        0, 6, 13, 10, 0, 0, 0,
    ];

    /// `numpy.bincount(load_digits().target).tolist()`, scikit-learn 1.9.1.
    const SKLEARN_COUNTS: [usize; 10] = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

    #[test]
    fn built_in_digits_match_scikit_learn() {
        assert_eq!(sha256_hex(DIGITS_CSV_GZ), SHA256);
        let set = load().unwrap();
        assert_eq!(set.len(), COUNT);
        assert_eq!((set.rows, set.cols, set.max_value), (8, 8, 16));
        assert_eq!(&set.pixels[..64], &SKLEARN_FIRST);
        let labels = set.labels.as_ref().unwrap();
        assert_eq!(labels[0], 0);
        assert_eq!(labels[COUNT - 1], 8);
        let mut counts = [0usize; 10];
        for &l in labels {
            counts[usize::from(l)] += 1;
        }
        assert_eq!(counts, SKLEARN_COUNTS);
        assert!(set.pixels.iter().all(|&p| p <= MAX_VALUE));
        assert!(set.pixels.contains(&MAX_VALUE));
        let unit = set.to_unit_f32();
        assert_eq!(unit[3], 13.0 / 16.0);
        assert!(unit.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    fn row(pixel: &str, label: &str) -> String {
        let mut fields = vec![pixel.to_string(); 64];
        fields.push(label.to_string());
        fields.join(",")
    }

    #[test]
    fn parser_accepts_integers_and_whole_floats() {
        let text = format!("{}\n{}\n\n", row("16", "3"), row("2.0", "9"));
        let set = parse(Path::new("d.csv"), &text).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.labels, Some(vec![3, 9]));
        assert_eq!(set.pixels[0], 16);
        assert_eq!(set.pixels[64], 2);
    }

    #[test]
    fn parser_errors_name_file_line_and_column() {
        let cases = [
            (
                format!("{}\n{}", row("1", "1"), row("17", "1")),
                "line 2: column 1 (a pixel): value 17 is outside 0..=16",
            ),
            (
                row("1", "10"),
                "line 1: column 65 (the label): value 10 is outside 0..=9",
            ),
            (
                row("x", "1"),
                "line 1: column 1 (a pixel): `x` is not an integer 0..=16",
            ),
            (row("-1", "1"), "value -1 is outside 0..=16"),
            (row("1.5", "1"), "`1.5` is not an integer"),
            ("1,2,3".to_string(), "line 1: 3 fields, expected 65"),
        ];
        for (text, expected) in cases {
            let err = parse(Path::new("d.csv"), &text).unwrap_err().to_string();
            assert!(err.contains("d.csv") && err.contains(expected), "{err}");
        }
        let err = parse(Path::new("d.csv"), "\n").unwrap_err().to_string();
        assert!(err.contains("d.csv: no images"), "{err}");
    }
}
