//! From the spec's text to the checked [`Experiment`]: the variants and
//! sweeps become runs, each checked by [`Checker`](crate::checker); the
//! first failure names the file and the key.

use std::collections::HashSet;
use std::path::Path;

use crate::checker::Checker;
use crate::config::*;
use crate::deserialize::deserialize;
use crate::expand;
use crate::raw::{Overlay, RawData, RawSections};
use crate::SpecError;

/// The seed of a spec that names none.
const DEFAULT_SEED: u64 = 42;
/// The most runs per configuration that `repeats` may ask for.
const MAX_REPEATS: i64 = 100;

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
        let mut assignments = overrides
            .iter()
            .map(|o| expand::parse_set(path, o))
            .collect::<Result<Vec<_>, _>>()?;
        // `--set search.method=random` edits the [search] table itself.
        let mut search_table = raw.search.clone();
        for a in assignments.iter().filter(|a| a.key.starts_with("search.")) {
            let setting = &a.key["search.".len()..];
            let table = search_table.get_or_insert_with(toml::Table::new);
            table.insert(setting.to_string(), a.value.clone());
        }
        assignments.retain(|a| !a.key.starts_with("search."));
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

        let base_repeats = check
            .int(
                &set_key("repeats"),
                set.repeats.or(raw.repeats),
                1,
                MAX_REPEATS,
            )?
            .unwrap_or(1);

        // The units a sweep multiplies: the variants, or the base alone.
        struct Unit {
            name: String,
            description: Option<String>,
            seed: Option<i64>,
            repeats: usize,
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
                repeats: base_repeats,
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
            let repeats = match set.repeats {
                Some(_) => base_repeats,
                None => check
                    .int(&format!("{at}.repeats"), variant.repeats, 1, MAX_REPEATS)?
                    .unwrap_or(base_repeats),
            };
            units.push(Unit {
                name: variant.name.clone(),
                description: variant.description.clone().or_else(|| description.clone()),
                seed: variant.seed,
                repeats,
                sections: variant.sections(),
                at: Some(at),
                keys,
                sweep,
                own_sweep,
            });
        }
        let all_swept: Vec<String> = units
            .iter()
            .flat_map(|u| u.sweep.iter().map(|(k, _)| k.clone()))
            .collect();
        let search = search_table
            .as_ref()
            .map(|t| crate::search::parse(&check, t, &all_swept))
            .transpose()?;
        let trials = match &search {
            Some(search) => crate::search::draw(search, base_seed),
            None => vec![Vec::new()],
        };
        let (limit, limit_key) = match &search {
            Some(_) => (crate::search::MAX_TRIALS as usize, "search.trials"),
            None => (expand::MAX_RUNS, "sweep"),
        };
        let total: usize = units
            .iter()
            .map(|u| {
                expand::count(&u.sweep)
                    .saturating_mul(u.repeats)
                    .saturating_mul(trials.len())
            })
            .fold(0, usize::saturating_add);
        if total > limit {
            return Err(check.invalid(
                limit_key,
                format!(
                    "the spec expands to {total} runs, more than the limit of {limit}; sweep fewer values, search fewer trials or repeat less"
                ),
            ));
        }
        let trial_width = trials.len().to_string().len();

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
            if let Some(search) = &search {
                // Every value a distribution can give must pass the checks.
                for (key, distribution) in &search.space {
                    for value in distribution.extremes() {
                        let point = [expand::Assignment {
                            key: key.clone(),
                            value,
                        }];
                        let at = format!("search.{key}");
                        let drawn =
                            expand::to_override(path, &at, &point).map_err(|e| match e {
                                SpecError::Invalid { path, message, .. } => SpecError::Invalid {
                                    path,
                                    key: at.clone(),
                                    message,
                                },
                                other => other,
                            })?;
                        if drawn.name.is_some()
                            || drawn.description.is_some()
                            || drawn.data.is_some()
                            || drawn.repeats.is_some()
                        {
                            return Err(check.invalid(&at, "name, description, data and repeats cannot be searched; allowed: keys of model, train, noise, eval, and seed".into()));
                        }
                        let mut origins = origins.clone();
                        origins.set([key.clone()], "search");
                        let sections = base
                            .clone()
                            .overlay(unit.sections.clone())
                            .overlay(drawn.sections());
                        let probe = RunUnit {
                            experiment: name.clone(),
                            name: unit.name.clone(),
                            description: None,
                            seed: base_seed,
                            variant: unit.name.clone(),
                            group: unit.name.clone(),
                            sweep: Vec::new(),
                            trial: None,
                        };
                        check.run(probe, &data, sections, &origins)?;
                    }
                }
            }
            for (grid, trial) in expand::combinations(&unit.sweep)
                .into_iter()
                .flat_map(|p| trials.iter().enumerate().map(move |t| (p.clone(), t)))
            {
                let (trial_index, drawn) = trial;
                let trial_suffix = match &search {
                    Some(_) => format!(".trial={trial_index:0trial_width$}"),
                    None => String::new(),
                };
                let mut point = grid.clone();
                point.extend(drawn.iter().cloned());
                // Runs that differ only in seed form a group, named without it.
                let without_seed: Vec<expand::Assignment> =
                    grid.iter().filter(|a| a.key != "seed").cloned().collect();
                let group = format!(
                    "{}{}{trial_suffix}",
                    unit.name,
                    expand::suffix(&without_seed)
                );
                let run_name = format!("{}{}{trial_suffix}", unit.name, expand::suffix(&grid));
                let where_ = format!("sweep (run `{run_name}`)");
                let swept_values = expand::to_override(path, &where_, &point)?;
                let other_data = swept_values
                    .data
                    .as_ref()
                    .is_some_and(RawData::sets_more_than_normal_class);
                if swept_values.name.is_some() || swept_values.description.is_some() || other_data {
                    return Err(check.invalid(
                        &where_,
                        "name, description and data cannot be swept: the runs of an experiment share their data (data.normal_class alone may be swept)".into(),
                    ));
                }
                let mut origins = origins.clone();
                for a in &point {
                    let table = match (&unit.at, unit.own_sweep.contains(&a.key)) {
                        _ if drawn.iter().any(|d| d.key == a.key) => "search".to_string(),
                        (Some(at), true) => format!("{at}.sweep"),
                        _ => "sweep".to_string(),
                    };
                    origins.set([a.key.clone()], &format!("{table} (run `{run_name}`)"));
                }
                origins.set(set_keys.iter().cloned(), "--set");
                if swept_values.repeats.is_some() {
                    return Err(check.invalid(
                        &where_,
                        "repeats cannot be swept; set it at the top of the spec or in a variant"
                            .into(),
                    ));
                }
                let seed_key = origins.key("seed");
                let seed = check
                    .seed(&seed_key, set.seed.or(swept_values.seed).or(unit.seed))?
                    .unwrap_or(base_seed);
                if unit.repeats > 1 && swept_values.seed.is_some() {
                    return Err(check.invalid(
                        &origins.key("repeats"),
                        "repeats and a sweep of seed both choose the seeds; use one of them".into(),
                    ));
                }
                let run_data = match swept_values.data.as_ref().and_then(|d| d.normal_class) {
                    None => data.clone(),
                    Some(class) => DataConfig {
                        normal_class: check.normal_class(
                            &origins.key("data.normal_class"),
                            Some(class),
                            data.split,
                        )?,
                        ..data.clone()
                    },
                };
                let sections = base
                    .clone()
                    .overlay(unit.sections.clone())
                    .overlay(swept_values.sections())
                    .overlay(set.sections());
                let sweep: Vec<(String, String)> = point
                    .iter()
                    .map(|a| (a.key.clone(), expand::value_text(&a.value)))
                    .collect();
                for repeat in 0..unit.repeats as u64 {
                    // A run's config.toml records its seed, and TOML integers
                    // stop at i64::MAX: refuse here what could not be written.
                    let seed = seed
                        .checked_add(repeat)
                        .filter(|s| i64::try_from(*s).is_ok())
                        .ok_or_else(|| {
                            check.invalid(
                                &seed_key,
                                format!(
                                    "{seed} with repeats = {} gives seeds above {}, the largest a \
                                     config.toml can record; allowed: 0..={}",
                                    unit.repeats,
                                    i64::MAX,
                                    i64::MAX as u64 - (unit.repeats as u64 - 1)
                                ),
                            )
                        })?;
                    let repeat_name = match unit.repeats {
                        1 => run_name.clone(),
                        _ => format!("{run_name}.seed={seed}"),
                    };
                    let run_unit = RunUnit {
                        experiment: name.clone(),
                        name: repeat_name,
                        description: unit.description.clone(),
                        seed,
                        variant: unit.name.clone(),
                        group: group.clone(),
                        sweep: sweep.clone(),
                        trial: search.as_ref().map(|_| trial_index),
                    };
                    runs.push(check.run(run_unit, &run_data, sections.clone(), &origins)?);
                }
            }
        }
        let auto = if runs.len() <= AUTO_FULL_RUNS {
            EvalDetail::Full
        } else {
            EvalDetail::Light
        };
        for run in &mut runs {
            if run.eval.detail == EvalDetail::Auto {
                run.eval.detail = auto;
            }
        }
        if let Some(search) = &search {
            for (key, _) in &search.space {
                if !swept.contains(key) {
                    swept.push(key.clone());
                }
            }
            if search.method.has_rungs() {
                crate::search::check_rungs(&check, search, &runs)?;
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
            search,
        })
    }
}

/// Who a run is, before its settings are checked.
pub(crate) struct RunUnit {
    pub(crate) experiment: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) seed: u64,
    pub(crate) variant: String,
    pub(crate) group: String,
    pub(crate) sweep: Vec<(String, String)>,
    pub(crate) trial: Option<usize>,
}
