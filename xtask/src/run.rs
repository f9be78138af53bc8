//! `cargo xtask run <spec>`: validates the spec (with any `--set`
//! overrides), expands its variants and sweeps, loads the data once, runs
//! the runs into an archive (`--jobs` at a time, reusing runs completed
//! earlier with the same identity), and writes the comparison report. Also
//! resumes an interrupted archive (`--resume`) and runs one shard of a
//! cluster job (`--shard I/N --archive DIR`).

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_archive::{RunStatus, Summary};
use aelab_spec::Experiment;
use anyhow::{Context, Result};

use crate::archive_writer::ArchiveWriter;
use crate::cache::RunCache;
use crate::dataset::{self, DataMismatch};
use crate::report::{build_report, flatten_settings, stored_experiment};
use crate::{progress, project_root, schedule};

#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment spec (TOML), e.g. experiments/dae.toml; not with --resume.
    #[arg(required_unless_present = "resume")]
    spec: Option<PathBuf>,
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
    /// Train again even runs completed earlier with the same identity.
    #[arg(long)]
    force: bool,
    /// Finish the missing runs of an interrupted archive, then its report.
    #[arg(long, value_name = "ARCHIVE", conflicts_with_all = ["spec", "set", "shard", "archive"])]
    resume: Option<PathBuf>,
    /// Execute only shard I of N (runs I, I+N, I+2N, ... counting from 1)
    /// into the shared --archive folder; no report (see `cargo xtask report`).
    #[arg(long, value_name = "I/N", requires = "archive")]
    shard: Option<Shard>,
    /// Write into this archive folder (created or joined) instead of a new one.
    #[arg(long, value_name = "DIR")]
    archive: Option<PathBuf>,
    /// Only warnings and errors; no progress bars.
    #[arg(long, short)]
    quiet: bool,
}

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let parsed = s.split_once('/').and_then(|(i, n)| {
            Some((
                i.trim().parse::<usize>().ok()?,
                n.trim().parse::<usize>().ok()?,
            ))
        });
        match parsed {
            Some((index, count)) if (1..=count).contains(&index) => Ok(Shard { index, count }),
            _ => Err(format!("`{s}` is not I/N with 1 <= I <= N, e.g. 2/4")),
        }
    }
}

impl Shard {
    /// Whether the run at position `i` (0-based) belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let mut experiment = match (&args.resume, &args.spec) {
        (Some(dir), _) => stored_experiment(dir)?,
        (None, Some(spec)) => Experiment::load_with(spec, &args.set)?,
        (None, None) => unreachable!("clap requires a spec without --resume"),
    };
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
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let archive = match (&args.resume, &args.archive) {
        (Some(dir), _) => ArchiveWriter::open(dir)?,
        (None, Some(dir)) => ArchiveWriter::create_or_join(dir, &experiment, &data, jobs)?,
        (None, None) => {
            let results = args
                .results_dir
                .clone()
                .unwrap_or_else(|| project_root().join("results"));
            ArchiveWriter::create(&results, &experiment, &data, jobs)
                .with_context(|| format!("opening an archive under {}", results.display()))?
        }
    };
    tracing::info!(
        "archive: {} ({jobs} run(s) at a time)",
        archive.dir.display()
    );

    // Runs this invocation owns and that are not complete in the archive.
    let mut todo = Vec::new();
    for (i, run) in experiment.runs.iter().enumerate() {
        if args.shard.is_some_and(|s| !s.owns(i)) {
            continue;
        }
        let dir = archive.run_dir(&run.name);
        if let Some(status) = completed_status(&dir) {
            tracing::info!("run {} is complete in this archive; keeping it", run.name);
            // It may have ended just before an interruption could record it.
            archive.set_run_status(&run.name, status)?;
            continue;
        }
        if dir.exists() {
            // Interrupted: nothing in it is a result (no summary.json).
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("clearing the interrupted run {}", dir.display()))?;
        }
        todo.push(run);
    }
    let cache = match (args.force, archive.dir.parent()) {
        (false, Some(parent)) => RunCache::scan(parent, &archive.dir),
        _ => RunCache::default(),
    };
    schedule::execute_all(&todo, &data, &archive, &cache, jobs)?;

    if let Some(shard) = args.shard {
        archive.finish()?;
        tracing::info!(
            "shard {}/{} done; once every shard is, build the report: cargo xtask report {}",
            shard.index,
            shard.count,
            archive.dir.display()
        );
    } else {
        build_report(&archive, &experiment, &data)?;
        tracing::info!("report: {}", archive.dir.join("report.html").display());
    }
    let manifest = archive.manifest()?;
    let failed = manifest.runs.iter().any(|r| r.status == RunStatus::Failed);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A run is complete once its `summary.json` says `ok` or `diverged`.
fn completed_status(dir: &std::path::Path) -> Option<RunStatus> {
    Summary::read(&dir.join("summary.json"))
        .ok()?
        .status
        .filter(|s| matches!(s, RunStatus::Ok | RunStatus::Diverged))
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
