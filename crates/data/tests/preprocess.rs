//! Deep SVDD's preprocessing on real MNIST against the constants its
//! authors computed: `lukasruff/Deep-SVDD-PyTorch/src/datasets/mnist.py`
//! hard-codes, per class, the minimum and maximum over that class's 60,000-
//! set training images after global contrast normalisation with the L1
//! norm. aelab computes them from the images. Needs `MNIST_DIR`.

use std::path::PathBuf;

use aelab_data::{mnist, preprocess};

/// `min_max` from Deep-SVDD-PyTorch's `mnist.py`, class 0 to 9.
const DEEP_SVDD_MIN_MAX: [(f64, f64); 10] = [
    (-0.8826567065619495, 9.001545489292527),
    (-0.6661464580883915, 20.108062262467364),
    (-0.7820454743183202, 11.665100841080346),
    (-0.7645772083211267, 12.895051191467457),
    (-0.7253923114302238, 12.683235701611533),
    (-0.7698501867861425, 13.103278415430502),
    (-0.778418217980696, 10.457837397569108),
    (-0.7129780970522351, 12.057777597673047),
    (-0.8280402650205075, 10.581538445782988),
    (-0.7369959242164307, 10.697039838804978),
];

#[test]
fn contrast_normalised_class_ranges_match_deep_svdds_constants() {
    let dir = std::env::var_os("MNIST_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .expect("MNIST_DIR must name the folder with the four MNIST .gz files (see .ci/run)");
    let data = mnist::load(&dir).unwrap();
    let pixels = data.train.pixel_count();
    for (class, &(min, max)) in DEEP_SVDD_MIN_MAX.iter().enumerate() {
        let mut images = data.train.of_class(class as u8).to_unit_f32();
        preprocess::global_contrast_l1(&mut images, pixels);
        let (lo, hi) = preprocess::value_range(&images);
        // theirs were computed in float32 by PyTorch, ours in f64 then
        // rounded to f32: agreement to about 1e-6 relative
        assert!(
            (f64::from(lo) - min).abs() < 1e-5 * min.abs(),
            "class {class}: min {lo} vs {min}"
        );
        assert!(
            (f64::from(hi) - max).abs() < 1e-5 * max.abs(),
            "class {class}: max {hi} vs {max}"
        );
    }
}
