//! The sections of one run (`data`, `model`, `train`, `noise`, `eval`):
//! defaults, ranges and the rules between fields.

use aelab_data::noise::NoiseKind;
use aelab_models::layers::Loss;
use aelab_models::{Activation, Init};

use crate::checker::Checker;
use crate::config::*;
use crate::expand::Origins;
use crate::layer_list::LayeredSettings;
use crate::parse::RunUnit;
use crate::raw::{RawData, RawModel, RawSections};
use crate::SpecError;

/// Defaults, from the notebook where it has one.
const DEFAULT_VALIDATION: usize = 5_000;
const DEFAULT_LATENT: usize = 30;
const DEFAULT_HIDDEN: usize = 100;
/// Most encoder layers an autoencoder may have.
const MAX_LAYERS: usize = 8;
/// Widest layer an autoencoder may have.
const MAX_WIDTH: usize = 4_096;
/// Largest L1 weight on the codes.
const MAX_SPARSITY: f64 = 1_000.0;
/// The largest `model.beta`.
const MAX_BETA: f64 = 1_000.0;
const DEFAULT_EPOCHS: usize = 30;
const DEFAULT_BATCH_SIZE: usize = 32;
const DEFAULT_SAMPLES: usize = 10;
const DEFAULT_TSNE_POINTS: usize = 5_000;
const DEFAULT_PERPLEXITY: f64 = 30.0;
const DEFAULT_EVAL_NOISE: f64 = 0.5;

/// Upper bounds that catch typos before they cost hours.
const MAX_EPOCHS: i64 = 10_000;
const MAX_BATCH_SIZE: i64 = 65_536;
const MAX_TRAIN_THREADS: i64 = 1_024;
const MAX_LR: f64 = 1_000.0;
const MAX_GAUSSIAN_STD: f64 = 10.0;
const MAX_SAMPLES: i64 = 100;
const MAX_TSNE_POINTS: i64 = 70_000;
/// Most neighbours per point for UMAP.
const MAX_UMAP_NEIGHBORS: i64 = 200;
/// The largest class label (every source has the ten digits' classes).
const MAX_CLASS: i64 = 9;
/// Most k-means clusters and starts.
const MAX_CLUSTERS: i64 = 1_000;
const MAX_STARTS: i64 = 1_000;

