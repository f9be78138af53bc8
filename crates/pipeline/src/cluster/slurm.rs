//! Preparing an experiment for a Slurm cluster: an archive folder and, in
//! its `slurm/`, `array.sbatch` (a job array, one shard `run --shard I/N
//! --archive DIR` per task), `report.sbatch` (builds the report) and
//! `submit.sh` (submits the array, then the report job to run after it
//! succeeds). A search in rungs (halving, Hyperband) also gets
//! `rung.sbatch` (one trial of a rung per array task: `rung --task`) and
//! `decide.sbatch` (`rung --decide`); its `submit.sh` chains, per bracket,
//! each rung's array after the decision on the rung before, and the shards
//! (which then only execute the trials from their checkpoints) after every
//! bracket's last decision. No server: each step reads the archive.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aelab_archive::{create_archive, write_atomic};
use aelab_spec::Experiment;

use crate::search::rungs::rung_sizes;
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
    let shards = options
        .shards
        .unwrap_or(experiment.runs.len())
        .clamp(1, experiment.runs.len().max(1));
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
    let spec = shell_quote(&spec.display().to_string());
    let archive_arg = shell_quote(&archive.display().to_string());

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
    let rung_sizes = experiment
        .search
        .as_ref()
        .filter(|s| s.method.has_rungs())
        .map(|search| rung_sizes(experiment, search));
    let array_note = match rung_sizes {
        Some(_) => format!(
            "# One shard of the trials of search {name} per array task ({} trials in all), once every rung is decided: each executes its trials from their checkpoints.",
            experiment.runs.len()
        ),
        None => format!(
            "# One shard of experiment {name} per array task ({} runs in all).",
            experiment.runs.len()
        ),
    };
    let array = format!(
        "{}#SBATCH --array=1-{shards}\n{array_note}\nset -euo pipefail\ncd {cwd}\nexec {exe} run {spec}{sets} --shard \"${{SLURM_ARRAY_TASK_ID}}/{shards}\" --archive {archive_arg} --jobs {} --quiet\n",
        header(&format!("aelab-{name}"), "shard-%a.log", options.cpus_per_task),
        options.cpus_per_task,
    );
    let report = format!(
        "{}# Builds the report once every shard is in.\nset -euo pipefail\ncd {cwd}\nexec {exe} report {archive_arg} --quiet\n",
        header(&format!("aelab-{name}-report"), "report.log", 1),
    );
    let mut files = vec![("array.sbatch", array), ("report.sbatch", report)];
    let quoted = |file: &str| shell_quote(&dir.join(file).display().to_string());
    let submit = match &rung_sizes {
        None => format!(
            "#!/bin/bash\n# Submits the shards of experiment {name} and, after them, its report.\nset -euo pipefail\narray=$(sbatch --parsable {})\nreport=$(sbatch --parsable --dependency=afterok:\"${{array%%;*}}\" {})\necho \"submitted array job ${{array}} ({shards} shards) and report job ${{report}}\"\n",
            quoted("array.sbatch"),
            quoted("report.sbatch"),
        ),
        Some(sizes) => {
            // One trial per task, trained on one thread.
            let rung = format!(
                "{}# One trial of a rung of search {name} per array task: `rung.sbatch BRACKET RUNG`,\n# submitted by submit.sh with --array sized to the trials that can enter the rung.\nset -euo pipefail\ncd {cwd}\nexec {exe} rung {spec}{sets} --archive {archive_arg} --bracket \"$1\" --rung \"$2\" --task \"${{SLURM_ARRAY_TASK_ID}}\" --quiet\n",
                header(&format!("aelab-{name}-rung"), "rung-%A-%a.log", 1),
            );
            let decide = format!(
                "{}# Decides a rung of search {name} from its trials' results: `decide.sbatch BRACKET RUNG`.\nset -euo pipefail\ncd {cwd}\nexec {exe} rung {spec}{sets} --archive {archive_arg} --bracket \"$1\" --rung \"$2\" --decide --quiet\n",
                header(&format!("aelab-{name}-decide"), "decide-%j.log", 1),
            );
            files.push(("rung.sbatch", rung));
            files.push(("decide.sbatch", decide));
            rung_submit(name, &dir, sizes, shards)
        }
    };
    files.push(("submit.sh", submit));
    for (file, text) in &files {
        write_atomic(&dir.join(file), text.as_bytes())?;
        make_executable(&dir.join(file))?;
    }
    Ok(SlurmJob {
        archive,
        submit: dir.join("submit.sh"),
    })
}

