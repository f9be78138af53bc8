//! The `[search]` contract: trials drawn from the spec's seed, named and
//! checked like runs; every bad setting stops before any work, naming the
//! file, the key and what is allowed.

use std::path::Path;

use aelab_spec::{Experiment, OptimizerName, SearchMethod, SpecError};

fn parse(text: &str) -> Result<Experiment, SpecError> {
    Experiment::parse(Path::new("specs/search.toml"), text)
}

fn parse_with(text: &str, set: &[&str]) -> Result<Experiment, SpecError> {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    Experiment::parse_with(Path::new("specs/search.toml"), text, &set)
}

fn error(text: &str) -> String {
    parse(text).expect_err("spec should be refused").to_string()
}

const SEARCH: &str = r#"
name = "s"
seed = 3
[train]
epochs = 9
[search]
method = "random"
trials = 12
"train.lr" = { log_uniform = [1e-4, 3.0] }
"train.optimizer" = { choice = ["sgd", "adam"] }
"noise.level" = { uniform = [0.1, 0.9] }
"model.latent" = { choice = [2, 10, 30] }
noise.kind = { choice = ["gaussian", "masking"] }
"#;

#[test]
fn trials_are_runs_with_their_drawn_values_and_the_same_spec_draws_the_same() {
    let a = parse(SEARCH).unwrap();
    let b = parse(SEARCH).unwrap();
    assert_eq!(a.runs, b.runs);
    assert_eq!(a.runs.len(), 12);
    assert_eq!(a.runs[0].name, "s.trial=00");
    assert_eq!(a.runs[11].name, "s.trial=11");
    let search = a.search.as_ref().unwrap();
    assert_eq!(search.method, SearchMethod::Random);
    assert_eq!(search.metric, "val_bce");
    // Nested tables (noise.kind unquoted) are a key too.
    let keys: Vec<&str> = search.space.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "model.latent",
            "noise.kind",
            "noise.level",
            "train.lr",
            "train.optimizer"
        ]
    );
    for run in &a.runs {
        assert!((1e-4..=3.0).contains(&run.train.lr), "{}", run.train.lr);
        assert!((0.1..=0.9).contains(&run.noise.level));
        assert!([2, 10, 30].contains(&run.model.latent()));
        assert_eq!(run.group, run.name);
        let swept: Vec<&str> = run.sweep.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(swept, keys);
        let lr_text = &run.sweep[3].1;
        assert_eq!(lr_text.parse::<f64>().unwrap(), run.train.lr);
    }
    assert!(a.swept.contains(&"train.lr".to_string()));
    // Both optimizers and several latent sizes come up in 12 draws.
    let sgd = a
        .runs
        .iter()
        .filter(|r| r.train.optimizer == OptimizerName::Sgd)
        .count();
    assert!((1..12).contains(&sgd), "{sgd}");
    // Another seed, other trials.
    let c = parse(&SEARCH.replace("seed = 3", "seed = 4")).unwrap();
    assert_ne!(a.runs[0].train.lr, c.runs[0].train.lr);
}

#[test]
fn sobol_trials_follow_the_sequence() {
    let exp = parse(
        r#"
        name = "q"
        [search]
        method = "sobol"
        trials = 4
        "train.lr" = { uniform = [0.0, 1.0] }
        "noise.level" = { uniform = [0.2, 0.6] }
        "#,
    );
    // lr = 0.0 is refused by train.lr's own check: every value a
    // distribution can give is checked before anything is drawn.
    let message = exp.unwrap_err().to_string();
    assert!(message.contains("search.train.lr"), "{message}");
    let exp = parse(
        r#"
        name = "q"
        [search]
        method = "sobol"
        trials = 4
        "train.epochs" = { int = [1, 8] }
        "train.lr" = { uniform = [0.2, 0.6] }
        "#,
    )
    .unwrap();
    // Sobol' points (0, 0), (0.5, 0.5), (0.75, 0.25), (0.25, 0.75), one
    // dimension per key in key order.
    let got: Vec<(usize, f64)> = exp
        .runs
        .iter()
        .map(|r| (r.train.epochs, r.train.lr))
        .collect();
    assert_eq!(got, vec![(1, 0.2), (5, 0.4), (7, 0.3), (3, 0.5)]);
}

