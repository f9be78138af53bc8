//! TOML into the raw spec types, with serde's errors turned into spec
//! errors that name the key and line, and "did you mean" for unknown keys.

use std::path::Path;

use crate::raw::RawSpec;
use crate::SpecError;

pub(crate) fn deserialize(path: &Path, text: &str) -> Result<RawSpec, SpecError> {
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
    match closest(unknown, known.split('`').skip(1).step_by(2)) {
        Some(candidate) => format!("{message}; did you mean `{candidate}`?"),
        None => message.to_string(),
    }
}

/// The candidate closest to `unknown`, if it is a likely typo of it.
pub(crate) fn closest<'a>(
    unknown: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|candidate| (edit_distance(unknown, candidate), candidate))
        .min()
        .filter(|(distance, _)| *distance <= (unknown.len() / 3).max(2))
        .map(|(_, candidate)| candidate)
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
