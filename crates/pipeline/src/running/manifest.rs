//! The manifest a new archive starts with: the experiment, its provenance
//! (git, compiler, crates, host, CPU, data checksums) and every run
//! `pending`.

use aelab_archive::{DataFile, Manifest, RunEntry, RunStatus, SCHEMA_VERSION};
use aelab_spec::Experiment;

use crate::input::dataset::Dataset;
use crate::running::identity::run_identity;
use crate::running::provenance;

/// The `running` manifest of `experiment` on `data`, `jobs` runs at once.
pub fn new_manifest(experiment: &Experiment, data: &Dataset, jobs: usize) -> Manifest {
    // each run trains and evaluates on its share of the machine
    let share = crate::running::schedule::evaluation_threads(jobs, experiment.runs.len());
    Manifest {
        schema_version: SCHEMA_VERSION,
        experiment: experiment.name.clone(),
        description: experiment.description.clone(),
        status: "running".into(),
        // Absolute, so relative paths in the spec resolve from anywhere.
        spec: std::fs::canonicalize(&experiment.path)
            .unwrap_or_else(|_| experiment.path.clone())
            .display()
            .to_string(),
        command: std::env::args().collect(),
        aelab_version: env!("CARGO_PKG_VERSION").into(),
        git: provenance::git(),
        rustc: provenance::rustc(),
        crates: provenance::crates(),
        seed: experiment.runs.first().map_or(0, |r| r.seed),
        data: data
            .files
            .iter()
            .map(|f| DataFile {
                path: f.path.display().to_string(),
                sha256: f.sha256.clone(),
            })
            .collect(),
        threads: share,
        evaluation_threads: share,
        jobs,
        overrides: experiment.overrides.clone(),
        host: provenance::host(),
        cpu: provenance::cpu(),
        kernels: aelab_kernels::Isa::active().name().into(),
        started: aelab_archive::now(),
        finished: None,
        runs: experiment
            .runs
            .iter()
            .map(|r| RunEntry {
                name: r.name.clone(),
                seed: r.seed,
                status: RunStatus::Pending,
                identity: run_identity(r, data),
            })
            .collect(),
    }
}
