//! The report in a real browser: headless Chromium loads `report.html` of a
//! small experiment; the page must raise no errors (script errors, failed
//! loads, `console.error`) and every image must decode (non-zero natural
//! width). A screenshot is taken too. Needs Chromium (`.ci/run` installs
//! Debian's `chromium`; elsewhere set `CHROMIUM` to a Chromium or Chrome
//! binary) and `MNIST_DIR`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{archives, run_spec, write_spec};

const SPEC: &str = r#"
name = "browser"
description = "Report <checked> in a browser & more"
[data]
dir = "MNIST"
limit = 1500
validation = 300
[train]
epochs = 2
[eval]
tsne = { points = 200, perplexity = 20.0 }
[[variant]]
name = "ae"
[[variant]]
name = "dae"
noise = { kind = "gaussian", level = 0.5 }
[[variant]]
name = "ae-2d"
model = { latent = 2 }
[[variant]]
name = "pca"
model = { kind = "pca", latent = 30 }
"#;

/// Collects errors from the first moment and, once the page has loaded,
/// writes what it found into `<pre id="aelab-check">` for `--dump-dom`.
const PROBE: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + (e.message || (e.target && e.target.src && e.target.src.slice(0, 60)))); }, true);
var aelabConsoleError = console.error;
console.error = function () { window.__errors.push('console.error: ' + Array.from(arguments).join(' ')); aelabConsoleError.apply(console, arguments); };
window.addEventListener('load', function () {
  var images = Array.from(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).map(function (i) { return i.alt; });
  var out = document.createElement('pre');
  out.id = 'aelab-check';
  out.textContent = JSON.stringify({ images: images.length, broken: broken, errors: window.__errors });
  document.body.appendChild(out);
});
</script>"#;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    panic!(
        "no Chromium found: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM"
    );
}

fn headless(profile: &Path) -> Command {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn report_loads_without_errors_and_every_image_decodes() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "browser.toml", SPEC);
    let results = tmp.path().join("results");
    let out = run_spec(&spec, &results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = archives(&results, "browser").pop().unwrap();
    let html = std::fs::read_to_string(archive.join("report.html")).unwrap();
    let expected_images = html.matches("<img ").count();
    assert!(
        expected_images >= 20,
        "every figure should be in the page ({expected_images})"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no network fetches"
    );

    let probed = archive.join("probed.html");
    std::fs::write(
        &probed,
        html.replacen("<head>", &format!("<head>{PROBE}"), 1),
    )
    .unwrap();
    let dom = headless(&tmp.path().join("profile"))
        .args(["--virtual-time-budget=15000", "--dump-dom"])
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom
        .find("<pre id=\"aelab-check\">")
        .expect("the page finished loading")
        + 22;
    let end = start + dom[start..].find("</pre>").unwrap();
    let check: serde_json::Value =
        serde_json::from_str(&dom[start..end].replace("&amp;", "&")).unwrap();
    assert_eq!(check["images"], expected_images, "{check}");
    assert_eq!(
        check["broken"],
        serde_json::json!([]),
        "images that did not decode: {check}"
    );
    assert_eq!(
        check["errors"],
        serde_json::json!([]),
        "errors in the page: {check}"
    );

    for (width, name) in [
        (1280, "screenshot-laptop.png"),
        (390, "screenshot-phone.png"),
    ] {
        let shot = archive.join(name);
        let status = headless(&tmp.path().join("profile"))
            .arg(format!("--window-size={width},2400"))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", archive.join("report.html").display()))
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{name}: {} bytes",
            png.len()
        );
    }
    if let Some(keep) = std::env::var_os("AELAB_KEEP_SCREENSHOTS") {
        for name in ["screenshot-laptop.png", "screenshot-phone.png"] {
            std::fs::copy(archive.join(name), Path::new(&keep).join(name)).unwrap();
        }
    }
}
