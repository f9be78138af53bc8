//! The comparison of an experiment's runs, shared by the CSV, Markdown and
//! HTML renderings: which settings differ, each metric's best run, and the
//! sentences that say who won and by how much.

use aelab_archive::{Figure, RunStatus, Summary};

use crate::metrics::{Better, Group, Metric, METRICS};

/// One run as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub name: String,
    /// The resolved config as dotted keys and values, in a stable order.
    pub settings: Vec<(String, String)>,
    pub summary: Summary,
    pub figures: Vec<Figure>,
}

/// What a report is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub title: String,
    pub description: Option<String>,
    /// Provenance lines (archive, git revision, data checksums, ...).
    pub provenance: Vec<(String, String)>,
    pub runs: Vec<RunReport>,
    /// Experiment-level figures (comparisons, the PCA view of the data).
    pub figures: Vec<Figure>,
    /// The linear baseline's embedding quality, shown beside the runs'.
    pub baseline: Option<Baseline>,
}

/// Embedding quality of a reference that is not a run (PCA codes of the
/// same width as the runs' codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub label: String,
    pub latent_knn5_acc: f64,
    pub latent_trust5: f64,
}

/// Settings never listed as differences: they differ by construction.
const IDENTITY_KEYS: [&str; 3] = ["name", "experiment", "description"];

pub(crate) struct Comparison<'a> {
    pub input: &'a ReportInput,
    /// Setting keys whose values differ between runs (or, for a single run,
    /// the main ones).
    pub setting_keys: Vec<String>,
    /// Metrics with at least one value, and the index of their best run.
    pub metrics: Vec<(&'static Metric, Option<usize>)>,
    pub verdicts: Vec<String>,
    /// One paragraph: who leads overall, on how many metrics.
    pub overview: String,
    /// The two runs compared side by side: the baseline (the first run) and
    /// the run that wins most quality metrics among the others.
    pub pair: Option<(usize, usize)>,
}

impl<'a> Comparison<'a> {
    pub fn new(input: &'a ReportInput) -> Self {
        let summaries: Vec<&Summary> = input.runs.iter().map(|r| &r.summary).collect();
        let metrics: Vec<(&'static Metric, Option<usize>)> = METRICS
            .iter()
            .filter(|m| summaries.iter().any(|s| (m.value)(s).is_some()))
            .map(|m| (m, m.best(&summaries)))
            .collect();
        let verdicts = metrics
            .iter()
            .filter_map(|(m, _)| verdict(m, input))
            .collect();
        let wins = wins(input, &metrics);
        let pair = (input.runs.len() >= 2)
            .then(|| {
                (1..input.runs.len())
                    .max_by_key(|&i| (wins[i], std::cmp::Reverse(i)))
                    .map(|i| (0, i))
            })
            .flatten();
        Comparison {
            input,
            setting_keys: setting_keys(input),
            overview: overview(input, &metrics, &wins),
            metrics,
            verdicts,
            pair,
        }
    }

    /// Metrics of `group` that some run has.
    pub fn group(&self, group: Group) -> impl Iterator<Item = &(&'static Metric, Option<usize>)> {
        self.metrics.iter().filter(move |(m, _)| m.group == group)
    }

    /// Each metric of runs `a` and `b`, and how `b` differs from `a`
    /// ("-50.0%, better").
    pub fn pair_rows(
        &self,
        a: usize,
        b: usize,
    ) -> Vec<(&'static Metric, Option<f64>, Option<f64>, String)> {
        let (sa, sb) = (&self.input.runs[a].summary, &self.input.runs[b].summary);
        self.metrics
            .iter()
            .map(|(m, _)| {
                let (va, vb) = ((m.value)(sa), (m.value)(sb));
                let change = match (va, vb) {
                    (Some(x), Some(y)) if x.is_finite() && y.is_finite() && x != 0.0 => {
                        let better = match m.better {
                            Better::Lower => y < x,
                            Better::Higher => y > x,
                        };
                        let verdict = if x == y {
                            "same"
                        } else if better {
                            "better"
                        } else {
                            "worse"
                        };
                        {
                            let percent = 100.0 * (y - x) / x.abs();
                            let decimals = if percent.abs() < 1.0 { 2 } else { 1 };
                            format!("{percent:+.decimals$}%, {verdict}")
                        }
                    }
                    _ => "–".to_string(),
                };
                (*m, va, vb, change)
            })
            .collect()
    }

    pub fn setting(&self, run: &RunReport, key: &str) -> String {
        run.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "–".to_string())
    }

