//! `cargo xtask rung <spec> --archive DIR --rung R (--task K | --decide)`:
//! one step of a search in rungs (halving, Hyperband) on a cluster, as the
//! scripts of `cargo xtask slurm` call it. `--task K` is array task K of
//! the rung: it trains the K-th trial the previous decision promoted (or
//! does nothing when fewer entered); `--decide`, after the rung's array,
//! reads the rung's results and writes who goes on.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{decide_rung, load_spec, run_rung_task, RungTask};
use anyhow::Result;

use crate::progress;

#[derive(clap::Args)]
pub struct RungArgs {
    /// The experiment spec (TOML), as given to `cargo xtask slurm`.
    spec: PathBuf,
    /// Override a spec key for every run (repeatable), as with `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// The archive folder `cargo xtask slurm` made.
    #[arg(long, value_name = "DIR")]
    archive: PathBuf,
    /// The Hyperband bracket (halving has one, 0).
    #[arg(long, default_value_t = 0)]
    bracket: usize,
    /// The rung in its bracket (0 is the first).
    #[arg(long)]
    rung: usize,
    /// Train the K-th trial entering the rung (the array task's index,
    /// from 1).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..),
          required_unless_present = "decide", conflicts_with = "decide")]
    task: Option<u64>,
    /// Decide the rung from its trials' results.
    #[arg(long)]
    decide: bool,
    /// Only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn rung(args: RungArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let experiment = load_spec(&args.spec, &args.set)?;
    let at = (args.bracket, args.rung);
    let name = format!("bracket {}, rung {}", args.bracket, args.rung);
    match args.task {
        Some(task) => {
            let task = usize::try_from(task)?;
            match run_rung_task(&experiment, &args.archive, at, task)? {
                RungTask::Trained(trial) => println!(
                    "{name}: {} at {} epoch(s), {}",
                    trial.run,
                    trial.epochs,
                    trial
                        .metric
                        .map_or("no finite metric".into(), |m| format!("metric {m:.6}"))
                ),
                RungTask::Idle { entering } => {
                    println!("{name}: task {task} has no trial ({entering} entered)")
                }
            }
        }
        None => {
            let decided = decide_rung(&experiment, &args.archive, at)?;
            let promoted: Vec<&str> = decided
                .trials
                .iter()
                .filter(|t| t.promoted)
                .map(|t| t.run.as_str())
                .collect();
            println!(
                "{name} ({} epoch(s), {} trial(s)): promoted {}",
                decided.epochs,
                decided.trials.len(),
                match promoted.is_empty() {
                    true => "none".to_string(),
                    false => promoted.join(", "),
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
