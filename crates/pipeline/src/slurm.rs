//! Preparing a sweep for a Slurm cluster: an archive folder and, in its
//! `slurm/`, `array.sbatch` (a job array, one shard `run --shard I/N
//! --archive DIR` per task), `report.sbatch` (builds the report) and
//! `submit.sh` (submits the array, then the report job to run after it
//! succeeds).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aelab_archive::{create_archive, write_atomic};
use aelab_spec::Experiment;

use crate::{PipelineError, Result};

/// How the cluster job is laid out.
pub struct SlurmOptions {
    /// Slurm partition (the cluster's default when `None`).
    pub partition: Option<String>,
    /// Time limit of each array task, in Slurm's format.
    pub time: String,
    /// CPUs per array task; that many runs of a shard train at once.
    pub cpus_per_task: usize,
    /// Array tasks (one per run when `None`).
    pub shards: Option<usize>,
    /// `--set` overrides passed on to every shard.
    pub overrides: Vec<String>,
    /// The results root the archive is made under.
    pub results_dir: PathBuf,
    /// The `xtask` binary the jobs run, and the folder they run in.
    pub executable: PathBuf,
    pub working_dir: PathBuf,
}

/// The archive made, and the script that submits its jobs.
pub struct SlurmJob {
    pub archive: PathBuf,
    pub submit: PathBuf,
}

/// Creates the archive for `experiment` (from the spec at `spec`) and
/// writes its Slurm scripts.
pub fn write_slurm_job(
    experiment: &Experiment,
    spec: &Path,
    options: &SlurmOptions,
) -> Result<SlurmJob> {
    // A halving search's rungs wait on each other: one task runs them all
    // (resumable), until per-rung arrays exist.
    let halving = experiment
        .search
        .as_ref()
        .is_some_and(|s| s.method == aelab_spec::SearchMethod::Halving);
    let shards = match halving {
        true => 1,
        false => options
            .shards
            .unwrap_or(experiment.runs.len())
            .clamp(1, experiment.runs.len().max(1)),
    };
    let archive = create_archive(
        &options.results_dir,
        &experiment.name,
        &aelab_archive::stamp(),
    )?;
    let archive = std::fs::canonicalize(&archive).unwrap_or(archive);
    let dir = archive.join("slurm");
    std::fs::create_dir_all(&dir).map_err(|e| PipelineError::io("cannot create", &dir, e))?;
    let spec = std::fs::canonicalize(spec).unwrap_or(spec.to_path_buf());
    let cwd = shell_quote(&options.working_dir.display().to_string());
    let exe = shell_quote(&options.executable.display().to_string());

    let mut sets = String::new();
    for s in &options.overrides {
        let _ = write!(sets, " --set {}", shell_quote(s));
    }
    let header = |job: &str, log: &str, cpus: usize| {
        let mut h = format!(
            "#!/bin/bash\n#SBATCH --job-name={job}\n#SBATCH --cpus-per-task={cpus}\n#SBATCH --time={}\n#SBATCH --output={}\n",
            options.time,
            dir.join(log).display()
        );
        if let Some(p) = &options.partition {
            let _ = writeln!(h, "#SBATCH --partition={p}");
        }
        h
    };
    let name = &experiment.name;
    let array = format!(
        "{}#SBATCH --array=1-{shards}\n# One shard of experiment {name} per array task ({} runs in all).\nset -euo pipefail\ncd {cwd}\nexec {exe} run {}{sets} --shard \"${{SLURM_ARRAY_TASK_ID}}/{shards}\" --archive {} --jobs {} --quiet\n",
        header(&format!("aelab-{name}"), "shard-%a.log", options.cpus_per_task),
        experiment.runs.len(),
        shell_quote(&spec.display().to_string()),
        shell_quote(&archive.display().to_string()),
        options.cpus_per_task,
    );
    let report = format!(
        "{}# Builds the report once every shard is in.\nset -euo pipefail\ncd {cwd}\nexec {exe} report {} --quiet\n",
        header(&format!("aelab-{name}-report"), "report.log", 1),
        shell_quote(&archive.display().to_string()),
    );
    let submit = format!(
        "#!/bin/bash\n# Submits the shards of experiment {name} and, after them, its report.\nset -euo pipefail\narray=$(sbatch --parsable {})\nreport=$(sbatch --parsable --dependency=afterok:\"${{array%%;*}}\" {})\necho \"submitted array job ${{array}} ({shards} shards) and report job ${{report}}\"\n",
        shell_quote(&dir.join("array.sbatch").display().to_string()),
        shell_quote(&dir.join("report.sbatch").display().to_string()),
    );
    for (file, text) in [
        ("array.sbatch", &array),
        ("report.sbatch", &report),
        ("submit.sh", &submit),
    ] {
        write_atomic(&dir.join(file), text.as_bytes())?;
        make_executable(&dir.join(file))?;
    }
    Ok(SlurmJob {
        archive,
        submit: dir.join("submit.sh"),
    })
}

/// Single-quotes `s` for bash.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |e| PipelineError::io("cannot make executable", path, e);
    let mut perms = std::fs::metadata(path).map_err(fail)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A halving search's rungs depend on each other: its array has one
    /// task, which runs every rung; a sweep gets one task per run.
    #[test]
    fn a_halving_search_gets_one_task_and_a_sweep_one_per_run() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = tmp.path().join("s.toml");
        let text = |search: &str| {
            format!("name = \"s\"\n[train]\nepochs = 9\n{search}\n[sweep]\n\"noise.level\" = [0.1, 0.2, 0.3]\n[noise]\nkind = \"gaussian\"\n")
        };
        let options = SlurmOptions {
            partition: None,
            time: "00:10:00".into(),
            cpus_per_task: 2,
            shards: None,
            overrides: Vec::new(),
            results_dir: tmp.path().join("results"),
            executable: "/bin/true".into(),
            working_dir: tmp.path().to_path_buf(),
        };
        for (search, tasks) in [
            ("", "--array=1-3"),
            (
                "[search]\nmethod = \"halving\"\ntrials = 4\n\"train.lr\" = { log_uniform = [1e-3, 1e-1] }",
                "--array=1-1",
            ),
        ] {
            std::fs::write(&spec, text(search)).unwrap();
            let experiment = Experiment::load(&spec).unwrap();
            let job = write_slurm_job(&experiment, &spec, &options).unwrap();
            let array = std::fs::read_to_string(job.archive.join("slurm/array.sbatch")).unwrap();
            assert!(array.contains(tasks), "{array}");
            std::thread::sleep(std::time::Duration::from_millis(1100)); // a new archive stamp
        }
    }

    #[test]
    fn quotes_survive_bash() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
