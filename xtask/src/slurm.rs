//! `cargo xtask slurm <spec>`: prepares a sweep for a Slurm cluster. It
//! makes the archive folder and writes into `<archive>/slurm/`:
//! `array.sbatch`, a job array with one shard (`run --shard I/N --archive`)
//! per array task; `report.sbatch`, which builds the report; and
//! `submit.sh`, which submits the array and the report job to run after it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aelab_archive::{create_archive, write_atomic};
use aelab_spec::Experiment;
use anyhow::{Context, Result};

use crate::{progress, project_root, provenance};

#[derive(clap::Args)]
pub struct SlurmArgs {
    /// The experiment spec (TOML).
    spec: PathBuf,
    /// Slurm partition (default: the cluster's default partition).
    #[arg(long)]
    partition: Option<String>,
    /// Time limit of each array task, in Slurm's format (e.g. 02:00:00).
    #[arg(long, default_value = "04:00:00")]
    time: String,
    /// CPUs per array task; that many runs of a shard train at once.
    #[arg(long, default_value_t = 2)]
    cpus_per_task: usize,
    /// Array tasks [default: one per run].
    #[arg(long)]
    shards: Option<usize>,
    /// Override a spec key for every run (repeatable), as with `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Archive root [default: results/ in the workspace].
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

pub fn slurm(args: SlurmArgs) -> Result<ExitCode> {
    progress::init(true);
    let experiment = Experiment::load_with(&args.spec, &args.set)?;
    let shards = args
        .shards
        .unwrap_or(experiment.runs.len())
        .clamp(1, experiment.runs.len().max(1));
    let results = args
        .results_dir
        .clone()
        .unwrap_or_else(|| project_root().join("results"));
    let archive = create_archive(&results, &experiment.name, &provenance::stamp())?;
    let archive = std::fs::canonicalize(&archive).unwrap_or(archive);
    let dir = archive.join("slurm");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let cwd = std::env::current_dir().context("reading the working folder")?;
    let spec = std::fs::canonicalize(&args.spec).unwrap_or(args.spec.clone());

    let mut sets = String::new();
    for s in &args.set {
        let _ = write!(sets, " --set {}", shell_quote(s));
    }
    let header = |job: &str, log: &str, cpus: usize| {
        let mut h = format!(
            "#!/bin/bash\n#SBATCH --job-name={job}\n#SBATCH --cpus-per-task={cpus}\n#SBATCH --time={}\n#SBATCH --output={}\n",
            args.time,
            dir.join(log).display()
        );
        if let Some(p) = &args.partition {
            let _ = writeln!(h, "#SBATCH --partition={p}");
        }
        h
    };
    let name = &experiment.name;
    let array = format!(
        "{}#SBATCH --array=1-{shards}\n# One shard of experiment {name} per array task ({} runs in all).\nset -euo pipefail\ncd {}\nexec {} run {}{sets} --shard \"${{SLURM_ARRAY_TASK_ID}}/{shards}\" --archive {} --jobs {} --quiet\n",
        header(&format!("aelab-{name}"), "shard-%a.log", args.cpus_per_task),
        experiment.runs.len(),
        shell_quote(&cwd.display().to_string()),
        shell_quote(&exe.display().to_string()),
        shell_quote(&spec.display().to_string()),
        shell_quote(&archive.display().to_string()),
        args.cpus_per_task,
    );
    let report = format!(
        "{}# Builds the report once every shard is in.\nset -euo pipefail\ncd {}\nexec {} report {} --quiet\n",
        header(&format!("aelab-{name}-report"), "report.log", 1),
        shell_quote(&cwd.display().to_string()),
        shell_quote(&exe.display().to_string()),
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
    println!("archive: {}", archive.display());
    println!("submit:  bash {}", dir.join("submit.sh").display());
    Ok(ExitCode::SUCCESS)
}

/// Single-quotes `s` for bash.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)
        .with_context(|| format!("making {} executable", path.display()))
}
