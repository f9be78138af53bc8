//! The comparison of an experiment's runs, shared by the CSV, Markdown and
//! HTML renderings: which settings differ, each metric's best run, and the
//! sentences that say who won and by how much.

use aelab_archive::{Figure, RunStatus, Summary};

use crate::choice::Choice;
use crate::groups::{best_group, seed_groups, verdict, SeedGroup};
use crate::metrics::{Better, Group, Metric, METRICS};

/// One run as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub name: String,
    /// The seed group: runs with the same group differ only in seed.
    pub group: String,
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
    /// The linear probe's accuracy on the raw pixels, shown beside the
    /// runs' probes of their codes.
    pub pixel_probe_acc: Option<f64>,
    /// The search's section, when the spec has a `[search]`.
    pub search: Option<crate::SearchSection>,
}

/// Embedding quality of a reference that is not a run (PCA codes of the
/// same width as the runs' codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub label: String,
    pub latent_knn5_acc: f64,
    pub latent_trust5: f64,
}

/// One table of metrics.
pub(crate) struct MetricTable<'c> {
    pub group: Group,
    /// The HTML anchor.
    pub id: &'static str,
    pub title: &'static str,
    pub metrics: Vec<&'c (&'static Metric, Option<usize>)>,
}

/// A row of the configurations table.
pub(crate) struct GroupRow {
    pub name: String,
    /// Runs in the group (seeds).
    pub runs: usize,
    /// One cell per metric.
    pub cells: Vec<GroupCell>,
}

/// A metric of one configuration: `mean ± sd`, the t-based 95% interval of
/// the mean (empty for one run), and whether its mean is the best.
pub(crate) struct GroupCell {
    pub value: String,
    pub interval: String,
    pub best: bool,
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
    /// One paragraph: which configuration validation chose, and who leads
    /// on how many metrics.
    pub overview: String,
    /// The two runs compared side by side: the baseline (the first run) and
    /// the first run of the configuration chosen on validation (or, if that
    /// is the baseline's, of the runner-up).
    pub pair: Option<(usize, usize)>,
    /// The seed groups (runs that differ only in seed), in run order.
    pub groups: Vec<SeedGroup>,
    /// Whether some group has more than one run: then tables show each
    /// group's mean, standard deviation and 95% interval.
    pub repeated: bool,
}

