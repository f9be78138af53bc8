//! `cargo xtask`: the aelab command line. A thin dispatcher: each command
//! lives in its own module and only wires the library crates together.
//!
//! Exit codes: 0 success, 1 a run failed or something broke, 2 bad input
//! (spec, data files, arguments).

mod archive_writer;
mod bench;
mod cache;
mod compare;
mod dataset;
mod evaluate;
mod execute;
mod figures;
mod identity;
mod latent_views;
mod list;
mod progress;
mod provenance;
mod report;
mod reproduce;
mod run;
mod schedule;
mod slurm;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Run autoencoder experiments on MNIST")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every run of an experiment spec and write an archive with a report.
    Run(run::RunArgs),
    /// Rebuild an archive's report from its run folders (after shards).
    Report(report::ReportArgs),
    /// Run an archive (or one of its runs) again and check the results are bit-identical.
    Reproduce(reproduce::ReproduceArgs),
    /// List the archives with their status and best run.
    List(list::ListArgs),
    /// Two archives side by side: settings and metrics with the change.
    Compare(compare::CompareArgs),
    /// Write a Slurm job array (one shard per task) and a dependent report job.
    Slurm(slurm::SlurmArgs),
    /// Measure training, evaluation, t-SNE, PCA and start-up on this machine.
    Bench(bench::BenchArgs),
}

/// When the process started, for start-up timing.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

fn main() -> ExitCode {
    STARTED.get_or_init(std::time::Instant::now);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::report(args),
        Command::Reproduce(args) => reproduce::reproduce(args),
        Command::List(args) => list::list(args),
        Command::Compare(args) => compare::compare(args),
        Command::Slurm(args) => slurm::slurm(args),
        Command::Bench(args) => bench::bench(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            progress::clear();
            eprintln!("error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// 2 for mistakes in what the user supplied, 1 otherwise.
fn exit_code(e: &anyhow::Error) -> u8 {
    let bad_input = e.chain().any(|cause| {
        cause.is::<aelab_spec::SpecError>()
            || cause.is::<aelab_data::DataError>()
            || cause.is::<dataset::DataMismatch>()
    });
    if bad_input {
        2
    } else {
        1
    }
}

/// The workspace root, where `results/` lives by default.
fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
