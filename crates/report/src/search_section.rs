//! The report's search section: how the search went (method, metric, the
//! best trial and its settings), the rungs of halving or of each Hyperband
//! bracket, and the epochs spent
//! against what the same trials would have cost at full budget. Drawn by
//! [`trial_curves`]: the metric against epochs for every trial, the ones a
//! rung stopped in grey.

use std::fmt::Write;
use std::path::Path;

use plotters::prelude::*;

use crate::canvas::draw_png;
use crate::html::escape;
use crate::line_plot::log_ticks;
use crate::{fonts, palette, Figure, ReportError};

/// One rung of a halving search, or of a Hyperband bracket.
#[derive(Debug, Clone, PartialEq)]
pub struct RungRow {
    /// The Hyperband bracket; `None` for halving's one.
    pub bracket: Option<usize>,
    /// The rung's index in its bracket.
    pub rung: usize,
    pub epochs: usize,
    pub trials: usize,
    pub promoted: usize,
    /// The best metric at this rung.
    pub best: Option<f64>,
}

/// The best trial at full budget: its name, metric and searched settings.
pub type BestTrial = (String, f64, Vec<(String, String)>);

/// What the report says about a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSection {
    /// e.g. "successive halving (eta 3) over 81 trials drawn at random".
    pub method: String,
    /// e.g. "val_bce, lower is better".
    pub metric: String,
    /// The rungs, bracket by bracket; empty for random and Sobol' searches.
    pub rungs: Vec<RungRow>,
    /// The best trial at full budget: name, metric, searched settings.
    pub best: Option<BestTrial>,
    /// Epochs trained, and what every trial at full budget would take.
    pub epochs_spent: usize,
    pub epochs_full: usize,
    pub figure: Option<Figure>,
}

impl SearchSection {
    /// `head` when the rungs are in brackets (Hyperband), else nothing.
    fn bracket_head<'a>(&self, head: &'a str) -> &'a str {
        match self.rungs.iter().any(|r| r.bracket.is_some()) {
            true => head,
            false => "",
        }
    }

    fn spent_text(&self) -> String {
        let share = self.epochs_spent as f64 / self.epochs_full.max(1) as f64;
        format!(
            "{} epochs trained, against {} for every trial at full budget ({:.1}%)",
            self.epochs_spent,
            self.epochs_full,
            100.0 * share
        )
    }

    /// The section as markdown.
    pub(crate) fn markdown(&self, out: &mut String) {
        let _ = writeln!(out, "\n## Search\n");
        let _ = writeln!(
            out,
            "{}, chosen on {}; {}.\n",
            self.method,
            self.metric,
            self.spent_text()
        );
        if let Some((run, value, settings)) = &self.best {
            let shown: Vec<String> = settings
                .iter()
                .map(|(k, v)| format!("`{k}` = {v}"))
                .collect();
            let _ = writeln!(out, "Best: `{run}` ({value:.5}): {}.\n", shown.join(", "));
        }
        if !self.rungs.is_empty() {
            let _ = writeln!(
                out,
                "| {}rung | epochs | trials | promoted | best |",
                self.bracket_head("bracket | ")
            );
            let _ = writeln!(out, "|{}---|---|---|---|---|", self.bracket_head("---|"));
            for r in &self.rungs {
                let best = r.best.map_or("–".into(), |b| format!("{b:.5}"));
                let bracket = r.bracket.map_or(String::new(), |b| format!("{b} | "));
                let _ = writeln!(
                    out,
                    "| {bracket}{} | {} | {} | {} | {best} |",
                    r.rung, r.epochs, r.trials, r.promoted
                );
            }
            out.push('\n');
        }
        if let Some(f) = &self.figure {
            let _ = writeln!(out, "![{}]({})\n", f.caption, f.path);
        }
    }

    /// The section as HTML; `figure` embeds the figure.
    pub(crate) fn html(
        &self,
        out: &mut dyn std::fmt::Write,
        figure: &dyn Fn(&mut dyn std::fmt::Write, &Figure),
    ) {
        let _ = writeln!(out, "<h2 id=\"search\">Search</h2>");
        let _ = writeln!(
            out,
            "<p>{}, chosen on {}; {}.</p>",
            escape(&self.method),
            escape(&self.metric),
            escape(&self.spent_text())
        );
        if let Some((run, value, settings)) = &self.best {
            let shown: Vec<String> = settings
                .iter()
                .map(|(k, v)| format!("<code>{}</code> = {}", escape(k), escape(v)))
                .collect();
            let _ = writeln!(
                out,
                "<p>Best: <code>{}</code> ({value:.5}): {}.</p>",
                escape(run),
                shown.join(", ")
            );
        }
        if !self.rungs.is_empty() {
            let _ = writeln!(
                out,
                "<table><tr>{}<th>rung</th><th>epochs</th><th>trials</th><th>promoted</th><th>best</th></tr>",
                self.bracket_head("<th>bracket</th>")
            );
            for r in &self.rungs {
                let best = r.best.map_or("–".into(), |b| format!("{b:.5}"));
                let bracket = r.bracket.map_or(String::new(), |b| format!("<td>{b}</td>"));
                let _ = writeln!(
                    out,
                    "<tr>{bracket}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{best}</td></tr>",
                    r.rung, r.epochs, r.trials, r.promoted
                );
            }
            let _ = writeln!(out, "</table>");
        }
        if let Some(f) = &self.figure {
            figure(out, f);
        }
    }
}

/// One trial's metric per epoch, and whether it went the whole way.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialCurve {
    pub points: Vec<(f64, f64)>,
    pub finished: bool,
}

