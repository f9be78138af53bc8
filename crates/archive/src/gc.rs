//! Removing older archives of an experiment (`cargo xtask gc`). The newest
//! `keep` finished archives stay; an archive whose manifest says `running`
//! is never removed (it may be in progress, or interrupted and waiting for
//! `--resume`). A later archive that reused runs holds hard links to their
//! files (or copies), so removing the earlier archive never takes data a
//! later one shows; the freed space counts only files no kept archive
//! links to. An archive is renamed to a hidden name before it is deleted,
//! so a crash halfway leaves nothing that looks like a result.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::inventory::{archive_folders, files_under};
use crate::{ArchiveError, Manifest};

/// What a collection would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcPlan {
    /// Archives to remove, oldest first, with the bytes each frees.
    pub remove: Vec<(PathBuf, u64)>,
    /// Archives kept, with why.
    pub keep: Vec<(PathBuf, &'static str)>,
}

impl GcPlan {
    /// Bytes the removals free.
    pub fn freed(&self) -> u64 {
        self.remove.iter().map(|(_, bytes)| bytes).sum()
    }
}

/// Plans removing all but the newest `keep` finished archives of the
/// experiment folder `experiment_dir` (`results/<name>`). A missing folder,
/// or an archive without a readable manifest, is an error naming it:
/// nothing is planned around a folder whose state is unknown.
pub fn plan_gc(experiment_dir: &Path, keep: usize) -> Result<GcPlan, ArchiveError> {
    if !experiment_dir.is_dir() {
        return Err(ArchiveError::NotAnArchive {
            path: experiment_dir.to_path_buf(),
            message: "no such experiment folder".into(),
        });
    }
    let mut finished = Vec::new();
    let mut plan = GcPlan {
        remove: Vec::new(),
        keep: Vec::new(),
    };
    for dir in archive_folders(experiment_dir) {
        let manifest = Manifest::read_archive(&dir)?;
        if manifest.status == "running" {
            plan.keep.push((dir, "running or interrupted"));
        } else {
            finished.push(dir);
        }
    }
    let cut = finished.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = finished[..cut].to_vec();
    for dir in &finished[cut..] {
        plan.keep.push((dir.clone(), "among the newest"));
    }
    plan.keep.sort();
    // Links to each file from inside the removed set: a file is freed only
    // when every link to it is removed.
    let mut files = Vec::new();
    let mut links_removed: HashMap<(u64, u64), u64> = HashMap::new();
    for dir in &removed {
        let listed = files_under(dir)?;
        for (meta, _) in &listed {
            *links_removed.entry((meta.dev(), meta.ino())).or_default() += 1;
        }
        files.push(listed);
    }
    let mut counted = std::collections::HashSet::new();
    for (dir, listed) in removed.into_iter().zip(files) {
        let freed = listed
            .iter()
            .filter(|(meta, _)| {
                let inode = (meta.dev(), meta.ino());
                links_removed.get(&inode).copied().unwrap_or(0) >= meta.nlink()
                    && counted.insert(inode)
            })
            .map(|(meta, _)| meta.len())
            .sum();
        plan.remove.push((dir, freed));
    }
    Ok(plan)
}

