//! The data sets aelab can fetch: MNIST, Fashion-MNIST and Kuzushiji-MNIST
//! (KMNIST). All three use MNIST's layout (the same four gzipped IDX files,
//! 60,000 training and 10,000 test images of 28x28 bytes, labels 0..=9), so
//! one loader reads them all ([`crate::mnist::load_dataset`]).
//!
//! The mirrors and published checksums are those torchvision uses
//! (`torchvision/datasets/mnist.py`), tried in torchvision's order.
//!
//! Which digest verifies each file:
//! - MNIST: the SHA-256 of the *decompressed* file. aelab has always recorded
//!   these, and they hold whatever the compression, so a recompressed copy
//!   (such as a distribution's, or `../shared/data/mnist`) verifies as well as
//!   the mirrors' originals.
//! - Fashion-MNIST and KMNIST: the MD5 of the `.gz` file as served, which is
//!   what their authors and torchvision publish; no digest of the decompressed
//!   files is published. MD5 is no defence against a forger, but the mirrors
//!   are the publishers' own, and it does catch corrupt or cut-off transfers
//!   and wrong files.

use std::path::Path;

use md5::Md5;
use sha2::Digest;

use crate::source_file::hex;
use crate::{DataError, SourceFile};

/// A data set with MNIST's layout that aelab can download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    Mnist,
    FashionMnist,
    Kmnist,
}

/// One of a data set's four files, as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteFile {
    /// The name without `.gz`, e.g. `train-images-idx3-ubyte`.
    pub stem: &'static str,
    /// The digest the file must have.
    pub checksum: Checksum,
}

/// A published digest of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Lower-case hexadecimal SHA-256 of the decompressed bytes (a gzipped
    /// file is decompressed first; a raw file is hashed as it is).
    DecompressedSha256(&'static str),
    /// Lower-case hexadecimal MD5 of the `.gz` file's bytes as served.
    GzipMd5(&'static str),
}

/// The four files of every data set, in the order [`Dataset::files`] lists
/// them: training images, training labels, test images, test labels.
pub const STEMS: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

const fn files(checksums: [Checksum; 4]) -> [RemoteFile; 4] {
    [
        RemoteFile {
            stem: STEMS[0],
            checksum: checksums[0],
        },
        RemoteFile {
            stem: STEMS[1],
            checksum: checksums[1],
        },
        RemoteFile {
            stem: STEMS[2],
            checksum: checksums[2],
        },
        RemoteFile {
            stem: STEMS[3],
            checksum: checksums[3],
        },
    ]
}

use Checksum::{DecompressedSha256 as Sha, GzipMd5 as Md5Sum};

// The same sums as `mnist::STANDARD_FILES`, which a test checks.
const MNIST_FILES: [RemoteFile; 4] = files([
    Sha("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    Sha("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    Sha("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    Sha("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
]);

const FASHION_FILES: [RemoteFile; 4] = files([
    Md5Sum("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    Md5Sum("25c81989df183df01b3e8a0aad5dffbe"),
    Md5Sum("bef4ecab320f06d8554ea6380940ec79"),
    Md5Sum("bb300cfdad3c16e7a12a480ee83cd310"),
]);

const KMNIST_FILES: [RemoteFile; 4] = files([
    Md5Sum("bdb82020997e1d708af4cf47b453dcf7"),
    Md5Sum("e144d726b3acfaa3e44228e80efcd344"),
    Md5Sum("5c965bf0a639b31b8f53240b1b52f4d7"),
    Md5Sum("7320c461ea6c1c855c0b718fb2a4b134"),
]);

impl Dataset {
    /// Every data set, in the order specs list them.
    pub const ALL: [Dataset; 3] = [Dataset::Mnist, Dataset::FashionMnist, Dataset::Kmnist];

    /// The name used in specs (`data.source`) and as the cache folder.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion-mnist",
            Dataset::Kmnist => "kmnist",
        }
    }

    /// Parses a spec name (exactly as [`Dataset::name`] writes it).
    pub fn from_name(name: &str) -> Option<Dataset> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The name for people.
    pub fn title(self) -> &'static str {
        match self {
            Dataset::Mnist => "MNIST",
            Dataset::FashionMnist => "Fashion-MNIST",
            Dataset::Kmnist => "Kuzushiji-MNIST (KMNIST)",
        }
    }

    /// The public mirrors, as torchvision lists them and in its order; each
    /// ends in `/` and a file's URL is the mirror followed by its name.
    pub fn mirrors(self) -> &'static [&'static str] {
        match self {
            Dataset::Mnist => &[
                "http://yann.lecun.com/exdb/mnist/",
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
            ],
            Dataset::FashionMnist => {
                &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
            }
            Dataset::Kmnist => &["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"],
        }
    }

    /// The four files and their published checksums.
    pub fn files(self) -> &'static [RemoteFile; 4] {
        match self {
            Dataset::Mnist => &MNIST_FILES,
            Dataset::FashionMnist => &FASHION_FILES,
            Dataset::Kmnist => &KMNIST_FILES,
        }
    }

    /// What the labels 0..=9 stand for.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            Dataset::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Dataset::FashionMnist => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
            Dataset::Kmnist => ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
        }
    }
}