/// `submit.sh` for a search in rungs: per bracket, each rung's array (one
/// task per trial that can enter it) after the decision on the rung
/// before, then its own decision; brackets are independent of each other.
/// Once every bracket's last decision is in, the trials' shards, then the
/// report.
fn rung_submit(name: &str, dir: &Path, sizes: &[Vec<(usize, usize)>], shards: usize) -> String {
    let mut text = format!(
        "#!/bin/bash\n# Submits search {name}: in each bracket, one array per rung, each after the\n# decision on the rung before; then the trials' shards and the report.\nset -euo pipefail\ndir={}\n",
        shell_quote(&dir.display().to_string())
    );
    let mut last_decisions = Vec::new();
    let mut jobs = 0;
    for (b, rungs) in sizes.iter().enumerate() {
        let mut after: Option<String> = None;
        for (r, &(epochs, tasks)) in rungs.iter().enumerate() {
            let dependency = after.as_ref().map_or(String::new(), |d| {
                format!(" --dependency=afterok:\"${{{d}%%;*}}\"")
            });
            let _ = writeln!(
                text,
                "# bracket {b}, rung {r}: up to {tasks} trial(s) to {epochs} epoch(s)\nb{b}r{r}=$(sbatch --parsable{dependency} --array=1-{tasks} --output=\"$dir/rung-{b}-{r}-%a.log\" \"$dir/rung.sbatch\" {b} {r})\nb{b}d{r}=$(sbatch --parsable --dependency=afterok:\"${{b{b}r{r}%%;*}}\" --output=\"$dir/decide-{b}-{r}.log\" \"$dir/decide.sbatch\" {b} {r})"
            );
            after = Some(format!("b{b}d{r}"));
            jobs += 2;
        }
        last_decisions.extend(after);
    }
    let decided: Vec<String> = last_decisions
        .iter()
        .map(|d| format!("\"${{{d}%%;*}}\""))
        .collect();
    let _ = write!(
        text,
        "array=$(sbatch --parsable --dependency=afterok:{} \"$dir/array.sbatch\")\nreport=$(sbatch --parsable --dependency=afterok:\"${{array%%;*}}\" \"$dir/report.sbatch\")\necho \"submitted {jobs} rung and decision jobs in {} bracket(s), then array job ${{array%%;*}} ({shards} shards) and report job ${{report%%;*}}\"\n",
        decided.join(":"),
        sizes.len(),
    );
    text
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

    /// Runs `submit.sh` against a stand-in `sbatch` that numbers the jobs
    /// from 100 and logs their arguments; returns one line per job.
    fn submitted(submit: &Path, bin: &Path) -> Vec<String> {
        let log = bin.join("log");
        let _ = std::fs::remove_file(&log);
        std::fs::write(
            bin.join("sbatch"),
            "#!/bin/bash\nn=$(( $(cat \"$LOG\" 2>/dev/null | wc -l) + 100 ))\necho \"$n $*\" >> \"$LOG\"\necho \"$n;cluster\"\n",
        )
        .unwrap();
        make_executable(&bin.join("sbatch")).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = std::process::Command::new("bash")
            .arg(submit)
            .env("PATH", path)
            .env("LOG", &log)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        // Paths out, so the lines read as the chain.
        let dir = submit.parent().unwrap().display().to_string();
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| l.replace(&format!("{dir}/"), ""))
            .collect()
    }

    /// A sweep's array has one task per run, then the report; a search in
    /// rungs gets, per bracket, one array per rung sized to the trials that
    /// can enter it, each after the decision on the rung before, and the
    /// shards after every bracket's last decision.
    #[test]
    fn a_search_in_rungs_chains_an_array_per_rung_after_each_decision() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = tmp.path().join("s.toml");
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let text = |search: &str| {
            format!("name = \"s\"\n[train]\nepochs = 9\n{search}\n[sweep]\n\"noise.level\" = [0.1, 0.2, 0.3]\n[noise]\nkind = \"gaussian\"\n")
        };
        let options = SlurmOptions {
            partition: None,
            time: "00:10:00".into(),
            cpus_per_task: 2,
            shards: Some(2),
            overrides: Vec::new(),
            results_dir: tmp.path().join("results"),
            executable: "/bin/true".into(),
            working_dir: tmp.path().to_path_buf(),
        };
        let lr = "\"train.lr\" = { log_uniform = [1e-3, 1e-1] }";
        let cases = [
            (
                String::new(),
                vec![
                    "100 --parsable array.sbatch",
                    "101 --parsable --dependency=afterok:100 report.sbatch",
                ],
            ),
            // 3 sweep points x 4 trials, eta 3, rungs at 1, 3, 9 epochs.
            (
                format!("[search]\nmethod = \"halving\"\ntrials = 4\n{lr}"),
                vec![
                    "100 --parsable --array=1-12 --output=rung-0-0-%a.log rung.sbatch 0 0",
                    "101 --parsable --dependency=afterok:100 --output=decide-0-0.log decide.sbatch 0 0",
                    "102 --parsable --dependency=afterok:101 --array=1-4 --output=rung-0-1-%a.log rung.sbatch 0 1",
                    "103 --parsable --dependency=afterok:102 --output=decide-0-1.log decide.sbatch 0 1",
                    "104 --parsable --dependency=afterok:103 --array=1-1 --output=rung-0-2-%a.log rung.sbatch 0 2",
                    "105 --parsable --dependency=afterok:104 --output=decide-0-2.log decide.sbatch 0 2",
                    "106 --parsable --dependency=afterok:105 array.sbatch",
                    "107 --parsable --dependency=afterok:106 report.sbatch",
                ],
            ),
            // Hyperband's 6 trials split 3, 2, 1 (Li et al.'s 9 : 5 : 3),
            // x 3 sweep points: brackets of 9, 6 and 3 runs.
            (
                format!("[search]\nmethod = \"hyperband\"\ntrials = 6\n{lr}"),
                vec![
                    "100 --parsable --array=1-9 --output=rung-0-0-%a.log rung.sbatch 0 0",
                    "101 --parsable --dependency=afterok:100 --output=decide-0-0.log decide.sbatch 0 0",
                    "102 --parsable --dependency=afterok:101 --array=1-3 --output=rung-0-1-%a.log rung.sbatch 0 1",
                    "103 --parsable --dependency=afterok:102 --output=decide-0-1.log decide.sbatch 0 1",
                    "104 --parsable --dependency=afterok:103 --array=1-1 --output=rung-0-2-%a.log rung.sbatch 0 2",
                    "105 --parsable --dependency=afterok:104 --output=decide-0-2.log decide.sbatch 0 2",
                    "106 --parsable --array=1-6 --output=rung-1-0-%a.log rung.sbatch 1 0",
                    "107 --parsable --dependency=afterok:106 --output=decide-1-0.log decide.sbatch 1 0",
                    "108 --parsable --dependency=afterok:107 --array=1-2 --output=rung-1-1-%a.log rung.sbatch 1 1",
                    "109 --parsable --dependency=afterok:108 --output=decide-1-1.log decide.sbatch 1 1",
                    "110 --parsable --array=1-3 --output=rung-2-0-%a.log rung.sbatch 2 0",
                    "111 --parsable --dependency=afterok:110 --output=decide-2-0.log decide.sbatch 2 0",
                    "112 --parsable --dependency=afterok:105:109:111 array.sbatch",
                    "113 --parsable --dependency=afterok:112 report.sbatch",
                ],
            ),
        ];
        for (search, expected) in cases {
            std::fs::write(&spec, text(&search)).unwrap();
            let experiment = Experiment::load(&spec).unwrap();
            let job = write_slurm_job(&experiment, &spec, &options).unwrap();
            assert_eq!(submitted(&job.submit, &bin), expected, "{search}");
            let slurm = job.archive.join("slurm");
            let array = std::fs::read_to_string(slurm.join("array.sbatch")).unwrap();
            assert!(
                array.contains("--array=1-2") && array.contains("--shard"),
                "{array}"
            );
            if !search.is_empty() {
                let rung = std::fs::read_to_string(slurm.join("rung.sbatch")).unwrap();
                assert!(
                    rung.contains("rung '") && rung.contains("--task \"${SLURM_ARRAY_TASK_ID}\""),
                    "{rung}"
                );
                let decide = std::fs::read_to_string(slurm.join("decide.sbatch")).unwrap();
                assert!(decide.contains("--decide"), "{decide}");
            }
            std::thread::sleep(std::time::Duration::from_millis(1100)); // a new archive stamp
        }
    }

    #[test]
    fn quotes_survive_bash() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
