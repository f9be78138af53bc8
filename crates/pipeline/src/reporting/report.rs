//! Building an archive's report from what its runs left on disk
//! (`summary.json`, `metrics.csv`, the figures), so the same code serves a
//! local run, a resumed one and shards from many machines.

use std::path::Path;

use aelab_archive::{read_metrics_csv, ArchiveWriter, Manifest, MetricsRow, RunStatus, Summary};
use aelab_report::{write_report, Baseline, Figure, ReportInput, RunReport};
use aelab_spec::{Experiment, RunConfig};

use crate::evaluation::evaluate::embedding_baseline;
use crate::input::dataset::{self, Dataset};
use crate::reporting::figures::experiment_figures;
use crate::Result;

/// What rebuilding a report found.
pub struct ReportOutcome {
    /// `report.html`.
    pub report: std::path::PathBuf,
    /// The manifest's status after the rebuild (`complete` once every run
    /// is in).
    pub status: String,
    /// Runs that have not finished yet (other shards still running).
    pub pending: Vec<String>,
}

/// Rebuilds the report of the archive `dir` from its run folders (after
/// shards, or to refresh it), giving the runs named in `detail` the full
/// evaluation and their figures first.
pub fn rebuild_report(dir: &Path, detail: &[String]) -> Result<ReportOutcome> {
    let archive = ArchiveWriter::open(dir)?;
    let experiment = stored_experiment(&archive.dir)?;
    let data = dataset::load(&experiment)?;
    build_report(&archive, &experiment, &data, detail)?;
    // Shards of a search leave its checkpoints to the report.
    crate::search::rungs::remove_spent_checkpoints(&experiment, &archive)?;
    let manifest = archive.manifest()?;
    Ok(ReportOutcome {
        report: archive.dir.join("report.html"),
        status: manifest.status.clone(),
        pending: manifest
            .runs
            .iter()
            .filter(|r| r.status == RunStatus::Pending)
            .map(|r| r.name.clone())
            .collect(),
    })
}

/// The experiment an archive holds: its `experiment.toml` with the
/// manifest's overrides, relative paths anchored at the original spec.
pub fn stored_experiment(dir: &Path) -> Result<Experiment> {
    let manifest = Manifest::read_archive(dir)?;
    let mut experiment = parsed_experiment(dir, &manifest)?;
    // A search in rungs: its trials ran to the epochs they reached.
    crate::search::rungs::apply_reached(&mut experiment, dir)?;
    // The runs the archive holds (an `--only` run archives a subset).
    experiment
        .runs
        .retain(|r| manifest.runs.iter().any(|m| m.name == r.name));
    Ok(experiment)
}

/// The spec an archive holds as written (a search's trials at full
/// budget, as a resume needs them).
pub(crate) fn spec_experiment(dir: &Path) -> Result<Experiment> {
    let manifest = Manifest::read_archive(dir)?;
    let mut experiment = parsed_experiment(dir, &manifest)?;
    experiment
        .runs
        .retain(|r| manifest.runs.iter().any(|m| m.name == r.name));
    Ok(experiment)
}

fn parsed_experiment(dir: &Path, manifest: &Manifest) -> Result<Experiment> {
    let spec = dir.join("experiment.toml");
    let text =
        std::fs::read_to_string(&spec).map_err(|e| aelab_archive::ArchiveError::NotAnArchive {
            path: dir.to_path_buf(),
            message: format!("cannot read experiment.toml: {e}"),
        })?;
    Ok(Experiment::parse_with(
        Path::new(&manifest.spec),
        &text,
        &manifest.overrides,
    )?)
}

