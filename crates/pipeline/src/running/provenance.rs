//! What the manifest records about where a result came from: git revision,
//! compiler and crate versions, host, CPU and times.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use aelab_archive::GitInfo;

/// The workspace root (where `results/` lives by default and where git
/// is asked for the revision).
pub fn workspace_root() -> PathBuf {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .and_then(|crates| crates.parent())
        .map(PathBuf::from)
        .unwrap_or(crate_dir)
}

/// The git revision of the workspace, and whether tracked files differ.
pub fn git() -> GitInfo {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(workspace_root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(revision) => GitInfo {
            revision,
            dirty: git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty()),
        },
        None => GitInfo {
            revision: "unknown".into(),
            dirty: false,
        },
    }
}

/// SHA-256 of `git diff HEAD` (tracked files), so that uncommitted edits
/// change a run's identity.
pub fn uncommitted_diff_hash() -> String {
    use sha2::{Digest, Sha256};
    let diff = Command::new("git")
        .args(["diff", "HEAD"])
        .current_dir(workspace_root())
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let hash: String = Sha256::digest(&diff)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("+{hash}")
}

/// The compiler that built this binary (`rustc --version`).
pub fn rustc() -> String {
    env!("AELAB_RUSTC").to_string()
}

/// The locked versions of the crates that can change numbers in a result.
pub fn crates() -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = env!("AELAB_CRATES")
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("aelab".into(), env!("CARGO_PKG_VERSION").into());
    map
}

/// The machine's host name.
pub fn host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The CPU model and the vector extensions that decide which kernels the
/// matrix library runs, e.g. `AMD EPYC (avx2, fma, avx512f)`; read once
/// per process (every run's identity asks for it).
pub fn cpu() -> String {
    static CPU: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CPU.get_or_init(read_cpu).clone()
}

fn read_cpu() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    #[cfg(target_arch = "x86_64")]
    let features: Vec<&str> = [
        ("avx2", std::arch::is_x86_feature_detected!("avx2")),
        ("fma", std::arch::is_x86_feature_detected!("fma")),
        ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    #[cfg(not(target_arch = "x86_64"))]
    let features: Vec<&str> = Vec::new();
    format!("{model} ({})", features.join(", "))
}
