//! [`ImageSet`]: greyscale images as bytes, with optional labels.

use std::ops::Range;

/// `len()` greyscale images of `rows x cols` pixels (one byte each,
/// `0..=max_value`, row-major, image after image) and, for labelled data, one
/// label per image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
    pub labels: Option<Vec<u8>>,
    /// The value of a full-intensity pixel: [`ImageSet::BYTE_MAX`] (255) for
    /// MNIST and CSV data, 16 for the built-in 8x8 digits.
    pub max_value: u8,
}

impl ImageSet {
    /// The `max_value` of 8-bit images (MNIST, Fashion-MNIST, KMNIST, CSV).
    pub const BYTE_MAX: u8 = 255;

    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels
            .len()
            .checked_div(self.pixel_count())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pixels per image.
    pub fn pixel_count(&self) -> usize {
        self.rows * self.cols
    }

    /// The images in `range`, with their labels.
    pub fn slice(&self, range: Range<usize>) -> ImageSet {
        let p = self.pixel_count();
        ImageSet {
            rows: self.rows,
            cols: self.cols,
            pixels: self.pixels[range.start * p..range.end * p].to_vec(),
            labels: self.labels.as_ref().map(|l| l[range].to_vec()),
            max_value: self.max_value,
        }
    }

    /// The images labelled `class`, in order, with their labels (none for
    /// unlabelled images).
    pub fn of_class(&self, class: u8) -> ImageSet {
        let p = self.pixel_count();
        let keep: Vec<usize> = match &self.labels {
            Some(labels) => (0..labels.len()).filter(|&i| labels[i] == class).collect(),
            None => Vec::new(),
        };
        ImageSet {
            rows: self.rows,
            cols: self.cols,
            pixels: keep
                .iter()
                .flat_map(|&i| &self.pixels[i * p..(i + 1) * p])
                .copied()
                .collect(),
            labels: self.labels.as_ref().map(|_| {
                let count = keep.len();
                vec![class; count]
            }),
            max_value: self.max_value,
        }
    }

    /// These images followed by `more`'s (of the same size and scale);
    /// labels are kept only when both sets have them.
    pub fn followed_by(&self, more: &ImageSet) -> ImageSet {
        let mut pixels = self.pixels.clone();
        pixels.extend_from_slice(&more.pixels);
        ImageSet {
            rows: self.rows,
            cols: self.cols,
            pixels,
            labels: match (&self.labels, &more.labels) {
                (Some(a), Some(b)) => Some(a.iter().chain(b).copied().collect()),
                _ => None,
            },
            max_value: self.max_value.max(more.max_value),
        }
    }

    /// The pixels scaled to `[0, 1]`: divided by `max_value` (255 for 8-bit
    /// images, as the notebook does). A `max_value` of 0 is taken as 1.
    pub fn to_unit_f32(&self) -> Vec<f32> {
        let max = f32::from(self.max_value.max(1));
        self.pixels.iter().map(|&p| f32::from(p) / max).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_class_keeps_that_class_in_order() {
        let set = ImageSet {
            rows: 1,
            cols: 2,
            pixels: vec![0, 1, 2, 3, 4, 5, 6, 7],
            labels: Some(vec![3, 1, 3, 2]),
            max_value: 255,
        };
        let threes = set.of_class(3);
        assert_eq!(threes.pixels, vec![0, 1, 4, 5]);
        assert_eq!(threes.labels, Some(vec![3, 3]));
        assert!(set.of_class(9).is_empty());
    }

    #[test]
    fn followed_by_appends_images_and_labels() {
        let a = ImageSet {
            rows: 1,
            cols: 1,
            pixels: vec![1, 2],
            labels: Some(vec![0, 1]),
            max_value: 255,
        };
        let b = ImageSet {
            pixels: vec![3],
            labels: Some(vec![2]),
            ..a.clone()
        };
        let joined = a.followed_by(&b);
        assert_eq!(joined.pixels, vec![1, 2, 3]);
        assert_eq!(joined.labels, Some(vec![0, 1, 2]));
    }

    #[test]
    fn slice_keeps_labels_aligned() {
        let set = ImageSet {
            rows: 1,
            cols: 2,
            pixels: vec![0, 1, 2, 3, 4, 5],
            labels: Some(vec![7, 8, 9]),
            max_value: ImageSet::BYTE_MAX,
        };
        assert_eq!(set.len(), 3);
        let tail = set.slice(1..3);
        assert_eq!(tail.pixels, vec![2, 3, 4, 5]);
        assert_eq!(tail.labels, Some(vec![8, 9]));
        assert_eq!(set.to_unit_f32()[5], 5.0 / 255.0);
        assert_eq!(tail.max_value, 255);
    }

    #[test]
    fn unit_scaling_follows_max_value() {
        let set = ImageSet {
            rows: 1,
            cols: 3,
            pixels: vec![0, 8, 16],
            labels: None,
            max_value: 16,
        };
        assert_eq!(set.to_unit_f32(), vec![0.0, 0.5, 1.0]);
    }
}
