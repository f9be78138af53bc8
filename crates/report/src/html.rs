//! `report.html`: the comparison as a self-contained page (figures embedded
//! as data URIs, no network fetches; the one inline script, click a column
//! heading to sort, is optional), and one such page per run
//! (`runs/<run>/report.html`) with its settings, metrics and figures. The
//! main page puts the summary and the best configurations first and folds
//! long tables, so a 1,000-run sweep stays small and quick to open; runs'
//! figures are inline only for small experiments. Pages are written as a
//! stream. Every string from a spec or data is escaped.

use std::fmt::Write;
use std::path::Path;

use base64::Engine;

use aelab_archive::Figure;

use crate::comparison::{status_text, Comparison};
use crate::metrics::{Group, Metric};
use crate::one_class_table::OneClassTable;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
nav ol { columns: 2; font-size: .95rem; } @media (max-width: 600px) { nav ol { columns: 1; } }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
table.sortable th { cursor: pointer; }
td.best { font-weight: bold; background: #e8f5e9; } td.long { white-space: normal; text-align: left; overflow-wrap: anywhere; min-width: 30rem; } tr.baseline td { font-style: italic; color: #555; }
td.bad { color: #b71c1c; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #555; }
.pair { display: flex; gap: 1rem; flex-wrap: wrap; } .pair figure { flex: 1 1 420px; min-width: 0; }
code { background: #f4f4f4; padding: 0 .2rem; border-radius: 3px; }
.provenance { font-size: .85rem; color: #444; word-break: break-all; }
details > summary { cursor: pointer; color: #1565c0; margin: .5rem 0; }
td .ci { display: block; font-size: .75rem; color: #666; }
";

/// Runs whose figures the main page shows inline; larger experiments link
/// each run's own page instead.
pub(crate) const INLINE_RUNS: usize = 12;
/// Table rows shown before the rest is folded.
const UNFOLDED_ROWS: usize = 30;

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

fn figure(out: &mut dyn Write, dir: &Path, f: &Figure) {
    let _ = writeln!(
        out,
        "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
        image_src(dir, &f.path),
        escape(&f.caption),
        escape(&f.caption)
    );
}

fn metric_cells(
    out: &mut dyn Write,
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

fn page_start(out: &mut dyn Write, title: &str) {
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    );
}

fn page_end(out: &mut dyn Write) {
    let _ = writeln!(out, "<script>{SORT_SCRIPT}</script></body></html>");
}

/// Opens a table of `rows` rows, folded behind a `<details>` when long.
fn table_start(out: &mut dyn Write, rows: usize, what: &str, header: &[String]) {
    if rows > UNFOLDED_ROWS {
        let _ = writeln!(
            out,
            "<details><summary>{} ({rows} rows)</summary>",
            escape(what)
        );
    }
    let _ = write!(
        out,
        "<div class=\"table-wrap\"><table class=\"sortable\"><thead><tr>"
    );
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
}

fn table_end(out: &mut dyn Write, rows: usize) {
    let _ = writeln!(out, "</tbody></table></div>");
    if rows > UNFOLDED_ROWS {
        let _ = writeln!(out, "</details>");
    }
}

/// The link to run `name`'s own page, relative to the archive folder.
fn run_page(name: &str) -> String {
    format!("runs/{}/report.html", escape(name))
}

/// The main page into `out`; `dir` is the archive folder (figures are read
/// from it).
pub(crate) fn render(c: &Comparison<'_>, dir: &Path, out: &mut dyn Write) {
    let input = c.input;
    let inline_runs = input.runs.len() <= INLINE_RUNS;
    page_start(out, &input.title);
    let _ = writeln!(out, "<h1>{}</h1>", escape(&input.title));
    if let Some(d) = &input.description {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }

    let mut toc = vec![("summary".to_string(), "Summary".to_string())];
    if c.repeated {
        toc.push((
            "configurations".into(),
            "Configurations (mean over seeds)".into(),
        ));
    }
    let tables = c.tables();
    toc.extend(
        tables
            .iter()
            .map(|t| (t.id.to_string(), t.title.to_string())),
    );
    let one_class = OneClassTable::of(&input.runs);
    if one_class.is_some() {
        toc.push(("one-class".into(), "One-class anomaly detection".into()));
    }
    if c.pair.is_some() {
        toc.push(("pair".into(), "Two runs side by side".into()));
    }
    if input.search.is_some() {
        toc.push(("search".into(), "Search".into()));
    }
    if !input.figures.is_empty() {
        toc.push(("figures".into(), "All runs together".into()));
    }
    toc.push(("runs".into(), "Runs and settings".into()));
    if inline_runs {
        toc.extend(
            input
                .runs
                .iter()
                .map(|r| (format!("run-{}", r.name), format!("Run {}", r.name))),
        );
    }
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
    let _ = writeln!(
        out,
        "</ul><p>A winner is claimed only when Welch's t-test between the two best \
         configurations (their runs differ only in seed) gives p &lt; 0.05; ± is one \
         standard deviation across seeds. Configurations are chosen on validation \
         metrics only; test metrics are reported, not chosen on.</p>"
    );

    if c.repeated {
        let _ = writeln!(
            out,
            "<h2 id=\"configurations\">Configurations (mean over seeds)</h2>\
             <p>Each row is a configuration whose runs differ only in seed: mean ± one \
             standard deviation, and below it the t-based 95% interval of the mean.</p>"
        );
        for table in &tables {
            let (metrics, title) = (&table.metrics, table.title);
            let rows = c.group_rows(metrics);
            let mut header = vec!["configuration".to_string(), "runs".to_string()];
            header.extend(metrics.iter().map(|(m, _)| m.label.to_string()));
            let _ = writeln!(out, "<h3>{title}</h3>");
            table_start(out, rows.len(), "every configuration", &header);
            for row in rows {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td>",
                    escape(&row.name),
                    row.runs
                );
                for cell in row.cells {
                    let class = if cell.best { " class=\"best\"" } else { "" };
                    let star = if cell.best { " ★" } else { "" };
                    let _ = write!(
                        out,
                        "<td{class}>{}{star}<span class=\"ci\">{}</span></td>",
                        escape(&cell.value),
                        escape(&cell.interval)
                    );
                }
                let _ = writeln!(out, "</tr>");
            }
            table_end(out, c.groups.len());
        }
    }

    for table in &tables {
        let (group, id, title, metrics) = (&table.group, table.id, table.title, &table.metrics);
        let title = if c.repeated {
            format!("{title}, every run")
        } else {
            title.to_string()
        };
        let _ = writeln!(out, "<h2 id=\"{id}\">{}</h2>", escape(&title));
        let mut header = vec!["run".to_string()];
        header.extend(metrics.iter().map(|(m, _)| m.label.to_string()));
        let baseline_rows = match group {
            Group::Embedding => usize::from(input.baseline.is_some()),
            Group::Tasks => usize::from(input.pixel_probe_acc.is_some()),
            Group::Reconstruction => 0,
        };
        let rows = input.runs.len() + baseline_rows;
        table_start(out, rows, "every run", &header);
        for (i, run) in input.runs.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><td><a href=\"{}\">{}</a></td>",
                run_page(&run.name),
                escape(&run.name)
            );
            metric_cells(out, metrics, &run.summary, i);
            let _ = writeln!(out, "</tr>");
        }
        if let (Group::Tasks, Some(acc)) = (group, input.pixel_probe_acc) {
            let _ = write!(out, "<tr class=\"baseline\"><td>raw pixels (baseline)</td>");
            for (m, _) in metrics.iter() {
                let value = (m.key == "probe_acc").then_some(acc);
                let _ = write!(out, "<td>{}</td>", escape(&m.format(value)));
            }
            let _ = writeln!(out, "</tr>");
        }
        if let (Group::Embedding, Some(b)) = (group, &input.baseline) {
            let _ = write!(
                out,
                "<tr class=\"baseline\"><td>{} (baseline)</td>",
                escape(&b.label)
            );
            for (m, _) in metrics.iter() {
                let value = match m.key {
                    "latent_knn5_acc" => Some(b.latent_knn5_acc),
                    "latent_trust5" => Some(b.latent_trust5),
                    _ => None,
                };
                let _ = write!(out, "<td>{}</td>", escape(&m.format(value)));
            }
            let _ = writeln!(out, "</tr>");
        }
        table_end(out, rows);
    }
    let _ = writeln!(out, "<p>★ marks the best value of each metric. Lower is better for BCE, MSE and seconds; higher for PSNR, accuracy and trustworthiness. Click a column heading to sort; a run's name opens its own page.</p>");

    if let Some(table) = &one_class {
        let (header, rows) = table.text_rows();
        let _ = writeln!(
            out,
            "<h2 id=\"one-class\">One-class anomaly detection</h2>\
             <p>Each run trains on one digit class and scores every test digit by its \
             reconstruction error; the other classes are the anomalies. AUROC in %, mean ± one \
             standard deviation over seeds. The last two columns are the figures Deep SVDD's \
             paper publishes for MNIST (Ruff et al., ICML 2018, Table 1; 10 seeds), not runs \
             of aelab.</p>"
        );
        table_start(out, rows.len(), "every class", &header);
        for row in rows {
            let _ = write!(out, "<tr>");
            for cell in row {
                let _ = write!(out, "<td>{}</td>", escape(&cell));
            }
            let _ = writeln!(out, "</tr>");
        }
        table_end(out, table.classes.len() + 1);
    }

    if let Some((a, b)) = c.pair {
        let (ra, rb) = (&input.runs[a], &input.runs[b]);
        let _ = writeln!(
            out,
            "<h2 id=\"pair\">Two runs side by side: <code>{}</code> against <code>{}</code></h2>\
             <p>The experiment's first run is the baseline (the first column, the left figures); the other is the first run of the configuration chosen on validation, or of the runner-up when that configuration is the baseline's.</p>\
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
                figure(out, dir, fa);
                figure(out, dir, fb);
                let _ = writeln!(out, "</div>");
            }
        }
    }

    if let Some(search) = &input.search {
        search.html(out, &|out, f| figure(out, dir, f));
    }

    if !input.figures.is_empty() {
        let _ = writeln!(out, "<h2 id=\"figures\">All runs together</h2>");
        for f in &input.figures {
            figure(out, dir, f);
        }
    }

    let _ = writeln!(out, "<h2 id=\"runs\">Runs and settings</h2><p>Settings that differ between runs; each run's <code>config.toml</code> has all of them, and its name opens its own page.</p>");
    let mut header = vec!["run".to_string(), "status".to_string()];
    header.extend(c.setting_keys.iter().cloned());
    table_start(out, input.runs.len(), "every run", &header);
    for run in &input.runs {
        let status = status_text(&run.summary);
        let status_class = if status == "ok" { "" } else { " class=\"bad\"" };
        let _ = write!(
            out,
            "<tr><td><a href=\"{}\">{}</a></td><td{status_class}>{}</td>",
            run_page(&run.name),
            escape(&run.name),
            escape(&status)
        );
        for k in &c.setting_keys {
            let _ = write!(out, "<td>{}</td>", escape(&c.setting(run, k)));
        }
        let _ = writeln!(out, "</tr>");
    }
    table_end(out, input.runs.len());

    if inline_runs {
        for run in &input.runs {
            let _ = writeln!(
                out,
                "<h2 id=\"run-{0}\">Run <code>{0}</code></h2>",
                escape(&run.name)
            );
            run_details(out, dir, run);
        }
    }
    provenance(out, input);
    page_end(out);
}

/// A run's own page into `out`: its status, settings, metrics and figures.
pub(crate) fn render_run(c: &Comparison<'_>, index: usize, dir: &Path, out: &mut dyn Write) {
    let input = c.input;
    let run = &input.runs[index];
    page_start(out, &format!("{}: run {}", input.title, run.name));
    let _ = writeln!(
        out,
        "<p><a href=\"../../report.html\">← {}</a></p><h1>Run <code>{}</code></h1><p>{}</p>",
        escape(&input.title),
        escape(&run.name),
        escape(&status_text(&run.summary))
    );
    let _ = writeln!(
        out,
        "<h2>Settings</h2><div class=\"table-wrap\"><table><tbody>"
    );
    for (k, v) in &run.settings {
        // a layer list is long: let it wrap rather than widen the table
        let class = if v.len() > 60 { " class=\"long\"" } else { "" };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td{class}>{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    let _ = writeln!(out, "</tbody></table></div>");
    if let Some(layers) = &run.summary.layers {
        layer_table(out, layers);
    }
    let _ = writeln!(
        out,
        "<h2>Metrics</h2><div class=\"table-wrap\"><table><tbody>"
    );
    for (m, _) in &c.metrics {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(m.label),
            escape(&m.format((m.value)(&run.summary)))
        );
    }
    let _ = writeln!(out, "</tbody></table></div><h2>Figures</h2>");
    run_details(out, dir, run);
    provenance(out, input);
    page_end(out);
}

/// The model's layers as Keras' `model.summary()` lists them.
fn layer_table(out: &mut dyn Write, layers: &[aelab_archive::LayerRow]) {
    let total: usize = layers.iter().map(|l| l.params).sum();
    let _ = writeln!(
        out,
        "<h2>Layers</h2><div class=\"table-wrap\"><table><thead><tr><th>layer</th><th>what</th><th>output shape</th><th>parameters</th></tr></thead><tbody>"
    );
    for l in layers {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.name),
            escape(&l.layer),
            escape(&l.output),
            l.params
        );
    }
    let _ = writeln!(
        out,
        "<tr><td>total</td><td></td><td></td><td>{total}</td></tr></tbody></table></div>"
    );
}

/// A run's explained variance (PCA) and figures.
fn run_details(out: &mut dyn Write, dir: &Path, run: &crate::RunReport) {
    if let Some(ratio) = &run.summary.explained_variance_ratio {
        let total: f64 = ratio.iter().sum();
        let shares: Vec<String> = ratio.iter().take(10).map(|r| format!("{r:.4}")).collect();
        let _ = writeln!(
            out,
            "<p>Explained variance: {:.1}% of the total with {} components (ratio {}{}).</p>",
            100.0 * total,
            ratio.len(),
            shares.join(", "),
            if ratio.len() > 10 { ", ..." } else { "" }
        );
    }
    if run.figures.is_empty() {
        let _ = writeln!(out, "<p>No figures were drawn for this run.</p>");
    }
    for f in &run.figures {
        figure(out, dir, f);
    }
}

fn provenance(out: &mut dyn Write, input: &crate::ReportInput) {
    let _ = writeln!(
        out,
        "<h2 id=\"provenance\">Provenance</h2><ul class=\"provenance\">"
    );
    for (k, v) in &input.provenance {
        let _ = writeln!(out, "<li>{}: <code>{}</code></li>", escape(k), escape(v));
    }
    let _ = writeln!(out, "</ul>");
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
        let mut html = String::new();
        render(&Comparison::new(&input), dir.path(), &mut html);
        assert!(
            !html.contains("<script>alert"),
            "spec text must not become markup"
        );
        assert!(html.contains("dae &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("AE &amp; DAE"));
        assert!(html.contains("alt=\"Loss &lt;per&gt; epoch\""));
        assert!(html.contains("<td class=\"best\">0.0100 ★</td>"));
        assert!(html.contains("<a href=\"runs/dae/report.html\">dae</a>"));
        let mut page = String::new();
        render_run(&Comparison::new(&input), 0, dir.path(), &mut page);
        assert!(page.contains("<h1>Run <code>ae</code></h1>"));
        assert!(page.contains("src=\"data:image/png;base64,iVBORyBmYWtl\""));
        assert!(page.contains("href=\"../../report.html\""));
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
