//! The tasks' part of the spec contract: `data.split`, `data.normal_class`
//! (the one data key a sweep may vary), `data.preprocess`, `eval.cluster`
//! and `eval.probe` resolve with their defaults, stay out of `config.toml`
//! when unset (so earlier runs keep their identity), and every value that
//! cannot work is refused naming the file, the key and the allowed values.

use std::path::Path;

use aelab_spec::{ClusterConfig, DataSplit, Experiment, Preprocess, SpecError};

fn parse(text: &str) -> Result<Experiment, SpecError> {
    Experiment::parse(Path::new("specs/tasks.toml"), text)
}

fn error(text: &str) -> String {
    parse(text).expect_err("spec should be refused").to_string()
}

#[test]
fn unset_task_keys_leave_the_resolved_config_as_it_was() {
    let exp = parse("name = \"plain\"\n").unwrap();
    let run = &exp.runs[0];
    assert_eq!(run.data.split, DataSplit::Standard);
    assert_eq!(run.data.normal_class, None);
    assert_eq!(run.data.preprocess, Preprocess::Unit);
    assert_eq!(run.eval.cluster, None);
    assert!(!run.eval.probe);
    let text = run.to_toml();
    for key in ["split", "normal_class", "preprocess", "cluster", "probe"] {
        assert!(!text.contains(key), "{key} in {text}");
    }
}

#[test]
fn cluster_defaults_to_the_papers_protocol() {
    let exp = parse(
        r#"
        name = "c"
        [data]
        split = "all"
        [eval]
        cluster = {}
        probe = true
        "#,
    )
    .unwrap();
    let run = &exp.runs[0];
    assert_eq!(run.data.split, DataSplit::All);
    assert_eq!(run.eval.cluster, Some(ClusterConfig { k: 10, starts: 20 }));
    assert!(run.eval.probe);
    let text = run.to_toml();
    assert!(text.contains("split = \"all\""), "{text}");
    assert!(text.contains("[eval.cluster]"), "{text}");
}

#[test]
fn normal_class_may_be_swept_and_each_run_gets_its_own() {
    let exp = parse(
        r#"
        name = "one"
        [data]
        preprocess = "gcn-l1-minmax"
        [sweep]
        "data.normal_class" = [0, 3, 9]
        "#,
    )
    .unwrap();
    let classes: Vec<Option<u8>> = exp.runs.iter().map(|r| r.data.normal_class).collect();
    assert_eq!(classes, vec![Some(0), Some(3), Some(9)]);
    assert_eq!(exp.runs[1].name, "one.data.normal_class=3");
    assert!(exp
        .runs
        .iter()
        .all(|r| r.data.preprocess == Preprocess::GcnL1Minmax));
    assert!(exp.runs[1].to_toml().contains("normal_class = 3"));
}

#[test]
fn other_data_keys_still_cannot_be_swept() {
    let e = error("name = \"s\"\n[sweep]\n\"data.limit\" = [100, 200]\n");
    assert!(e.contains("cannot be swept"), "{e}");
    assert!(e.contains("data.normal_class alone"), "{e}");
}

#[test]
fn bad_task_values_are_refused_naming_the_key_and_range() {
    let cases = [
        (
            "name = \"n\"\n[data]\nnormal_class = 10\n",
            "data.normal_class",
            "allowed: 0..=9",
        ),
        (
            "name = \"n\"\n[sweep]\n\"data.normal_class\" = [1, -1]\n",
            "data.normal_class",
            "allowed: 0..=9",
        ),
        (
            "name = \"n\"\n[data]\nsplit = \"all\"\nnormal_class = 1\n",
            "data.normal_class",
            "leaves none",
        ),
        (
            "name = \"n\"\n[data]\nsplit = \"all\"\n[sweep]\n\"data.normal_class\" = [1]\n",
            "data.normal_class",
            "leaves none",
        ),
        (
            "name = \"n\"\n[data]\nsource = \"digits\"\nsplit = \"all\"\n",
            "data.split",
            "no test images",
        ),
        (
            "name = \"n\"\n[data]\nsplit = \"half\"\n",
            "data.split",
            "\"standard\"",
        ),
        (
            "name = \"n\"\n[data]\npreprocess = \"zca\"\n",
            "data.preprocess",
            "\"gcn-l1-minmax\"",
        ),
        (
            "name = \"n\"\n[eval]\ncluster = { k = 1 }\n",
            "eval.cluster.k",
            "allowed: 2..=1000",
        ),
        (
            "name = \"n\"\n[eval]\ncluster = { starts = 0 }\n",
            "eval.cluster.starts",
            "allowed: 1..=1000",
        ),
        ("name = \"n\"\n[eval]\ncluster = { n = 3 }\n", "eval", "n"),
    ];
    for (text, key, expected) in cases {
        let e = error(text);
        assert!(e.contains("specs/tasks.toml"), "{e}");
        assert!(e.contains(key), "{key}: {e}");
        assert!(e.contains(expected), "{expected}: {e}");
    }
}

#[test]
fn the_shipped_task_experiments_resolve() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let one_class = Experiment::load(&dir.join("one-class.toml")).unwrap();
    // two models x ten classes x three seeds
    assert_eq!(one_class.runs.len(), 60);
    assert!(one_class
        .runs
        .iter()
        .all(|r| r.data.preprocess == Preprocess::GcnL1Minmax && r.data.normal_class.is_some()));
    for name in ["idec-ae-kmeans", "dcec"] {
        let exp = Experiment::load(&dir.join(format!("{name}.toml"))).unwrap();
        assert_eq!(exp.runs.len(), 3, "{name}");
        assert_eq!(exp.runs[0].data.split, DataSplit::All, "{name}");
        assert_eq!(
            exp.runs[0].eval.cluster,
            Some(ClusterConfig::DEFAULT),
            "{name}"
        );
    }
}
