//! `report.html`: the comparison as one self-contained page: figures are
//! embedded as data URIs, there are no network fetches, and the one inline
//! script (click a column heading to sort) is optional; the page reads the
//! same without it. Every string from a spec or data is escaped.

use std::fmt::Write;
use std::path::Path;

use base64::Engine;

use aelab_archive::Figure;

use crate::comparison::{status_text, Comparison};
use crate::metrics::{Group, Metric};

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
nav ol { columns: 2; font-size: .95rem; } @media (max-width: 600px) { nav ol { columns: 1; } }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
table.sortable th { cursor: pointer; }
td.best { font-weight: bold; background: #e8f5e9; } tr.baseline td { font-style: italic; color: #555; }
td.bad { color: #b71c1c; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #555; }
.pair { display: flex; gap: 1rem; flex-wrap: wrap; } .pair figure { flex: 1 1 420px; min-width: 0; }
code { background: #f4f4f4; padding: 0 .2rem; border-radius: 3px; }
.provenance { font-size: .85rem; color: #444; word-break: break-all; }
";

/// Sorts a table by the clicked column (numbers numerically).
const SORT_SCRIPT: &str = "
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.title = 'Click to sort';
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.dataset.dir !== 'asc';
    th.dataset.dir = asc ? 'asc' : 'desc';
    var key = function (row) { return row.cells[col].textContent.replace('\\u2605', '').trim(); };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
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

/// Markdown-ish backticks become `<code>`, the rest is escaped.
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

/// The image as a data URI, or its relative path if it cannot be read.
fn image_src(dir: &Path, relative: &str) -> String {
    match std::fs::read(dir.join(relative)) {
        Ok(bytes) => format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        Err(_) => escape(relative),
    }
}

fn figure(out: &mut String, dir: &Path, f: &Figure) {
    let _ = writeln!(
        out,
        "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
        image_src(dir, &f.path),
        escape(&f.caption),
        escape(&f.caption)
    );
}

fn metric_cells(
    out: &mut String,
    metrics: &[&(&Metric, Option<usize>)],
    summary: &aelab_archive::Summary,
    row: usize,
) {
    for (m, best) in metrics {
        let text = escape(&m.format((m.value)(summary)));
        if *best == Some(row) {
            let _ = write!(out, "<td class=\"best\">{text} ★</td>");
        } else {
            let _ = write!(out, "<td>{text}</td>");
        }
    }
}

pub(crate) fn render(c: &Comparison<'_>, dir: &Path) -> String {
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

    let mut toc = vec![
        ("summary".to_string(), "Summary".to_string()),
        ("runs".into(), "Runs and settings".into()),
    ];
    let groups: Vec<(Group, &str, &str)> = [
        (Group::Reconstruction, "reconstruction", "Reconstruction"),
        (Group::Embedding, "embedding", "Embedding quality"),
    ]
    .into_iter()
    .filter(|(g, _, _)| c.group(*g).next().is_some())
    .collect();
    toc.extend(
        groups
            .iter()
            .map(|(_, id, t)| (id.to_string(), t.to_string())),
    );
    if c.pair.is_some() {
        toc.push(("pair".into(), "Two runs side by side".into()));
    }
    if !input.figures.is_empty() {
        toc.push(("figures".into(), "All runs together".into()));
    }
    toc.extend(
        input
            .runs
            .iter()
            .map(|r| (format!("run-{}", r.name), format!("Run {}", r.name))),
    );
    toc.push(("provenance".into(), "Provenance".into()));
    let _ = writeln!(out, "<nav><ol>");
    for (id, title) in &toc {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(id),
            escape(title)
        );
    }
    let _ = writeln!(out, "</ol></nav>");

    let _ = writeln!(
        out,
        "<h2 id=\"summary\">Summary</h2><p>{}</p><ul>",
        inline_code(&c.overview)
    );
    for v in &c.verdicts {
        let _ = writeln!(out, "<li>{}</li>", inline_code(v));
    }
    let _ = writeln!(out, "</ul>");

    let _ = writeln!(out, "<h2 id=\"runs\">Runs and settings</h2><p>Settings that differ between runs; each run's <code>config.toml</code> has all of them.</p><div class=\"table-wrap\"><table class=\"sortable\"><thead><tr><th>run</th><th>status</th>");
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

    for (group, id, title) in &groups {
        let metrics: Vec<&(&Metric, Option<usize>)> = c.group(*group).collect();
        let _ = writeln!(out, "<h2 id=\"{id}\">{title}</h2><div class=\"table-wrap\"><table class=\"sortable\"><thead><tr><th>run</th>");
        for (m, _) in &metrics {
            let _ = write!(out, "<th>{}</th>", escape(m.label));
        }
        let _ = writeln!(out, "</tr></thead><tbody>");
        for (i, run) in input.runs.iter().enumerate() {
            let _ = write!(out, "<tr><td>{}</td>", escape(&run.name));
            metric_cells(&mut out, &metrics, &run.summary, i);
            let _ = writeln!(out, "</tr>");
        }
        if let (Group::Embedding, Some(b)) = (group, &input.baseline) {
            let _ = write!(
                out,
                "<tr class=\"baseline\"><td>{} (baseline)</td>",
                escape(&b.label)
            );
            for (m, _) in &metrics {
                let value = match m.key {
                    "latent_knn5_acc" => Some(b.latent_knn5_acc),
                    "latent_trust5" => Some(b.latent_trust5),
                    _ => None,
                };
                let _ = write!(out, "<td>{}</td>", escape(&m.format(value)));
            }
            let _ = writeln!(out, "</tr>");
        }
        let _ = writeln!(out, "</tbody></table></div>");
    }
    let _ = writeln!(out, "<p>★ marks the best value of each metric. Lower is better for BCE, MSE and seconds; higher for PSNR, accuracy and trustworthiness. Click a column heading to sort.</p>");

    if let Some((a, b)) = c.pair {
        let (ra, rb) = (&input.runs[a], &input.runs[b]);
        let _ = writeln!(
            out,
            "<h2 id=\"pair\">Two runs side by side: <code>{}</code> against <code>{}</code></h2>\
             <p>The first run is the baseline; the other is the run best on most quality metrics.</p>\
             <div class=\"table-wrap\"><table><thead><tr><th>metric</th><th>{}</th><th>{}</th><th>change</th></tr></thead><tbody>",
            escape(&rb.name),
            escape(&ra.name),
            escape(&ra.name),
            escape(&rb.name)
        );
        for (m, va, vb, change) in c.pair_rows(a, b) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(m.label),
                escape(&m.format(va)),
                escape(&m.format(vb)),
                escape(&change)
            );
        }
        let _ = writeln!(out, "</tbody></table></div>");
        for fa in &ra.figures {
            let name = fa.path.rsplit('/').next().unwrap_or_default();
            if let Some(fb) = rb
                .figures
                .iter()
                .find(|f| f.path.rsplit('/').next() == Some(name))
            {
                let _ = writeln!(out, "<div class=\"pair\">");
                figure(&mut out, dir, fa);
                figure(&mut out, dir, fb);
                let _ = writeln!(out, "</div>");
            }
        }
    }

    if !input.figures.is_empty() {
        let _ = writeln!(out, "<h2 id=\"figures\">All runs together</h2>");
        for f in &input.figures {
            figure(&mut out, dir, f);
        }
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
            figure(&mut out, dir, f);
        }
    }
    let _ = writeln!(
        out,
        "<h2 id=\"provenance\">Provenance</h2><ul class=\"provenance\">"
    );
    for (k, v) in &input.provenance {
        let _ = writeln!(out, "<li>{}: <code>{}</code></li>", escape(k), escape(v));
    }
    let _ = writeln!(out, "</ul><script>{SORT_SCRIPT}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::tests::sample;

    #[test]
    fn escapes_everything_from_specs_and_embeds_images() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("runs/ae")).unwrap();
        std::fs::write(dir.path().join("runs/ae/loss.png"), b"\x89PNG fake").unwrap();
        let input = sample();
        let html = render(&Comparison::new(&input), dir.path());
        assert!(
            !html.contains("<script>alert"),
            "spec text must not become markup"
        );
        assert!(html.contains("dae &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("AE &amp; DAE"));
        assert!(html.contains("alt=\"Loss &lt;per&gt; epoch\""));
        assert!(html.contains("<td class=\"best\">0.0100 ★</td>"));
        assert!(
            html.contains("src=\"data:image/png;base64,iVBORyBmYWtl\""),
            "present images are embedded"
        );
        assert!(
            html.contains("src=\"runs/dae/loss.png\""),
            "missing ones stay links"
        );
        assert!(html.contains("<tr class=\"baseline\"><td>PCA 30 (baseline)</td>"));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no network fetches"
        );
    }
}
