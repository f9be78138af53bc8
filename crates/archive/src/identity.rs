//! A run's identity: a SHA-256 over everything its results depend on. Equal
//! identities give equal results (training is deterministic on one kind of
//! CPU), so a completed run with the same identity can be reused.

use sha2::{Digest, Sha256};

/// What a run's results depend on.
pub struct IdentityInputs<'a> {
    /// The fully resolved config (`config.toml`), data location included.
    pub config_toml: &'a str,
    /// SHA-256 of every data file read.
    pub data_sha256: &'a [&'a str],
    /// Git revision (plus a hash of uncommitted changes), compiler and the
    /// versions of the crates that shape results.
    pub code_version: &'a str,
    /// The CPU kind: the matrix library picks its kernels by CPU, so
    /// another kind can differ in the last digits.
    pub cpu: &'a str,
    /// The instruction set aelab's own kernels ran (`aelab_kernels::Isa`).
    pub kernels: &'a str,
}

/// The hex SHA-256 identity of a run.
pub fn run_identity(inputs: &IdentityInputs) -> String {
    let mut hasher = Sha256::new();
    hasher.update(inputs.config_toml);
    for sha in inputs.data_sha256 {
        hasher.update(sha);
    }
    hasher.update(inputs.code_version);
    hasher.update("|cpu=");
    hasher.update(inputs.cpu);
    hasher.update("|kernels=");
    hasher.update(inputs.kernels);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(config: &str, sha: &str, code: &str, cpu: &str) -> String {
        run_identity(&IdentityInputs {
            config_toml: config,
            data_sha256: &[sha],
            code_version: code,
            cpu,
            kernels: "avx2",
        })
    }

    #[test]
    fn every_input_is_part_of_the_identity() {
        let base = id("lr = 0.1", "aa", "rev1", "AMD EPYC (avx2)");
        assert_eq!(base.len(), 64);
        assert_eq!(base, id("lr = 0.1", "aa", "rev1", "AMD EPYC (avx2)"));
        assert_ne!(base, id("lr = 0.2", "aa", "rev1", "AMD EPYC (avx2)"));
        assert_ne!(base, id("lr = 0.1", "bb", "rev1", "AMD EPYC (avx2)"));
        assert_ne!(base, id("lr = 0.1", "aa", "rev2", "AMD EPYC (avx2)"));
        assert_ne!(
            base,
            id("lr = 0.1", "aa", "rev1", "Intel Xeon (avx2, avx512f)"),
            "another CPU kind is another identity"
        );
    }
}
