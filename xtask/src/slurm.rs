//! `cargo xtask slurm <spec>`: prepares a sweep for a Slurm cluster (an
//! archive with a job array of shards and a dependent report job).

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{load_spec, write_slurm_job, SlurmOptions};
use anyhow::{Context, Result};

use crate::progress;

#[derive(clap::Args)]
pub struct SlurmArgs {
    /// The experiment spec (TOML).
    spec: PathBuf,
    /// Slurm partition (default: the cluster's default partition).
    #[arg(long)]
    partition: Option<String>,
    /// Time limit of each array task, in Slurm's format (e.g. 02:00:00).
    #[arg(long, default_value = "04:00:00")]
    time: String,
    /// CPUs per array task; that many runs of a shard train at once.
    #[arg(long, default_value_t = 2)]
    cpus_per_task: usize,
    /// Array tasks [default: one per run].
    #[arg(long)]
    shards: Option<usize>,
    /// Override a spec key for every run (repeatable), as with `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

pub fn slurm(args: SlurmArgs) -> Result<ExitCode> {
    progress::init(true);
    let experiment = load_spec(&args.spec, &args.set)?;
    let options = SlurmOptions {
        partition: args.partition,
        time: args.time,
        cpus_per_task: args.cpus_per_task,
        shards: args.shards,
        overrides: args.set,
        results_dir: args.results_dir.unwrap_or_else(crate::default_results),
        executable: std::env::current_exe().context("finding the xtask binary")?,
        working_dir: std::env::current_dir().context("reading the working folder")?,
    };
    let job = write_slurm_job(&experiment, &args.spec, &options)?;
    println!("archive: {}", job.archive.display());
    println!("submit:  bash {}", job.submit.display());
    Ok(ExitCode::SUCCESS)
}
