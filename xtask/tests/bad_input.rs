//! Bad input ends in a clear message and exit code 2, before any training,
//! and leaves no archive behind.

use std::process::Command;

fn run(spec_text: &str, extra_env: &[(&str, &str)]) -> (i32, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("bad.toml");
    std::fs::write(&spec, spec_text).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args([
        "run",
        spec.to_str().unwrap(),
        "--results-dir",
        tmp.path().join("results").to_str().unwrap(),
    ]);
    for (k, v) in extra_env {
        cmd.env(k, v.replace("TMP", tmp.path().to_str().unwrap()));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        tmp,
    )
}

#[test]
fn spec_errors_exit_2_naming_file_and_key() {
    let (code, stderr, tmp) = run("name = \"x\"\n[train]\nlr = -3.0\n", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.toml") && stderr.contains("train.lr"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !tmp.path().join("results").exists(),
        "no archive for a refused spec"
    );
}

#[test]
fn bad_searches_exit_2_naming_file_key_and_what_is_allowed() {
    let spec = |search: &str| {
        format!(
            "name = \"s\"\n[train]\nepochs = 5\n[sweep]\n\"noise.level\" = [0.1, 0.2]\n[search]\n{search}\n"
        )
    };
    let lr = "\"train.lr\" = { log_uniform = [1e-3, 1.0] }";
    for (search, key, allowed) in [
        (
            "method = \"random\"\ntrials = 3\n\"train.lr\" = { uniform = [2.0, 1.0] }".to_string(),
            "search.train.lr.uniform",
            "low < high",
        ),
        (
            "method = \"random\"\ntrials = 3\n\"train.lr\" = { log_uniform = [0, 1.0] }"
                .to_string(),
            "search.train.lr.log_uniform",
            "0 < low < high",
        ),
        (
            format!("method = \"random\"\ntrials = 0\n{lr}"),
            "search.trials",
            "1..=10000",
        ),
        (
            format!("method = \"random\"\ntrials = 10001\n{lr}"),
            "search.trials",
            "1..=10000",
        ),
        (
            format!("method = \"halving\"\ntrials = 9\neta = 1\n{lr}"),
            "search.eta",
            "2..=100",
        ),
        (
            format!("method = \"halving\"\ntrials = 9\nmin_epochs = 6\n{lr}"),
            "search.min_epochs",
            "1..=5",
        ),
        // Rungs at 1, 3, 5: Li et al.'s 9 : 5 : 3, the last bracket's
        // share of 5 trials under one.
        (
            format!("method = \"hyperband\"\ntrials = 5\n{lr}"),
            "search.trials",
            "6..=10000",
        ),
        (
            format!("method = \"random\"\ntrials = 9\nmetric = \"test_bce\"\n{lr}"),
            "search.metric",
            "\"val_bce\"",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"noise.level\" = { uniform = [0.1, 0.5] }"
                .to_string(),
            "search.noise.level",
            "searched or swept",
        ),
    ] {
        let (code, stderr, tmp) = run(&spec(&search), &[]);
        assert_eq!(code, 2, "{search}: {stderr}");
        assert!(
            stderr.contains("bad.toml")
                && stderr.contains(&format!("`{key}`"))
                && stderr.contains(allowed),
            "{search}: {stderr}"
        );
        assert!(!tmp.path().join("results").exists(), "{search}: no archive");
    }
}

#[test]
fn missing_data_says_what_to_do() {
    let (code, stderr, _tmp) = run("name = \"x\"\n[data]\ndir = \"/no/such/mnist\"\n", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/no/such/mnist") && stderr.contains("MNIST_DIR"),
        "{stderr}"
    );
    // No folder anywhere: fetched on first use, here from a mirror that
    // is down (and no public mirrors, so no internet is tried).
    let (code, stderr, tmp) = run(
        "name = \"x\"\n",
        &[
            ("MNIST_DIR", ""),
            ("AELAB_DATA", "TMP/cache"),
            ("AELAB_MIRROR", "http://127.0.0.1:9/mnist/"),
            ("AELAB_PUBLIC_MIRRORS", "0"),
        ],
    );
    assert_eq!(code, 1, "a failed download is not bad input: {stderr}");
    for needle in [
        "cannot download train-images-idx3-ubyte.gz",
        "http://127.0.0.1:9/mnist/train-images-idx3-ubyte.gz",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "MNIST_DIR",
        "--mirror",
    ] {
        assert!(stderr.contains(needle), "{needle} in {stderr}");
    }
    assert!(
        !tmp.path().join("results").exists(),
        "no archive without data"
    );
}

