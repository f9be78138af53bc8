//! The spec contract: good specs resolve as documented, bad ones fail naming
//! the file, the key and what is allowed.

use std::path::Path;

use aelab_spec::{DataSource, EngineName, Experiment, ModelKind, OptimizerName, SpecError};

fn parse(text: &str) -> Result<Experiment, SpecError> {
    Experiment::parse(Path::new("specs/test.toml"), text)
}

fn error(text: &str) -> String {
    parse(text).expect_err("spec should be refused").to_string()
}

#[test]
fn issue_example_resolves_with_overrides_and_defaults() {
    let exp = parse(
        r#"
        name = "dae"
        description = "AE vs DAE"
        seed = 7
        [data]
        source = "mnist"
        limit = 42000
        validation = 5000
        [model]
        latent = 30
        hidden = 100
        [train]
        epochs = 30
        batch_size = 32
        optimizer = "sgd"
        lr = 1.5
        [noise]
        kind = "none"
        level = 0.5
        [eval]
        samples = 10
        tsne = { points = 5000, perplexity = 30.0, input = "latent" }
        [[variant]]
        name = "ae-sgd"
        train = { optimizer = "sgd", lr = 1.5 }
        [[variant]]
        name = "dae-adam"
        noise = { kind = "gaussian", level = 0.5 }
        train = { optimizer = "adam", lr = 0.001 }
        [[variant]]
        name = "pca"
        model = { kind = "pca" }
        "#,
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 3);
    let [ae, dae, pca] = [&exp.runs[0], &exp.runs[1], &exp.runs[2]];
    assert_eq!(
        (ae.train.optimizer, ae.train.lr, ae.seed),
        (OptimizerName::Sgd, 1.5, 7)
    );
    assert_eq!(ae.noise.kind.name(), "none");
    assert_eq!(
        (dae.train.optimizer, dae.train.lr, dae.train.epochs),
        (OptimizerName::Adam, 0.001, 30)
    );
    assert_eq!((dae.noise.kind.name(), dae.noise.level), ("gaussian", 0.5));
    assert_eq!((pca.model.kind, pca.model.latent()), (ModelKind::Pca, 30));
    assert_eq!(exp.data.limit, Some(42000));
    assert!(matches!(exp.data.source, DataSource::Mnist { dir: None }));
    let toml = dae.to_toml();
    assert!(
        toml.contains("lr = 0.001") && toml.contains("kind = \"gaussian\""),
        "{toml}"
    );
}

#[test]
fn a_spec_without_variants_is_one_run_named_after_it() {
    let exp = parse("name = \"solo\"\n").unwrap();
    assert_eq!(exp.runs.len(), 1);
    let run = &exp.runs[0];
    assert_eq!(run.name, "solo");
    assert_eq!(
        (run.seed, run.train.epochs, run.train.batch_size),
        (42, 30, 32)
    );
    assert_eq!(
        (run.train.optimizer, run.train.lr, run.train.engine),
        (OptimizerName::Adam, 0.001, EngineName::Fused)
    );
    assert_eq!(
        (run.eval.tsne.points, run.eval.tsne.perplexity),
        (5000, 30.0)
    );
    assert_eq!(exp.data.validation, 5000);
}

#[test]
fn embeddings_default_to_the_validation_digits_and_no_umap() {
    use aelab_spec::{EmbedSplit, UmapConfig};
    let plain = parse("name = \"e\"\n").unwrap();
    let eval = &plain.runs[0].eval;
    assert_eq!(eval.tsne.split, EmbedSplit::Validation);
    assert_eq!(eval.umap, UmapConfig::OFF);
    // the defaults leave config.toml as it was before these keys existed
    let toml = plain.runs[0].to_toml();
    assert!(!toml.contains("split") && !toml.contains("umap"), "{toml}");

    let all = parse(
        "name = \"e\"\n[eval]\ntsne = { points = 70000, split = \"all\" }\numap = { points = 70000, neighbors = 30, min_dist = 0.0 }\n",
    )
    .unwrap();
    let eval = &all.runs[0].eval;
    assert_eq!(
        (eval.tsne.points, eval.tsne.split),
        (70000, EmbedSplit::All)
    );
    assert_eq!(
        (eval.umap.points, eval.umap.neighbors, eval.umap.min_dist),
        (70000, 30, 0.0)
    );
    let toml = all.runs[0].to_toml();
    assert!(
        toml.contains("split = \"all\"") && toml.contains("min_dist = 0.0"),
        "{toml}"
    );
    let swept =
        parse("name = \"e\"\n[sweep]\n\"eval.tsne.split\" = [\"test\", \"train\"]\n").unwrap();
    assert_eq!(swept.runs[1].eval.tsne.split, EmbedSplit::Train);
}

