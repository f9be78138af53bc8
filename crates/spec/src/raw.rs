//! The spec as written: serde types that mirror the TOML, every field
//! optional (defaults are applied during validation), unknown keys refused.
//! A `[[variant]]` overrides the base sections field by field.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpec {
    pub name: String,
    pub description: Option<String>,
    pub seed: Option<i64>,
    /// Runs per configuration that differ only in seed.
    pub repeats: Option<i64>,
    pub data: Option<RawData>,
    pub model: Option<RawModel>,
    pub train: Option<RawTrain>,
    pub noise: Option<RawNoise>,
    pub eval: Option<RawEval>,
    /// Dotted keys to lists of values; applied to every variant.
    pub sweep: Option<toml::Table>,
    /// A random, quasi-random or successive-halving search (`search.rs`).
    pub search: Option<toml::Table>,
    #[serde(default)]
    pub variant: Vec<RawVariant>,
}

/// The sections a variant may override (serde's `flatten` cannot be combined
/// with `deny_unknown_fields`, so the spec and variant types list them and
/// hand them over through `sections()`).
#[derive(Debug, Default, Clone)]
pub(crate) struct RawSections {
    pub model: Option<RawModel>,
    pub train: Option<RawTrain>,
    pub noise: Option<RawNoise>,
    pub eval: Option<RawEval>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    pub name: String,
    pub description: Option<String>,
    pub seed: Option<i64>,
    pub repeats: Option<i64>,
    pub model: Option<RawModel>,
    pub train: Option<RawTrain>,
    pub noise: Option<RawNoise>,
    pub eval: Option<RawEval>,
    /// A sweep of this variant only, combined with the experiment's.
    pub sweep: Option<toml::Table>,
}

/// Values assigned by `--set key=value` or by one point of a sweep.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<i64>,
    pub repeats: Option<i64>,
    pub data: Option<RawData>,
    pub model: Option<RawModel>,
    pub train: Option<RawTrain>,
    pub noise: Option<RawNoise>,
    pub eval: Option<RawEval>,
}

macro_rules! sections_of {
    ($ty:ident) => {
        impl $ty {
            pub(crate) fn sections(&self) -> RawSections {
                RawSections {
                    model: self.model.clone(),
                    train: self.train.clone(),
                    noise: self.noise.clone(),
                    eval: self.eval.clone(),
                }
            }
        }
    };
}
sections_of!(RawSpec);
sections_of!(RawVariant);
sections_of!(RawOverride);

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawData {
    pub source: Option<String>,
    pub dir: Option<PathBuf>,
    pub train: Option<PathBuf>,
    pub test: Option<PathBuf>,
    pub limit: Option<i64>,
    pub validation: Option<i64>,
    pub split: Option<String>,
    pub normal_class: Option<i64>,
    pub preprocess: Option<String>,
}

