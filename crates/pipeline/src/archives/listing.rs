//! The archives under a results folder (`cargo xtask list`): status, runs
//! finished, the best run by validation BCE (choosing never looks at test
//! data), and the disk each takes.

use std::path::{Path, PathBuf};

use aelab_archive::{all_archives, disk_usage, DiskUsage, Manifest, RunStatus, Summary};
use aelab_report::Choice;

/// One archive as `list` shows it.
pub struct ArchiveListing {
    pub dir: PathBuf,
    pub status: String,
    /// Runs finished (`ok` or `diverged`) and runs in all.
    pub finished: usize,
    pub runs: usize,
    /// The run with the lowest validation BCE (on clean inputs, else as
    /// validated), and that BCE.
    pub best: Option<(String, f64)>,
    pub usage: DiskUsage,
}

/// Every readable archive under `results`, oldest first.
pub fn list_archives(results: &Path) -> Vec<ArchiveListing> {
    all_archives(results)
        .into_iter()
        .filter_map(|dir| {
            let manifest = Manifest::read(&dir.join("manifest.json")).ok()?;
            let finished = manifest
                .runs
                .iter()
                .filter(|r| matches!(r.status, RunStatus::Ok | RunStatus::Diverged))
                .count();
            let summaries: Vec<Summary> = manifest
                .runs
                .iter()
                .filter_map(|r| {
                    Summary::read(&dir.join("runs").join(&r.name).join("summary.json")).ok()
                })
                .collect();
            let best = Choice::for_runs(&summaries).and_then(|choice| {
                let groups: Vec<Vec<&Summary>> = summaries.iter().map(|s| vec![s]).collect();
                let first = *choice.rank(&groups).first()?;
                let run = &summaries[first];
                Some((run.run.clone(), choice.score(run)?))
            });
            Some(ArchiveListing {
                usage: disk_usage(&dir).unwrap_or_default(),
                status: manifest.status,
                finished,
                runs: manifest.runs.len(),
                best,
                dir,
            })
        })
        .collect()
}