    /// The comparison as `comparison.csv`: one row per run, its status, the
    /// settings that differ and every metric.
    pub fn csv(&self) -> Result<Vec<u8>, String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["run".to_string(), "status".to_string()];
        header.extend(self.setting_keys.iter().cloned());
        header.extend(self.metrics.iter().map(|(m, _)| m.key.to_string()));
        w.write_record(&header).map_err(|e| e.to_string())?;
        for run in &self.input.runs {
            let mut row = vec![run.name.clone(), status_text(&run.summary)];
            row.extend(self.setting_keys.iter().map(|k| self.setting(run, k)));
            row.extend(self.metrics.iter().map(|(m, _)| {
                (m.value)(&run.summary)
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            }));
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    }
}

/// How many quality metrics each run is best at.
fn wins(input: &ReportInput, metrics: &[(&'static Metric, Option<usize>)]) -> Vec<usize> {
    let mut wins = vec![0; input.runs.len()];
    for (m, best) in metrics {
        if let (true, Some(i)) = (m.is_quality(), best) {
            wins[*i] += 1;
        }
    }
    wins
}

/// "Of 3 runs, `dae-adam` is best on 6 of 10 quality metrics, `ae-adam` on
/// 4." plus failures.
fn overview(
    input: &ReportInput,
    metrics: &[(&'static Metric, Option<usize>)],
    wins: &[usize],
) -> String {
    let quality = metrics
        .iter()
        .filter(|(m, best)| m.is_quality() && best.is_some())
        .count();
    let mut ranked: Vec<(usize, usize)> = wins
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, w)| w > 0)
        .collect();
    ranked.sort_by_key(|&(i, w)| (std::cmp::Reverse(w), i));
    let mut text = format!("{} run(s).", input.runs.len());
    if let Some(&(first, w)) = ranked.first() {
        text = format!(
            "Of {} runs, `{}` is best on {w} of {quality} quality metrics",
            input.runs.len(),
            input.runs[first].name
        );
        for &(i, w) in &ranked[1..] {
            text.push_str(&format!(", `{}` on {w}", input.runs[i].name));
        }
        text.push('.');
    }
    let troubled: Vec<String> = input
        .runs
        .iter()
        .filter(|r| r.summary.status != Some(RunStatus::Ok))
        .map(|r| format!("`{}` {}", r.name, status_text(&r.summary)))
        .collect();
    if !troubled.is_empty() {
        text.push_str(&format!(" Not finished normally: {}.", troubled.join("; ")));
    }
    text
}

/// "ok", "diverged at epoch 3, step 120" or "failed: why".
pub(crate) fn status_text(summary: &Summary) -> String {
    match (summary.status, summary.diverged_at, &summary.error) {
        (Some(RunStatus::Diverged), Some(d), _) => {
            format!("diverged at epoch {}, step {}", d.epoch, d.step)
        }
        (Some(RunStatus::Failed), _, Some(e)) => format!("failed: {e}"),
        (Some(status), _, _) => status.name().to_string(),
        (None, _, _) => "pending".to_string(),
    }
}

fn setting_keys(input: &ReportInput) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for run in &input.runs {
        for (k, _) in &run.settings {
            if !keys.contains(k) && !IDENTITY_KEYS.contains(&k.as_str()) {
                keys.push(k.clone());
            }
        }
    }
    if input.runs.len() < 2 {
        const MAIN: [&str; 6] = [
            "model.kind",
            "model.latent",
            "train.optimizer",
            "train.lr",
            "noise.kind",
            "noise.level",
        ];
        return keys
            .into_iter()
            .filter(|k| MAIN.contains(&k.as_str()))
            .collect();
    }
    keys.into_iter()
        .filter(|k| {
            let mut values = input
                .runs
                .iter()
                .map(|r| r.settings.iter().find(|(rk, _)| rk == k).map(|(_, v)| v));
            let first = values.next().flatten();
            values.any(|v| v != first)
        })
        .collect()
}

/// "test MSE: `dae` is best at 0.0183, 70.1% lower than `ae` (0.0612)".
fn verdict(metric: &Metric, input: &ReportInput) -> Option<String> {
    let mut ranked: Vec<(&str, f64)> = input
        .runs
        .iter()
        .filter_map(|r| {
            (metric.value)(&r.summary)
                .filter(|v| v.is_finite())
                .map(|v| (r.name.as_str(), v))
        })
        .collect();
    ranked.sort_by(|a, b| match metric.better {
        Better::Lower => a.1.total_cmp(&b.1),
        Better::Higher => b.1.total_cmp(&a.1),
    });
    let (best, best_value) = *ranked.first()?;
    let Some(&(second, second_value)) = ranked.get(1) else {
        return Some(format!(
            "{}: `{best}` {}",
            metric.label,
            metric.format(Some(best_value))
        ));
    };
    let direction = match metric.better {
        Better::Lower => "lower",
        Better::Higher => "higher",
    };
    let lead = if second_value != 0.0 {
        let percent = 100.0 * (best_value - second_value).abs() / second_value.abs();
        let decimals = if percent < 1.0 { 2 } else { 1 };
        format!("{percent:.decimals$}% {direction}")
    } else {
        direction.to_string()
    };
    Some(format!(
        "{}: `{best}` is best at {}, {lead} than `{second}` ({})",
        metric.label,
        metric.format(Some(best_value)),
        metric.format(Some(second_value)),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> ReportInput {
        let run = |name: &str, lr: &str, mse: f64, acc: Option<f64>| RunReport {
            name: name.into(),
            settings: vec![
                ("name".into(), name.into()),
                ("train.lr".into(), lr.into()),
                ("train.epochs".into(), "30".into()),
            ],
            summary: Summary {
                run: name.into(),
                status: Some(RunStatus::Ok),
                test_mse: Some(mse),
                latent_knn5_acc: acc,
                ..Summary::default()
            },
            figures: vec![Figure {
                path: format!("runs/{name}/loss.png"),
                caption: "Loss <per> epoch".into(),
            }],
        };
        ReportInput {
            title: "dae <script>alert(1)</script>".into(),
            description: Some("AE & DAE".into()),
            provenance: vec![("git".into(), "abc".into())],
            runs: vec![
                run("ae", "1.5", 0.02, Some(0.97)),
                run("dae", "0.001", 0.01, None),
            ],
            figures: vec![],
            baseline: Some(Baseline {
                label: "PCA 30".into(),
                latent_knn5_acc: 0.95,
                latent_trust5: 0.9,
            }),
        }
    }

    #[test]
    fn differing_settings_best_values_and_verdicts() {
        let input = sample();
        let c = Comparison::new(&input);
        assert_eq!(c.setting_keys, vec!["train.lr".to_string()]);
        let mse = c.metrics.iter().find(|(m, _)| m.key == "test_mse").unwrap();
        assert_eq!(mse.1, Some(1));
        assert!(
            c.verdicts
                .iter()
                .any(|v| v == "test MSE: `dae` is best at 0.0100, 50.0% lower than `ae` (0.0200)"),
            "{:?}",
            c.verdicts
        );
        assert!(
            !c.metrics.iter().any(|(m, _)| m.key == "test_bce"),
            "metrics no run has are left out"
        );
        let csv = String::from_utf8(c.csv().unwrap()).unwrap();
        assert_eq!(
            csv.lines().next().unwrap(),
            "run,status,train.lr,test_mse,latent_knn5_acc"
        );
        assert_eq!(csv.lines().nth(2).unwrap(), "dae,ok,0.001,0.01,");
        assert_eq!(c.pair, Some((0, 1)));
        assert_eq!(
            c.overview,
            "Of 2 runs, `ae` is best on 1 of 2 quality metrics, `dae` on 1."
        );
    }
}
