//! From the raw spec to the checked [`Experiment`]: defaults, ranges and
//! cross-field rules, each failure naming the file and the key.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use aelab_data::noise::NoiseKind;
use aelab_models::shapes::{HIDDEN_SIZES, LATENT_SIZES};

use crate::config::*;
use crate::expand;
use crate::expand::Origins;
use crate::raw::{Overlay, RawData, RawSections, RawSpec};
use crate::SpecError;

/// Defaults, from the notebook where it has one.
const DEFAULT_SEED: u64 = 42;
const DEFAULT_VALIDATION: usize = 5_000;
const DEFAULT_LATENT: usize = 30;
const DEFAULT_HIDDEN: usize = 100;
const DEFAULT_EPOCHS: usize = 30;
const DEFAULT_BATCH_SIZE: usize = 32;
const DEFAULT_SAMPLES: usize = 10;
const DEFAULT_TSNE_POINTS: usize = 5_000;
const DEFAULT_PERPLEXITY: f64 = 30.0;
const DEFAULT_EVAL_NOISE: f64 = 0.5;

/// Upper bounds that catch typos before they cost hours.
const MAX_EPOCHS: i64 = 10_000;
const MAX_BATCH_SIZE: i64 = 65_536;
const MAX_LR: f64 = 1_000.0;
const MAX_GAUSSIAN_STD: f64 = 10.0;
const MAX_SAMPLES: i64 = 100;
const MAX_TSNE_POINTS: i64 = 70_000;
const MAX_NAME_LEN: usize = 100;

impl Experiment {
    /// Reads and validates the spec at `path`.
    pub fn load(path: &Path) -> Result<Experiment, SpecError> {
        Experiment::load_with(path, &[])
    }

