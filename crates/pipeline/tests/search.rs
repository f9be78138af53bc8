//! Searches end to end on real MNIST: synchronous successive halving
//! (rungs, promotions by the metric alone, whatever `--jobs`), trials
//! continued from checkpoints ending bit-identical to training straight,
//! a search resumed after losing its later rungs and runs, Hyperband's
//! brackets, and the per-rung cluster steps (array tasks, decisions,
//! shards) ending as a local run does.

mod common;

use std::path::Path;

use aelab_pipeline::{
    decide_rung, fit_config, fit_on_training_threads, load_data, load_spec, read_brackets,
    read_rungs, rebuild_report, run_experiment, run_rung_task, Destination, Observe, RunOptions,
    Rung, RungTask, Shard, Summary,
};
use aelab_spec::SearchMethod;

const HALVING: &str = r#"
name = "halving"
seed = 11
[data]
dir = "MNIST"
limit = 900
validation = 200
[train]
epochs = 9
batch_size = 50
optimizer = "adam"
[noise]
kind = "gaussian"
level = 0.3
resample = "epoch"
[eval]
detail = "light"
tsne = { points = 0 }
[search]
method = "halving"
trials = 9
min_epochs = 1
eta = 3
"train.lr" = { log_uniform = [1e-4, 0.05] }
"#;

/// Hyperband over the same trials' space: rungs at 1, 3, 9 epochs make 3
/// brackets, Li et al.'s 9 : 5 : 3 of 6 trials -> 3, 2, 1.
fn hyperband_spec() -> String {
    HALVING
        .replace("name = \"halving\"", "name = \"hyperband\"")
        .replace(
            "method = \"halving\"\ntrials = 9",
            "method = \"hyperband\"\ntrials = 6",
        )
}

fn run(spec: &Path, destination: Destination, jobs: usize) -> aelab_pipeline::ExperimentOutcome {
    let experiment = load_spec(spec, &[]).unwrap();
    let options = RunOptions {
        destination,
        jobs,
        force: true,
        shard: None,
    };
    run_experiment(&experiment, &options, Observe::quiet()).unwrap()
}

/// A trial at a rung: name, epochs, metric bits, promoted.
type Decision = (String, usize, Option<u64>, bool);

/// Each rung's trials with their metric bits and promotions.
fn decisions(rungs: &[Rung]) -> Vec<Vec<Decision>> {
    rungs
        .iter()
        .map(|r| {
            r.trials
                .iter()
                .map(|t| {
                    (
                        t.run.clone(),
                        t.epochs,
                        t.metric.map(f64::to_bits),
                        t.promoted,
                    )
                })
                .collect()
        })
        .collect()
}

/// Each bracket's decisions.
fn bracket_decisions(archive: &Path, method: SearchMethod) -> Vec<Vec<Vec<Decision>>> {
    read_brackets(archive, method)
        .unwrap()
        .iter()
        .map(|rungs| decisions(rungs))
        .collect()
}

/// The validation losses of `run` trained straight for its full budget,
/// as bits.
fn straight_val_losses(spec: &Path, run: &str) -> Vec<u64> {
    let experiment = load_spec(spec, &[]).unwrap();
    let config = experiment.runs.iter().find(|r| r.name == run).unwrap();
    let data = load_data(&experiment).unwrap();
    let straight =
        fit_on_training_threads(&fit_config(config, data.pixels()), 1, &data, &mut |_| {}).unwrap();
    straight
        .history
        .iter()
        .map(|r| r.val_loss.unwrap().to_bits())
        .collect()
}

