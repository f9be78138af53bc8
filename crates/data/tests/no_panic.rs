//! Property test: the IDX and CSV readers return `Ok` or an error for any
//! bytes, never panic. Inputs are valid fixtures mutated at random (bit
//! flips, truncation, insertion, duplication), plus pure noise; seeded, so a
//! failure reproduces.

use std::path::Path;

use aelab_data::{idx, kaggle_csv, ImageSet, SourceFile};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CASES: usize = 20_000;

fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        match rng.gen_range(0..5) {
            0 if !bytes.is_empty() => {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !bytes.is_empty() => {
                let keep = rng.gen_range(0..bytes.len());
                bytes.truncate(keep);
            }
            2 => {
                let at = rng.gen_range(0..=bytes.len());
                bytes.insert(at, rng.gen());
            }
            3 if !bytes.is_empty() => {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] = *[b',', b'\n', b'-', b'9', b'"', 0xff, 0]
                    .get(rng.gen_range(0..7))
                    .unwrap();
            }
            _ => {
                let n = rng.gen_range(0..64);
                bytes.extend((0..n).map(|_| rng.gen::<u8>()));
            }
        }
    }
    bytes
}

#[test]
fn idx_decoding_never_panics() {
    let set = ImageSet {
        rows: 3,
        cols: 3,
        pixels: (0..27).collect(),
        labels: None,
        max_value: ImageSet::BYTE_MAX,
    };
    let seeds = [idx::encode_images(&set), idx::encode_labels(&[1, 2, 3])];
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for case in 0..CASES {
        let bytes = if case % 10 == 0 {
            (0..rng.gen_range(0..40)).map(|_| rng.gen()).collect()
        } else {
            mutate(&mut rng, &seeds[case % 2])
        };
        let file = SourceFile::from_bytes(Path::new("fuzz"), bytes);
        let _ = idx::decode_images(&file);
        let _ = idx::decode_labels(&file);
    }
}

#[test]
fn csv_parsing_never_panics() {
    let seeds = [
        b"label,pixel0,pixel1,pixel2,pixel3\n1,0,255,3,4\n2,5,6,7,8\n".to_vec(),
        b"pixel0,pixel1,pixel2,pixel3\n0,255,3,4\n".to_vec(),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for case in 0..CASES {
        let bytes = mutate(&mut rng, &seeds[case % 2]);
        let _ = kaggle_csv::parse(Path::new("fuzz.csv"), &bytes);
    }
}
