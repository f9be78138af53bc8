//! `cargo xtask`: the aelab command line. A thin layer over
//! `aelab-pipeline` (and `aelab-bench`): each command parses its
//! arguments, calls the library, prints what came back and picks the exit
//! code.
//!
//! Exit codes: 0 success, 1 a run failed or something broke, 2 bad input
//! (spec, data files, archive paths, arguments).

#![forbid(unsafe_code)]

mod bench;
mod compare;
mod export;
mod fetch;
mod gc;
mod list;
mod progress;
mod report;
mod reproduce;
mod run;
mod rung;
mod shapes;
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
    /// List the archives with their status, best run and size.
    List(list::ListArgs),
    /// Two archives side by side: settings and metrics with the change.
    Compare(compare::CompareArgs),
    /// Download and verify a data set (mnist, fashion-mnist, kmnist) into the cache.
    Fetch(fetch::FetchArgs),
    /// Remove older archives of an experiment, keeping the newest.
    Gc(gc::GcArgs),
    /// Write a Slurm job array (one shard per task) and a dependent report job;
    /// a search in rungs gets one array per rung, each after a decision job.
    Slurm(slurm::SlurmArgs),
    /// One step of a search in rungs on a cluster: a rung's array task or its decision.
    Rung(rung::RungArgs),
    /// Measure training, evaluation, t-SNE, PCA and start-up on this machine.
    Bench(bench::BenchArgs),
    /// Print every model of a spec layer by layer: output shapes and parameter counts.
    Shapes(shapes::ShapesArgs),
    /// Write a finished run's model as ONNX graphs or a PyTorch state dict.
    Export(export::ExportArgs),
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args, started),
        Command::Report(args) => report::report(args),
        Command::Reproduce(args) => reproduce::reproduce(args),
        Command::List(args) => list::list(args),
        Command::Compare(args) => compare::compare(args),
        Command::Gc(args) => gc::gc(args),
        Command::Fetch(args) => fetch::fetch(args),
        Command::Slurm(args) => slurm::slurm(args),
        Command::Rung(args) => rung::rung(args),
        Command::Bench(args) => bench::bench(args),
        Command::Shapes(args) => shapes::shapes(args),
        Command::Export(args) => export::export(args),
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
        cause
            .downcast_ref::<aelab_pipeline::PipelineError>()
            .is_some_and(|e| e.is_bad_input())
    });
    if bad_input {
        2
    } else {
        1
    }
}

/// `results/` in the workspace, the default archive root.
fn default_results() -> PathBuf {
    aelab_pipeline::workspace_root().join("results")
}
