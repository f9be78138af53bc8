//! `cargo xtask fetch <dataset> [--mirror URL]`: downloads an IDX data set
//! (`mnist`, `fashion-mnist`, `kmnist`) into the cache and verifies it, so
//! a later run needs no network.

use std::process::ExitCode;

use aelab_pipeline::fetch_dataset;
use anyhow::Result;

use crate::progress::{self, TerminalBars};

#[derive(clap::Args)]
pub struct FetchArgs {
    /// The data set: mnist, fashion-mnist or kmnist.
    dataset: String,
    /// A mirror to try first: the URL of a folder holding the files
    /// (http://, https:// or file://; repeatable; AELAB_MIRROR works too).
    #[arg(long, value_name = "URL")]
    mirror: Vec<String>,
    /// Only warnings and errors; no progress bars.
    #[arg(long, short)]
    quiet: bool,
}

pub fn fetch(args: FetchArgs) -> Result<ExitCode> {
    progress::init(args.quiet);
    let fetched = fetch_dataset(&args.dataset, &args.mirror, &TerminalBars)?;
    println!(
        "{}: {} file(s) downloaded, {} already there, all verified",
        fetched.dir.display(),
        fetched.downloaded.len(),
        fetched.present.len()
    );
    Ok(ExitCode::SUCCESS)
}
