//! `--compare-embed`: aelab's t-SNE and UMAP against openTSNE and
//! umap-learn (`python/embed_compare.py`, warm) on the same codes, 5,000
//! and 70,000 points in one invocation, each map scored by aelab's own
//! leave-one-out 5-NN accuracy and trustworthiness against the pixels;
//! and the evaluation around aelab's embeddings (their 5-NN accuracy and
//! trustworthiness, as a run computes them) against the t-SNE time. At
//! each size, both UMAPs' 5-NN accuracy over [`seeds_at`] seeds each, so
//! that a difference can be weighed against the spread between seeds.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aelab_pipeline::{KNN_K, TRUST_ROWS};
use aelab_reduce::{
    fft_tsne, knn_leave_one_out_accuracy, trustworthiness_sampled, umap, FftTsneParams, UmapParams,
};
use aelab_report::{format_p, spread, welch_t_test};

use crate::reference::{python_output, ScriptInputs};
use crate::BenchError;

/// Seeds of each UMAP in the accuracy comparison at `n` points: 10, or 5
/// above 10,000 points (a seeded umap-learn runs on one thread, about a
/// minute at 70,000).
pub fn seeds_at(n: usize) -> u64 {
    if n <= 10_000 {
        10
    } else {
        5
    }
}

/// A map and what it scored.
struct Scored {
    seconds: f64,
    knn5: f64,
    trust5: f64,
    trust5_error: f64,
}

/// Runs the comparison on the first `sizes` of `codes` (`dim` per row),
/// whose digits are `digits` (784 per row) and labels `labels`; each row
/// goes to `push(name, value, unit, note)`.
pub fn compare_embeddings(
    python: &str,
    codes: &[f32],
    dim: usize,
    digits: &[f32],
    labels: &[u8],
    sizes: &[usize],
    push: &mut dyn FnMut(String, f64, &str, String),
) -> Result<(), BenchError> {
    let pixels = digits.len() / labels.len().max(1);
    let inputs = ScriptInputs::new("embed")?;
    let codes_path = inputs.write_f32("codes.f32", codes)?;
    let dir = inputs.dir();
    let list: Vec<String> = sizes.iter().map(usize::to_string).collect();
    let seeds: Vec<String> = sizes.iter().map(|&n| seeds_at(n).to_string()).collect();
    let reference = run_python(
        python,
        &codes_path,
        dim,
        dir,
        &list.join(","),
        &seeds.join(","),
    );
    let reference = reference?;
    for &n in sizes {
        let labels = &labels[..n];
        let images = &digits[..n * pixels];
        let input = &codes[..n * dim];

        let started = Instant::now();
        let tsne = fft_tsne(input, dim, FftTsneParams::default())?;
        let tsne_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let umap_map = umap(input, dim, UmapParams::default())?;
        let umap_seconds = started.elapsed().as_secs_f64();

        // the evaluation a run does around its maps
        let started = Instant::now();
        let tsne_flat: Vec<f32> = tsne.iter().flatten().copied().collect();
        let umap_flat: Vec<f32> = umap_map.iter().flatten().copied().collect();
        let trust = trustworthiness_sampled(
            images,
            pixels,
            &[(input, dim), (&tsne_flat, 2), (&umap_flat, 2)],
            KNN_K,
            TRUST_ROWS,
        );
        let tsne_knn5 = knn_leave_one_out_accuracy(&tsne_flat, labels, 2, KNN_K);
        let umap_knn5 = knn_leave_one_out_accuracy(&umap_flat, labels, 2, KNN_K);
        let evaluation_seconds = started.elapsed().as_secs_f64();

        let ours_tsne = Scored {
            seconds: tsne_seconds,
            knn5: tsne_knn5,
            trust5: trust[1].value,
            trust5_error: trust[1].standard_error,
        };
        let ours_umap = Scored {
            seconds: umap_seconds,
            knn5: umap_knn5,
            trust5: trust[2].value,
            trust5_error: trust[2].standard_error,
        };
        let times = &reference["sizes"][n.to_string()];
        let theirs = |tool: &str, key: &str| -> Result<Scored, BenchError> {
            let seconds = times[key].as_f64().ok_or_else(|| {
                BenchError::Reference(format!("no `{key}` for {n} points in the Python output"))
            })?;
            let flat = read_map(&dir.join(format!("{tool}-{n}.f32")), n)?;
            let trust = trustworthiness_sampled(images, pixels, &[(&flat, 2)], KNN_K, TRUST_ROWS);
            Ok(Scored {
                seconds,
                knn5: knn_leave_one_out_accuracy(&flat, labels, 2, KNN_K),
                trust5: trust[0].value,
                trust5_error: trust[0].standard_error,
            })
        };
        let open_tsne = theirs("opentsne", "opentsne_s")?;
        let umap_learn = theirs("umap", "umap_s")?;
        let version = |key: &str| reference[key].as_str().unwrap_or("?").to_string();
        let count = thousands(n);
        push(
            format!("t-SNE of {count} x {dim} codes (aelab, FFT)"),
            ours_tsne.seconds,
            "s",
            format!(
                "{}; openTSNE / aelab = {:.2}",
                describe(&ours_tsne),
                open_tsne.seconds / ours_tsne.seconds
            ),
        );
        push(
            format!(
                "openTSNE {} of the same codes (2 threads, warm)",
                version("opentsne")
            ),
            open_tsne.seconds,
            "s",
            format!(
                "{}; 5-NN acc aelab - openTSNE = {:+.4}",
                describe(&open_tsne),
                ours_tsne.knn5 - open_tsne.knn5
            ),
        );
        push(
            format!("UMAP of {count} x {dim} codes (aelab)"),
            ours_umap.seconds,
            "s",
            format!(
                "{}; umap-learn / aelab = {:.2}",
                describe(&ours_umap),
                umap_learn.seconds / ours_umap.seconds
            ),
        );
        push(
            format!(
                "umap-learn {} of the same codes (2 threads, warm)",
                version("umap")
            ),
            umap_learn.seconds,
            "s",
            format!(
                "{}; 5-NN acc aelab - umap-learn = {:+.4}",
                describe(&umap_learn),
                ours_umap.knn5 - umap_learn.knn5
            ),
        );
        push(
            format!("evaluation around the {count}-point maps"),
            evaluation_seconds,
            "s",
            format!(
                "trustworthiness of codes, t-SNE and UMAP (exact ranks, {} rows) and 5-NN \
                 accuracy of both maps; {:.2}x the t-SNE time",
                thousands(trust[0].rows),
                evaluation_seconds / ours_tsne.seconds
            ),
        );
        let seeds = seeds_at(n);
        let ours = (1..=seeds)
            .map(|seed| {
                let map = umap(
                    input,
                    dim,
                    UmapParams {
                        seed,
                        ..UmapParams::default()
                    },
                )?;
                let flat: Vec<f32> = map.iter().flatten().copied().collect();
                Ok(knn_leave_one_out_accuracy(&flat, labels, 2, KNN_K))
            })
            .collect::<Result<Vec<f64>, BenchError>>()?;
        let theirs = (1..=seeds)
            .map(|seed| {
                let flat = read_map(&dir.join(format!("umap-{n}-seed{seed}.f32")), n)?;
                Ok(knn_leave_one_out_accuracy(&flat, labels, 2, KNN_K))
            })
            .collect::<Result<Vec<f64>, BenchError>>()?;
        let (Some(mine), Some(reference)) = (spread(&ours), spread(&theirs)) else {
            return Err(BenchError::Measurement(format!(
                "no finite 5-NN accuracy among the UMAPs of {count} codes"
            )));
        };
        let test = welch_t_test(&theirs, &ours).map_or_else(
            || "no spread to test against".to_string(),
            |w| format!("Welch's t-test {}", format_p(w.p)),
        );
        push(
            format!("UMAP 5-NN acc of {count} codes, aelab - umap-learn, {seeds} seeds each"),
            mine.mean - reference.mean,
            "",
            format!(
                "aelab {:.4} ± {:.4}, umap-learn (random_state 1-{seeds}, one thread) \
                 {:.4} ± {:.4} (mean ± sd); {test}",
                mine.mean, mine.sd, reference.mean, reference.sd
            ),
        );
    }
    Ok(())
}