    /// Reads the spec at `path` and applies `--set key=value` overrides.
    pub fn load_with(path: &Path, overrides: &[String]) -> Result<Experiment, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Experiment::parse_with(path, &text, overrides)
    }

    /// Validates spec `text`; `path` names it in errors and anchors its
    /// relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Experiment, SpecError> {
        Experiment::parse_with(path, text, &[])
    }

    /// Validates spec `text` with `overrides` (`key=value`, dotted keys)
    /// applied to every run, after variants and sweeps.
    pub fn parse_with(
        path: &Path,
        text: &str,
        overrides: &[String],
    ) -> Result<Experiment, SpecError> {
        let raw = deserialize(path, text)?;
        let document: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| SpecError::Syntax {
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                })?;
        let assignments = overrides
            .iter()
            .map(|o| expand::parse_set(path, o))
            .collect::<Result<Vec<_>, _>>()?;
        let set = expand::to_override(path, "--set", &assignments)?;
        let set_keys: Vec<String> = assignments.iter().map(|a| a.key.clone()).collect();
        let set_key = |k: &str| {
            if set_keys
                .iter()
                .any(|s| s == k || s.starts_with(&format!("{k}.")))
            {
                format!("--set {k}")
            } else {
                k.to_string()
            }
        };
        let check = Checker {
            path,
            base_dir: path.parent().unwrap_or(Path::new("")),
        };
        let name = set.name.clone().unwrap_or_else(|| raw.name.clone());
        check.name(&set_key("name"), &name)?;
        let description = set.description.clone().or_else(|| raw.description.clone());
        let base_seed = check
            .seed(&set_key("seed"), set.seed.or(raw.seed))?
            .unwrap_or(DEFAULT_SEED);
        let data = check.data(
            raw.data
                .clone()
                .overlay(set.data.clone())
                .unwrap_or_default(),
        )?;

        // The units a sweep multiplies: the variants, or the base alone.
        struct Unit {
            name: String,
            description: Option<String>,
            seed: Option<i64>,
            sections: RawSections,
            at: Option<String>,
            keys: Vec<String>,
            sweep: Vec<(String, Vec<toml::Value>)>,
            /// Swept keys from the variant's own `sweep` table.
            own_sweep: Vec<String>,
        }
        let base_sweep = expand::sweep_axes(path, "sweep", raw.sweep.as_ref())?;
        let mut units = Vec::new();
        if raw.variant.is_empty() {
            units.push(Unit {
                name: name.clone(),
                description: description.clone(),
                seed: None,
                sections: RawSections::default(),
                at: None,
                keys: Vec::new(),
                sweep: base_sweep.clone(),
                own_sweep: Vec::new(),
            });
        }
        let mut seen = HashSet::new();
        for (i, variant) in raw.variant.iter().enumerate() {
            let key = format!("variant[{i}].name");
            check.name(&key, &variant.name)?;
            if !seen.insert(variant.name.as_str()) {
                return Err(check.invalid(
                    &key,
                    format!(
                        "`{}` names two variants; names must be unique",
                        variant.name
                    ),
                ));
            }
            let at = format!("variant[{i}]");
            let mut keys: Vec<String> = match document
                .get("variant")
                .and_then(|v| v.as_array())
                .and_then(|a| a.get(i))
            {
                Some(toml::Value::Table(table)) => expand::flatten_toml(table)
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect(),
                _ => Vec::new(),
            };
            keys.retain(|k| k != "name" && k != "description" && !k.starts_with("sweep"));
            let own = expand::sweep_axes(path, &format!("{at}.sweep"), variant.sweep.as_ref())?;
            let own_sweep: Vec<String> = own.iter().map(|(k, _)| k.clone()).collect();
            let mut sweep: Vec<(String, Vec<toml::Value>)> = base_sweep
                .iter()
                .filter(|(k, _)| !own_sweep.contains(k))
                .cloned()
                .collect();
            sweep.extend(own);
            units.push(Unit {
                name: variant.name.clone(),
                description: variant.description.clone().or_else(|| description.clone()),
                seed: variant.seed,
                sections: variant.sections(),
                at: Some(at),
                keys,
                sweep,
                own_sweep,
            });
        }
        let total: usize = units
            .iter()
            .map(|u| expand::count(&u.sweep))
            .fold(0, usize::saturating_add);
        if total > expand::MAX_RUNS {
            return Err(check.invalid(
                "sweep",
                format!(
                    "the spec expands to {total} runs, more than the limit of {}; sweep fewer values",
                    expand::MAX_RUNS
                ),
            ));
        }

        let base = raw.sections();
        let mut runs = Vec::new();
        let mut swept: Vec<String> = Vec::new();
        for unit in &units {
            for (k, _) in &unit.sweep {
                if !swept.contains(k) {
                    swept.push(k.clone());
                }
            }
            let mut origins = expand::Origins::default();
            if let Some(at) = &unit.at {
                origins.set(unit.keys.iter().cloned(), at);
                check.seed(&format!("{at}.seed"), unit.seed)?;
            }
            for point in expand::combinations(&unit.sweep) {
                let run_name = format!("{}{}", unit.name, expand::suffix(&point));
                let where_ = format!("sweep (run `{run_name}`)");
                let swept_values = expand::to_override(path, &where_, &point)?;
                if swept_values.name.is_some()
                    || swept_values.description.is_some()
                    || swept_values.data.is_some()
                {
                    return Err(check.invalid(
                        &where_,
                        "name, description and data cannot be swept: the runs of an experiment share their data".into(),
                    ));
                }
                let mut origins = origins.clone();
                for a in &point {
                    let table = match (&unit.at, unit.own_sweep.contains(&a.key)) {
                        (Some(at), true) => format!("{at}.sweep"),
                        _ => "sweep".to_string(),
                    };
                    origins.set([a.key.clone()], &format!("{table} (run `{run_name}`)"));
                }
                origins.set(set_keys.iter().cloned(), "--set");
                let seed_key = origins.key("seed");
                let seed = check
                    .seed(&seed_key, set.seed.or(swept_values.seed).or(unit.seed))?
                    .unwrap_or(base_seed);
                let sections = base
                    .clone()
                    .overlay(unit.sections.clone())
                    .overlay(swept_values.sections())
                    .overlay(set.sections());
                let run_unit = RunUnit {
                    experiment: name.clone(),
                    name: run_name,
                    description: unit.description.clone(),
                    seed,
                    variant: unit.name.clone(),
                    sweep: point
                        .iter()
                        .map(|a| (a.key.clone(), expand::value_text(&a.value)))
                        .collect(),
                };
                runs.push(check.run(run_unit, &data, sections, &origins)?);
            }
        }
        Ok(Experiment {
            name,
            description,
            path: path.to_path_buf(),
            text: text.to_string(),
            data,
            runs,
            swept,
            overrides: overrides.to_vec(),
        })
    }
}

