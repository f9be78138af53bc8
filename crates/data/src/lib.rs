//! Data ingest for aelab: MNIST IDX files (gzipped or raw; Fashion-MNIST and
//! KMNIST too, downloaded into a cache on first use), Kaggle
//! digit-recognizer CSV files and the built-in 8x8 digits, decoded into
//! [`ImageSet`]s, split the way the notebook splits them, and corrupted by
//! the noise models a denoising autoencoder trains on.
//!
//! This crate is the bottom layer (with only `aelab-kernels`' numeric
//! helpers below it): it knows nothing of models, specs or archives. Every error names the file and the byte offset or line at fault.
//!
//! ```no_run
//! use aelab_data::{mnist, split::Split};
//! let dir = mnist::locate(None)?;
//! let data = mnist::load(&dir)?;
//! let split = Split::new(data.train, Some(42_000), 5_000)?;
//! assert_eq!(split.train.len(), 37_000);
//! # Ok::<(), aelab_data::DataError>(())
//! ```
//!
//! Finding the data the way a run does, downloading it if need be:
//!
//! ```no_run
//! use aelab_data::{catalogue::Dataset, fetch::FetchOptions, mnist};
//! let options = FetchOptions::from_env();
//! let dir = mnist::resolve(Dataset::FashionMnist, None, &options, |_progress| {})?;
//! let data = mnist::load_dataset(Dataset::FashionMnist, &dir)?;
//! let digits = aelab_data::digits::load()?; // built in: 1,797 8x8 images
//! # Ok::<(), aelab_data::DataError>(())
//! ```

#![forbid(unsafe_code)]

mod error;
mod image_set;
mod source_file;

pub mod catalogue;
pub mod digits;
pub mod fetch;
pub mod idx;
pub mod kaggle_csv;
pub mod mnist;
pub mod noise;
pub mod normal;
pub mod preprocess;
pub mod split;

pub use error::DataError;
pub use image_set::ImageSet;
pub use source_file::SourceFile;
