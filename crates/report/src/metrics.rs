//! The metrics a comparison shows, how they are labelled and which
//! direction is better.

use aelab_archive::Summary;

/// Whether lower or higher values win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// A column of the comparison.
pub struct Metric {
    /// The `summary.json` field.
    pub key: &'static str,
    pub label: &'static str,
    pub better: Better,
    pub decimals: usize,
    pub value: fn(&Summary) -> Option<f64>,
}

/// Every compared metric, in table order.
pub const METRICS: &[Metric] = &[
    Metric {
        key: "val_bce",
        label: "val BCE",
        better: Better::Lower,
        decimals: 4,
        value: |s| s.val_bce,
    },
    Metric {
        key: "test_bce",
        label: "test BCE",
        better: Better::Lower,
        decimals: 4,
        value: |s| s.test_bce,
    },
    Metric {
        key: "test_mse",
        label: "test MSE",
        better: Better::Lower,
        decimals: 4,
        value: |s| s.test_mse,
    },
    Metric {
        key: "test_psnr",
        label: "test PSNR (dB)",
        better: Better::Higher,
        decimals: 2,
        value: |s| s.test_psnr,
    },
    Metric {
        key: "noisy_test_bce",
        label: "noisy-test BCE",
        better: Better::Lower,
        decimals: 4,
        value: |s| s.noisy_test_bce,
    },
    Metric {
        key: "noisy_test_mse",
        label: "noisy-test MSE",
        better: Better::Lower,
        decimals: 4,
        value: |s| s.noisy_test_mse,
    },
    Metric {
        key: "knn5_latent_acc",
        label: "5-NN acc (codes)",
        better: Better::Higher,
        decimals: 4,
        value: |s| s.knn5_latent_acc,
    },
    Metric {
        key: "tsne_knn5_acc",
        label: "5-NN acc (t-SNE)",
        better: Better::Higher,
        decimals: 4,
        value: |s| s.tsne_knn5_acc,
    },
    Metric {
        key: "seconds_per_epoch",
        label: "s / epoch",
        better: Better::Lower,
        decimals: 2,
        value: |s| s.seconds_per_epoch,
    },
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
}