/// Every trial's metric against epochs at `path`: the ones a rung stopped
/// thin and grey, the ones that went the whole way in colour; the y axis
/// spans the finished trials' values and the better part of the others.
pub fn trial_curves(
    path: &Path,
    title: &str,
    y_label: &str,
    curves: &[TrialCurve],
) -> Result<(), ReportError> {
    let finite = |c: &TrialCurve| -> Vec<(f64, f64)> {
        c.points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    };
    let mut ys: Vec<f64> = curves
        .iter()
        .flat_map(|c| finite(c).into_iter().map(|p| p.1))
        .collect();
    ys.sort_by(f64::total_cmp);
    let x_max = curves
        .iter()
        .flat_map(|c| finite(c).into_iter().map(|p| p.0))
        .fold(1.0f64, f64::max);
    // Diverging or hopeless trials would flatten the rest: show the lower
    // 90% of all values (every finished trial's included).
    let (y_min, mut y_max) = match (ys.first(), ys.get(ys.len().saturating_sub(1) * 9 / 10)) {
        (Some(&lo), Some(&hi)) => (lo, hi),
        _ => (0.0, 1.0),
    };
    for c in curves.iter().filter(|c| c.finished) {
        for (_, y) in finite(c) {
            y_max = y_max.max(y);
        }
    }
    let pad = ((y_max - y_min) * 0.06).max(1e-4);
    let (lo, hi) = (0.8, x_max * 1.1);
    let ticks = log_ticks(lo, hi);
    draw_png(path, (900, 540), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (fonts::FAMILY, 24))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                (lo..hi).log_scale().with_key_points(ticks.clone()),
                (y_min - pad)..(y_max + pad),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch (log scale)")
            .y_desc(y_label)
            .label_style((fonts::FAMILY, 15))
            .axis_desc_style((fonts::FAMILY, 17))
            .x_labels(ticks.len())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.4}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let clip = |p: &(f64, f64)| (p.0, p.1.min(y_max + pad));
        for c in curves.iter().filter(|c| !c.finished) {
            let style = RGBColor(150, 150, 150).mix(0.6).stroke_width(1);
            chart
                .draw_series(LineSeries::new(finite(c).iter().map(clip), style))
                .map_err(|e| e.to_string())?;
            // The last point, so a trial stopped after one epoch shows too.
            if let Some(last) = finite(c).last() {
                chart
                    .draw_series(std::iter::once(Circle::new(clip(last), 3, style.filled())))
                    .map_err(|e| e.to_string())?;
            }
        }
        for (i, c) in curves.iter().filter(|c| c.finished).enumerate() {
            let color = palette::color(i);
            chart
                .draw_series(LineSeries::new(
                    finite(c).iter().map(clip),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_renders_rungs_best_and_budget_escaped() {
        let s = SearchSection {
            method: "successive halving <eta 3>".into(),
            metric: "val_bce, lower is better".into(),
            rungs: vec![
                RungRow {
                    bracket: None,
                    rung: 0,
                    epochs: 1,
                    trials: 9,
                    promoted: 3,
                    best: Some(0.2),
                },
                RungRow {
                    bracket: None,
                    rung: 1,
                    epochs: 3,
                    trials: 3,
                    promoted: 0,
                    best: None,
                },
            ],
            best: Some((
                "s.trial=4".into(),
                0.1,
                vec![("train.lr".into(), "0.01".into())],
            )),
            epochs_spent: 15,
            epochs_full: 27,
            figure: None,
        };
        let mut md = String::new();
        s.markdown(&mut md);
        assert!(
            md.contains("15 epochs trained, against 27 for every trial at full budget (55.6%)"),
            "{md}"
        );
        assert!(md.contains("| 0 | 1 | 9 | 3 | 0.20000 |"), "{md}");
        assert!(md.contains("| 1 | 3 | 3 | 0 | – |"), "{md}");
        let mut html = String::new();
        s.html(&mut html, &|_, _| {});
        assert!(html.contains("successive halving &lt;eta 3&gt;"), "{html}");
        assert!(html.contains("<code>train.lr</code> = 0.01"), "{html}");
        assert!(!md.contains("bracket") && !html.contains("bracket"));

        // Hyperband's rungs are in brackets: a bracket column.
        let mut brackets = s.clone();
        brackets.rungs[0].bracket = Some(0);
        brackets.rungs[1] = RungRow {
            bracket: Some(1),
            rung: 0,
            ..brackets.rungs[1].clone()
        };
        let mut md = String::new();
        brackets.markdown(&mut md);
        assert!(md.contains("| bracket | rung | epochs |"), "{md}");
        assert!(md.contains("| 0 | 0 | 1 | 9 | 3 | 0.20000 |"), "{md}");
        assert!(md.contains("| 1 | 0 | 3 | 3 | 0 | – |"), "{md}");
        let mut html = String::new();
        brackets.html(&mut html, &|_, _| {});
        assert!(html.contains("<th>bracket</th><th>rung</th>"), "{html}");
        assert!(
            html.contains("<tr><td>1</td><td>0</td><td>3</td>"),
            "{html}"
        );
    }

    #[test]
    fn curves_draw_to_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.png");
        let curves = vec![
            TrialCurve {
                points: vec![(1.0, 0.3), (2.0, 0.25), (3.0, 0.2)],
                finished: true,
            },
            TrialCurve {
                points: vec![(1.0, 0.35)],
                finished: false,
            },
            TrialCurve {
                points: vec![(1.0, f64::NAN)],
                finished: false,
            },
        ];
        trial_curves(&path, "val", "val_bce", &curves).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
}