/// Removes the archives `plan` names, and what an interrupted earlier
/// collection left half-deleted (hidden `.gc-*` folders beside them);
/// returns the bytes freed.
pub fn execute_gc(plan: &GcPlan) -> Result<u64, ArchiveError> {
    let parents: std::collections::BTreeSet<PathBuf> = plan
        .remove
        .iter()
        .map(|(d, _)| d)
        .chain(plan.keep.iter().map(|(d, _)| d))
        .filter_map(|d| d.parent().map(Path::to_path_buf))
        .collect();
    for parent in parents {
        for leftover in std::fs::read_dir(&parent)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            if leftover.file_name().to_string_lossy().starts_with(".gc-") {
                tracing::info!(
                    "removing {}, left by an interrupted gc",
                    leftover.path().display()
                );
                let _ = std::fs::remove_dir_all(leftover.path());
            }
        }
    }
    for (dir, _) in &plan.remove {
        let fail = |e: std::io::Error| ArchiveError::Write {
            path: dir.clone(),
            message: format!("cannot remove: {e}"),
        };
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        let doomed = dir.with_file_name(format!(".gc-{}", name.unwrap_or_default()));
        std::fs::rename(dir, &doomed).map_err(fail)?;
        std::fs::remove_dir_all(&doomed).map_err(fail)?;
    }
    Ok(plan.freed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GitInfo, RunEntry, RunStatus};

    fn archive(root: &Path, name: &str, status: &str, weights: Option<&Path>) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("runs/ae")).unwrap();
        let manifest = Manifest {
            schema_version: crate::SCHEMA_VERSION,
            experiment: "exp".into(),
            description: None,
            status: status.into(),
            spec: "exp.toml".into(),
            command: Vec::new(),
            aelab_version: "0".into(),
            git: GitInfo {
                revision: "r".into(),
                dirty: false,
            },
            rustc: String::new(),
            crates: Default::default(),
            seed: 1,
            data: Vec::new(),
            threads: 1,
            evaluation_threads: 1,
            kernels: String::new(),
            jobs: 1,
            overrides: Vec::new(),
            host: String::new(),
            cpu: String::new(),
            started: String::new(),
            finished: None,
            runs: vec![RunEntry {
                name: "ae".into(),
                seed: 1,
                status: RunStatus::Ok,
                identity: String::new(),
            }],
        };
        manifest.write(&dir.join("manifest.json")).unwrap();
        let w = dir.join("runs/ae/weights.safetensors");
        match weights {
            Some(source) => std::fs::hard_link(source, &w).unwrap(),
            None => std::fs::write(&w, vec![7u8; 10_000]).unwrap(),
        }
        dir
    }

    #[test]
    fn keeps_the_newest_and_running_and_counts_only_unshared_bytes() {
        let root = tempfile::tempdir().unwrap();
        let exp = root.path().join("exp");
        let a = archive(&exp, "20260101-000000-000aaa", "complete", None);
        let b = archive(&exp, "20260102-000000-000bbb", "running", None);
        let c = archive(&exp, "20260103-000000-000ccc", "failed", None);
        // d reused a's run: its weights are a's file
        let d = archive(
            &exp,
            "20260104-000000-000ddd",
            "complete",
            Some(&a.join("runs/ae/weights.safetensors")),
        );
        let plan = plan_gc(&exp, 1).unwrap();
        let removed: Vec<&PathBuf> = plan.remove.iter().map(|(p, _)| p).collect();
        assert_eq!(removed, vec![&a, &c]);
        assert_eq!(
            plan.keep,
            vec![
                (b.clone(), "running or interrupted"),
                (d.clone(), "among the newest")
            ]
        );
        // a's weights live on in d: only its manifest is freed
        let manifest_len = |dir: &Path| std::fs::metadata(dir.join("manifest.json")).unwrap().len();
        assert_eq!(plan.remove[0].1, manifest_len(&a));
        assert_eq!(plan.remove[1].1, manifest_len(&c) + 10_000);

        assert_eq!(execute_gc(&plan).unwrap(), plan.freed());
        assert!(!a.exists() && !c.exists());
        assert!(b.exists());
        assert_eq!(
            std::fs::read(d.join("runs/ae/weights.safetensors")).unwrap(),
            vec![7u8; 10_000],
            "the later archive keeps the data it linked"
        );
        assert_eq!(archive_folders(&exp), vec![b, d], "no hidden leftovers");
    }

    #[test]
    fn a_missing_folder_or_a_damaged_archive_is_named() {
        let root = tempfile::tempdir().unwrap();
        let err = plan_gc(&root.path().join("nope"), 1).unwrap_err();
        assert!(
            err.to_string().contains("no such experiment folder"),
            "{err}"
        );
        let exp = root.path().join("exp");
        std::fs::create_dir_all(exp.join("20260101-000000-000aaa")).unwrap();
        let err = plan_gc(&exp, 1).unwrap_err();
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("20260101-000000-000aaa"), "{err}");
    }
}
