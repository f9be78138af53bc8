//! Data ingest for aelab: MNIST IDX files (gzipped or raw) and Kaggle
//! digit-recognizer CSV files, decoded into [`ImageSet`]s, split the way the
//! notebook splits them, and corrupted by the noise models a denoising
//! autoencoder trains on.
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

mod error;
mod image_set;
mod source_file;

pub mod digits;
pub mod idx;
pub mod kaggle_csv;
pub mod mnist;
pub mod noise;
pub mod normal;
pub mod split;

pub use error::DataError;
pub use image_set::ImageSet;
pub use source_file::SourceFile;
