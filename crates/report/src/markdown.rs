//! `report.md`: the comparison for reading on a code host.

use std::fmt::Write;

use crate::comparison::{status_text, Comparison};

pub(crate) fn render(c: &Comparison<'_>) -> String {
    let input = c.input;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", input.title);
    if let Some(d) = &input.description {
        let _ = writeln!(out, "{d}\n");
    }
    if !c.verdicts.is_empty() {
        let _ = writeln!(out, "## Summary\n");
        for v in &c.verdicts {
            let _ = writeln!(out, "- {v}");
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Runs\n");
    let mut header = vec!["run".to_string(), "status".to_string()];
    header.extend(c.setting_keys.iter().map(|k| format!("`{k}`")));
    table_head(&mut out, &header);
    for run in &input.runs {
        let mut cells = vec![format!("`{}`", run.name), status_text(&run.summary)];
        cells.extend(c.setting_keys.iter().map(|k| c.setting(run, k)));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }

    let _ = writeln!(out, "\n## Metrics\n");
    let mut header = vec!["run".to_string()];
    header.extend(c.metrics.iter().map(|(m, _)| m.label.to_string()));
    table_head(&mut out, &header);
    for (i, run) in input.runs.iter().enumerate() {
        let mut cells = vec![format!("`{}`", run.name)];
        cells.extend(c.metrics.iter().map(|(m, best)| {
            let text = m.format((m.value)(&run.summary));
            if *best == Some(i) {
                format!("**{text}** ★")
            } else {
                text
            }
        }));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n★ marks the best value of each metric.\n");

    for figure in &input.figures {
        let _ = writeln!(out, "![{0}]({1})\n\n*{0}*\n", figure.caption, figure.path);
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
            let _ = writeln!(out, "![{0}]({1})\n\n*{0}*\n", figure.caption, figure.path);
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
        assert!(md.contains("| `dae` | **0.0100** ★ | – |"), "{md}");
        assert!(md.contains("![Loss <per> epoch](runs/ae/loss.png)"));
        assert!(md.contains("## Summary"));
    }
}
