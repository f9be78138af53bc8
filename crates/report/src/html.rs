//! `report.html`: the comparison as one page with no scripts and no network
//! fetches; figures are the PNGs beside it. Every string from a spec or data
//! is escaped.

use std::fmt::Write;

use crate::comparison::{status_text, Comparison, Figure};

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
td.best { font-weight: bold; background: #e8f5e9; }
td.bad { color: #b71c1c; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #555; }
code { background: #f4f4f4; padding: 0 .2rem; border-radius: 3px; }
.provenance { font-size: .85rem; color: #444; word-break: break-all; }
";

/// Escapes text for HTML element content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown-ish backticks in verdicts become `<code>`, the rest is escaped.
fn inline_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

fn figure(out: &mut String, f: &Figure) {
    let _ = writeln!(
        out,
        "<figure><img src=\"{}\" alt=\"{}\" loading=\"lazy\"><figcaption>{}</figcaption></figure>",
        escape(&f.path),
        escape(&f.caption),
        escape(&f.caption)
    );
}

pub(crate) fn render(c: &Comparison<'_>) -> String {
    let input = c.input;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        escape(&input.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&input.title));
    if let Some(d) = &input.description {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }
    if !c.verdicts.is_empty() {
        let _ = writeln!(out, "<h2 id=\"summary\">Summary</h2><ul>");
        for v in &c.verdicts {
            let _ = writeln!(out, "<li>{}</li>", inline_code(v));
        }
        let _ = writeln!(out, "</ul>");
    }

    let _ = writeln!(out, "<h2 id=\"runs\">Runs</h2><div class=\"table-wrap\"><table><thead><tr><th>run</th><th>status</th>");
    for k in &c.setting_keys {
        let _ = write!(out, "<th>{}</th>", escape(k));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
    for run in &input.runs {
        let status = status_text(&run.summary);
        let status_class = if status == "ok" { "" } else { " class=\"bad\"" };
        let _ = write!(
            out,
            "<tr><td><a href=\"#run-{0}\">{0}</a></td><td{status_class}>{1}</td>",
            escape(&run.name),
            escape(&status)
        );
        for k in &c.setting_keys {
            let _ = write!(out, "<td>{}</td>", escape(&c.setting(run, k)));
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody></table></div>");

    let _ = writeln!(
        out,
        "<h2 id=\"metrics\">Metrics</h2><div class=\"table-wrap\"><table><thead><tr><th>run</th>"
    );
    for (m, _) in &c.metrics {
        let _ = write!(out, "<th>{}</th>", escape(m.label));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
    for (i, run) in input.runs.iter().enumerate() {
        let _ = write!(out, "<tr><td>{}</td>", escape(&run.name));
        for (m, best) in &c.metrics {
            let text = escape(&m.format((m.value)(&run.summary)));
            if *best == Some(i) {
                let _ = write!(out, "<td class=\"best\">{text} ★</td>");
            } else {
                let _ = write!(out, "<td>{text}</td>");
            }
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody></table></div><p>★ marks the best value of each metric. Lower is better for BCE, MSE and seconds; higher for PSNR and accuracy.</p>");

    for f in &input.figures {
        figure(&mut out, f);
    }
    for run in &input.runs {
        let _ = writeln!(
            out,
            "<h2 id=\"run-{0}\">Run <code>{0}</code></h2>",
            escape(&run.name)
        );
        if let Some(ratio) = &run.summary.explained_variance_ratio {
            let total: f64 = ratio.iter().sum();
            let _ = writeln!(
                out,
                "<p>Explained variance: {:.1}% of the total with {} components.</p>",
                100.0 * total,
                ratio.len()
            );
        }
        for f in &run.figures {
            figure(&mut out, f);
        }
    }
    if !input.provenance.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"provenance\">Provenance</h2><ul class=\"provenance\">"
        );
        for (k, v) in &input.provenance {
            let _ = writeln!(out, "<li>{}: <code>{}</code></li>", escape(k), escape(v));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::tests::sample;

    #[test]
    fn escapes_everything_from_specs() {
        let input = sample();
        let html = render(&Comparison::new(&input));
        assert!(
            !html.contains("<script>"),
            "spec text must not become markup"
        );
        assert!(html.contains("dae &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("AE &amp; DAE"));
        assert!(html.contains("alt=\"Loss &lt;per&gt; epoch\""));
        assert!(html.contains("<td class=\"best\">0.0100 ★</td>"));
    }
}
