//! The four standard MNIST files: where to find them and how to load them.
//! The same code loads Fashion-MNIST and KMNIST, which share MNIST's layout
//! ([`load_dataset`]).
//!
//! Lookup order ([`resolve`]): an explicit folder (the spec's `data.dir`),
//! then, for MNIST, the `MNIST_DIR` environment variable, then the download
//! cache, where [`crate::fetch`] downloads whatever is missing. [`locate`] is
//! the older lookup without the cache: it fails with a message that says
//! what to do.

use std::path::{Path, PathBuf};

use crate::catalogue::{Checksum, Dataset};
use crate::fetch::{self, FetchOptions, FetchProgress};
use crate::{idx, DataError, ImageSet, SourceFile};

/// Environment variable naming the folder with the MNIST files.
pub const ENV_VAR: &str = "MNIST_DIR";

/// The standard files: name stem and the SHA-256 of the decompressed file.
pub const STANDARD_FILES: [(&str, &str); 4] = [
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// MNIST (or Fashion-MNIST, or KMNIST) as loaded: labelled training and test images, plus the files they
/// came from (for checksums in the archive).
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: ImageSet,
    pub test: ImageSet,
    pub files: Vec<FileRecord>,
}

/// A file that was read, and the SHA-256 of its decompressed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub path: PathBuf,
    pub sha256: String,
}

/// Finds the folder of `dataset`'s files: `explicit` (the spec's `data.dir`)
/// if given; else, for MNIST, `$MNIST_DIR` if set; else the download cache
/// ([`fetch::cache_dir`]), into which [`fetch::fetch`] downloads what is
/// missing, reporting to `progress`. Files in an explicit folder or
/// `$MNIST_DIR` are not verified here: [`load_dataset`] warns about any that
/// differ from the published ones.
pub fn resolve(
    dataset: Dataset,
    explicit: Option<&Path>,
    options: &FetchOptions,
    progress: impl FnMut(FetchProgress),
) -> Result<PathBuf, DataError> {
    if let Some(dir) = explicit {
        return existing(dir.to_path_buf(), "the spec's data.dir", dataset);
    }
    if dataset == Dataset::Mnist {
        if let Some(dir) = std::env::var_os(ENV_VAR).filter(|d| !d.is_empty()) {
            return existing(PathBuf::from(dir), &format!("${ENV_VAR}"), dataset);
        }
    }
    let dir = fetch::cache_dir(dataset)?;
    Ok(fetch::fetch(dataset, &dir, options, progress)?.dir)
}

fn existing(dir: PathBuf, origin: &str, dataset: Dataset) -> Result<PathBuf, DataError> {
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(DataError::NotFound(format!(
            "{} folder {} (from {origin}) does not exist or is not a folder.\n{}",
            dataset.title(),
            dir.display(),
            missing_message(dataset)
        )))
    }
}

/// Finds the MNIST folder: `explicit` if given, else `$MNIST_DIR`; never
/// downloads (see [`resolve`] for the lookup that does).
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, DataError> {
    let (dir, origin) = match explicit {
        Some(dir) => (dir.to_path_buf(), "the spec's data.dir".to_string()),
        None => match std::env::var_os(ENV_VAR) {
            Some(dir) if !dir.is_empty() => (PathBuf::from(dir), format!("${ENV_VAR}")),
            _ => return Err(DataError::NotFound(missing_message(Dataset::Mnist))),
        },
    };
    if !dir.is_dir() {
        return Err(DataError::NotFound(format!(
            "MNIST folder {} (from {origin}) does not exist or is not a folder.\n{}",
            dir.display(),
            missing_message(Dataset::Mnist)
        )));
    }
    Ok(dir)
}

fn missing_message(dataset: Dataset) -> String {
    if dataset != Dataset::Mnist {
        return format!(
            "No {} data: set data.dir in the spec to the folder holding its four files. \
             They are checked against these {} sums:\n{}",
            dataset.title(),
            dataset.files()[0].checksum.algorithm(),
            file_list(dataset)
        );
    }
    format!(
        "No MNIST data: set {ENV_VAR} to the folder holding the four standard files \
         (or set data.dir in the spec). Get them from the MNIST database \
         (LeCun, Cortes, Burges) or any mirror; gzipped or not, they are checked \
         against these SHA-256 sums of the decompressed files:\n{}",
        file_list(dataset)
    )
}