#[test]
fn csv_paths_are_relative_to_the_spec_file() {
    let exp = parse(
        "name = \"k\"\n[data]\nsource = \"csv\"\ntrain = \"train.csv\"\ntest = \"/abs/test.csv\"\n",
    )
    .unwrap();
    match &exp.data.source {
        DataSource::Csv { train, test } => {
            assert_eq!(train, Path::new("specs/train.csv"));
            assert_eq!(test.as_deref(), Some(Path::new("/abs/test.csv")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_specs_name_file_key_and_allowed_values() {
    let cases: &[(&str, &str, &str)] = &[
        ("name = \"x\"\n[train]\nlrr = 1.0\n", "train.lrr", "did you mean `lr`?"),
        ("name = \"x\"\n[train]\nbatchsize = 1\n", "train.batchsize", "did you mean `batch_size`?"),
        ("name = \"x\"\n[noize]\nkind = \"gaussian\"\n", "noize", "did you mean `noise`?"),
        ("name = \"x\"\ncolour = 1\n", "colour", "unknown field"),
        ("name = \"x\"\n[[variant]]\nname = \"a\"\ntrain = { epoch = 3 }\n", "variant[0].train.epoch", "unknown field"),
        ("name = \"x\"\n[train]\nepochs = \"ten\"\n", "train.epochs", "invalid type"),
        ("name = \"x\"\n[train]\nepochs = 0\n", "train.epochs", "1..=10000"),
        ("name = \"x\"\n[train]\nepochs = 100000\n", "train.epochs", "1..=10000"),
        ("name = \"x\"\n[train]\nbatch_size = 0\n", "train.batch_size", "1..=65536"),
        ("name = \"x\"\n[train]\nthreads = 0\n", "train.threads", "1..=1024"),
        ("name = \"x\"\n[train]\nthreads = 2.5\n", "train.threads", "invalid type"),
        ("name = \"x\"\n[train]\nlr = -1.0\n", "train.lr", "greater than 0"),
        ("name = \"x\"\n[train]\nlr = nan\n", "train.lr", "greater than 0"),
        ("name = \"x\"\n[train]\nlr = inf\n", "train.lr", "at most 1000"),
        ("name = \"x\"\n[train]\noptimizer = \"adagrad\"\n", "train.optimizer", "\"sgd\", \"adam\", \"adadelta\", \"rmsprop\""),
        ("name = \"x\"\n[model]\ntied = true\n[train]\noptimizer = \"rmsprop\"\n", "model.tied", "cannot go with"),
        ("name = \"x\"\n[train]\nengine = \"torch\"\n", "train.engine", "\"fused\", \"dfdx\""),
        ("name = \"x\"\n[noise]\nkind = \"gaussian\"\nlevel = 11.0\n", "noise.level", "standard deviation"),
        ("name = \"x\"\n[noise]\nkind = \"masking\"\nlevel = 1.5\n", "noise.level", "fraction"),
        ("name = \"x\"\n[noise]\nkind = \"pink\"\n", "noise.kind", "\"salt-pepper\""),
        ("name = \"x\"\n[model]\nlatent = 5000\n", "model.latent", "1..=4096"),
        ("name = \"x\"\n[model]\nhidden = 0\n", "model.hidden", "1..=4096"),
        ("name = \"x\"\n[model]\nactivation = \"rellu\"\n", "model.activation", "did you mean \"relu\"?"),
        ("name = \"x\"\n[model]\ninit = \"glorot_uniforn\"\n", "model.init", "did you mean \"glorot_uniform\"?"),
        ("name = \"x\"\n[model]\nlayers = []\n", "model.layers", "1 to 8 encoder widths"),
        ("name = \"x\"\n[model]\nlayers = [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "model.layers", "1 to 8 encoder widths"),
        ("name = \"x\"\n[model]\nlayers = [100, 0]\n", "model.layers[1]", "1..=4096"),
        ("name = \"x\"\n[model]\nlayers = [5000, 30]\n", "model.layers[0]", "1..=4096"),
        ("name = \"x\"\n[model]\nlayers = [100, 30]\nhidden = 100\n", "model.layers", "shorthand"),
        ("name = \"x\"\n[model]\nsparsity = -1e-5\n", "model.sparsity", "0 (no penalty)"),
        ("name = \"x\"\n[model]\nsparsity = nan\n", "model.sparsity", "0 (no penalty)"),
        ("name = \"x\"\n[model]\nkind = \"vae\"\nbeta = -1\n", "model.beta", "0 to 1000"),
        ("name = \"x\"\n[model]\nkind = \"vae\"\nbeta = inf\n", "model.beta", "0 to 1000"),
        ("name = \"x\"\n[model]\nbeta = 4\n", "model.beta", "needs model.kind = \"vae\""),
        ("name = \"x\"\n[model]\nkind = \"vae\"\ntied = true\n", "model.tied", "not supported with model.kind = \"vae\""),
        ("name = \"x\"\n[model]\nkind = \"vae\"\nsparsity = 1e-5\n", "model.sparsity", "not supported with model.kind = \"vae\""),
        ("name = \"x\"\n[model]\nkind = \"pca\"\nactivation = \"relu\"\n", "model.activation", "autoencoders"),
        ("name = \"x\"\n[model]\nactivation = \"gelu\"\n[train]\nengine = \"dfdx\"\n", "train.engine", "every activation but \"gelu\""),
        ("name = \"x\"\n[model]\nkind = \"gan\"\n", "model.kind", "\"vae\", \"pca\""),
        ("name = \"\"\n", "name", "empty"),
        ("name = \"a/b\"\n", "name", "[A-Za-z0-9._-]+"),
        ("name = \"..\"\n", "name", "starts with a dot"),
        ("name = \".hidden\"\n", "name", "starts with a dot"),
        ("name = \"a b\"\n", "name", "characters other than"),
        ("name = \"x\"\nseed = -1\n", "seed", "negative"),
        ("name = \"x\"\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n", "variant[1].name", "unique"),
        ("name = \"x\"\n[[variant]]\nname = \"a\"\nnoise = { kind = \"gaussian\", level = -0.1 }\n", "variant[0].noise.level", "greater than 0"),
        ("name = \"x\"\n[data]\nsource = \"csv\"\n", "data.train", "required"),
        ("name = \"x\"\n[data]\nsource = \"kaggle\"\n", "data.source", "\"mnist\", \"fashion-mnist\", \"kmnist\", \"digits\", \"csv\""),
        ("name = \"x\"\n[data]\nsource = \"digits\"\ndir = \"/d\"\n", "data.dir", "built in"),
        ("name = \"x\"\n[data]\nsource = \"kmnist\"\ntrain = \"a.csv\"\n", "data.train", "only for source = \"csv\""),
        ("name = \"x\"\n[data]\nsource = \"csv\"\ntrain = \"a.csv\"\ndir = \"/d\"\n", "data.dir", "only for the IDX sources"),
        ("name = \"x\"\n[data]\ntrain = \"a.csv\"\n", "data.train", "only for source = \"csv\""),
        ("name = \"x\"\n[data]\nlimit = 0\n", "data.limit", "out of range"),
        ("name = \"x\"\n[eval]\ntsne = { points = 50, perplexity = 30.0 }\n", "eval.tsne.points", "too few"),
        ("name = \"x\"\n[eval]\nsamples = 0\n", "eval.samples", "1..=100"),
        ("name = \"x\"\n[eval]\ntsne = { split = \"everything\" }\n", "eval.tsne.split", "\"validation\", \"test\", \"train\", \"all\""),
        ("name = \"x\"\n[eval]\numap = { points = 70001 }\n", "eval.umap.points", "0..=70000"),
        ("name = \"x\"\n[eval]\numap = { points = 10 }\n", "eval.umap.points", "too few"),
        ("name = \"x\"\n[eval]\numap = { points = 100, neighbors = 1 }\n", "eval.umap.neighbors", "2..=200"),
        ("name = \"x\"\n[eval]\numap = { min_dist = 1.5 }\n", "eval.umap.min_dist", "0 to 1"),
        ("name = \"x\"\n[eval]\numap = { spread = 1.0 }\n", "eval.umap.spread", "unknown field"),
        ("name = \"x\"\n[eval]\ndetail = \"some\"\n", "eval.detail", "\"light\""),
        ("name = \"x\"\n[model]\nkind = \"pca\"\n[noise]\nkind = \"gaussian\"\n", "noise.kind", "autoencoders"),
        ("name = \"x\"\n[[variant]]\nname = \"a\"\ndata = { limit = 3 }\n", "variant[0].data", "unknown field"),
    ];
    for (text, key, what) in cases {
        let err = error(text);
        assert!(err.starts_with("specs/test.toml: "), "{text:?}: {err}");
        assert!(
            err.contains(&format!("key `{key}`")),
            "{text:?}: expected key {key}: {err}"
        );
        assert!(err.contains(what), "{text:?}: expected {what:?}: {err}");
    }
}

#[test]
fn every_data_source_resolves_and_round_trips_in_config_toml() {
    use aelab_spec::DataSource;
    let source = |name: &str| {
        let text = format!("name = \"x\"\n[data]\nsource = \"{name}\"\n[model]\nkind = \"pca\"\n");
        Experiment::parse(Path::new("specs/test.toml"), &text).unwrap()
    };
    let fashion = source("fashion-mnist");
    assert_eq!(fashion.data.source, DataSource::FashionMnist { dir: None });
    assert!(fashion.runs[0]
        .to_toml()
        .contains("source = \"fashion-mnist\""));
    assert_eq!(
        source("kmnist").data.source,
        DataSource::Kmnist { dir: None }
    );
    let digits = source("digits");
    assert_eq!(digits.data.source, DataSource::Digits);
    assert_eq!(digits.data.validation, 0, "1,797 digits: no default split");
    assert!(digits.runs[0].to_toml().contains("source = \"digits\""));
    assert_eq!(source("mnist").data.validation, 5_000);
}

#[test]
fn auto_detail_is_full_for_small_experiments_and_light_for_large_sweeps() {
    use aelab_spec::EvalDetail;
    let parse = |text: &str| Experiment::parse(Path::new("specs/test.toml"), text).unwrap();
    let small = parse("name = \"x\"\nrepeats = 12\n");
    assert!(small.runs.iter().all(|r| r.eval.detail == EvalDetail::Full));
    let large = parse("name = \"x\"\nrepeats = 13\n");
    assert!(large
        .runs
        .iter()
        .all(|r| r.eval.detail == EvalDetail::Light));
    assert!(large.runs[0].to_toml().contains("detail = \"light\""));
    let asked = parse("name = \"x\"\nrepeats = 13\n[eval]\ndetail = \"full\"\n");
    assert!(asked.runs.iter().all(|r| r.eval.detail == EvalDetail::Full));
}

#[test]
fn not_toml_and_missing_files() {
    let err = error("name = \"x\"\n[train\nepochs = 3\n");
    assert!(
        err.starts_with("specs/test.toml: ") && err.contains("line 2"),
        "{err}"
    );
    let err = error("description = \"no name\"\n");
    assert!(err.contains("name"), "{err}");
    let err = Experiment::load(Path::new("/no/such/spec.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/no/such/spec.toml"), "{err}");
}

#[test]
fn shipped_experiments_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    assert!(count >= 3, "experiments/ should hold ae, dae and smoke");
}

#[test]
fn sweeps_expand_to_the_cartesian_product_over_every_variant() {
    let exp = parse(
        r#"
        name = "noise"
        [sweep]
        "noise.level" = [0.1, 0.5]
        noise.kind = ["gaussian", "masking"]
        [[variant]]
        name = "dae"
        train = { optimizer = "adam" }
        [[variant]]
        name = "dae-sgd"
        train = { optimizer = "sgd", lr = 1.5 }
        sweep = { "train.epochs" = [1, 2] }
        "#,
    )
    .unwrap();
    assert_eq!(exp.runs.len(), 4 + 8);
    let names: Vec<&str> = exp.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[0], "dae.noise.kind=gaussian.noise.level=0.1");
    assert_eq!(names[3], "dae.noise.kind=masking.noise.level=0.5");
    assert_eq!(
        names[4],
        "dae-sgd.noise.kind=gaussian.noise.level=0.1.train.epochs=1"
    );
    let r = &exp.runs[3];
    assert_eq!(
        (r.noise.kind.name(), r.noise.level, r.variant.as_str()),
        ("masking", 0.5, "dae")
    );
    assert_eq!(
        r.sweep,
        vec![
            ("noise.kind".into(), "masking".into()),
            ("noise.level".into(), "0.5".into())
        ]
    );
    assert_eq!(exp.runs[5].train.epochs, 2);
    assert_eq!(exp.runs[5].train.lr, 1.5);
    assert_eq!(
        exp.swept,
        vec![
            "noise.kind".to_string(),
            "noise.level".into(),
            "train.epochs".into()
        ]
    );
}

#[test]
fn a_sweep_without_variants_sweeps_the_base_and_can_sweep_seeds() {
    let exp = parse("name = \"s\"\n[sweep]\nseed = [1, 2, 3]\n").unwrap();
    let seeds: Vec<u64> = exp.runs.iter().map(|r| r.seed).collect();
    assert_eq!(seeds, vec![1, 2, 3]);
    assert_eq!(exp.runs[2].name, "s.seed=3");
}

#[test]
fn bad_sweeps_are_refused_with_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "name = \"x\"\n[sweep]\n\"train.lrr\" = [0.1]\n",
            "sweep (run `x.train.lrr=0.1`) train.lrr",
            "did you mean `lr`?",
        ),
        (
            "name = \"x\"\n[sweep]\n\"train.lr\" = []\n",
            "sweep.train.lr",
            "empty",
        ),
        (
            "name = \"x\"\n[sweep]\n\"train.lr\" = 0.1\n",
            "sweep.train.lr",
            "needs a list",
        ),
        (
            "name = \"x\"\n[sweep]\n\"train.lr\" = [0.1, 0.1]\n",
            "sweep.train.lr",
            "listed twice",
        ),
        (
            "name = \"x\"\n[sweep]\n\"train.lr\" = [0.1, -1.0]\n",
            "sweep.train.lr (run `x.train.lr=-1.0`)",
            "greater than 0",
        ),
        (
            "name = \"x\"\n[sweep]\n\"data.limit\" = [10, 20]\n",
            "sweep (run `x.data.limit=10`)",
            "cannot be swept",
        ),
    ];
    for (text, key, what) in cases {
        let err = error(text);
        assert!(
            err.contains(&format!("key `{key}`")),
            "{text:?}: expected key {key}: {err}"
        );
        assert!(err.contains(what), "{text:?}: expected {what:?}: {err}");
    }
    let many: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
    let text = format!(
        "name = \"x\"\n[sweep]\n\"train.epochs\" = [{0}]\n\"train.batch_size\" = [{0}]\n",
        many.join(", ")
    );
    let err = error(&text);
    assert!(
        err.contains("expands to 1600 runs, more than the limit of 1000"),
        "{err}"
    );
}

#[test]
fn set_overrides_every_run_and_is_checked_like_the_file() {
    let path = Path::new("specs/test.toml");
    let text = "name = \"x\"\n[[variant]]\nname = \"a\"\ntrain = { lr = 0.5 }\n[[variant]]\nname = \"b\"\n";
    let exp = Experiment::parse_with(
        path,
        text,
        &[
            "train.lr=0.1".into(),
            "train.optimizer=sgd".into(),
            "seed=9".into(),
        ],
    )
    .unwrap();
    assert!(exp.runs.iter().all(|r| r.train.lr == 0.1 && r.seed == 9));
    assert_eq!(exp.overrides.len(), 3);
    let err = Experiment::parse_with(path, text, &["train.lr=-2".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("key `--set train.lr`") && err.contains("greater than 0"),
        "{err}"
    );
    let err = Experiment::parse_with(path, text, &["train.lrr=2".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--set") && err.contains("did you mean `lr`?"),
        "{err}"
    );
    let err = Experiment::parse_with(path, text, &["name=../up".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("key `--set name`"), "{err}");
    let err = Experiment::parse_with(path, text, &["train.lr".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("key=value"), "{err}");
}

#[test]
fn repeats_make_groups_of_runs_that_differ_only_in_seed() {
    let exp = Experiment::parse(
        Path::new("specs/test.toml"),
        "name = \"x\"\nseed = 7\nrepeats = 3\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nrepeats = 2\nsweep = { \"train.lr\" = [0.1, 0.2] }\n",
    )
    .unwrap();
    let names: Vec<(&str, u64, &str)> = exp
        .runs
        .iter()
        .map(|r| (r.name.as_str(), r.seed, r.group.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("a.seed=7", 7, "a"),
            ("a.seed=8", 8, "a"),
            ("a.seed=9", 9, "a"),
            ("b.train.lr=0.1.seed=7", 7, "b.train.lr=0.1"),
            ("b.train.lr=0.1.seed=8", 8, "b.train.lr=0.1"),
            ("b.train.lr=0.2.seed=7", 7, "b.train.lr=0.2"),
            ("b.train.lr=0.2.seed=8", 8, "b.train.lr=0.2"),
        ]
    );
    // One repeat keeps today's names; a seed sweep groups the same way.
    let swept = Experiment::parse(
        Path::new("specs/test.toml"),
        "name = \"x\"\n[sweep]\nseed = [1, 2]\n",
    )
    .unwrap();
    let groups: Vec<(&str, &str)> = swept
        .runs
        .iter()
        .map(|r| (r.name.as_str(), r.group.as_str()))
        .collect();
    assert_eq!(groups, vec![("x.seed=1", "x"), ("x.seed=2", "x")]);
    let set = Experiment::parse_with(
        Path::new("specs/test.toml"),
        "name = \"x\"\n",
        &["repeats=2".to_string()],
    )
    .unwrap();
    assert_eq!(set.runs.len(), 2);
}

#[test]
fn bad_repeats_name_the_key() {
    for (text, key, what) in [
        ("name = \"x\"\nrepeats = 0\n", "repeats", "1..=100"),
        ("name = \"x\"\nrepeats = 101\n", "repeats", "1..=100"),
        ("name = \"x\"\n[[variant]]\nname = \"a\"\nrepeats = -2\n", "variant[0].repeats", "1..=100"),
        ("name = \"x\"\nrepeats = 2\n[sweep]\nseed = [1, 2]\n", "repeats", "use one of them"),
        ("name = \"x\"\n[sweep]\nrepeats = [1, 2]\n", "sweep (run `x.repeats=1`)", "cannot be swept"),
        ("name = \"x\"\nrepeats = 100\n[sweep]\n\"train.lr\" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]\n", "sweep", "repeat less"),
    ] {
        let err = error(text);
        assert!(err.contains(&format!("key `{key}`")), "{text:?}: {err}");
        assert!(err.contains(what), "{text:?}: {err}");
    }
}

#[test]
fn the_family_keys_resolve_and_layers_sweep_into_plain_run_names() {
    let exp = parse(
        r#"
        name = "family"
        [model]
        activation = "gelu"
        init = "lecun_normal"
        tied = true
        sparsity = 1e-5
        [sweep]
        "model.layers" = [[100, 30], [500, 500, 2000, 10]]
        "#,
    )
    .unwrap();
    let names: Vec<&str> = exp.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "family.model.layers=100-30",
            "family.model.layers=500-500-2000-10"
        ]
    );
    let deep = &exp.runs[1].model;
    assert_eq!(
        (deep.layers.as_slice(), deep.latent()),
        (&[500, 500, 2000, 10][..], 10)
    );
    let architecture = deep.architecture(784);
    assert_eq!(architecture.activation.name(), "gelu");
    assert_eq!(architecture.init.name(), "lecun_normal");
    assert!(architecture.tied && architecture.sparsity == 1e-5);
    // the shorthand is the notebook's model, as before
    let notebook = parse("name = \"n\"\n[model]\nlatent = 2\n").unwrap();
    assert_eq!(notebook.runs[0].model.layers, [100, 2]);
    assert!(notebook.runs[0]
        .model
        .architecture(784)
        .is_compiled_notebook_shape());
}

#[test]
fn train_threads_is_absent_by_default_and_kept_when_set() {
    let default = parse("name = \"x\"\n").expect("a minimal spec");
    assert_eq!(default.runs[0].train.threads, None);
    assert!(!default.runs[0].to_toml().contains("threads"));
    let set = parse("name = \"x\"\n[train]\nthreads = 2\n").expect("two threads");
    assert_eq!(set.runs[0].train.threads, Some(2));
    let text = set.runs[0].to_toml();
    assert!(text.contains("threads = 2"), "{text}");
}
