//! The experiment spec: the TOML file a user writes (the user-facing
//! contract, documented in README.md), parsed into raw serde types, then
//! validated once into the checked [`Experiment`] that the rest of aelab
//! uses. Unknown keys, wrong types and out-of-range values are errors naming
//! the file, the key and what is allowed, found before anything runs.
//!
//! ```
//! let spec = r#"
//!     name = "demo"
//!     [train]
//!     optimizer = "sgd"
//!     [[variant]]
//!     name = "fast"
//!     train = { lr = 1.5 }
//!     [[variant]]
//!     name = "slow"
//! "#;
//! let exp = aelab_spec::Experiment::parse(std::path::Path::new("demo.toml"), spec).unwrap();
//! assert_eq!(exp.runs.len(), 2);
//! assert_eq!(exp.runs[0].train.lr, 1.5);
//! assert_eq!(exp.runs[1].train.lr, 0.01); // SGD's default
//! ```

#![forbid(unsafe_code)]

mod checker;
mod config;
mod deserialize;
mod error;
mod expand;
mod layer_list;
mod parse;
mod raw;
mod search;
mod sections;
mod sobol;

pub use config::{
    ClusterConfig, DataConfig, DataSource, DataSplit, EmbedSplit, EngineName, EvalConfig,
    EvalDetail, EvalNoise, Experiment, LayeredConfig, ModelConfig, ModelKind, NoiseConfig,
    OptimizerName, Preprocess, ResampleName, RunConfig, TrainConfig, TsneConfig, TsneInput,
    UmapConfig,
};
pub use config::{AUTO_FULL_RUNS, DEFAULT_LR_STEP_FACTOR};
pub use error::SpecError;
pub use expand::{flatten_toml, MAX_RUNS};
pub use search::{Bracket, Distribution, Goal, Sampler, SearchConfig, SearchMethod, MAX_TRIALS};