impl std::fmt::Display for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl RemoteFile {
    /// The published file name: the stem and `.gz`.
    pub fn file_name(&self) -> String {
        format!("{}.gz", self.stem)
    }
}

impl Checksum {
    /// The digest as hexadecimal text.
    pub fn expected(&self) -> &'static str {
        match self {
            Checksum::DecompressedSha256(sum) | Checksum::GzipMd5(sum) => sum,
        }
    }

    /// What is hashed and how, for messages.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Checksum::DecompressedSha256(_) => "SHA-256 of the decompressed file",
            Checksum::GzipMd5(_) => "MD5 of the .gz file",
        }
    }

    /// The digest of the file at `path`, computed the way this checksum is.
    pub fn compute(&self, path: &Path) -> Result<String, DataError> {
        match self {
            Checksum::DecompressedSha256(_) => Ok(SourceFile::read(path)?.sha256),
            Checksum::GzipMd5(_) => {
                let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
                Ok(md5_hex(&bytes))
            }
        }
    }

    /// Checks the file at `path`: a [`DataError::Checksum`] naming the file
    /// and both sums if it differs (or a read or gzip error if it cannot be
    /// hashed at all).
    pub fn verify(&self, path: &Path) -> Result<(), DataError> {
        let actual = self.compute(path)?;
        if actual == self.expected() {
            Ok(())
        } else {
            Err(DataError::Checksum {
                path: path.to_path_buf(),
                algorithm: self.algorithm(),
                expected: self.expected().to_string(),
                actual,
            })
        }
    }
}

/// Lower-case hexadecimal MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn names_round_trip_and_mnist_sums_agree_with_the_loader() {
        for d in Dataset::ALL {
            assert_eq!(Dataset::from_name(d.name()), Some(d));
            assert!(d.mirrors().iter().all(|m| m.ends_with('/')));
            let stems: Vec<&str> = d.files().iter().map(|f| f.stem).collect();
            assert_eq!(stems, STEMS);
        }
        assert_eq!(Dataset::from_name("MNIST"), None);
        for (file, (stem, sha)) in MNIST_FILES.iter().zip(crate::mnist::STANDARD_FILES) {
            assert_eq!(
                (file.stem, file.checksum),
                (stem, Checksum::DecompressedSha256(sha))
            );
        }
    }

    #[test]
    fn md5_of_known_input() {
        // RFC 1321, appendix A.5.
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn verification_hashes_what_each_checksum_says() {
        let dir = std::env::temp_dir().join(format!("aelab-sum-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gz = dir.join("f.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"abc").unwrap();
        let bytes = enc.finish().unwrap();
        std::fs::write(&gz, &bytes).unwrap();

        // SHA-256 of the decompressed "abc" (FIPS 180-2 example).
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        Checksum::DecompressedSha256(sha).verify(&gz).unwrap();
        let md5 = md5_hex(&bytes);
        Checksum::GzipMd5(Box::leak(md5.into_boxed_str()))
            .verify(&gz)
            .unwrap();

        let err = Checksum::GzipMd5("900150983cd24fb0d6963f7d28e17f72")
            .verify(&gz)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.gz")
                && err.contains("MD5 of the .gz file")
                && err.contains("900150983cd24fb0d6963f7d28e17f72")
                && err.contains(&md5_hex(&bytes)),
            "{err}"
        );
        let err = Checksum::DecompressedSha256("00").verify(&gz).unwrap_err();
        assert!(matches!(err, DataError::Checksum { ref actual, .. } if actual == sha));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
