//! Expansion of a spec into runs: `[[variant]]`s over the base sections,
//! sweeps (the cartesian product of `[sweep]` lists, the experiment's and a
//! variant's own), and command-line overrides (`--set key=value`, applied
//! last, to every run). Also where each key of a run was written, so errors
//! point at it.

use std::collections::HashMap;
use std::path::Path;

use crate::raw::RawOverride;
use crate::SpecError;

/// Most runs one spec may expand to.
pub const MAX_RUNS: usize = 1_000;

/// `key = value`, the key dotted (`train.lr`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    pub key: String,
    pub value: toml::Value,
}

fn invalid(path: &Path, key: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError::Invalid {
        path: path.to_path_buf(),
        key: key.into(),
        message: message.into(),
    }
}

/// Parses `--set key=value`; the value is read as TOML (`0.1`, `true`,
/// `"x"`), or else taken as a bare string (`sgd`, `salt-pepper`).
pub(crate) fn parse_set(path: &Path, text: &str) -> Result<Assignment, SpecError> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(invalid(
            path,
            format!("--set {text}"),
            "expected key=value, e.g. --set train.lr=0.1",
        ));
    };
    let key = key.trim().to_string();
    let value = value.trim();
    let value = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    Ok(Assignment { key, value })
}

/// The axes of a sweep table: each dotted key (written quoted,
/// `"noise.level" = [...]`, or as nested tables) with its list of values.
pub(crate) fn sweep_axes(
    path: &Path,
    prefix: &str,
    table: Option<&toml::Table>,
) -> Result<Vec<(String, Vec<toml::Value>)>, SpecError> {
    let leaves = table.map(flatten_toml).unwrap_or_default();
    leaves
        .into_iter()
        .map(|(key, value)| {
            let fail = |message: String| Err(invalid(path, format!("{prefix}.{key}"), message));
            match value {
                toml::Value::Array(values) if values.is_empty() => {
                    fail("the list of values is empty".into())
                }
                toml::Value::Array(values) => {
                    match values
                        .iter()
                        .enumerate()
                        .find(|(i, a)| values[..*i].contains(a))
                    {
                        Some((_, twice)) => fail(format!("{twice} is listed twice")),
                        None => Ok((key, values)),
                    }
                }
                other => fail(format!(
                    "a sweep needs a list of values, e.g. [0.1, 0.5], not {other}"
                )),
            }
        })
        .collect()
}

/// How many runs `axes` expand to (saturating).
pub(crate) fn count(axes: &[(String, Vec<toml::Value>)]) -> usize {
    axes.iter()
        .fold(1usize, |n, (_, v)| n.saturating_mul(v.len()))
}

/// Every combination of one value per axis, first axis slowest.
pub(crate) fn combinations(axes: &[(String, Vec<toml::Value>)]) -> Vec<Vec<Assignment>> {
    let mut out = vec![Vec::new()];
    for (key, values) in axes {
        out = out
            .into_iter()
            .flat_map(|prefix: Vec<Assignment>| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(Assignment {
                        key: key.clone(),
                        value: v.clone(),
                    });
                    next
                })
            })
            .collect();
    }
    out
}

/// Turns assignments into a typed override; unknown keys and wrong types
/// are errors naming `where_` and the key.
pub(crate) fn to_override(
    path: &Path,
    where_: &str,
    assignments: &[Assignment],
) -> Result<RawOverride, SpecError> {
    let mut root = toml::Table::new();
    for a in assignments {
        let mut table = &mut root;
        let parts: Vec<&str> = a.key.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            let entry = table
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = match entry {
                toml::Value::Table(t) => t,
                _ => {
                    return Err(invalid(
                        path,
                        format!("{where_} {}", a.key),
                        "conflicts with another key",
                    ))
                }
            };
        }
        table.insert(parts[parts.len() - 1].to_string(), a.value.clone());
    }
    serde_path_to_error::deserialize(toml::Value::Table(root)).map_err(|e| {
        let key = e.path().to_string();
        let message = crate::deserialize::with_suggestion(&e.into_inner().to_string());
        invalid(path, format!("{where_} {key}"), message)
    })
}

/// A value as it appears in a run name: `0.3`, `adam`, `true`, and a
/// list as its items joined by `-` (`model.layers=256-64`), so that the
/// name stays a plain folder name.
pub(crate) fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("-"),
        other => other.to_string(),
    }
}

/// `.noise.level=0.3.train.lr=0.001` for a sweep point.
pub(crate) fn suffix(point: &[Assignment]) -> String {
    point
        .iter()
        .map(|a| format!(".{}={}", a.key, value_text(&a.value)))
        .collect()
}

/// The leaves of `table` as `(dotted.key, value)`, in table order.
pub fn flatten_toml(table: &toml::Table) -> Vec<(String, toml::Value)> {
    fn walk(table: &toml::Table, at: &str, out: &mut Vec<(String, toml::Value)>) {
        for (k, v) in table {
            let key = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match v {
                toml::Value::Table(inner) => walk(inner, &key, out),
                leaf => out.push((key, leaf.clone())),
            }
        }
    }
    let mut out = Vec::new();
    walk(table, "", &mut out);
    out
}

/// Where each key of a run was written: absent keys come from the base
/// sections and are reported as written there.
#[derive(Debug, Default, Clone)]
pub(crate) struct Origins(HashMap<String, String>);

impl Origins {
    /// Records `keys` as written at `at` (`variant[1]`, `sweep`, `--set`);
    /// later calls take precedence.
    pub fn set(&mut self, keys: impl IntoIterator<Item = String>, at: &str) {
        for k in keys {
            let shown = match at.split_once(' ') {
                _ if at.starts_with("--") => format!("{at} {k}"),
                // "sweep (run `x`)" -> "sweep.train.lr (run `x`)"
                Some((table, note)) => format!("{table}.{k} {note}"),
                None => format!("{at}.{k}"),
            };
            self.0.insert(k, shown);
        }
    }

    /// The key as the user wrote it.
    pub fn key(&self, key: &str) -> String {
        self.0.get(key).cloned().unwrap_or_else(|| key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_products_and_names() {
        let axes = vec![
            (
                "noise.kind".to_string(),
                vec!["gaussian".into(), "masking".into()],
            ),
            (
                "noise.level".to_string(),
                vec![
                    toml::Value::Float(0.1),
                    toml::Value::Float(0.5),
                    toml::Value::Float(0.9),
                ],
            ),
        ];
        let points = combinations(&axes);
        assert_eq!(points.len(), 6);
        assert_eq!(count(&axes), 6);
        assert_eq!(suffix(&points[0]), ".noise.kind=gaussian.noise.level=0.1");
        assert_eq!(suffix(&points[5]), ".noise.kind=masking.noise.level=0.9");
        assert_eq!(combinations(&[]), vec![Vec::new()]);
    }

    #[test]
    fn set_values_parse_as_toml_or_strings() {
        let p = Path::new("s.toml");
        assert_eq!(
            parse_set(p, "train.lr=0.1").unwrap().value,
            toml::Value::Float(0.1)
        );
        assert_eq!(
            parse_set(p, "train.epochs = 3").unwrap().value,
            toml::Value::Integer(3)
        );
        assert_eq!(
            parse_set(p, "noise.kind=salt-pepper").unwrap().value,
            toml::Value::String("salt-pepper".into())
        );
        let error = parse_set(p, "train.lr").unwrap_err().to_string();
        assert!(error.contains("expected key=value"), "{error}");
    }
}
