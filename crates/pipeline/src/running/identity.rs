//! A run's identity (see `aelab_archive::run_identity`) from its resolved
//! config, the data it reads, this build, this CPU and the kernels' path.

use aelab_archive::IdentityInputs;
use aelab_spec::RunConfig;

use crate::input::dataset::Dataset;
use crate::running::provenance;

/// The hex SHA-256 identity of `run` on `data` with this build on this CPU.
pub fn run_identity(run: &RunConfig, data: &Dataset) -> String {
    let config_toml = resolved(run, data).to_toml();
    let data_sha256: Vec<&str> = data.files.iter().map(|f| f.sha256.as_str()).collect();
    aelab_archive::run_identity(&IdentityInputs {
        config_toml: &config_toml,
        data_sha256: &data_sha256,
        code_version: &code_version(),
        cpu: &provenance::cpu(),
        kernels: aelab_kernels::Isa::active().name(),
    })
}

/// `run` with the data location actually read (what `config.toml` holds).
pub fn resolved(run: &RunConfig, data: &Dataset) -> RunConfig {
    let mut config = run.clone();
    config.data.source = data.source.clone();
    config
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

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_data::mnist::FileRecord;
    use aelab_data::split::Split;
    use aelab_data::ImageSet;
    use aelab_spec::{DataSource, Experiment};
    use std::path::{Path, PathBuf};

    fn data(sha: &str) -> Dataset {
        let set = ImageSet {
            rows: 28,
            cols: 28,
            pixels: vec![0; 784 * 4],
            labels: Some(vec![0, 1, 2, 3]),
            max_value: ImageSet::BYTE_MAX,
        };
        Dataset {
            split: Split::new(set, None, 1).unwrap(),
            train: Vec::new(),
            validation: Vec::new(),
            test: None,
            files: vec![FileRecord {
                path: PathBuf::from("train-images-idx3-ubyte"),
                sha256: sha.into(),
            }],
            source: DataSource::Mnist {
                dir: Some(PathBuf::from("/data")),
            },
        }
    }

    fn runs(text: &str) -> Vec<RunConfig> {
        Experiment::parse(Path::new("x.toml"), text).unwrap().runs
    }

    #[test]
    fn identity_follows_config_and_data_only() {
        let base = runs("name = \"x\"\n[train]\nlr = 0.1\n");
        let same = runs("# reformatted\nname = \"x\"\n\n[train]\nlr = 0.10\n");
        let other = runs("name = \"x\"\n[train]\nlr = 0.2\n");
        let id = run_identity(&base[0], &data("aa"));
        assert_eq!(id.len(), 64);
        assert_eq!(
            id,
            run_identity(&same[0], &data("aa")),
            "formatting is not identity"
        );
        assert_ne!(id, run_identity(&other[0], &data("aa")), "a setting is");
        assert_ne!(id, run_identity(&base[0], &data("bb")), "so is the data");
    }
}
