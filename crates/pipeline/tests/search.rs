//! Searches end to end on real MNIST: synchronous successive halving
//! (rungs, promotions by the metric alone, whatever `--jobs`), trials
//! continued from checkpoints ending bit-identical to training straight,
//! and a search resumed after losing its later rungs and runs.

mod common;

use std::path::Path;

use aelab_pipeline::{
    fit_config, fit_on_training_threads, load_data, load_spec, read_rungs, run_experiment,
    Destination, Observe, RunOptions, Rung,
};

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
        fit_on_training_threads(&fit_config(config, data.pixels()), &data, &mut |_| {}).unwrap();
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
