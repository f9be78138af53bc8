//! The checks every spec field goes through: names, seeds, integer and
//! real ranges, choices from a list, paths relative to the spec. Each
//! failure is a [`SpecError::Invalid`] naming the file and the key.

use std::path::{Path, PathBuf};

use crate::deserialize::closest;
use crate::SpecError;

/// The longest experiment or variant name.
const MAX_NAME_LEN: usize = 100;

pub(crate) struct Checker<'a> {
    pub(crate) path: &'a Path,
    pub(crate) base_dir: &'a Path,
}

impl Checker<'_> {
    pub(crate) fn invalid(&self, key: &str, message: String) -> SpecError {
        SpecError::Invalid {
            path: self.path.to_path_buf(),
            key: key.to_string(),
            message,
        }
    }

    pub(crate) fn name(&self, key: &str, name: &str) -> Result<(), SpecError> {
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

    pub(crate) fn seed(&self, key: &str, seed: Option<i64>) -> Result<Option<u64>, SpecError> {
        seed.map(|s| {
            u64::try_from(s)
                .map_err(|_| self.invalid(key, format!("{s} is negative; a seed is 0 or more")))
        })
        .transpose()
    }

    pub(crate) fn int(
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

    pub(crate) fn real(
        &self,
        key: &str,
        value: f64,
        min_exclusive: f64,
        max: f64,
    ) -> Result<f64, SpecError> {
        if value.is_finite() && value > min_exclusive && value <= max {
            Ok(value)
        } else {
            Err(self.invalid(
                key,
                format!("{value} is out of range; allowed: greater than {min_exclusive} and at most {max}"),
            ))
        }
    }

    pub(crate) fn choice<T: Copy>(
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
                let suggestion = closest(value, options.iter().map(|(n, _)| *n))
                    .map(|n| format!("; did you mean \"{n}\"?"))
                    .unwrap_or_default();
                self.invalid(
                    key,
                    format!("\"{value}\" is not one of {}{suggestion}", names.join(", ")),
                )
            })
    }

    pub(crate) fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}