impl RawData {
    /// Whether a key other than `normal_class` (the one data key a sweep
    /// may vary) is set.
    pub(crate) fn sets_more_than_normal_class(&self) -> bool {
        let RawData {
            source,
            dir,
            train,
            test,
            limit,
            validation,
            split,
            normal_class: _,
            preprocess,
        } = self;
        source.is_some()
            || dir.is_some()
            || train.is_some()
            || test.is_some()
            || limit.is_some()
            || validation.is_some()
            || split.is_some()
            || preprocess.is_some()
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    pub kind: Option<String>,
    pub latent: Option<i64>,
    pub hidden: Option<i64>,
    pub layers: Option<Vec<i64>>,
    pub activation: Option<String>,
    pub init: Option<String>,
    pub tied: Option<bool>,
    pub sparsity: Option<f64>,
    pub beta: Option<f64>,
    /// "bce" or "mse".
    pub loss: Option<String>,
    /// A conv model's layers (`layer_list.rs`).
    pub encoder: Option<Vec<RawLayer>>,
    pub decoder: Option<Vec<RawLayer>>,
}

/// One entry of `model.encoder` / `model.decoder`: one kind key with its
/// size (`conv = 16`), and that kind's options.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLayer {
    pub conv: Option<i64>,
    pub deconv: Option<i64>,
    pub maxpool: Option<i64>,
    pub upsample: Option<i64>,
    pub dense: Option<i64>,
    pub flatten: Option<bool>,
    pub reshape: Option<Vec<i64>>,
    pub batchnorm: Option<bool>,
    pub kernel: Option<i64>,
    pub stride: Option<i64>,
    /// "same", "valid" or a number.
    pub padding: Option<toml::Value>,
    pub output_padding: Option<i64>,
    pub bias: Option<bool>,
    pub activation: Option<String>,
    pub slope: Option<f64>,
    pub affine: Option<bool>,
    pub eps: Option<f64>,
    pub momentum: Option<f64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrain {
    pub epochs: Option<i64>,
    pub batch_size: Option<i64>,
    pub optimizer: Option<String>,
    pub lr: Option<f64>,
    pub engine: Option<String>,
    pub momentum: Option<f64>,
    pub weight_decay: Option<f64>,
    pub lr_steps: Option<Vec<i64>>,
    pub lr_step_factor: Option<f64>,
    pub threads: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNoise {
    pub kind: Option<String>,
    pub level: Option<f64>,
    pub resample: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEval {
    pub detail: Option<String>,
    pub samples: Option<i64>,
    pub tsne: Option<RawTsne>,
    pub umap: Option<RawUmap>,
    pub noise: Option<RawEvalNoise>,
    pub cluster: Option<RawCluster>,
    pub probe: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCluster {
    pub k: Option<i64>,
    pub starts: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTsne {
    pub points: Option<i64>,
    pub perplexity: Option<f64>,
    pub input: Option<String>,
    pub split: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUmap {
    pub points: Option<i64>,
    pub neighbors: Option<i64>,
    pub min_dist: Option<f64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvalNoise {
    pub kind: Option<String>,
    pub level: Option<f64>,
}

/// Field-by-field override: `base.overlay(over)` keeps every field `over`
/// leaves unset.
pub(crate) trait Overlay: Sized {
    fn overlay(self, over: Self) -> Self;
}

impl<T: Overlay + Default> Overlay for Option<T> {
    fn overlay(self, over: Self) -> Self {
        match (self, over) {
            (base, None) => base,
            (None, Some(over)) => Some(T::default().overlay(over)),
            (Some(base), Some(over)) => Some(base.overlay(over)),
        }
    }
}

macro_rules! overlay_fields {
    ($ty:ident { $($plain:ident),* $(; nested $($nested:ident),*)? }) => {
        impl Overlay for $ty {
            fn overlay(self, over: Self) -> Self {
                $ty {
                    $($plain: over.$plain.or(self.$plain),)*
                    $($($nested: self.$nested.overlay(over.$nested),)*)?
                }
            }
        }
    };
}

overlay_fields!(RawSections { ; nested model, train, noise, eval });
overlay_fields!(RawData {
    source,
    dir,
    train,
    test,
    limit,
    validation,
    split,
    normal_class,
    preprocess
});
overlay_fields!(RawModel {
    kind,
    latent,
    hidden,
    layers,
    activation,
    init,
    tied,
    sparsity,
    beta,
    loss,
    encoder,
    decoder
});
overlay_fields!(RawTrain {
    epochs,
    batch_size,
    optimizer,
    lr,
    engine,
    momentum,
    weight_decay,
    lr_steps,
    lr_step_factor,
    threads
});
overlay_fields!(RawNoise {
    kind,
    level,
    resample
});
overlay_fields!(RawEval { detail, samples, probe; nested tsne, umap, noise, cluster });
overlay_fields!(RawCluster { k, starts });
overlay_fields!(RawTsne {
    points,
    perplexity,
    input,
    split
});
overlay_fields!(RawUmap {
    points,
    neighbors,
    min_dist
});
overlay_fields!(RawEvalNoise { kind, level });