impl Checker<'_> {
    pub(crate) fn data(&self, raw: RawData) -> Result<DataConfig, SpecError> {
        let name = raw.source.as_deref().unwrap_or("mnist");
        let only_csv = |s: &Self| -> Result<(), SpecError> {
            for (key, set) in [
                ("data.train", raw.train.is_some()),
                ("data.test", raw.test.is_some()),
            ] {
                if set {
                    return Err(s.invalid(
                        key,
                        format!("is only for source = \"csv\"; \"{name}\" does not read CSV files"),
                    ));
                }
            }
            Ok(())
        };
        let dir = raw.dir.as_deref().map(|d| self.path(d));
        let source = match name {
            "mnist" | "fashion-mnist" | "kmnist" => {
                only_csv(self)?;
                match name {
                    "mnist" => DataSource::Mnist { dir },
                    "fashion-mnist" => DataSource::FashionMnist { dir },
                    _ => DataSource::Kmnist { dir },
                }
            }
            "digits" => {
                only_csv(self)?;
                if raw.dir.is_some() {
                    return Err(self.invalid(
                        "data.dir",
                        "is not for source = \"digits\": the 8x8 digits are built in".into(),
                    ));
                }
                DataSource::Digits
            }
            "csv" => {
                if raw.dir.is_some() {
                    return Err(self.invalid(
                        "data.dir",
                        "is only for the IDX sources (\"mnist\", \"fashion-mnist\", \"kmnist\"); CSV uses data.train and data.test".into(),
                    ));
                }
                let train = raw.train.as_deref().ok_or_else(|| {
                    self.invalid(
                        "data.train",
                        "is required for source = \"csv\" (the labelled CSV file)".into(),
                    )
                })?;
                DataSource::Csv {
                    train: self.path(train),
                    test: raw.test.as_deref().map(|t| self.path(t)),
                }
            }
            other => {
                return Err(self.invalid(
                    "data.source",
                    format!(
                        "\"{other}\" is not one of \"mnist\", \"fashion-mnist\", \"kmnist\", \"digits\", \"csv\""
                    ),
                ))
            }
        };
        // The 1,797 built-in digits have no room for the default 5,000.
        let default_validation = match source {
            DataSource::Digits => 0,
            _ => DEFAULT_VALIDATION,
        };
        let split = self.choice(
            "data.split",
            raw.split.as_deref(),
            DataSplit::Standard,
            &[("standard", DataSplit::Standard), ("all", DataSplit::All)],
        )?;
        let has_test = match &source {
            DataSource::Digits => false,
            DataSource::Csv { test, .. } => test.is_some(),
            _ => true,
        };
        if split == DataSplit::All && !has_test {
            return Err(self.invalid(
                "data.split",
                "\"all\" joins the test images to the training images, but this source has no test images; allowed: \"standard\"".into(),
            ));
        }
        let normal_class = self.normal_class("data.normal_class", raw.normal_class, split)?;
        Ok(DataConfig {
            source,
            limit: self.int("data.limit", raw.limit, 1, i64::from(u32::MAX))?,
            validation: self
                .int("data.validation", raw.validation, 0, i64::from(u32::MAX))?
                .unwrap_or(default_validation),
            split,
            normal_class,
            preprocess: self.choice(
                "data.preprocess",
                raw.preprocess.as_deref(),
                Preprocess::Unit,
                &[
                    ("unit", Preprocess::Unit),
                    ("gcn-l1-minmax", Preprocess::GcnL1Minmax),
                ],
            )?,
        })
    }

    /// `data.normal_class`: a digit class, 0 to 9, with a test set to be
    /// scored on.
    pub(crate) fn normal_class(
        &self,
        key: &str,
        raw: Option<i64>,
        split: DataSplit,
    ) -> Result<Option<u8>, SpecError> {
        let class = self.int(key, raw, 0, MAX_CLASS)?;
        if class.is_some() && split == DataSplit::All {
            return Err(self.invalid(
                key,
                "one-class runs are scored on the test images, and data.split = \"all\" leaves none; use data.split = \"standard\"".into(),
            ));
        }
        Ok(class.map(|class| class as u8))
    }

    /// Validates one run: `s` is its merged sections, `origins` says where
    /// each key it sets was written.
    pub(crate) fn run(
        &self,
        unit: RunUnit,
        data: &DataConfig,
        s: RawSections,
        origins: &Origins,
    ) -> Result<RunConfig, SpecError> {
        let key = |k: &str| origins.key(k);

        let m = s.model.unwrap_or_default();
        let kind = self.choice(
            &key("model.kind"),
            m.kind.as_deref(),
            ModelKind::Autoencoder,
            &[
                ("autoencoder", ModelKind::Autoencoder),
                ("vae", ModelKind::Vae),
                ("pca", ModelKind::Pca),
                ("conv", ModelKind::Conv),
            ],
        )?;
        // a model written as layer lists: a conv model, or a VAE given an
        // encoder list (a conv encoder with dense heads, say)
        let conv = kind == ModelKind::Conv || (kind == ModelKind::Vae && m.encoder.is_some());
        let activation = self.choice(
            &key("model.activation"),
            m.activation.as_deref(),
            if conv {
                Activation::Relu
            } else {
                Activation::Selu
            },
            &Activation::NAMES,
        )?;
        let init = self.choice(
            &key("model.init"),
            m.init.as_deref(),
            Init::GlorotUniform,
            &Init::NAMES,
        )?;
        let sparsity = match m.sparsity {
            Some(v) if !(v.is_finite() && (0.0..=MAX_SPARSITY).contains(&v)) => {
                return Err(self.invalid(
                    &key("model.sparsity"),
                    format!("{v} is out of range; allowed: 0 (no penalty) to {MAX_SPARSITY}"),
                ))
            }
            Some(v) => v,
            None => 0.0,
        };
        let beta = match (kind, m.beta) {
            (ModelKind::Vae, Some(v)) if !(v.is_finite() && (0.0..=MAX_BETA).contains(&v)) => {
                return Err(self.invalid(
                    &key("model.beta"),
                    format!("{v} is out of range; allowed: 0 to {MAX_BETA} (1 is the ELBO)"),
                ))
            }
            (ModelKind::Vae, beta) => Some(beta.unwrap_or(crate::config::DEFAULT_BETA)),
            (_, Some(_)) => {
                return Err(self.invalid(
                    &key("model.beta"),
                    "weighs a variational autoencoder's KL term; it needs model.kind = \"vae\""
                        .into(),
                ))
            }
            (_, None) => None,
        };
        if kind == ModelKind::Vae {
            let unsupported = [
                ("model.tied", m.tied == Some(true)),
                ("model.sparsity", m.sparsity.is_some_and(|v| v != 0.0)),
            ];
            if let Some((name, _)) = unsupported.iter().find(|(_, set)| *set) {
                return Err(self.invalid(
                    &key(name),
                    "is not supported with model.kind = \"vae\" (its heads and draws are not tied or penalised); \
                     supported with a vae: layers, activation, init, beta"
                        .into(),
                ));
            }
        }
        let loss = self.choice(
            &key("model.loss"),
            m.loss.as_deref(),
            Loss::Bce,
            &[("bce", Loss::Bce), ("mse", Loss::Mse)],
        )?;
        let layered = if conv {
            let dense_keys = [
                ("model.layers", m.layers.is_some()),
                ("model.hidden", m.hidden.is_some()),
                ("model.latent", m.latent.is_some()),
                ("model.tied", m.tied.is_some()),
                ("model.sparsity", m.sparsity.is_some()),
            ];
            if let Some((name, _)) = dense_keys.iter().find(|(_, set)| *set) {
                return Err(self.invalid(
                    &key(name),
                    "applies to the dense kinds; a \"conv\" model (or a \"vae\" with layer lists) is written as model.encoder (and model.decoder) layer lists"
                        .into(),
                ));
            }
            if beta.is_some() && loss != Loss::Bce {
                return Err(self.invalid(
                    &key("model.loss"),
                    format!(
                        "\"{}\" is for model.kind = \"autoencoder\" or \"conv\"; a \"vae\" trains on its own loss (BCE summed over the pixels plus beta KL)",
                        loss.name()
                    ),
                ));
            }
            let input = data.source.image_shape();
            let beta = beta.map(|b| b as f32);
            Some(self.layered(
                &key,
                input,
                &m,
                LayeredSettings {
                    activation,
                    loss,
                    init,
                    beta,
                },
            )?)
        } else {
            for (name, set) in [
                ("model.encoder", m.encoder.is_some()),
                ("model.decoder", m.decoder.is_some()),
            ] {
                if set {
                    return Err(self.invalid(
                        &key(name),
                        "is a layer list for model.kind = \"conv\" (or \"vae\")".into(),
                    ));
                }
            }
            if loss != Loss::Bce && kind != ModelKind::Autoencoder {
                return Err(self.invalid(
                    &key("model.loss"),
                    format!(
                        "\"{}\" is for model.kind = \"autoencoder\" or \"conv\"; a \"{}\" trains on its own loss",
                        loss.name(),
                        kind.name()
                    ),
                ));
            }
            None
        };
        let layers = match &layered {
            Some(layered) => {
                let plan = layered
                    .plan()
                    .map_err(|e| self.invalid(&key("model.encoder"), e.to_string()))?;
                vec![plan.code().len()]
            }
            None => self.layers(&key, kind, &m)?,
        };
        let model = ModelConfig {
            kind,
            layers,
            activation,
            init,
            tied: m.tied.unwrap_or(false),
            sparsity,
            beta,
            layered: layered.map(LayeredConfig),
            dense_loss: (!conv && loss != Loss::Bce).then_some(loss),
        };
        if kind == ModelKind::Pca {
            let family_keys = [
                ("model.activation", m.activation.is_some()),
                ("model.init", m.init.is_some()),
                ("model.tied", m.tied.is_some()),
                ("model.sparsity", m.sparsity.is_some()),
            ];
            if let Some((name, _)) = family_keys.iter().find(|(_, set)| *set) {
                return Err(self.invalid(
                    &key(name),
                    "applies to autoencoders; a \"pca\" model has only model.latent (its components)".into(),
                ));
            }
        }

        let t = s.train.unwrap_or_default();
        let optimizer = self.choice(
            &key("train.optimizer"),
            t.optimizer.as_deref(),
            OptimizerName::Adam,
            &[
                ("sgd", OptimizerName::Sgd),
                ("adam", OptimizerName::Adam),
                ("adadelta", OptimizerName::Adadelta),
                ("rmsprop", OptimizerName::Rmsprop),
            ],
        )?;
        let default_lr = match optimizer {
            OptimizerName::Sgd => 0.01,
            OptimizerName::Adam | OptimizerName::Rmsprop => 0.001,
            OptimizerName::Adadelta => 1.0,
        };
        let momentum = match t.momentum {
            Some(v) if !(v.is_finite() && (0.0..1.0).contains(&v)) => {
                return Err(self.invalid(
                    &key("train.momentum"),
                    format!("{v} is out of range; allowed: 0 to below 1"),
                ))
            }
            Some(v) if v != 0.0 && optimizer != OptimizerName::Sgd => {
                return Err(self.invalid(
                    &key("train.momentum"),
                    "is SGD's; the other optimizers keep their own moments".into(),
                ))
            }
            v => v.unwrap_or(0.0),
        };
        let weight_decay = match t.weight_decay {
            Some(v) if !(v.is_finite() && (0.0..=1.0).contains(&v)) => {
                return Err(self.invalid(
                    &key("train.weight_decay"),
                    format!("{v} is out of range; allowed: 0 to 1"),
                ))
            }
            v => v.unwrap_or(0.0),
        };
        let epochs = self
            .int(&key("train.epochs"), t.epochs, 1, MAX_EPOCHS)?
            .unwrap_or(DEFAULT_EPOCHS);
        let steps_key = key("train.lr_steps");
        let mut lr_steps = Vec::new();
        for (i, &step) in t.lr_steps.iter().flatten().enumerate() {
            let step = self
                .int(&format!("{steps_key}[{i}]"), Some(step), 1, MAX_EPOCHS)?
                .unwrap_or(1);
            if lr_steps.last().is_some_and(|&before| before >= step) {
                return Err(self.invalid(
                    &steps_key,
                    "must rise: each epoch after the one before".into(),
                ));
            }
            lr_steps.push(step);
        }
        let lr_step_factor = self.real(
            &key("train.lr_step_factor"),
            t.lr_step_factor
                .unwrap_or(crate::config::DEFAULT_LR_STEP_FACTOR),
            0.0,
            1.0,
        )?;
        let dense_only = [
            (
                "train.optimizer",
                !matches!(optimizer, OptimizerName::Sgd | OptimizerName::Adam),
            ),
            ("train.momentum", momentum != 0.0),
            ("train.weight_decay", weight_decay != 0.0),
            ("train.lr_steps", !lr_steps.is_empty()),
        ]
        .into_iter()
        .find(|(_, set)| *set);
        let dense_on_layers = dense_only.map(|(name, _)| key(name)).or_else(|| {
            model
                .dense_loss
                .is_some_and(|l| l != Loss::Bce)
                .then(|| key("model.loss"))
        });
        if let (Some(asked), true) = (dense_on_layers, kind.trains() && !conv) {
            // a dense model trains these as a layer list (RunConfig::network)
            let tied_or_penalised = [
                ("model.tied", model.tied),
                ("model.sparsity", model.sparsity != 0.0),
            ]
            .into_iter()
            .find(|(_, set)| *set);
            if kind == ModelKind::Vae {
                return Err(self.invalid(
                    &asked,
                    "is not there for model.kind = \"vae\" yet: a VAE trains on SGD or Adam at a constant rate"
                        .into(),
                ));
            }
            if let Some((name, _)) = tied_or_penalised {
                return Err(self.invalid(
                    &key(name),
                    format!(
                        "cannot go with {asked}: a dense model with it trains as a layer list, which has no tied weights or code penalty"
                    ),
                ));
            }
            if t.engine.as_deref() == Some("dfdx") {
                return Err(self.invalid(
                    &key("train.engine"),
                    format!("\"dfdx\" cannot go with {asked}: the dfdx engine has SGD and Adam on BCE; use \"fused\""),
                ));
            }
        }
        let train = TrainConfig {
            epochs,
            batch_size: self
                .int(&key("train.batch_size"), t.batch_size, 1, MAX_BATCH_SIZE)?
                .unwrap_or(DEFAULT_BATCH_SIZE),
            optimizer,
            lr: self.real(&key("train.lr"), t.lr.unwrap_or(default_lr), 0.0, MAX_LR)?,
            engine: self.choice(
                &key("train.engine"),
                t.engine.as_deref(),
                EngineName::Fused,
                &[("fused", EngineName::Fused), ("dfdx", EngineName::Dfdx)],
            )?,
            momentum,
            weight_decay,
            lr_steps,
            lr_step_factor,
            threads: self.int(&key("train.threads"), t.threads, 1, MAX_TRAIN_THREADS)?,
        };
        if train.engine == EngineName::Dfdx && conv {
            return Err(self.invalid(
                &key("train.engine"),
                "\"dfdx\" cannot train a conv model (dfdx 0.13's convolutions need nightly Rust); use \"fused\"".into(),
            ));
        }
        if train.engine == EngineName::Dfdx && kind.trains() {
            let architecture = model.architecture(aelab_models::IMAGE_PIXELS);
            if let Err(why) = aelab_models::shapes::check_dfdx(&architecture) {
                return Err(self.invalid(&key("train.engine"), why));
            }
        }

        let n = s.noise.unwrap_or_default();
        let noise_kind = self.noise_kind(&key("noise.kind"), n.kind.as_deref(), NoiseKind::None)?;
        let level_key = key("noise.level");
        let level = match noise_kind {
            NoiseKind::None => 0.0,
            kind => self.noise_level(&level_key, kind, n.level.unwrap_or(DEFAULT_EVAL_NOISE))?,
        };
        if kind == ModelKind::Pca && noise_kind != NoiseKind::None {
            return Err(self.invalid(
                &key("noise.kind"),
                "training noise applies to autoencoders; a \"pca\" model needs kind = \"none\""
                    .into(),
            ));
        }
        let noise = NoiseConfig {
            kind: noise_kind,
            level,
            resample: self.choice(
                &key("noise.resample"),
                n.resample.as_deref(),
                ResampleName::Once,
                &[("once", ResampleName::Once), ("epoch", ResampleName::Epoch)],
            )?,
        };

        let e = s.eval.unwrap_or_default();
        let ts = e.tsne.unwrap_or_default();
        let points_key = key("eval.tsne.points");
        let points = self
            .int(&points_key, ts.points, 0, MAX_TSNE_POINTS)?
            .unwrap_or(DEFAULT_TSNE_POINTS);
        let perplexity = self.real(
            &key("eval.tsne.perplexity"),
            ts.perplexity.unwrap_or(DEFAULT_PERPLEXITY),
            1.0,
            100.0,
        )?;
        if points > 0 && (points as f64) <= 3.0 * perplexity + 1.0 {
            return Err(self.invalid(
                &points_key,
                format!(
                    "{points} points are too few for perplexity {perplexity}; t-SNE needs more than \
                     3 * perplexity + 1 = {} (or 0 to skip t-SNE)",
                    3.0 * perplexity + 1.0
                ),
            ));
        }
        let um = e.umap.unwrap_or_default();
        let umap_points_key = key("eval.umap.points");
        let umap = UmapConfig {
            points: self
                .int(&umap_points_key, um.points, 0, MAX_TSNE_POINTS)?
                .unwrap_or(UmapConfig::OFF.points),
            neighbors: self
                .int(
                    &key("eval.umap.neighbors"),
                    um.neighbors,
                    2,
                    MAX_UMAP_NEIGHBORS,
                )?
                .unwrap_or(UmapConfig::OFF.neighbors),
            min_dist: match um.min_dist.unwrap_or(UmapConfig::OFF.min_dist) {
                d if (0.0..=1.0).contains(&d) => d,
                d => {
                    return Err(self.invalid(
                        &key("eval.umap.min_dist"),
                        format!("{d} is out of range; allowed: 0 to 1"),
                    ))
                }
            },
        };
        if umap.points > 0 && umap.points <= umap.neighbors {
            return Err(self.invalid(
                &umap_points_key,
                format!(
                    "{} points are too few for {} neighbours; UMAP needs more points than \
                     neighbours (or 0 to skip UMAP)",
                    umap.points, umap.neighbors
                ),
            ));
        }
        let en = e.noise.unwrap_or_default();
        let eval_kind = self.noise_kind(
            &key("eval.noise.kind"),
            en.kind.as_deref(),
            NoiseKind::Gaussian,
        )?;
        let cluster = match e.cluster {
            None => None,
            Some(c) => Some(ClusterConfig {
                k: self
                    .int(&key("eval.cluster.k"), c.k, 2, MAX_CLUSTERS)?
                    .unwrap_or(ClusterConfig::DEFAULT.k),
                starts: self
                    .int(&key("eval.cluster.starts"), c.starts, 1, MAX_STARTS)?
                    .unwrap_or(ClusterConfig::DEFAULT.starts),
            }),
        };
        let eval = EvalConfig {
            cluster,
            probe: e.probe.unwrap_or(false),
            detail: self.choice(
                &key("eval.detail"),
                e.detail.as_deref(),
                EvalDetail::Auto,
                &[
                    ("auto", EvalDetail::Auto),
                    ("full", EvalDetail::Full),
                    ("light", EvalDetail::Light),
                ],
            )?,
            samples: self
                .int(&key("eval.samples"), e.samples, 1, MAX_SAMPLES)?
                .unwrap_or(DEFAULT_SAMPLES),
            tsne: TsneConfig {
                points,
                perplexity,
                input: self.choice(
                    &key("eval.tsne.input"),
                    ts.input.as_deref(),
                    TsneInput::Latent,
                    &[
                        ("latent", TsneInput::Latent),
                        ("reconstruction", TsneInput::Reconstruction),
                    ],
                )?,
                split: self.choice(
                    &key("eval.tsne.split"),
                    ts.split.as_deref(),
                    EmbedSplit::Validation,
                    &[
                        ("validation", EmbedSplit::Validation),
                        ("test", EmbedSplit::Test),
                        ("train", EmbedSplit::Train),
                        ("all", EmbedSplit::All),
                    ],
                )?,
            },
            umap,
            noise: EvalNoise {
                kind: eval_kind,
                level: match eval_kind {
                    NoiseKind::None => 0.0,
                    kind => self.noise_level(
                        &key("eval.noise.level"),
                        kind,
                        en.level.unwrap_or(DEFAULT_EVAL_NOISE),
                    )?,
                },
            },
        };

        Ok(RunConfig {
            experiment: unit.experiment,
            name: unit.name,
            description: unit.description,
            seed: unit.seed,
            variant: unit.variant,
            group: unit.group,
            sweep: unit.sweep,
            trial: unit.trial,
            data: data.clone(),
            model,
            train,
            noise,
            eval,
        })
    }

    /// `model.layers`, or its shorthand `model.hidden` / `model.latent`
    /// (never both); a PCA model's components are `model.latent`.
    fn layers(
        &self,
        key: &dyn Fn(&str) -> String,
        kind: ModelKind,
        m: &RawModel,
    ) -> Result<Vec<usize>, SpecError> {
        let layers_key = key("model.layers");
        let Some(widths) = &m.layers else {
            let latent_key = key("model.latent");
            let max_latent = match kind {
                ModelKind::Autoencoder | ModelKind::Vae | ModelKind::Conv => MAX_WIDTH as i64,
                ModelKind::Pca => 784 * 784,
            };
            let latent = self
                .int(&latent_key, m.latent, 1, max_latent)?
                .unwrap_or(DEFAULT_LATENT);
            let hidden_key = key("model.hidden");
            let hidden = self
                .int(&hidden_key, m.hidden, 1, MAX_WIDTH as i64)?
                .unwrap_or(DEFAULT_HIDDEN);
            return Ok(vec![hidden, latent]);
        };
        if kind == ModelKind::Pca {
            return Err(self.invalid(
                &layers_key,
                "applies to autoencoders; a \"pca\" model has only model.latent (its components)"
                    .into(),
            ));
        }
        if m.hidden.is_some() || m.latent.is_some() {
            return Err(self.invalid(
                &layers_key,
                "is given together with model.hidden or model.latent, its shorthand; \
                 write one of them (layers = [hidden, latent])"
                    .into(),
            ));
        }
        if widths.is_empty() || widths.len() > MAX_LAYERS {
            return Err(self.invalid(
                &layers_key,
                format!(
                    "has {} widths; allowed: 1 to {MAX_LAYERS} encoder widths, the last being the code, e.g. [100, 30]",
                    widths.len()
                ),
            ));
        }
        widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let item = format!("{layers_key}[{i}]");
                Ok(self.int(&item, Some(w), 1, MAX_WIDTH as i64)?.unwrap_or(1))
            })
            .collect()
    }

    fn noise_kind(
        &self,
        key: &str,
        value: Option<&str>,
        default: NoiseKind,
    ) -> Result<NoiseKind, SpecError> {
        let options: Vec<(&str, NoiseKind)> =
            NoiseKind::ALL.iter().map(|k| (k.name(), *k)).collect();
        self.choice(key, value, default, &options)
    }

    fn noise_level(&self, key: &str, kind: NoiseKind, level: f64) -> Result<f64, SpecError> {
        let max = if kind == NoiseKind::Gaussian {
            MAX_GAUSSIAN_STD
        } else {
            1.0
        };
        let what = if kind == NoiseKind::Gaussian {
            "the standard deviation"
        } else {
            "the fraction of pixels hit"
        };
        self.real(key, level, 0.0, max).map_err(|e| match e {
            SpecError::Invalid { path, key, message } => SpecError::Invalid {
                path,
                key,
                message: format!("{message} ({what} for {} noise)", kind.name()),
            },
            other => other,
        })
    }
}
