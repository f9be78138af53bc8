//! `report.md`: the comparison for reading on a code host; same content as
//! the HTML page, figures linked beside it.

use std::fmt::Write;

use aelab_archive::Figure;

use crate::comparison::{status_text, Comparison};
use crate::metrics::Group;
use crate::one_class_table::OneClassTable;

pub(crate) fn render(c: &Comparison<'_>) -> String {
    let input = c.input;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", input.title);
    if let Some(d) = &input.description {
        let _ = writeln!(out, "{d}\n");
    }
    let _ = writeln!(out, "## Summary\n\n{}\n", c.overview);
    for v in &c.verdicts {
        let _ = writeln!(out, "- {v}");
    }

    if let Some(search) = &input.search {
        search.markdown(&mut out);
    }

    let _ = writeln!(out, "\n## Runs\n");
    let mut header = vec!["run".to_string(), "status".to_string()];
    header.extend(c.setting_keys.iter().map(|k| format!("`{k}`")));
    table_head(&mut out, &header);
    for run in &input.runs {
        let mut cells = vec![format!("`{}`", run.name), status_text(&run.summary)];
        cells.extend(c.setting_keys.iter().map(|k| c.setting(run, k)));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }

    if c.repeated {
        let _ = writeln!(
            out,
            "\n## Configurations (mean over seeds)\n\n\
             Each configuration's runs differ only in seed: `mean ± sd` (one standard \
             deviation across seeds) and, below it, the t-based 95% interval of the mean.\n"
        );
        for table in c.tables() {
            let metrics = table.metrics;
            let _ = writeln!(out, "\n### {}\n", table.title);
            let mut header = vec!["configuration".to_string(), "runs".to_string()];
            header.extend(metrics.iter().map(|(m, _)| m.label.to_string()));
            table_head(&mut out, &header);
            for row in c.group_rows(&metrics) {
                let mut cells = vec![format!("`{}`", row.name), row.runs.to_string()];
                cells.extend(row.cells.into_iter().map(|cell| {
                    let value = if cell.best {
                        format!("**{}** ★", cell.value)
                    } else {
                        cell.value
                    };
                    if cell.interval.is_empty() {
                        value
                    } else {
                        format!("{value}<br>{}", cell.interval)
                    }
                }));
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
        }
    }

    for table in c.tables() {
        let (group, metrics) = (table.group, table.metrics);
        let title = if c.repeated {
            format!("{}, every run", table.title)
        } else {
            table.title.to_string()
        };
        let _ = writeln!(out, "\n## {title}\n");
        let mut header = vec!["run".to_string()];
        header.extend(metrics.iter().map(|(m, _)| m.label.to_string()));
        table_head(&mut out, &header);
        for (i, run) in input.runs.iter().enumerate() {
            let mut cells = vec![format!("`{}`", run.name)];
            cells.extend(metrics.iter().map(|(m, best)| {
                let text = m.format((m.value)(&run.summary));
                if *best == Some(i) {
                    format!("**{text}** ★")
                } else {
                    text
                }
            }));
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        if let (Group::Tasks, Some(acc)) = (group, input.pixel_probe_acc) {
            let cells: Vec<String> = metrics
                .iter()
                .map(|(m, _)| m.format((m.key == "probe_acc").then_some(acc)))
                .collect();
            let _ = writeln!(out, "| raw pixels (baseline) | {} |", cells.join(" | "));
        }
        if let (Group::Embedding, Some(b)) = (group, &input.baseline) {
            let cells: Vec<String> = metrics
                .iter()
                .map(|(m, _)| match m.key {
                    "latent_knn5_acc" => m.format(Some(b.latent_knn5_acc)),
                    "latent_trust5" => m.format(Some(b.latent_trust5)),
                    _ => "–".to_string(),
                })
                .collect();
            let _ = writeln!(out, "| {} (baseline) | {} |", b.label, cells.join(" | "));
        }
    }
    let _ = writeln!(
        out,
        "\n★ marks the best value of each metric. Configurations are chosen on validation \
         metrics only; test metrics are reported, not chosen on.\n"
    );
    if let Some(table) = OneClassTable::of(&input.runs) {
        let (header, rows) = table.text_rows();
        let _ = writeln!(
            out,
            "## One-class anomaly detection\n\nAUROC in %, mean ± sd over seeds; the last two \
             columns are published figures (Ruff et al., ICML 2018, Table 1), not runs of aelab.\n"
        );
        table_head(&mut out, &header);
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        let _ = writeln!(out);
    }

    if let Some((a, b)) = c.pair {
        let (ra, rb) = (&input.runs[a], &input.runs[b]);
        let _ = writeln!(out, "## `{}` against `{}`\n", rb.name, ra.name);
        table_head(
            &mut out,
            &[
                "metric".into(),
                format!("`{}`", ra.name),
                format!("`{}`", rb.name),
                "change".into(),
            ],
        );
        for (m, va, vb, change) in c.pair_rows(a, b) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {change} |",
                m.label,
                m.format(va),
                m.format(vb)
            );
        }
        out.push('\n');
    }

    for figure in &input.figures {
        figure_md(&mut out, figure);
    }
    for run in &input.runs {
        let _ = writeln!(out, "## Run `{}`\n", run.name);
        if let Some(ratio) = &run.summary.explained_variance_ratio {
            let total: f64 = ratio.iter().sum();
            let _ = writeln!(
                out,
                "Explained variance: {:.1}% of the total with {} components.\n",
                100.0 * total,
                ratio.len()
            );
        }
        for figure in &run.figures {
            figure_md(&mut out, figure);
        }
    }
    if !input.provenance.is_empty() {
        let _ = writeln!(out, "## Provenance\n");
        for (k, v) in &input.provenance {
            let _ = writeln!(out, "- {k}: `{v}`");
        }
    }
    out
}

fn figure_md(out: &mut String, figure: &Figure) {
    let _ = writeln!(out, "![{0}]({1})\n\n*{0}*\n", figure.caption, figure.path);
}

fn table_head(out: &mut String, header: &[String]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::tests::sample;

    #[test]
    fn marks_the_best_and_embeds_figures() {
        let input = sample();
        let md = render(&Comparison::new(&input));
        assert!(md.contains("| `dae` | ok | 0.001 |"), "{md}");
        assert!(
            md.contains("| `dae` | **0.0900** ★ | **0.0100** ★ |"),
            "{md}"
        );
        assert!(
            !md.contains("Configurations (mean over seeds)"),
            "one run each"
        );
        assert!(md.contains("| PCA 30 (baseline) | 0.9500 |"), "{md}");
        assert!(
            md.contains("| test MSE | 0.0200 | 0.0100 | -50.0%, better |"),
            "{md}"
        );
        assert!(md.contains("![Loss <per> epoch](runs/ae/loss.png)"));
        assert!(md.contains("## Summary"));
    }
}
