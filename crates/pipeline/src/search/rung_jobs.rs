//! A search in rungs as cluster jobs, one step at a time, with no server:
//! [`run_rung_task`] is one array task of a rung (it finds its trial among
//! those the previous rung's decision promoted, brings it to the rung's
//! epochs from its checkpoint, and writes its result), and
//! [`decide_rung`] is the small job after the array (it reads the rung's
//! results and writes the decision through the same `rungs::decide` a
//! local run uses). Array sizes are fixed when the jobs are submitted, so a
//! task beyond the trials that entered its rung does nothing.

use std::path::Path;

use aelab_archive::ArchiveWriter;
use aelab_spec::{Bracket, Experiment, SearchConfig};

use crate::input::dataset;
use crate::running::manifest::new_manifest;
use crate::search::halving::advance;
use crate::search::rungs::{
    bracket_runs, budget, checkpoints_dir, decide, promoted_runs, read_bracket, read_result,
    rung_search, write_result, write_rung, Rung, RungTrial,
};
use crate::{PipelineError, Result};

/// What one array task of a rung did.
#[derive(Debug, Clone, PartialEq)]
pub enum RungTask {
    /// It brought this trial to the rung's epochs.
    Trained(RungTrial),
    /// Only `entering` trials entered the rung; the task had none.
    Idle { entering: usize },
}

/// Array task `task` (counting from 1) of rung `rung` of bracket `bracket`
/// of `experiment`'s search, in the archive folder `archive` (created or
/// joined).
pub fn run_rung_task(
    experiment: &Experiment,
    archive: &Path,
    (bracket, rung): (usize, usize),
    task: usize,
) -> Result<RungTask> {
    let search = rung_search(experiment, "a rung's task")?;
    let (spec_bracket, epochs) = locate(experiment, search, (bracket, rung))?;
    let entering = entering(experiment, search, archive, (bracket, rung), &spec_bracket)?;
    let Some(&k) = task.checked_sub(1).and_then(|i| entering.get(i)) else {
        tracing::info!(
            "rung {rung} of bracket {bracket}: task {task} has no trial ({} entered)",
            entering.len()
        );
        return Ok(RungTask::Idle {
            entering: entering.len(),
        });
    };
    let data = dataset::load(experiment)?;
    let archive = ArchiveWriter::create_or_join(
        archive,
        &experiment.text,
        &new_manifest(experiment, &data, 1),
    )?;
    let checkpoints = checkpoints_dir(&archive.dir);
    std::fs::create_dir_all(&checkpoints)
        .map_err(|e| PipelineError::io("cannot create", &checkpoints, e))?;
    let run = &experiment.runs[k];
    tracing::info!(
        "rung {rung} of bracket {bracket}: {} to {epochs} epoch(s)",
        run.name
    );
    let trial = advance(run, &data, &checkpoints, epochs)?;
    write_result(&archive.dir, search.method, (bracket, rung), &trial)?;
    Ok(RungTask::Trained(trial))
}

/// Decides rung `rung` of bracket `bracket` from its trials' results in
/// `archive` (every trial that entered it must have one) and writes the
/// decision.
pub fn decide_rung(
    experiment: &Experiment,
    archive: &Path,
    (bracket, rung): (usize, usize),
) -> Result<Rung> {
    let search = rung_search(experiment, "a rung's decision")?;
    let (spec_bracket, epochs) = locate(experiment, search, (bracket, rung))?;
    let entering = entering(experiment, search, archive, (bracket, rung), &spec_bracket)?;
    let trials = entering
        .iter()
        .map(|&k| {
            read_result(
                archive,
                search.method,
                (bracket, rung),
                &experiment.runs[k].name,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let last = rung + 1 == spec_bracket.rungs.len();
    let decided = decide(search, (rung, epochs, last), trials);
    write_rung(archive, search.method, bracket, &decided)?;
    Ok(decided)
}

/// The bracket and the rung's epochs, or an error saying what exists.
fn locate(
    experiment: &Experiment,
    search: &SearchConfig,
    (bracket, rung): (usize, usize),
) -> Result<(Bracket, usize)> {
    let brackets = search.brackets(budget(experiment));
    let count = brackets.len();
    let spec_bracket = brackets.into_iter().nth(bracket).ok_or_else(|| {
        PipelineError::Mismatch(format!(
            "bracket {bracket}: this {} search has {count} bracket(s); allowed: 0..={}",
            search.method.name(),
            count.saturating_sub(1)
        ))
    })?;
    let epochs = spec_bracket.rungs.get(rung).copied().ok_or_else(|| {
        PipelineError::Mismatch(format!(
            "rung {rung}: bracket {bracket} has {} rung(s); allowed: 0..={}",
            spec_bracket.rungs.len(),
            spec_bracket.rungs.len().saturating_sub(1)
        ))
    })?;
    Ok((spec_bracket, epochs))
}

/// The positions in `experiment.runs` of the trials entering the rung:
/// the bracket's for its first, else those the rung before promoted (which
/// must be decided).
fn entering(
    experiment: &Experiment,
    search: &SearchConfig,
    archive: &Path,
    (bracket, rung): (usize, usize),
    spec_bracket: &Bracket,
) -> Result<Vec<usize>> {
    let Some(before) = rung.checked_sub(1) else {
        return Ok(bracket_runs(experiment, spec_bracket));
    };
    let decided = read_bracket(archive, search.method, bracket)?;
    let previous = decided.get(before).ok_or_else(|| {
        PipelineError::Mismatch(format!(
            "rung {before} of bracket {bracket} is not decided in {}; its decision comes first",
            archive.display()
        ))
    })?;
    Ok(promoted_runs(experiment, previous))
}
