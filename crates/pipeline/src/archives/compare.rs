//! Two archives side by side (`cargo xtask compare`): runs matched by
//! name, the settings that differ and every metric with its change from A
//! to B (like `dvc exp diff`); with `check`, every difference in results
//! too.

use std::path::Path;

use aelab_archive::{Manifest, Summary};
use aelab_report::METRICS;

use crate::archives::reproduce::{compare_runs, Agreement};
use crate::reporting::report::flatten_table;
use crate::Result;

/// Where a run was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Both,
    OnlyA,
    OnlyB,
    /// Listed, but finished in neither.
    Neither,
}

/// One run of the two archives.
pub struct RunComparison {
    pub name: String,
    pub presence: Presence,
    /// `(key, value in A, value in B)` of the settings that differ.
    pub changed_settings: Vec<(String, String, String)>,
    /// `(metric label, A, B, change)`, formatted.
    pub metrics: Vec<(String, String, String, String)>,
    /// With `check`: every difference in results.
    pub differences: Vec<String>,
}

/// Compares the archives `a` and `b`; with `check`, also their results.
pub fn compare_archives(a: &Path, b: &Path, check: bool) -> Result<Vec<RunComparison>> {
    let (ma, mb) = (Manifest::read_archive(a)?, Manifest::read_archive(b)?);
    let mut names: Vec<String> = ma.runs.iter().map(|r| r.name.clone()).collect();
    for r in &mb.runs {
        if !names.contains(&r.name) {
            names.push(r.name.clone());
        }
    }
    let mut out = Vec::new();
    for name in names {
        let (ra, rb) = (finished_run(a, &name), finished_run(b, &name));
        let ((sa, ca), (sb, cb)) = match (ra, rb) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                out.push(RunComparison {
                    name,
                    presence: match (x.is_some(), y.is_some()) {
                        (true, false) => Presence::OnlyA,
                        (false, true) => Presence::OnlyB,
                        _ => Presence::Neither,
                    },
                    changed_settings: Vec::new(),
                    metrics: Vec::new(),
                    differences: Vec::new(),
                });
                continue;
            }
        };
        let differences = if check {
            let run = |archive: &Path| archive.join("runs").join(&name);
            compare_runs(&run(a), &run(b), Agreement::Bits)?
        } else {
            Vec::new()
        };
        let changed_settings = ca
            .iter()
            .filter_map(|(key, value)| {
                let other = cb
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("–");
                (other != value).then(|| (key.clone(), value.clone(), other.to_string()))
            })
            .collect();
        let metrics = METRICS
            .iter()
            .filter_map(|m| {
                let (va, vb) = ((m.value)(&sa), (m.value)(&sb));
                if va.is_none() && vb.is_none() {
                    return None;
                }
                let change = match (va, vb) {
                    (Some(x), Some(y)) if x.is_finite() && y.is_finite() && x != 0.0 => {
                        format!("{:+.2}%", 100.0 * (y - x) / x.abs())
                    }
                    _ => "–".to_string(),
                };
                Some((m.label.to_string(), m.format(va), m.format(vb), change))
            })
            .collect();
        out.push(RunComparison {
            name,
            presence: Presence::Both,
            changed_settings,
            metrics,
            differences,
        });
    }
    Ok(out)
}

/// A run's summary and flattened config, if it finished.
fn finished_run(archive: &Path, run: &str) -> Option<(Summary, Vec<(String, String)>)> {
    let dir = archive.join("runs").join(run);
    let summary = Summary::read(&dir.join("summary.json")).ok()?;
    let config: toml::Table = std::fs::read_to_string(dir.join("config.toml"))
        .ok()?
        .parse()
        .ok()?;
    Some((summary, flatten_table(&config)))
}
