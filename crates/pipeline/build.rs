//! Records the compiler and the versions of the crates that shape results,
//! for the archive's manifest.

use std::process::Command;

/// Crates whose versions can change numbers in a result.
const RECORDED: &[&str] = &[
    "dfdx",
    "gemm",
    "bhtsne",
    "linfa-linalg",
    "ndarray",
    "matrixmultiply",
    "rand",
    "rand_chacha",
    "rand_xoshiro",
    "plotters",
    "toml",
    "serde_json",
];

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=AELAB_RUSTC={}", version.trim());

    let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    println!("cargo:rerun-if-changed={lock_path}");
    let lock = std::fs::read_to_string(lock_path).unwrap_or_default();
    // name -> every locked version (a crate can be locked at several)
    let mut crates: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if RECORDED.contains(&n.as_str()) {
                crates
                    .entry(n)
                    .or_default()
                    .push(v.trim_matches('"').to_string());
            }
        }
    }
    let pairs: Vec<String> = crates
        .iter()
        .map(|(n, v)| format!("{n}={}", v.join(", ")))
        .collect();
    println!("cargo:rustc-env=AELAB_CRATES={}", pairs.join(";"));
}