fn file_list(dataset: Dataset) -> String {
    let names: Vec<String> = dataset
        .files()
        .iter()
        .map(|f| match f.checksum {
            Checksum::DecompressedSha256(sum) => format!("  {}[.gz]  sha256 {sum}", f.stem),
            Checksum::GzipMd5(sum) => format!("  {}.gz  md5 {sum}", f.stem),
        })
        .collect();
    names.join("\n")
}

/// The path of a standard file in `dir`: `stem.gz` if present, else `stem`.
pub fn file_path(dir: &Path, stem: &str) -> Result<PathBuf, DataError> {
    dataset_file_path(Dataset::Mnist, dir, stem)
}

fn dataset_file_path(dataset: Dataset, dir: &Path, stem: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(format!("{stem}.gz"));
    let raw = dir.join(stem);
    if gz.is_file() {
        Ok(gz)
    } else if raw.is_file() {
        Ok(raw)
    } else {
        Err(DataError::NotFound(format!(
            "{} has neither {stem}.gz nor {stem}; it needs the four standard {} files.\n{}",
            dir.display(),
            dataset.title(),
            missing_message(dataset)
        )))
    }
}

/// Loads the four standard MNIST files from `dir`: [`load_dataset`] for
/// [`Dataset::Mnist`].
pub fn load(dir: &Path) -> Result<Mnist, DataError> {
    load_dataset(Dataset::Mnist, dir)
}

/// Loads the four files of `dataset` from `dir` (each `stem.gz` or `stem`).
/// A file that differs from the published one is logged as a warning (a
/// modified data set may be intended); the SHA-256 of its decompressed bytes
/// is recorded either way. (An ungzipped Fashion-MNIST or KMNIST file cannot
/// be compared: their published sums are of the `.gz` files.)
pub fn load_dataset(dataset: Dataset, dir: &Path) -> Result<Mnist, DataError> {
    let mut files = Vec::new();
    let mut read = |index: usize| -> Result<SourceFile, DataError> {
        let remote = &dataset.files()[index];
        let file = SourceFile::read(&dataset_file_path(dataset, dir, remote.stem)?)?;
        let actual = match remote.checksum {
            Checksum::DecompressedSha256(_) => Some(file.sha256.clone()),
            Checksum::GzipMd5(_) if file.path.extension().is_some_and(|e| e == "gz") => {
                Some(remote.checksum.compute(&file.path)?)
            }
            Checksum::GzipMd5(_) => None,
        };
        let expected = remote.checksum.expected();
        if let Some(actual) = actual.filter(|a| a != expected) {
            tracing::warn!(
                "{} differs from the standard {} file ({} {actual}, expected {expected})",
                file.path.display(),
                dataset.title(),
                remote.checksum.algorithm(),
            );
        }
        files.push(FileRecord {
            path: file.path.clone(),
            sha256: file.sha256.clone(),
        });
        Ok(file)
    };
    let (train_images, train_labels) = (read(0)?, read(1)?);
    let (test_images, test_labels) = (read(2)?, read(3)?);
    let train = labelled(&train_images, &train_labels)?;
    let test = labelled(&test_images, &test_labels)?;
    Ok(Mnist { train, test, files })
}

fn labelled(images: &SourceFile, labels: &SourceFile) -> Result<ImageSet, DataError> {
    idx::label(
        idx::decode_images(images)?,
        images,
        idx::decode_labels(labels)?,
        labels,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_fixture_folder_and_records_checksums() {
        let dir = std::env::temp_dir().join(format!("aelab-mnist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let set = ImageSet {
            rows: 2,
            cols: 2,
            pixels: (0..12).collect(),
            labels: None,
            max_value: ImageSet::BYTE_MAX,
        };
        for (stem, _) in STANDARD_FILES {
            let bytes = if stem.contains("images") {
                idx::encode_images(&set)
            } else {
                idx::encode_labels(&[1, 2, 3])
            };
            std::fs::write(dir.join(stem), bytes).unwrap();
        }
        let mnist = load(&dir).unwrap();
        assert_eq!(mnist.train.len(), 3);
        assert_eq!(mnist.test.labels, Some(vec![1, 2, 3]));
        assert_eq!(mnist.files.len(), 4);
        assert_eq!(mnist.files[0].sha256.len(), 64);

        std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte")).unwrap();
        let err = load(&dir).unwrap_err().to_string();
        assert!(
            err.contains("t10k-labels-idx1-ubyte") && err.contains(ENV_VAR),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_folder_says_what_to_do() {
        let err = locate(Some(Path::new("/no/such/mnist")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/no/such/mnist") && err.contains("MNIST_DIR"),
            "{err}"
        );
    }
}