#[test]
fn csv_with_wrong_image_size_for_an_autoencoder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("tiny.csv");
    let mut text = String::from("label,pixel0,pixel1,pixel2,pixel3\n");
    for i in 0..20 {
        text.push_str(&format!("{},{},0,255,3\n", i % 10, i));
    }
    std::fs::write(&csv, text).unwrap();
    let spec = format!(
        "name = \"x\"\n[data]\nsource = \"csv\"\ntrain = \"{}\"\nvalidation = 5\n",
        csv.display()
    );
    let (code, stderr, _tmp) = run(&spec, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("28x28") && stderr.contains("2x2") && stderr.contains("model.kind"),
        "{stderr}"
    );
}

#[test]
fn data_that_does_not_fit_the_runs_is_refused_before_training() {
    let dir = std::env::var("MNIST_DIR").expect("MNIST_DIR must be set (see README)");
    let dir = if std::path::Path::new(&dir).is_relative() {
        format!("{}/../{dir}", env!("CARGO_MANIFEST_DIR"))
    } else {
        dir
    };
    let cases = [
        (
            "[train]\nbatch_size = 5000\n",
            "key `train.batch_size`: 5000 is larger than the 800 training images",
        ),
        (
            "[model]\nkind = \"pca\"\nlatent = 800\n",
            "key `model.latent`: 800 components for 784 pixels",
        ),
    ];
    for (extra, expected) in cases {
        let spec = format!(
            "name = \"x\"\n[data]\ndir = \"{dir}\"\nlimit = 1000\nvalidation = 200\n{extra}"
        );
        let (code, stderr, tmp) = run(&spec, &[]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!tmp.path().join("results").exists());
    }
    let (code, stderr, _tmp) = run(
        &format!("name = \"x\"\n[data]\ndir = \"{dir}\"\nlimit = 70000\n"),
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("data.limit = 70000 but the labelled data has only 60000 images"),
        "{stderr}"
    );
}

/// `rung` steps out of place: a rung or bracket the search does not have,
/// a spec without rungs, a task 0, a rung before its predecessor's
/// decision; each exits 2 naming what is allowed, before any training.
#[test]
fn rung_steps_out_of_place_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("s.toml");
    let archive = tmp.path().join("archive");
    let halving = "name = \"s\"\n[train]\nepochs = 9\n[search]\nmethod = \"halving\"\ntrials = 4\n\"train.lr\" = { log_uniform = [1e-3, 1e-1] }\n";
    let rung = |text: &str, args: &[&str]| {
        std::fs::write(&spec, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["rung", spec.to_str().unwrap(), "--archive"])
            .arg(&archive)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (text, args, says) in [
        (
            halving,
            &["--rung", "3", "--task", "1"][..],
            "rung 3: bracket 0 has 3 rung(s); allowed: 0..=2",
        ),
        (
            halving,
            &["--bracket", "1", "--rung", "0", "--decide"][..],
            "bracket 1: this halving search has 1 bracket(s); allowed: 0..=0",
        ),
        (
            halving,
            &["--rung", "1", "--task", "1"][..],
            "rung 0 of bracket 0 is not decided",
        ),
        (
            halving,
            &["--rung", "0", "--task", "0"][..],
            "0 is not in 1..",
        ),
        (
            "name = \"s\"\n",
            &["--rung", "0", "--task", "1"][..],
            "no search in rungs",
        ),
    ] {
        let (code, stderr) = rung(text, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(
        !archive.join("search/checkpoints").exists(),
        "nothing trained"
    );
}