#[test]
fn a_search_combines_with_variants_and_a_sweep_of_other_keys() {
    let exp = parse(
        r#"
        name = "v"
        [sweep]
        "noise.kind" = ["gaussian", "masking"]
        [search]
        method = "random"
        trials = 3
        "noise.level" = { uniform = [0.1, 0.5] }
        [[variant]]
        name = "a"
        [[variant]]
        name = "b"
        "#,
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 2 * 2 * 3);
    assert_eq!(exp.runs[0].name, "a.noise.kind=gaussian.trial=0");
    // The same trial index draws the same values in every variant.
    assert_eq!(exp.runs[0].noise.level, exp.runs[6].noise.level);
}

#[test]
fn halving_settings_and_set_overrides() {
    let text = r#"
        name = "h"
        [train]
        epochs = 27
        [search]
        method = "halving"
        trials = 81
        min_epochs = 1
        eta = 3
        "train.lr" = { log_uniform = [1e-3, 1.0] }
        "#;
    let exp = parse(text).unwrap();
    let search = exp.search.as_ref().unwrap();
    assert_eq!(search.rungs(27), vec![1, 3, 9, 27]);
    // The same spec at full budget, for comparison.
    let random = parse_with(text, &["search.method=random", "search.trials=5"]).unwrap();
    assert_eq!(random.runs.len(), 5);
    // The same trials under either method: halving only decides how far each goes.
    let lrs = |e: &Experiment| {
        e.runs
            .iter()
            .take(5)
            .map(|r| r.train.lr)
            .collect::<Vec<_>>()
    };
    assert_eq!(lrs(&random), lrs(&exp));
}

#[test]
fn bad_searches_name_the_key_and_what_is_allowed() {
    let base = |search: &str| {
        format!(
            "name = \"b\"\n[train]\nepochs = 10\n[sweep]\n\"noise.level\" = [0.1, 0.2]\n[search]\n{search}\n"
        )
    };
    let cases: &[(&str, &str, &str)] = &[
        (
            "method = \"random\"\ntrials = 5\n\"train.lr\" = { uniform = [0.5, 0.5] }",
            "search.train.lr.uniform",
            "not below the high bound",
        ),
        (
            "method = \"random\"\ntrials = 5\n\"train.lr\" = { log_uniform = [0.0, 1.0] }",
            "search.train.lr.log_uniform",
            "not above 0",
        ),
        (
            "method = \"random\"\ntrials = 0\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.trials",
            "allowed: 1..=10000",
        ),
        (
            "method = \"random\"\ntrials = 10001\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.trials",
            "allowed: 1..=10000",
        ),
        (
            "method = \"halving\"\ntrials = 9\neta = 1\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.eta",
            "allowed: 2..=100",
        ),
        (
            "method = \"halving\"\ntrials = 9\nmin_epochs = 11\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.min_epochs",
            "above train.epochs = 10",
        ),
        (
            "method = \"random\"\ntrials = 9\nmetric = \"test_mse\"\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.metric",
            "choosing on test data leaks",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"noise.level\" = { uniform = [0.1, 1.0] }",
            "search.noise.level",
            "also in a [sweep]",
        ),
        (
            "method = \"grid\"\ntrials = 9\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.method",
            "\"random\", \"sobol\", \"halving\", \"hyperband\"",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"train.lr\" = { normal = [0.1, 1.0] }",
            "search.train.lr.normal",
            "log_uniform",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"train.lr\" = { int = [1, 2.5] }",
            "search.train.lr.int",
            "two integers",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"data.limit\" = { int = [10, 20] }",
            "search.data.limit",
            "cannot be searched",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"train.lrr\" = { uniform = [0.1, 1.0] }",
            "search.train.lrr",
            "lr",
        ),
        (
            "method = \"random\"\ntrials = 9\n\"model.latent\" = { choice = [2, 5000] }",
            "search.model.latent",
            "5000",
        ),
        // Rungs at 1, 3, 9, 10: Li et al.'s 27 : 12 : 6 : 4 over 4
        // brackets; the last bracket's share needs 49 / 4 -> 13 trials.
        (
            "method = \"hyperband\"\ntrials = 12\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.trials",
            "allowed: 13..=10000",
        ),
        (
            "method = \"hyperband\"\ntrials = 20\nmetric = \"clean_val_bce\"\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.metric",
            "hyperband's rungs need",
        ),
        (
            "method = \"hyperband\"\ntrials = 20\neta = 101\n\"train.lr\" = { uniform = [0.1, 1.0] }",
            "search.eta",
            "allowed: 2..=100",
        ),
    ];
    for (search, key, says) in cases {
        let message = error(&base(search));
        assert!(
            message.starts_with("specs/search.toml: key `")
                && message.contains(&format!("key `{key}`"))
                && message.contains(says),
            "{search}\n-> {message}"
        );
    }
}
