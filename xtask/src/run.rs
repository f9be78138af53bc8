//! `cargo xtask run <spec>`: validates the spec (with any `--set`
//! overrides), expands its variants and sweeps, loads the data once, runs
//! the runs into a new archive (`--jobs` at a time), and writes the
//! comparison report.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_archive::RunStatus;
use aelab_report::{write_report, Baseline, Figure, ReportInput, RunReport};
use aelab_spec::{Experiment, RunConfig};
use anyhow::{Context, Result};

use crate::archive_writer::ArchiveWriter;
use crate::dataset::{self, DataMismatch, Dataset};
use crate::evaluate::embedding_baseline;
use crate::execute::RunResult;
use crate::figures::experiment_figures;
use crate::{progress, project_root, schedule};

#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment spec (TOML), e.g. experiments/dae.toml.
    spec: PathBuf,
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
    /// Override a spec key for every run, e.g. --set train.lr=0.1 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the expanded runs and exit.
    #[arg(long)]
    dry_run: bool,
    /// Run only the runs whose names match this glob (* and ?; repeatable).
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,
    /// Runs executed at once [default: the number of cores].
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Only warnings and errors; no progress bars.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let mut experiment = Experiment::load_with(&args.spec, &args.set)?;
    if !args.only.is_empty() {
        let all: Vec<String> = experiment.runs.iter().map(|r| r.name.clone()).collect();
        experiment
            .runs
            .retain(|r| args.only.iter().any(|g| glob_match(g, &r.name)));
        if experiment.runs.is_empty() {
            return Err(DataMismatch(format!(
                "--only {} matches none of the runs: {}",
                args.only.join(" --only "),
                all.join(", ")
            ))
            .into());
        }
    }
    if args.dry_run {
        print_runs(&experiment);
        return Ok(ExitCode::SUCCESS);
    }
    tracing::info!(
        "experiment {}: {} run(s): {}",
        experiment.name,
        experiment.runs.len(),
        experiment
            .runs
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let data = dataset::load(&experiment)?;
    tracing::info!(
        "data: {} training, {} validation, {} test images of {}x{}",
        data.split.train.len(),
        data.split.validation.len(),
        data.split.test.as_ref().map_or(0, |t| t.len()),
        data.split.train.rows,
        data.split.train.cols
    );
    let results = args
        .results_dir
        .unwrap_or_else(|| project_root().join("results"));
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut archive = ArchiveWriter::create(&results, &experiment, &data, jobs)
        .with_context(|| format!("opening an archive under {}", results.display()))?;
    tracing::info!(
        "archive: {} ({jobs} run(s) at a time)",
        archive.dir.display()
    );

    let outcomes = schedule::execute_all(&experiment.runs, &data, &mut archive, jobs)?;
    let histories: Vec<_> = experiment
        .runs
        .iter()
        .zip(&outcomes)
        .map(|(run, o)| (run.name.clone(), o.history.clone()))
        .collect();
    let reports: Vec<RunReport> = experiment
        .runs
        .iter()
        .zip(outcomes)
        .map(|(run, o)| run_report(run, o))
        .collect();
    let figures = experiment_figures(&archive.dir, &data, &histories, &reports, &experiment)?;
    let baseline = embedding_baseline(&experiment, &data)?;
    write_report(
        &archive.dir,
        &report_input(&experiment, &archive, &data, reports, figures, baseline),
    )?;
    archive.finish()?;
    let failed = archive
        .manifest()
        .runs
        .iter()
        .any(|r| r.status == RunStatus::Failed);
    tracing::info!("report: {}", archive.dir.join("report.html").display());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--dry-run`: one line per run with the settings that vary.
fn print_runs(experiment: &Experiment) {
    let settings: Vec<Vec<(String, String)>> =
        experiment.runs.iter().map(flatten_settings).collect();
    let varying: Vec<&String> = settings
        .first()
        .map(|first| {
            first
                .iter()
                .map(|(k, _)| k)
                .filter(|k| {
                    *k != "name"
                        && settings.iter().any(|s| {
                            s.iter().find(|(sk, _)| sk == *k)
                                != first.iter().find(|(fk, _)| fk == *k)
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    println!("{}: {} run(s)", experiment.name, experiment.runs.len());
    for (run, s) in experiment.runs.iter().zip(&settings) {
        let shown: Vec<String> = s
            .iter()
            .filter(|(k, _)| varying.contains(&k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("  {}  {}", run.name, shown.join(" "));
    }
}

/// Whether `name` matches `pattern` (`*` any run of characters, `?` one).
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

fn run_report(run: &RunConfig, result: RunResult) -> RunReport {
    RunReport {
        name: run.name.clone(),
        settings: flatten_settings(run),
        summary: result.summary,
        figures: result.figures,
    }
}

fn report_input(
    experiment: &Experiment,
    archive: &ArchiveWriter,
    data: &Dataset,
    runs: Vec<RunReport>,
    figures: Vec<Figure>,
    baseline: Option<Baseline>,
) -> ReportInput {
    let manifest = archive.manifest();
    let mut provenance = vec![
        ("archive".to_string(), archive.dir.display().to_string()),
        ("spec".to_string(), experiment.path.display().to_string()),
        (
            "git".to_string(),
            format!(
                "{}{}",
                manifest.git.revision,
                if manifest.git.dirty { " (dirty)" } else { "" }
            ),
        ),
        ("rustc".to_string(), manifest.rustc.clone()),
        ("threads".to_string(), manifest.threads.to_string()),
        ("host".to_string(), manifest.host.clone()),
        ("started".to_string(), manifest.started.clone()),
    ];
    for f in &data.files {
        provenance.push((format!("sha256 {}", f.path.display()), f.sha256.clone()));
    }
    ReportInput {
        title: format!("Experiment {}", experiment.name),
        description: experiment.description.clone(),
        provenance,
        runs,
        figures,
        baseline,
    }
}

/// The run's config as `section.key = value` pairs.
pub fn flatten_settings(run: &RunConfig) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            toml::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = toml::Value::try_from(run) {
        walk("", &value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("dae*", "dae-adam.noise.level=0.3"));
        assert!(glob_match("*level=0.?", "dae.noise.level=0.3"));
        assert!(!glob_match("ae*", "dae"));
        assert!(glob_match("*", ""));
    }
}