impl<'a> Comparison<'a> {
    pub fn new(input: &'a ReportInput) -> Self {
        let summaries: Vec<&Summary> = input.runs.iter().map(|r| &r.summary).collect();
        let metrics: Vec<(&'static Metric, Option<usize>)> = METRICS
            .iter()
            .filter(|m| summaries.iter().any(|s| (m.value)(s).is_some()))
            .map(|m| (m, m.best(&summaries)))
            .collect();
        let groups = seed_groups(&input.runs);
        let verdicts = metrics
            .iter()
            .filter_map(|(m, _)| verdict(m, &groups, &input.runs))
            .collect();
        let chosen = Choice::for_runs(summaries.iter().copied())
            .map(Choice::metric)
            .and_then(|m| Some((m, best_group(m, &groups, &input.runs)?)));
        let wins = wins(input, &metrics, &groups);
        let pair = chosen.and_then(|(metric, g)| {
            let baseline_group = groups.iter().position(|gr| gr.members.contains(&0))?;
            let pick = if g != baseline_group {
                g
            } else {
                // The runner-up on the same validation metric.
                crate::groups::ranked(metric, &groups, &input.runs)
                    .get(1)?
                    .0
            };
            Some((0, groups[pick].members[0]))
        });
        Comparison {
            input,
            setting_keys: setting_keys(input),
            overview: overview(input, &metrics, &wins, &groups, chosen),
            metrics,
            verdicts,
            pair,
            repeated: groups.iter().any(|g| g.members.len() > 1),
            groups,
        }
    }

    /// The metric tables in page order (reconstruction, embedding quality,
    /// the tasks),
    /// each with an anchor, a title and the metrics some run has; tables
    /// without any are left out.
    pub fn tables(&self) -> Vec<MetricTable<'_>> {
        [
            (Group::Reconstruction, "reconstruction", "Reconstruction"),
            (Group::Embedding, "embedding", "Embedding quality"),
            (Group::Tasks, "tasks", "What the codes are for"),
        ]
        .into_iter()
        .map(|(group, id, title)| MetricTable {
            group,
            id,
            title,
            metrics: self.group(group).collect(),
        })
        .filter(|t| !t.metrics.is_empty())
        .collect()
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

    /// The configurations table of `metrics`, one row per seed group.
    pub fn group_rows(&self, metrics: &[&(&'static Metric, Option<usize>)]) -> Vec<GroupRow> {
        let best: Vec<Option<usize>> = metrics
            .iter()
            .map(|(m, _)| best_group(m, &self.groups, &self.input.runs))
            .collect();
        self.groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let cells = metrics
                    .iter()
                    .zip(&best)
                    .map(|((m, _), best)| {
                        match crate::groups::group_spread(m, group, &self.input.runs) {
                            Some(s) => GroupCell {
                                value: crate::groups::mean_sd(m, &s),
                                interval: s.ci95.map_or(String::new(), |(lo, hi)| {
                                    format!("[{}, {}]", m.format(Some(lo)), m.format(Some(hi)))
                                }),
                                best: *best == Some(g),
                            },
                            None => GroupCell {
                                value: "–".to_string(),
                                interval: String::new(),
                                best: false,
                            },
                        }
                    })
                    .collect();
                GroupRow {
                    name: group.name.clone(),
                    runs: group.members.len(),
                    cells,
                }
            })
            .collect()
    }

    /// `groups.csv`: per seed group, its runs and, per metric, the mean,
    /// standard deviation and 95% interval of the mean.
    pub fn groups_csv(&self) -> Result<Vec<u8>, String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["configuration".to_string(), "runs".to_string()];
        for (m, _) in &self.metrics {
            for part in ["mean", "sd", "ci95_low", "ci95_high"] {
                header.push(format!("{}_{part}", m.key));
            }
        }
        w.write_record(&header).map_err(|e| e.to_string())?;
        for group in &self.groups {
            let mut row = vec![group.name.clone(), group.members.len().to_string()];
            for (m, _) in &self.metrics {
                let s = crate::groups::group_spread(m, group, &self.input.runs);
                let number = |v: Option<f64>| {
                    v.filter(|v| v.is_finite())
                        .map_or(String::new(), |v| v.to_string())
                };
                row.push(number(s.map(|s| s.mean)));
                row.push(number(s.map(|s| s.sd)));
                row.push(number(s.and_then(|s| s.ci95).map(|c| c.0)));
                row.push(number(s.and_then(|s| s.ci95).map(|c| c.1)));
            }
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
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

/// How many quality metrics each group is best at (by mean), counting a
/// metric that is a function of another (PSNR of MSE) once.
fn wins(
    input: &ReportInput,
    metrics: &[(&'static Metric, Option<usize>)],
    groups: &[SeedGroup],
) -> Vec<usize> {
    let mut wins = vec![0; groups.len()];
    for (m, _) in metrics.iter().filter(|(m, _)| m.counts_as_win()) {
        if let Some(g) = best_group(m, groups, &input.runs) {
            wins[g] += 1;
        }
    }
    wins
}

/// "Chosen on validation: `ae-adam` (lowest val BCE (clean inputs), mean
/// 0.0856 ± 0.0003 over 3 seeds). ... By wins: `ae-adam` is best on 6 of
/// 10 quality metrics, `dae-adam` on 4." plus failures.
fn overview(
    input: &ReportInput,
    metrics: &[(&'static Metric, Option<usize>)],
    wins: &[usize],
    groups: &[SeedGroup],
    chosen: Option<(&'static Metric, usize)>,
) -> String {
    let runs = input.runs.len();
    let mut text = if groups.len() < runs {
        let plural = if groups.len() == 1 { "" } else { "s" };
        format!("{runs} runs in {} configuration{plural}.", groups.len())
    } else {
        format!("{runs} run(s).")
    };
    if let Some((metric, g)) = chosen {
        if let Some(s) = crate::groups::group_spread(metric, &groups[g], &input.runs) {
            let seeds = if s.n > 1 {
                format!(", mean over {} seeds", s.n)
            } else {
                String::new()
            };
            text.push_str(&format!(
                " Chosen on validation: `{}` (best {}: {}{seeds}). Test metrics are reported, not chosen on.",
                groups[g].name,
                metric.label,
                crate::groups::mean_sd(metric, &s)
            ));
        }
    }
    let counted = metrics
        .iter()
        .filter(|(m, best)| m.counts_as_win() && best.is_some())
        .count();
    let mut ranked: Vec<(usize, usize)> = wins
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, w)| w > 0)
        .collect();
    ranked.sort_by_key(|&(i, w)| (std::cmp::Reverse(w), i));
    if let (Some(&(first, w)), true) = (ranked.first(), groups.len() > 1) {
        text.push_str(&format!(
            " By wins: `{}` is best on {w} of {counted} quality metrics",
            groups[first].name
        ));
        for &(i, w) in &ranked[1..] {
            text.push_str(&format!(", `{}` on {w}", groups[i].name));
        }
        text.push_str(" (PSNR counts with MSE).");
        if differ_in_normal_class(input) {
            text.push_str(
                " These configurations differ in their normal class, a different one-class \
                 task each, so their wins compare tasks, not settings: compare variants by \
                 the one-class table's mean over classes.",
            );
        }
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

/// Whether the runs were trained on more than one normal class.
fn differ_in_normal_class(input: &ReportInput) -> bool {
    let mut classes = input.runs.iter().filter_map(|r| r.summary.normal_class);
    classes
        .next()
        .is_some_and(|first| classes.any(|c| c != first))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> ReportInput {
        let run = |name: &str, lr: &str, mse: f64, acc: Option<f64>| RunReport {
            name: name.into(),
            group: name.into(),
            settings: vec![
                ("name".into(), name.into()),
                ("train.lr".into(), lr.into()),
                ("train.epochs".into(), "30".into()),
            ],
            summary: Summary {
                run: name.into(),
                status: Some(RunStatus::Ok),
                test_mse: Some(mse),
                clean_val_bce: Some(9.0 * mse + 0.0),
                latent_knn5_acc: acc,
                ..Summary::default()
            },
            figures: vec![Figure {
                path: format!("runs/{name}/loss.png"),
                caption: "Loss <per> epoch".into(),
            }],
        };
        ReportInput {
            pixel_probe_acc: None,
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
            search: None,
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
            c.verdicts.iter().any(|v| v
                == "test MSE: `dae` 0.0100 against `ae` 0.0200, 50.0% lower; n = 1: no estimate of the noise"),
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
            "run,status,train.lr,clean_val_bce,test_mse,latent_knn5_acc"
        );
        assert_eq!(csv.lines().nth(2).unwrap(), "dae,ok,0.001,0.09,0.01,");
        assert_eq!(c.pair, Some((0, 1)));
        assert!(!c.repeated);
        assert_eq!(
            c.overview,
            "2 run(s). Chosen on validation: `dae` (best val BCE (clean inputs): 0.0900). \
             Test metrics are reported, not chosen on. By wins: `dae` is best on 2 of 3 \
             quality metrics, `ae` on 1 (PSNR counts with MSE)."
        );
    }
}
