//! A run's identity: a hash of its resolved config, the checksums of the
//! data it reads and the code version. Equal identities give equal results
//! (training is deterministic), so a completed run can be reused.

use aelab_spec::RunConfig;
use sha2::{Digest, Sha256};

use crate::dataset::Dataset;
use crate::provenance;

/// The hex SHA-256 identity of `run` on `data` with this build.
pub fn run_identity(run: &RunConfig, data: &Dataset) -> String {
    let mut config = run.clone();
    config.data.source = data.source.clone();
    let mut hasher = Sha256::new();
    hasher.update(config.to_toml());
    for file in &data.files {
        hasher.update(&file.sha256);
    }
    hasher.update(code_version());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The git revision (plus a hash of uncommitted changes), the compiler and
/// the versions of the crates that shape results.
fn code_version() -> String {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let git = provenance::git();
            let changes = if git.dirty {
                provenance::uncommitted_diff_hash()
            } else {
                String::new()
            };
            let crates: Vec<String> = provenance::crates()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!(
                "{}{changes}|{}|{}",
                git.revision,
                provenance::rustc(),
                crates.join(",")
            )
        })
        .clone()
}
