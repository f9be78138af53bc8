//! The metrics a comparison shows, how they are labelled, which table they
//! belong to and which direction is better.

use aelab_archive::Summary;

/// Whether lower or higher values win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// Which table a metric is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// How well images come back (and at what cost).
    Reconstruction,
    /// How well the codes and maps separate and preserve neighbourhoods.
    Embedding,
    /// What the codes do in the papers' tasks: clustering, a linear probe,
    /// one-class anomaly detection.
    Tasks,
}

/// A column of the comparison.
pub struct Metric {
    /// The `summary.json` field.
    pub key: &'static str,
    pub label: &'static str,
    pub better: Better,
    pub group: Group,
    pub decimals: usize,
    pub value: fn(&Summary) -> Option<f64>,
}

macro_rules! metric {
    ($key:ident, $label:expr, $better:ident, $group:ident, $decimals:expr) => {
        Metric {
            key: stringify!($key),
            label: $label,
            better: Better::$better,
            group: Group::$group,
            decimals: $decimals,
            value: |s| s.$key,
        }
    };
}

/// Every compared metric, in table order.
pub const METRICS: &[Metric] = &[
    metric!(val_bce, "val BCE", Lower, Reconstruction, 4),
    metric!(
        clean_val_bce,
        "val BCE (clean inputs)",
        Lower,
        Reconstruction,
        4
    ),
    metric!(test_bce, "test BCE", Lower, Reconstruction, 4),
    metric!(test_mse, "test MSE", Lower, Reconstruction, 4),
    metric!(test_psnr, "test PSNR (dB)", Higher, Reconstruction, 2),
    metric!(noisy_test_bce, "noisy-test BCE", Lower, Reconstruction, 4),
    metric!(noisy_test_mse, "noisy-test MSE", Lower, Reconstruction, 4),
    metric!(val_elbo, "val VAE loss (nats)", Lower, Reconstruction, 2),
    metric!(test_elbo, "test VAE loss (nats)", Lower, Reconstruction, 2),
    // (not a VAE's KL: how much its codes carry is a rate, not a quality
    // with a better direction; `summary.json` and `kl.png` give it)
    metric!(seconds_per_epoch, "s / epoch", Lower, Reconstruction, 2),
    metric!(latent_knn5_acc, "5-NN acc (codes)", Higher, Embedding, 4),
    metric!(
        latent_trust5,
        "trustworthiness (codes)",
        Higher,
        Embedding,
        4
    ),
    metric!(tsne_knn5_acc, "5-NN acc (t-SNE)", Higher, Embedding, 4),
    metric!(tsne_trust5, "trustworthiness (t-SNE)", Higher, Embedding, 4),
    metric!(umap_knn5_acc, "5-NN acc (UMAP)", Higher, Embedding, 4),
    metric!(umap_trust5, "trustworthiness (UMAP)", Higher, Embedding, 4),
    metric!(cluster_acc, "k-means ACC", Higher, Tasks, 4),
    metric!(cluster_nmi, "k-means NMI", Higher, Tasks, 4),
    metric!(cluster_ari, "k-means ARI", Higher, Tasks, 4),
    metric!(probe_acc, "linear probe acc", Higher, Tasks, 4),
    metric!(auroc, "one-class AUROC", Higher, Tasks, 4),
    metric!(
        average_precision,
        "one-class average precision",
        Higher,
        Tasks,
        4
    ),
];

impl Metric {
    /// The index of the best finite value, if any.
    pub fn best(&self, summaries: &[&Summary]) -> Option<usize> {
        let values = summaries
            .iter()
            .enumerate()
            .filter_map(|(i, s)| (self.value)(s).filter(|v| v.is_finite()).map(|v| (i, v)));
        match self.better {
            Better::Lower => values.min_by(|a, b| a.1.total_cmp(&b.1)),
            Better::Higher => values.max_by(|a, b| a.1.total_cmp(&b.1)),
        }
        .map(|(i, _)| i)
    }

    pub fn format(&self, value: Option<f64>) -> String {
        match value {
            Some(v) if v.is_finite() => format!("{v:.*}", self.decimals),
            _ => "–".to_string(),
        }
    }

    /// Whether this metric measures quality (seconds do not).
    pub fn is_quality(&self) -> bool {
        self.key != "seconds_per_epoch"
    }

    /// Whether a win on this metric counts in win tallies: quality metrics
    /// that are not functions of another one (PSNR is 10 log10(1 / MSE),
    /// so it counts once, with test MSE).
    pub fn counts_as_win(&self) -> bool {
        self.is_quality() && self.key != "test_psnr"
    }

    /// Whether the metric is measured on validation digits: the only ones
    /// a configuration is chosen by (test digits are reported, never
    /// chosen on).
    pub fn is_validation(&self) -> bool {
        self.key.contains("val_")
    }
}
