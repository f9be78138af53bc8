//! `cargo xtask run <spec>`: validates the spec (with any `--set`
//! overrides), expands its variants and sweeps, and runs them into an
//! archive with a report. Also resumes an interrupted archive (`--resume`)
//! and runs one shard of a cluster job (`--shard I/N --archive DIR`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use aelab_pipeline::{
    load_spec, planned_runs, resumed_experiment, run_experiment, select_runs, Destination, Observe,
    RunOptions, Shard,
};
use anyhow::Result;

use crate::progress::{self, TerminalBars};

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

pub fn run(args: RunArgs, started: Instant) -> Result<ExitCode> {
    progress::init(args.quiet);
    let mut experiment = match (&args.resume, &args.spec) {
        (Some(dir), _) => resumed_experiment(dir)?,
        (None, Some(spec)) => load_spec(spec, &args.set)?,
        (None, None) => unreachable!("clap requires a spec without --resume"),
    };
    select_runs(&mut experiment, &args.only)?;
    if args.dry_run {
        // A closed pipe (`| head`) ends the listing quietly.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}: {} run(s)", experiment.name, experiment.runs.len());
        for (name, varying) in planned_runs(&experiment) {
            let shown: Vec<String> = varying.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if writeln!(out, "  {name}  {}", shown.join(" ")).is_err() {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let destination = match (args.resume, args.archive) {
        (Some(dir), _) => Destination::Resume(dir),
        (None, Some(dir)) => Destination::Archive(dir),
        (None, None) => Destination::NewArchive {
            results_dir: args.results_dir.unwrap_or_else(crate::default_results),
        },
    };
    let options = RunOptions {
        destination,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        force: args.force,
        shard: args.shard,
    };
    let observe = Observe {
        progress: &TerminalBars,
        process_started: Some(started),
    };
    let outcome = run_experiment(&experiment, &options, observe)?;
    Ok(if outcome.failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
