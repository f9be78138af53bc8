//! How the pipeline meets failure: a run that panics is recorded as
//! `failed` with the panic's message while the others complete; a reused
//! run shares its files with the earlier archive; `reproduce` checks the
//! weights bit for bit and names a missing archive.

mod common;

use std::os::unix::fs::MetadataExt;

use aelab_pipeline::{faults, reproduce, Agreement, Observe, RunStatus};

#[test]
fn a_panicking_run_is_failed_with_its_message_and_the_others_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    // The switch is global to this test binary: name a run no other test has.
    let spec = common::write_spec(
        tmp.path(),
        &common::TINY.replace("name = \"dae\"", "name = \"dae-boom\""),
    );
    faults::panic_in_run(Some("dae-boom"));
    let outcome = common::run(&spec, &tmp.path().join("results"), true);
    faults::panic_in_run(None);

    assert!(outcome.failed);
    let ae = outcome.summaries.iter().find(|s| s.run == "ae").unwrap();
    let dae = outcome
        .summaries
        .iter()
        .find(|s| s.run == "dae-boom")
        .unwrap();
    assert_eq!(ae.status, Some(RunStatus::Ok));
    assert_eq!(dae.status, Some(RunStatus::Failed));
    let error = dae.error.as_deref().unwrap();
    assert!(
        error.contains("panicked") && error.contains("fault injected into run dae-boom"),
        "{error}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(outcome.archive.join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["status"], "failed");
    let html = std::fs::read_to_string(outcome.report.unwrap()).unwrap();
    assert!(
        html.contains("fault injected into run dae"),
        "the report shows it"
    );
}

#[test]
fn reuse_links_files_and_reproduce_checks_the_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::write_spec(tmp.path(), common::TINY);
    let results = tmp.path().join("results");
    let first = common::run(&spec, &results, false);
    let second = common::run(&spec, &results, false);
    assert!(!first.failed && !second.failed);
    for run in ["ae", "dae"] {
        let inode = |archive: &std::path::Path| {
            std::fs::metadata(archive.join("runs").join(run).join("weights.safetensors"))
                .unwrap()
                .ino()
        };
        assert_eq!(
            inode(&first.archive),
            inode(&second.archive),
            "{run} is linked"
        );
    }

    let bits = reproduce(&second.archive, None, Observe::quiet()).unwrap();
    assert_eq!(bits.agreement, Agreement::Bits);
    assert_eq!(bits.reproduced(), 2, "{:?}", bits.runs);

    // A changed weight is found, bit for bit...
    let weights = second.archive.join("runs/ae/weights.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last_f32 = bytes.len() - 4;
    bytes[last_f32] ^= 0x01; // the lowest mantissa bit of the last weight
    std::fs::remove_file(&weights).unwrap(); // a new file: the link stays intact
    std::fs::write(&weights, &bytes).unwrap();
    let changed = reproduce(&second.archive.join("runs/ae"), None, Observe::quiet()).unwrap();
    assert_eq!(
        changed.runs,
        vec![(
            "ae".to_string(),
            vec!["weights.safetensors: the weights differ".to_string()]
        )]
    );
    // ...and passes within a stated tolerance.
    let loose = reproduce(
        &second.archive.join("runs/ae"),
        Some(1e-4),
        Observe::quiet(),
    )
    .unwrap();
    assert_eq!(loose.agreement, Agreement::Relative(1e-4));
    assert_eq!(loose.reproduced(), 1, "{:?}", loose.runs);
}

#[test]
fn reproducing_a_missing_or_damaged_archive_names_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("results/x/nothing-here");
    let err = reproduce(&missing, None, Observe::quiet()).err().unwrap();
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("no such folder"), "{err}");

    std::fs::create_dir_all(&missing).unwrap();
    let err = reproduce(&missing, None, Observe::quiet()).err().unwrap();
    assert!(err.to_string().contains("no manifest.json"), "{err}");
}
