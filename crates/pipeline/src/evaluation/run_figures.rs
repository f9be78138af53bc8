//! The figures of one run's evaluation: reconstructions, the worst
//! reconstructions, interpolations, for 2-D codes the decoded manifold and
//! the codes, the t-SNE map (whose numbers go into the summary), the
//! matched clusters' confusion matrix and a one-class run's ROC curve.

use std::path::Path;

use aelab_archive::{write_atomic, Summary};
use aelab_report::{
    confusion_matrix, digit_grid, embedding_scatter, grouped_bars, line_chart, Figure, Series,
    XAxis,
};
use aelab_spec::{RunConfig, TsneInput};

use crate::evaluation::evaluate::{Evaluation, TsneMap, KNN_K, TRUST_ROWS};
use crate::evaluation::tasks::TaskScores;
use crate::input::dataset::Dataset;
use crate::Result;

/// A code dimension whose KL from the prior is above this many nats per
/// image is counted active (Burda et al. 2016 use a variance criterion;
/// 0.01 nats is the common KL form of it).
const ACTIVE_KL: f64 = 0.01;

/// Draws the run's evaluation figures into `dir`; records the t-SNE map's
/// numbers in `summary`.
pub fn run_figures(
    run: &RunConfig,
    data: &Dataset,
    dir: &Path,
    evaluation: &Evaluation,
    summary: &mut Summary,
) -> Result<Vec<Figure>> {
    let rel = |file: &str| format!("runs/{}/{file}", run.name);
    let side = data.side();
    let mut figures = Vec::new();
    let n = evaluation.grid.first().map_or(0, |r| r.images.len());
    digit_grid(
        &dir.join("reconstructions.png"),
        &format!(
            "{}: {n} {} digits and their reconstructions",
            run.name, evaluation.grid_source
        ),
        &evaluation.grid,
        side,
    )?;
    figures.push(Figure {
        path: rel("reconstructions.png"),
        caption: format!(
            "{}: the first {n} {} digits, their reconstructions, and the same digits with {} {} noise and what the model makes of them",
            run.name,
            evaluation.grid_source,
            run.eval.noise.kind.name(),
            run.eval.noise.level
        ),
    });
    if let Some((rows, labels)) = &evaluation.worst {
        let classes: Vec<String> = labels.iter().map(u8::to_string).collect();
        digit_grid(
            &dir.join("worst.png"),
            &format!(
                "{}: the {} worst-reconstructed test digits",
                run.name,
                labels.len()
            ),
            rows,
            side,
        )?;
        figures.push(Figure {
            path: rel("worst.png"),
            caption: format!(
                "{}: the {} test digits with the highest reconstruction MSE (classes {}), where the model fails",
                run.name,
                labels.len(),
                classes.join(", ")
            ),
        });
    }
    if !evaluation.interpolations.is_empty() {
        digit_grid(
            &dir.join("interpolation.png"),
            &format!(
                "{}: decoded mixes of the codes of two test digits",
                run.name
            ),
            &evaluation.interpolations,
            side,
        )?;
        figures.push(Figure {
            path: rel("interpolation.png"),
            caption: format!(
                "{}: each row decodes (1 - t) a + t b for t from 0 to 1, a and b the codes of the first test digits of two classes",
                run.name
            ),
        });
    }
    if let Some(plane) = &evaluation.latent_plane {
        digit_grid(
            &dir.join("manifold.png"),
            &format!(
                "{}: images decoded from a grid over the 2-D code plane",
                run.name
            ),
            &plane.manifold,
            side,
        )?;
        let [(x0, x1), (y0, y1)] = plane.span;
        let grid = if plane.over_prior {
            "the N(0, 1) prior's quantiles 0.05 to 0.95, evenly spaced in probability".to_string()
        } else {
            format!(
                "2nd to 98th percentiles of the {} codes",
                evaluation.embedded
            )
        };
        figures.push(Figure {
            path: rel("manifold.png"),
            caption: format!(
                "{}: decoded manifold; columns step z1 from {x0:.2} to {x1:.2}, rows z2 from {y1:.2} down to {y0:.2} ({grid})",
                run.name,
            ),
        });
        embedding_scatter(
            &dir.join("codes.png"),
            &format!(
                "{}: the 2-D codes of {} {} digits",
                run.name,
                plane.codes.len(),
                evaluation.embedded
            ),
            ("z1", "z2"),
            &plane.codes,
            &plane.labels,
        )?;
        figures.push(Figure {
            path: rel("codes.png"),
            caption: format!(
                "{}: {} digits at their 2-D codes, coloured by label",
                run.name, evaluation.embedded
            ),
        });
    }
    if !evaluation.prior_samples.is_empty() {
        digit_grid(
            &dir.join("prior.png"),
            &format!(
                "{}: digits decoded from draws of the prior N(0, I)",
                run.name
            ),
            &evaluation.prior_samples,
            side,
        )?;
        figures.push(Figure {
            path: rel("prior.png"),
            caption: format!(
                "{}: what the VAE generates: each digit decodes one draw of the {}-d prior N(0, I)",
                run.name,
                run.model.latent()
            ),
        });
    }
    if let Some(kl) = &evaluation.variational_test {
        let dimensions: Vec<String> = (1..=kl.kl_per_dimension.len())
            .map(|d| format!("z{d}"))
            .collect();
        grouped_bars(
            &dir.join("kl.png"),
            &format!("{}: KL of each code dimension (test mean)", run.name),
            ("code dimension", "KL (nats per image)"),
            &dimensions,
            &[("KL".to_string(), kl.kl_per_dimension.clone())],
        )?;
        let active = kl
            .kl_per_dimension
            .iter()
            .filter(|&&k| k > ACTIVE_KL)
            .count();
        figures.push(Figure {
            path: rel("kl.png"),
            caption: format!(
                "{}: the KL divergence from the prior of each code dimension, mean over the test digits; \
                 {active} of {} dimensions carry more than {ACTIVE_KL} nats (active units), {:.2} nats in all",
                run.name,
                kl.kl_per_dimension.len(),
                kl.kl
            ),
        });
    }
    let input = match run.eval.tsne.input {
        TsneInput::Latent => format!("{}-d codes", run.model.latent()),
        TsneInput::Reconstruction => "reconstructions".to_string(),
    };
    if let Some(map) = &evaluation.tsne {
        summary.tsne_knn5_acc = Some(map.knn5_acc);
        summary.tsne_trust5 = Some(map.trust5);
        summary.tsne_trust5_se = Some(map.trust5_error);
        summary.tsne_seconds = Some(map.seconds);
        write_atomic(&dir.join("tsne.csv"), map_csv(map).as_bytes())?;
        embedding_scatter(
            &dir.join("tsne.png"),
            &format!(
                "{}: t-SNE of {} {} {input} ({KNN_K}-NN acc {:.3})",
                run.name,
                map.points.len(),
                evaluation.embedded,
                map.knn5_acc
            ),
            ("t-SNE 1", "t-SNE 2"),
            &map.points,
            &map.labels,
        )?;
        figures.push(Figure {
            path: rel("tsne.png"),
            caption: format!(
                "{}: t-SNE (perplexity {}) of the {} of {} {} digits, coloured by label; \
                 leave-one-out {KNN_K}-NN accuracy {:.4}, trustworthiness {}",
                run.name,
                run.eval.tsne.perplexity,
                input,
                map.points.len(),
                evaluation.embedded,
                map.knn5_acc,
                trust_text(map),
            ),
        });
    }
    if let Some(map) = &evaluation.umap {
        summary.umap_knn5_acc = Some(map.knn5_acc);
        summary.umap_trust5 = Some(map.trust5);
        summary.umap_trust5_se = Some(map.trust5_error);
        summary.umap_seconds = Some(map.seconds);
        write_atomic(&dir.join("umap.csv"), map_csv(map).as_bytes())?;
        let codes = format!("{}-d codes", run.model.latent());
        embedding_scatter(
            &dir.join("umap.png"),
            &format!(
                "{}: UMAP of {} {} {codes} ({KNN_K}-NN acc {:.3})",
                run.name,
                map.points.len(),
                evaluation.embedded,
                map.knn5_acc
            ),
            ("UMAP 1", "UMAP 2"),
            &map.points,
            &map.labels,
        )?;
        figures.push(Figure {
            path: rel("umap.png"),
            caption: format!(
                "{}: UMAP ({} neighbours, min_dist {}) of the {codes} of {} {} digits, coloured \
                 by label; leave-one-out {KNN_K}-NN accuracy {:.4}, trustworthiness {}",
                run.name,
                run.eval.umap.neighbors,
                run.eval.umap.min_dist,
                map.points.len(),
                evaluation.embedded,
                map.knn5_acc,
                trust_text(map),
            ),
        });
    }
    figures.extend(task_figures(run, dir, &evaluation.tasks)?);
    Ok(figures)
}