/// A map of `n` points written by the Python side (float32 pairs).
fn read_map(path: &Path, n: usize) -> Result<Vec<f32>, BenchError> {
    let bytes =
        std::fs::read(path).map_err(BenchError::io(format!("reading {}", path.display())))?;
    let flat: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if flat.len() != 2 * n {
        return Err(BenchError::Reference(format!(
            "{} holds {} values, not {}",
            path.display(),
            flat.len(),
            2 * n
        )));
    }
    Ok(flat)
}

fn describe(s: &Scored) -> String {
    let error = if s.trust5_error > 0.0 {
        format!(" ± {:.4}", s.trust5_error)
    } else {
        String::new()
    };
    format!("5-NN acc {:.4}, trust {:.4}{error}", s.knn5, s.trust5)
}

fn thousands(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

fn run_python(
    python: &str,
    codes: &Path,
    dim: usize,
    dir: &Path,
    sizes: &str,
    seeds: &str,
) -> Result<serde_json::Value, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/embed_compare.py");
    let mut command = Command::new(python);
    command
        .arg(&script)
        .arg(codes)
        .arg(dim.to_string())
        .arg(dir)
        .arg(sizes)
        .arg(seeds);
    let stdout = python_output(command, python, &script, "openTSNE / umap-learn")?;
    serde_json::from_slice(&stdout).map_err(|e| {
        BenchError::Reference(format!("the embedding comparison printed no JSON: {e}"))
    })
}