/// Gives the best configurations of a light sweep (and the runs named in
/// `detail`) the full evaluation, then writes `comparison.csv`,
/// `report.md`, `report.html`, each run's page and the figures that span
/// runs from the archive's run folders, and updates the manifest.
pub fn build_report(
    archive: &ArchiveWriter,
    experiment: &Experiment,
    data: &Dataset,
    detail: &[String],
) -> Result<()> {
    crate::evaluation::detail::detail_best_and_asked(&archive.dir, experiment, data, detail)?;
    let runs: Vec<(RunReport, Vec<MetricsRow>)> = experiment
        .runs
        .iter()
        .map(|run| stored_run(&archive.run_dir(&run.name), run))
        .collect();
    let histories: Vec<(String, Vec<MetricsRow>)> = runs
        .iter()
        .map(|(r, h)| (r.name.clone(), h.clone()))
        .collect();
    let reports: Vec<RunReport> = runs.into_iter().map(|(r, _)| r).collect();
    let figures = experiment_figures(&archive.dir, data, &histories, &reports, experiment)?;
    // The baseline is context, not a result: a report goes on without it.
    let baseline = embedding_baseline(experiment, data).unwrap_or_else(|e| {
        tracing::warn!("no PCA baseline in the report: {e}");
        None
    });
    let search = crate::search::search_report::search_section(
        experiment,
        &archive.dir,
        &reports,
        &histories,
    )?;
    let mut input = report_input(experiment, archive, data, reports, figures, baseline)?;
    input.search = search;
    if experiment.runs.iter().any(|r| r.eval.probe) {
        input.pixel_probe_acc = crate::evaluation::tasks::probe_pixels(data).unwrap_or_else(|e| {
            tracing::warn!("no pixel probe in the report: {e}");
            None
        });
    }
    write_report(&archive.dir, &input)?;
    Ok(archive.finish()?)
}

/// A run as its folder has it; one without `summary.json` has not finished.
fn stored_run(dir: &Path, run: &RunConfig) -> (RunReport, Vec<MetricsRow>) {
    let summary = Summary::read(&dir.join("summary.json")).unwrap_or_else(|_| Summary {
        run: run.name.clone(),
        status: Some(RunStatus::Pending),
        ..Summary::default()
    });
    let history = read_metrics_csv(&dir.join("metrics.csv")).unwrap_or_default();
    let report = RunReport {
        name: run.name.clone(),
        group: run.group.clone(),
        settings: flatten_settings(run),
        figures: summary.figures.clone(),
        summary,
    };
    (report, history)
}

fn report_input(
    experiment: &Experiment,
    archive: &ArchiveWriter,
    data: &Dataset,
    runs: Vec<RunReport>,
    figures: Vec<Figure>,
    baseline: Option<Baseline>,
) -> Result<ReportInput> {
    let manifest = archive.manifest()?;
    let mut provenance = vec![
        ("archive".to_string(), archive.dir.display().to_string()),
        ("spec".to_string(), experiment.path.display().to_string()),
        (
            "git".to_string(),
            format!(
                "{}{}",
                manifest.git.revision,
                if manifest.git.dirty { " (dirty)" } else { "" }
            ),
        ),
        ("rustc".to_string(), manifest.rustc.clone()),
        ("threads per run".to_string(), manifest.threads.to_string()),
        ("runs at once".to_string(), manifest.jobs.to_string()),
        ("host".to_string(), manifest.host.clone()),
        ("CPU".to_string(), manifest.cpu.clone()),
        (
            "kernels".to_string(),
            match manifest.kernels.as_str() {
                "" => "not recorded (an archive before aelab recorded them)".to_string(),
                path => path.to_string(),
            },
        ),
        ("started".to_string(), manifest.started.clone()),
    ];
    if !manifest.overrides.is_empty() {
        provenance.push(("overrides".to_string(), manifest.overrides.join(" ")));
    }
    for f in &data.files {
        provenance.push((format!("sha256 {}", f.path.display()), f.sha256.clone()));
    }
    Ok(ReportInput {
        title: format!("Experiment {}", experiment.name),
        description: experiment.description.clone(),
        provenance,
        runs,
        figures,
        baseline,
        pixel_probe_acc: None,
        search: None,
    })
}

/// The run's config as `section.key = value` pairs.
pub fn flatten_settings(run: &RunConfig) -> Vec<(String, String)> {
    match toml::Value::try_from(run) {
        Ok(toml::Value::Table(table)) => flatten_table(&table),
        _ => Vec::new(),
    }
}

/// A TOML table as `dotted.key = value` pairs (strings unquoted).
pub fn flatten_table(table: &toml::Table) -> Vec<(String, String)> {
    aelab_spec::flatten_toml(table)
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}