/// `metrics.csv`'s validation losses.
fn val_losses(path: &Path) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn halving_promotes_the_best_third_and_continues_bit_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::write_spec(tmp.path(), HALVING);
    let results = tmp.path().join("results");
    let two = run(
        &spec,
        Destination::NewArchive {
            results_dir: results.clone(),
        },
        2,
    );
    assert!(!two.failed);
    let rungs = read_rungs(&two.archive).unwrap();
    let shape: Vec<(usize, usize, usize)> = rungs
        .iter()
        .map(|r| {
            let promoted = r.trials.iter().filter(|t| t.promoted).count();
            (r.epochs, r.trials.len(), promoted)
        })
        .collect();
    assert_eq!(shape, vec![(1, 9, 3), (3, 3, 1), (9, 1, 0)]);
    // The promoted are the best by validation BCE at the rung.
    for rung in &rungs[..2] {
        let mut metrics: Vec<f64> = rung.trials.iter().map(|t| t.metric.unwrap()).collect();
        metrics.sort_by(f64::total_cmp);
        let cut = metrics[rung.trials.iter().filter(|t| t.promoted).count() - 1];
        for t in &rung.trials {
            assert_eq!(t.promoted, t.metric.unwrap() <= cut, "{t:?}");
        }
    }
    // Every trial is a run that stopped at its last rung.
    let mut epochs: Vec<usize> = two.summaries.iter().map(|s| s.epochs_completed).collect();
    epochs.sort();
    assert_eq!(epochs, vec![1, 1, 1, 1, 1, 1, 3, 3, 9]);

    // The winner went 1 -> 3 -> 9 through two checkpoints; training its
    // config straight for 9 epochs gives the same bits.
    let winner = &rungs[2].trials[0].run;
    let experiment = load_spec(&spec, &[]).unwrap();
    let config = experiment.runs.iter().find(|r| &r.name == winner).unwrap();
    assert_eq!(config.train.epochs, 9);
    let data = load_data(&experiment).unwrap();
    let straight =
        fit_on_training_threads(&fit_config(config, data.pixels()), 1, &data, &mut |_| {}).unwrap();
    let straight: Vec<u64> = straight
        .history
        .iter()
        .map(|r| r.val_loss.unwrap().to_bits())
        .collect();
    let archived = val_losses(&two.archive.join("runs").join(winner).join("metrics.csv"));
    assert_eq!(
        archived.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        straight
    );
    let summary = two.summaries.iter().find(|s| &s.run == winner).unwrap();
    assert_eq!(summary.val_bce.map(f64::to_bits), straight.last().copied());

    // The checkpoints are gone once every trial is complete.
    assert!(!two.archive.join("search/checkpoints").exists());

    // One job at a time decides the same.
    let one = run(
        &spec,
        Destination::NewArchive {
            results_dir: results.clone(),
        },
        1,
    );
    assert_eq!(
        decisions(&read_rungs(&one.archive).unwrap()),
        decisions(&rungs)
    );

    // Lose the later rungs and every run: a resume finishes the same.
    for r in 1..3 {
        std::fs::remove_file(one.archive.join(format!("search/rung-{r}.json"))).unwrap();
    }
    std::fs::remove_dir_all(one.archive.join("runs")).unwrap();
    let resumed = run(&spec, Destination::Resume(one.archive.clone()), 2);
    assert_eq!(
        decisions(&read_rungs(&resumed.archive).unwrap()),
        decisions(&rungs)
    );
    let bits = |o: &aelab_pipeline::ExperimentOutcome| {
        let mut v: Vec<(String, Option<u64>)> = o
            .summaries
            .iter()
            .map(|s| (s.run.clone(), s.val_bce.map(f64::to_bits)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(bits(&resumed), bits(&two));
}

#[test]
fn hyperband_runs_its_brackets_deterministically_and_continues_bit_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::write_spec(tmp.path(), &hyperband_spec());
    let results = tmp.path().join("results");
    let new = || Destination::NewArchive {
        results_dir: results.clone(),
    };
    let two = run(&spec, new(), 2);
    assert!(!two.failed);
    let brackets = read_brackets(&two.archive, SearchMethod::Hyperband).unwrap();
    let shape: Vec<Vec<(usize, usize, usize)>> = brackets
        .iter()
        .map(|rungs| {
            rungs
                .iter()
                .map(|r| {
                    let promoted = r.trials.iter().filter(|t| t.promoted).count();
                    (r.epochs, r.trials.len(), promoted)
                })
                .collect()
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            vec![(1, 3, 1), (3, 1, 1), (9, 1, 0)],
            vec![(3, 2, 1), (9, 1, 0)],
            vec![(9, 1, 0)],
        ]
    );
    // Bracket b holds its own trials: 0-2, 3-4, 5.
    let members = |b: usize| -> Vec<String> {
        brackets[b][0]
            .trials
            .iter()
            .map(|t| t.run.clone())
            .collect()
    };
    assert_eq!(
        members(0),
        vec![
            "hyperband.trial=0",
            "hyperband.trial=1",
            "hyperband.trial=2"
        ]
    );
    assert_eq!(members(1), vec!["hyperband.trial=3", "hyperband.trial=4"]);
    assert_eq!(members(2), vec!["hyperband.trial=5"]);
    // Bracket 1 promotes the better of its two at 3 epochs.
    let b1 = &brackets[1][0].trials;
    let better = if b1[1].metric.unwrap() < b1[0].metric.unwrap() {
        1
    } else {
        0
    };
    assert!(b1[better].promoted && !b1[1 - better].promoted);
    let mut epochs: Vec<usize> = two.summaries.iter().map(|s| s.epochs_completed).collect();
    epochs.sort();
    assert_eq!(epochs, vec![1, 1, 3, 9, 9, 9]);

    // The winners of brackets 0 (1 -> 3 -> 9) and 1 (3 -> 9) continued
    // from checkpoints; trained straight they give the same bits.
    for (b, rungs) in brackets.iter().enumerate().take(2) {
        let winner = &rungs.last().unwrap().trials[0].run;
        let archived = val_losses(&two.archive.join("runs").join(winner).join("metrics.csv"));
        assert_eq!(
            archived.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            straight_val_losses(&spec, winner),
            "bracket {b}: {winner}"
        );
    }
    assert!(!two.archive.join("search/checkpoints").exists());

    // The report shows the brackets.
    let md = std::fs::read_to_string(two.archive.join("report.md")).unwrap();
    assert!(md.contains("Hyperband (eta 3"), "{md}");
    assert!(md.contains("| bracket | rung | epochs |"), "{md}");
    assert!(md.contains("| 1 | 0 | 3 | 2 | 1 |"), "{md}");

    // One job at a time decides the same.
    let one = run(&spec, new(), 1);
    assert_eq!(
        bracket_decisions(&one.archive, SearchMethod::Hyperband),
        bracket_decisions(&two.archive, SearchMethod::Hyperband)
    );
}

/// The steps `cargo xtask slurm` chains, run here in the same order: each
/// rung's array tasks (more tasks than trials: the rest do nothing), its
/// decision, the shards, the report. Decisions and results must be the
/// local run's, bit for bit, for halving and for Hyperband.
#[test]
fn rung_jobs_decide_and_end_as_a_local_run() {
    for (text, method) in [
        (HALVING.to_string(), SearchMethod::Halving),
        (hyperband_spec(), SearchMethod::Hyperband),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let spec = common::write_spec(tmp.path(), &text);
        let local = run(
            &spec,
            Destination::NewArchive {
                results_dir: tmp.path().join("local"),
            },
            2,
        );
        let experiment = load_spec(&spec, &[]).unwrap();
        let search = experiment.search.clone().unwrap();
        let cluster = tmp.path().join("cluster").join("archive");

        // Out of order: a rung before the decision on the one before, a
        // decision before its results.
        for (error, expected) in [
            (
                run_rung_task(&experiment, &cluster, (0, 1), 1).unwrap_err(),
                "rung 0 of bracket 0 is not decided",
            ),
            (
                decide_rung(&experiment, &cluster, (0, 0)).unwrap_err(),
                "no result of this trial at the rung (did its array task finish?)",
            ),
            (
                run_rung_task(&experiment, &cluster, (0, 7), 1).unwrap_err(),
                "rung 7: bracket 0 has 3 rung(s); allowed: 0..=2",
            ),
        ] {
            eprintln!("out of order: {error}");
            assert!(error.to_string().contains(expected), "{error}");
        }

        let mut trained = 0;
        for (b, bracket) in search.brackets(9).iter().enumerate() {
            for r in 0..bracket.rungs.len() {
                for task in 1..=experiment.runs.len() {
                    match run_rung_task(&experiment, &cluster, (b, r), task).unwrap() {
                        RungTask::Trained(_) => trained += 1,
                        RungTask::Idle { entering } => assert!(task > entering),
                    }
                }
                decide_rung(&experiment, &cluster, (b, r)).unwrap();
            }
        }
        let local_rungs: usize = read_brackets(&local.archive, method)
            .unwrap()
            .iter()
            .flatten()
            .map(|r| r.trials.len())
            .sum();
        assert_eq!(trained, local_rungs, "{method:?}");
        assert_eq!(
            bracket_decisions(&cluster, method),
            bracket_decisions(&local.archive, method),
            "{method:?}"
        );

        for index in 1..=2 {
            let options = RunOptions {
                destination: Destination::Archive(cluster.clone()),
                jobs: 1,
                force: true,
                shard: Some(Shard { index, count: 2 }),
            };
            let outcome = run_experiment(&experiment, &options, Observe::quiet()).unwrap();
            assert!(!outcome.failed);
        }
        // Shards leave the checkpoints to the report.
        assert!(cluster.join("search/checkpoints").exists());
        let report = rebuild_report(&cluster, &[]).unwrap();
        assert_eq!(report.status, "complete");
        assert!(!cluster.join("search/checkpoints").exists());
        // As each archive has them (JSON read back, on both sides).
        for run in &experiment.runs {
            let read = |archive: &Path| {
                let s = Summary::read(&archive.join("runs").join(&run.name).join("summary.json"))
                    .unwrap();
                (s.epochs_completed, s.val_bce.map(f64::to_bits))
            };
            assert_eq!(
                read(&cluster),
                read(&local.archive),
                "{method:?}: {}",
                run.name
            );
        }

        // A chain cut short (rung 1's array ran, its decision did not):
        // `--resume` finishes it here with the same decisions and results.
        if method == SearchMethod::Halving {
            let cut = tmp.path().join("cut").join("archive");
            for task in 1..=9 {
                run_rung_task(&experiment, &cut, (0, 0), task).unwrap();
            }
            decide_rung(&experiment, &cut, (0, 0)).unwrap();
            for task in 1..=3 {
                run_rung_task(&experiment, &cut, (0, 1), task).unwrap();
            }
            let resumed = run(&spec, Destination::Resume(cut.clone()), 2);
            assert!(!resumed.failed);
            assert_eq!(
                bracket_decisions(&cut, method),
                bracket_decisions(&local.archive, method)
            );
            for run in &experiment.runs {
                let bits = |archive: &Path| {
                    Summary::read(&archive.join("runs").join(&run.name).join("summary.json"))
                        .unwrap()
                        .val_bce
                        .map(f64::to_bits)
                };
                assert_eq!(bits(&cut), bits(&local.archive), "resumed: {}", run.name);
            }
        }
    }
}

/// Halving over a VAE's beta: its epoch loss (the beta-weighted ELBO per
/// image) is not per-pixel BCE, so rungs and report must rank by the same
/// quantity, `val_loss`, and the spec must refuse ranking rungs by
/// `val_bce`.
const VAE_HALVING: &str = r#"
name = "vae-halving"
seed = 5
[data]
dir = "MNIST"
limit = 600
validation = 200
[model]
kind = "vae"
layers = [64, 4]
[train]
epochs = 3
batch_size = 50
optimizer = "adam"
lr = 0.002
[eval]
detail = "light"
tsne = { points = 0 }
[search]
method = "halving"
trials = 3
min_epochs = 1
eta = 3
"model.beta" = { log_uniform = [0.05, 20.0] }
"#;

#[test]
fn halving_over_a_vae_beta_ranks_rungs_and_report_by_one_objective() {
    let tmp = tempfile::tempdir().unwrap();
    let explicit = VAE_HALVING.replace("eta = 3\n", "eta = 3\nmetric = \"val_bce\"\n");
    let refused = load_spec(&common::write_spec(tmp.path(), &explicit), &[]).unwrap_err();
    assert!(
        refused.to_string().contains("search.metric") && refused.to_string().contains("val_loss"),
        "{refused}"
    );

    let spec = common::write_spec(tmp.path(), VAE_HALVING);
    let experiment = load_spec(&spec, &[]).unwrap();
    assert_eq!(experiment.search.as_ref().unwrap().metric, "val_loss");
    let outcome = run(
        &spec,
        Destination::NewArchive {
            results_dir: tmp.path().join("results"),
        },
        1,
    );
    assert!(!outcome.failed);
    let rungs = read_rungs(&outcome.archive).unwrap();
    let last = rungs.last().unwrap();
    let survivor = last.trials.iter().find(|t| t.epochs == 3).unwrap();
    let summary = Summary::read(
        &outcome
            .archive
            .join("runs")
            .join(&survivor.run)
            .join("summary.json"),
    )
    .unwrap();
    // The rung's value is the summary's val_loss, and not its val_bce.
    assert_eq!(
        survivor.metric.map(f64::to_bits),
        summary.val_loss.map(f64::to_bits)
    );
    let (loss, bce) = (summary.val_loss.unwrap(), summary.val_bce.unwrap());
    assert!(loss > 10.0 && bce < 1.0, "ELBO {loss} nats, BCE {bce}");
    // The report names the same objective and best value.
    let md = std::fs::read_to_string(outcome.archive.join("report.md")).unwrap();
    assert!(md.contains("val_loss, lower is better"), "{md}");
    assert!(
        md.contains(&format!("Best: `{}` ({loss:.5})", survivor.run)),
        "{md}"
    );
}