/// Who a run is, before its settings are checked.
struct RunUnit {
    experiment: String,
    name: String,
    description: Option<String>,
    seed: u64,
    variant: String,
    sweep: Vec<(String, String)>,
}

fn deserialize(path: &Path, text: &str) -> Result<RawSpec, SpecError> {
    let deserializer = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let message = with_suggestion(inner.message());
        let at = inner
            .span()
            .map(|span| {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        if key.is_empty() || key == "." {
            SpecError::Syntax {
                path: path.to_path_buf(),
                message: format!("{message}{at}"),
            }
        } else {
            SpecError::Invalid {
                path: path.to_path_buf(),
                key,
                message: format!("{message}{at}"),
            }
        }
    })
}

/// Adds "did you mean `lr`?" to serde's "unknown field `lrr`, expected one
/// of `epochs`, ..., `lr`" when a known key is a likely typo's target.
pub(crate) fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, known)) = rest.split_once('`') else {
        return message.to_string();
    };
    let closest = known
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (edit_distance(unknown, candidate), candidate))
        .min();
    match closest {
        Some((distance, candidate)) if distance <= (unknown.len() / 3).max(2) => {
            format!("{message}; did you mean `{candidate}`?")
        }
        _ => message.to_string(),
    }
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

struct Checker<'a> {
    path: &'a Path,
    base_dir: &'a Path,
}