/// The matched clusters' confusion matrix and a one-class run's ROC curve.
fn task_figures(run: &RunConfig, dir: &Path, tasks: &TaskScores) -> Result<Vec<Figure>> {
    let rel = |file: &str| format!("runs/{}/{file}", run.name);
    let mut figures = Vec::new();
    if let Some(cluster) = &tasks.cluster {
        let classes: Vec<String> = (0..cluster.confusion.len())
            .map(|c| c.to_string())
            .collect();
        confusion_matrix(
            &dir.join("clusters.png"),
            &format!(
                "{}: k-means of the codes, ACC {:.3}",
                run.name, cluster.accuracy
            ),
            ("matched cluster", "digit"),
            &classes,
            &cluster.confusion,
        )?;
        figures.push(Figure {
            path: rel("clusters.png"),
            caption: format!(
                "{}: k-means (k = {}, best of {} starts) of the codes of {} {} digits; each \
                 row is a digit class, each column the class its cluster was matched to \
                 (Hungarian matching), shaded by the share of the row: ACC {:.4}, NMI {:.4}, \
                 ARI {:.4} ({:.1} s)",
                run.name,
                run.eval.cluster.map_or(0, |c| c.k),
                run.eval.cluster.map_or(0, |c| c.starts),
                cluster.points,
                cluster.clustered.name(),
                cluster.accuracy,
                cluster.nmi,
                cluster.ari,
                cluster.seconds,
            ),
        });
    }
    if let Some(one_class) = &tasks.one_class {
        let curve = Series::new("ROC", one_class.roc.iter().map(|p| (p[0], p[1])).collect());
        let chance = Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]);
        line_chart(
            &dir.join("roc.png"),
            &format!(
                "{}: normal class {}, AUROC {:.3}",
                run.name, one_class.normal_class, one_class.auroc
            ),
            ("false positive rate", "true positive rate"),
            XAxis::Real,
            &[curve, chance],
        )?;
        figures.push(Figure {
            path: rel("roc.png"),
            caption: format!(
                "{}: trained on digit {} only; every test digit scored by its {}, the other \
                 classes' digits being the anomalies: AUROC {:.4}, average precision {:.4}",
                run.name,
                one_class.normal_class,
                one_class.score_name,
                one_class.auroc,
                one_class.average_precision,
            ),
        });
    }
    Ok(figures)
}

/// `x,y,label` per point.
fn map_csv(map: &TsneMap) -> String {
    let mut csv = String::from("x,y,label\n");
    for (p, l) in map.points.iter().zip(&map.labels) {
        csv.push_str(&format!("{},{},{l}\n", p[0], p[1]));
    }
    csv
}

/// The map's trustworthiness, with its standard error when it was
/// estimated from some rows, and the map's seconds.
fn trust_text(map: &TsneMap) -> String {
    let estimate = if map.trust5_error > 0.0 {
        format!(
            " ± {:.4} (from {TRUST_ROWS} evenly spaced rows)",
            map.trust5_error
        )
    } else {
        String::new()
    };
    format!("{:.4}{estimate} ({:.1} s)", map.trust5, map.seconds)
}
