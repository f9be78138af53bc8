//! The notebook's split: of the first `limit` labelled images, the first
//! `validation` are the validation set and the rest the training set; test
//! images come from a separate file.

use crate::{DataError, ImageSet};

/// Training, validation and (optional) test images.
#[derive(Debug, Clone)]
pub struct Split {
    pub train: ImageSet,
    pub validation: ImageSet,
    pub test: Option<ImageSet>,
}

impl Split {
    /// Splits `labelled`: rows `0..validation` validate, rows
    /// `validation..limit` train. `limit` of `None` uses every row.
    pub fn new(
        labelled: ImageSet,
        limit: Option<usize>,
        validation: usize,
    ) -> Result<Split, DataError> {
        let available = labelled.len();
        let limit = match limit {
            Some(limit) if limit > available => {
                return Err(DataError::Split(format!(
                    "data.limit = {limit} but the labelled data has only {available} images"
                )))
            }
            Some(limit) => limit,
            None => available,
        };
        if validation >= limit {
            return Err(DataError::Split(format!(
                "data.validation = {validation} leaves no training images out of {limit}; \
                 it must be below {limit}"
            )));
        }
        Ok(Split {
            validation: labelled.slice(0..validation),
            train: labelled.slice(validation..limit),
            test: None,
        })
    }

    /// Adds a test set.
    pub fn with_test(mut self, test: Option<ImageSet>) -> Split {
        self.test = test;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u8) -> ImageSet {
        ImageSet {
            rows: 1,
            cols: 1,
            pixels: (0..n).collect(),
            labels: Some((0..n).collect()),
            max_value: ImageSet::BYTE_MAX,
        }
    }

    #[test]
    fn first_rows_validate_the_rest_train() {
        let split = Split::new(rows(10), Some(8), 3).unwrap();
        assert_eq!(split.validation.pixels, vec![0, 1, 2]);
        assert_eq!(split.train.pixels, vec![3, 4, 5, 6, 7]);
        assert_eq!(split.train.labels, Some(vec![3, 4, 5, 6, 7]));
        let all = Split::new(rows(10), None, 0).unwrap();
        assert_eq!(all.train.len(), 10);
        assert!(all.validation.is_empty());
    }

    #[test]
    fn limits_beyond_the_data_are_errors() {
        let err = Split::new(rows(10), Some(11), 3).unwrap_err().to_string();
        assert!(
            err.contains("data.limit = 11") && err.contains("only 10"),
            "{err}"
        );
        let err = Split::new(rows(10), Some(5), 5).unwrap_err().to_string();
        assert!(err.contains("data.validation = 5"), "{err}");
    }
}