impl Checker<'_> {
    fn invalid(&self, key: &str, message: String) -> SpecError {
        SpecError::Invalid {
            path: self.path.to_path_buf(),
            key: key.to_string(),
            message,
        }
    }

    fn name(&self, key: &str, name: &str) -> Result<(), SpecError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        let problem = if name.is_empty() {
            Some("is empty")
        } else if name.len() > MAX_NAME_LEN {
            Some("is longer than 100 characters")
        } else if name.starts_with('.') {
            Some("starts with a dot")
        } else if !name.chars().all(allowed) {
            Some("has characters other than A-Z a-z 0-9 . _ -")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(self.invalid(
                key,
                format!(
                    "`{name}` {problem}; a name becomes a folder, so it must match \
                     [A-Za-z0-9._-]+ and not start with a dot"
                ),
            )),
            None => Ok(()),
        }
    }

    fn seed(&self, key: &str, seed: Option<i64>) -> Result<Option<u64>, SpecError> {
        seed.map(|s| {
            u64::try_from(s)
                .map_err(|_| self.invalid(key, format!("{s} is negative; a seed is 0 or more")))
        })
        .transpose()
    }

    fn int(
        &self,
        key: &str,
        value: Option<i64>,
        min: i64,
        max: i64,
    ) -> Result<Option<usize>, SpecError> {
        match value {
            Some(v) if v < min || v > max => {
                Err(self.invalid(key, format!("{v} is out of range; allowed: {min}..={max}")))
            }
            Some(v) => Ok(Some(v as usize)),
            None => Ok(None),
        }
    }

    fn real(&self, key: &str, value: f64, min_exclusive: f64, max: f64) -> Result<f64, SpecError> {
        if value.is_finite() && value > min_exclusive && value <= max {
            Ok(value)
        } else {
            Err(self.invalid(
                key,
                format!("{value} is out of range; allowed: greater than {min_exclusive} and at most {max}"),
            ))
        }
    }

    fn choice<T: Copy>(
        &self,
        key: &str,
        value: Option<&str>,
        default: T,
        options: &[(&str, T)],
    ) -> Result<T, SpecError> {
        let Some(value) = value else {
            return Ok(default);
        };
        options
            .iter()
            .find(|(name, _)| *name == value)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                self.invalid(
                    key,
                    format!("\"{value}\" is not one of {}", names.join(", ")),
                )
            })
    }

    fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    fn data(&self, raw: RawData) -> Result<DataConfig, SpecError> {
        let source = match raw.source.as_deref().unwrap_or("mnist") {
            "mnist" => {
                for (key, set) in [
                    ("data.train", raw.train.is_some()),
                    ("data.test", raw.test.is_some()),
                ] {
                    if set {
                        return Err(self.invalid(
                            key,
                            "is only for source = \"csv\"; MNIST uses data.dir".into(),
                        ));
                    }
                }
                DataSource::Mnist {
                    dir: raw.dir.as_deref().map(|d| self.path(d)),
                }
            }
            "csv" => {
                if raw.dir.is_some() {
                    return Err(self.invalid(
                        "data.dir",
                        "is only for source = \"mnist\"; CSV uses data.train and data.test".into(),
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
                    format!("\"{other}\" is not one of \"mnist\", \"csv\""),
                ))
            }
        };
        Ok(DataConfig {
            source,
            limit: self.int("data.limit", raw.limit, 1, i64::from(u32::MAX))?,
            validation: self
                .int("data.validation", raw.validation, 0, i64::from(u32::MAX))?
                .unwrap_or(DEFAULT_VALIDATION),
        })
    }

    /// Validates one run: `s` is its merged sections, `origins` says where
    /// each key it sets was written.
    fn run(
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
                ("pca", ModelKind::Pca),
            ],
        )?;
        let latent_key = key("model.latent");
        let latent = self
            .int(&latent_key, m.latent, 1, 784 * 784)?
            .unwrap_or(DEFAULT_LATENT);
        if kind == ModelKind::Autoencoder && !LATENT_SIZES.contains(&latent) {
            return Err(self.invalid(
                &latent_key,
                format!("{latent} is not a compiled autoencoder latent size; compiled: {LATENT_SIZES:?}"),
            ));
        }
        let hidden_key = key("model.hidden");
        let hidden = self
            .int(&hidden_key, m.hidden, 1, 65_536)?
            .unwrap_or(DEFAULT_HIDDEN);
        if kind == ModelKind::Autoencoder && !HIDDEN_SIZES.contains(&hidden) {
            return Err(self.invalid(
                &hidden_key,
                format!("{hidden} is not a compiled hidden size; compiled: {HIDDEN_SIZES:?}"),
            ));
        }

        let t = s.train.unwrap_or_default();
        let optimizer = self.choice(
            &key("train.optimizer"),
            t.optimizer.as_deref(),
            OptimizerName::Adam,
            &[("sgd", OptimizerName::Sgd), ("adam", OptimizerName::Adam)],
        )?;
        let default_lr = match optimizer {
            OptimizerName::Sgd => 0.01,
            OptimizerName::Adam => 0.001,
        };
        let train = TrainConfig {
            epochs: self
                .int(&key("train.epochs"), t.epochs, 1, MAX_EPOCHS)?
                .unwrap_or(DEFAULT_EPOCHS),
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
        };

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
        let en = e.noise.unwrap_or_default();
        let eval_kind = self.noise_kind(
            &key("eval.noise.kind"),
            en.kind.as_deref(),
            NoiseKind::Gaussian,
        )?;
        let eval = EvalConfig {
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
            },
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
            sweep: unit.sweep,
            data: data.clone(),
            model: ModelConfig {
                kind,
                latent,
                hidden,
            },
            train,
            noise,
            eval,
        })
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
