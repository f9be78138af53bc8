//! Progress bars (indicatif) and log lines (tracing) on stderr. Bars are
//! hidden when stderr is not a terminal or under `--quiet`; log lines are
//! printed above the bars without tearing them.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use aelab_pipeline::{Bar, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

static BARS: OnceLock<MultiProgress> = OnceLock::new();

fn bars() -> &'static MultiProgress {
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::hidden()))
}

/// Sets up logging and bars; `quiet` keeps only warnings and errors.
pub fn init(quiet: bool) {
    let show_bars = !quiet && std::io::stderr().is_terminal();
    let bars = bars();
    if show_bars {
        bars.set_draw_target(ProgressDrawTarget::stderr());
    }
    let level = if quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(show_bars)
        .with_writer(|| LogWriter)
        .try_init();
}

/// Writes log lines with the bars suspended.
struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        bars().suspend(|| std::io::stderr().write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The pipeline's bars, drawn by indicatif.
pub struct TerminalBars;

struct TerminalBar(ProgressBar);

impl Bar for TerminalBar {
    fn inc(&self, delta: u64) {
        self.0.inc(delta);
    }

    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for TerminalBars {
    fn bar(&self, name: &str, total: u64, unit: &str) -> Box<dyn Bar> {
        let template = match unit {
            "bytes" => "{prefix:>14} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ({elapsed}, eta {eta})".to_string(),
            _ => format!(
                "{{prefix:>14}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}} ({{elapsed}}, eta {{eta}})"
            ),
        };
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = bars().add(ProgressBar::new(total).with_style(style));
        bar.set_prefix(name.to_string());
        Box::new(TerminalBar(bar))
    }
}

/// Removes every bar (before an error message).
pub fn clear() {
    let _ = bars().clear();
}
