//! What the codes are for, timed: k-means (k = 10, 20 starts) of the codes
//! of every loaded digit and the linear probe (training and validation
//! codes fit, test codes score) of the benchmark's AE, and with
//! `--compare-sklearn` scikit-learn's `KMeans(10, n_init=20)` and
//! `StandardScaler` + `LogisticRegression(max_iter=1000)` on the same codes
//! (`python/tasks_compare.py`), in the same invocation.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aelab_models::Reconstructor;
use aelab_pipeline::Dataset;
use aelab_tasks::{
    cluster_accuracy, kmeans, linear_probe, normalized_mutual_info, KMeansParams, ProbeParams,
};

use crate::reference::{python_output, ScriptInputs};
use crate::BenchError;

/// Clusters, starts and seed of the k-means row (the clustering papers').
const K: usize = 10;
const STARTS: usize = 20;
const SEED: u64 = 0;

/// Scores and seconds of one side.
struct Scores {
    kmeans_seconds: f64,
    acc: f64,
    nmi: f64,
    probe_seconds: f64,
    probe_acc: f64,
}

/// Codes of every labelled digit of `data`: training and validation first
/// (the probe's training codes, `fit` of them), then test.
struct Codes {
    values: Vec<f32>,
    labels: Vec<u8>,
    dim: usize,
    fit: usize,
}

fn codes(model: &dyn Reconstructor, data: &Dataset) -> Result<Codes, BenchError> {
    let missing = || BenchError::Measurement("the tasks rows need labelled MNIST".into());
    let test = data.test.as_ref().ok_or_else(missing)?;
    let mut values = model.encode(&data.train);
    values.extend(model.encode(&data.validation));
    let fit_labels = [&data.split.train.labels, &data.split.validation.labels];
    let mut labels: Vec<u8> = Vec::new();
    for l in fit_labels {
        labels.extend(l.as_deref().ok_or_else(missing)?);
    }
    let fit = labels.len();
    values.extend(model.encode(test));
    let test_split = data.split.test.as_ref().ok_or_else(missing)?;
    labels.extend(test_split.labels.as_deref().ok_or_else(missing)?);
    let dim = values.len() / labels.len();
    Ok(Codes {
        values,
        labels,
        dim,
        fit,
    })
}

fn aelab_scores(codes: &Codes) -> Result<Scores, BenchError> {
    let started = Instant::now();
    let clustering = kmeans(
        &codes.values,
        codes.dim,
        &KMeansParams::new(K, STARTS, SEED),
    )?;
    let kmeans_seconds = started.elapsed().as_secs_f64();
    let acc = cluster_accuracy(&codes.labels, &clustering.assignments)?.accuracy;
    let nmi = normalized_mutual_info(&codes.labels, &clustering.assignments)?;
    let (train, test) = codes.values.split_at(codes.fit * codes.dim);
    let (train_labels, test_labels) = codes.labels.split_at(codes.fit);
    let started = Instant::now();
    let probe = linear_probe(
        train,
        train_labels,
        test,
        test_labels,
        codes.dim,
        &ProbeParams::default(),
    )?;
    Ok(Scores {
        kmeans_seconds,
        acc,
        nmi,
        probe_seconds: started.elapsed().as_secs_f64(),
        probe_acc: probe.accuracy,
    })
}

fn sklearn_scores(python: &str, codes: &Codes) -> Result<Scores, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/tasks_compare.py");
    let inputs = ScriptInputs::new("tasks")?;
    let values = inputs.write_f32("codes.f32", &codes.values)?;
    let labels = inputs.write("labels.u8", &codes.labels)?;
    let mut command = Command::new(python);
    command
        .arg(&script)
        .args([&values, &labels])
        .args([codes.dim.to_string(), codes.fit.to_string()]);
    let out = python_output(command, python, &script, "scikit-learn");
    let json: serde_json::Value = serde_json::from_slice(&out?)
        .map_err(|e| BenchError::Reference(format!("tasks_compare.py printed no JSON: {e}")))?;
    let field = |key: &str| {
        json[key].as_f64().ok_or_else(|| {
            BenchError::Reference(format!("no `{key}` in tasks_compare.py's output"))
        })
    };
    Ok(Scores {
        kmeans_seconds: field("kmeans_s")?,
        acc: field("acc")?,
        nmi: field("nmi")?,
        probe_seconds: field("probe_s")?,
        probe_acc: field("probe_acc")?,
    })
}

/// Times and scores the tasks on `model`'s codes, handing `push` a row each
/// (name, value, unit, note); with `python`, scikit-learn's rows and ratios too.
pub fn measure_tasks(
    model: &dyn Reconstructor,
    data: &Dataset,
    python: Option<&str>,
    push: &mut dyn FnMut(String, f64, &str, String),
) -> Result<(), BenchError> {
    let codes = codes(model, data)?;
    let n = codes.labels.len();
    let mine = aelab_scores(&codes)?;
    push(
        format!(
            "k-means of {n} x {} codes (k {K}, {STARTS} starts)",
            codes.dim
        ),
        mine.kmeans_seconds,
        "s",
        format!("ACC {:.4}, NMI {:.4}", mine.acc, mine.nmi),
    );
    push(
        format!(
            "linear probe, {} codes fit, {} scored",
            codes.fit,
            n - codes.fit
        ),
        mine.probe_seconds,
        "s",
        format!("accuracy {:.4}", mine.probe_acc),
    );
    let Some(python) = python else {
        return Ok(());
    };
    let theirs = sklearn_scores(python, &codes)?;
    push(
        "scikit-learn KMeans of the same codes".into(),
        theirs.kmeans_seconds,
        "s",
        format!(
            "ACC {:.4}, NMI {:.4}; aelab / scikit-learn = {:.2}",
            theirs.acc,
            theirs.nmi,
            mine.kmeans_seconds / theirs.kmeans_seconds
        ),
    );
    push(
        "scikit-learn LogisticRegression probe of the same codes".into(),
        theirs.probe_seconds,
        "s",
        format!(
            "accuracy {:.4}; aelab / scikit-learn = {:.2}",
            theirs.probe_acc,
            mine.probe_seconds / theirs.probe_seconds
        ),
    );
    let total = |s: &Scores| s.kmeans_seconds + s.probe_seconds;
    push(
        "clustering + probe, aelab / scikit-learn".into(),
        total(&mine) / total(&theirs),
        "x",
        format!(
            "aelab {:.2} s, scikit-learn {:.2} s; ACC {:+.4}, probe accuracy {:+.4} (aelab - scikit-learn)",
            total(&mine),
            total(&theirs),
            mine.acc - theirs.acc,
            mine.probe_acc - theirs.probe_acc
        ),
    );
    Ok(())
}
