//! `cargo xtask gc <experiment> [--keep N] [--dry-run]`: removes older
//! archives of an experiment and says how much disk that freed.

use std::path::PathBuf;
use std::process::ExitCode;

use aelab_pipeline::{execute_gc, human_bytes, plan_gc};
use anyhow::Result;

#[derive(clap::Args)]
pub struct GcArgs {
    /// The experiment's name (its folder under the results root).
    experiment: String,
    /// Finished archives kept, newest first; `running` ones are always kept.
    #[arg(long, default_value_t = 3)]
    keep: usize,
    /// Say what would be removed, remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

pub fn gc(args: GcArgs) -> Result<ExitCode> {
    let results = args.results_dir.unwrap_or_else(crate::default_results);
    let plan = plan_gc(&results, &args.experiment, args.keep)?;
    for (dir, why) in &plan.keep {
        println!("keep    {} ({why})", dir.display());
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "remove"
    };
    for (dir, bytes) in &plan.remove {
        println!("{verb}  {} (frees {})", dir.display(), human_bytes(*bytes));
    }
    if args.dry_run {
        println!(
            "dry run: {} archive(s) would be removed, freeing {}",
            plan.remove.len(),
            human_bytes(plan.freed())
        );
    } else {
        let freed = execute_gc(&plan)?;
        println!(
            "removed {} archive(s), freed {}",
            plan.remove.len(),
            human_bytes(freed)
        );
    }
    Ok(ExitCode::SUCCESS)
}
