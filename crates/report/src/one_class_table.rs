//! The one-class table: for experiments whose runs train on one digit
//! class each (`data.normal_class`), AUROC per normal class, mean ± sd over
//! seeds, one column per configuration, beside the figures Deep SVDD's
//! paper publishes for MNIST (Ruff et al., ICML 2018, Table 1), labelled as
//! published.

use crate::comparison::RunReport;
use crate::statistics::spread;

/// Deep SVDD's Table 1, MNIST, AUROC in % (mean, sd over 10 seeds) per
/// normal class 0-9, as the paper prints them.
pub const PUBLISHED: [(&str, [(f64, f64); 10]); 2] = [
    (
        "DCAE (published)",
        [
            (97.6, 0.7),
            (98.3, 0.6),
            (85.4, 2.4),
            (86.7, 0.9),
            (86.5, 2.0),
            (78.2, 2.7),
            (94.6, 0.5),
            (92.3, 1.0),
            (86.5, 1.6),
            (90.4, 1.8),
        ],
    ),
    (
        "one-class Deep SVDD (published)",
        [
            (98.0, 0.7),
            (99.7, 0.1),
            (91.7, 0.8),
            (91.9, 1.5),
            (94.9, 0.8),
            (88.5, 0.9),
            (98.3, 0.5),
            (94.6, 0.9),
            (93.9, 1.6),
            (96.5, 0.3),
        ],
    ),
];

/// One cell: mean ± sd of AUROC (in %) over `n` runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

impl Cell {
    pub fn text(&self) -> String {
        if self.n > 1 && self.sd.is_finite() {
            format!("{:.1} ± {:.1} (n={})", self.mean, self.sd, self.n)
        } else {
            format!("{:.1} (n={})", self.mean, self.n)
        }
    }
}

/// AUROC per normal class (rows) and configuration (columns).
#[derive(Debug, Clone, PartialEq)]
pub struct OneClassTable {
    /// Configurations: the seed group's name without its normal class.
    pub columns: Vec<String>,
    /// The normal classes some run trained on, in order.
    pub classes: Vec<u8>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Option<Cell>>>,
    /// Each column's mean over classes of its class means (and how many
    /// classes it has).
    pub means: Vec<Option<(f64, usize)>>,
}

/// The configuration a run belongs to, apart from its normal class: its
/// seed group's name without the `.data.normal_class=N` sweep part.
fn configuration(group: &str) -> String {
    let marker = ".data.normal_class=";
    match group.find(marker) {
        Some(at) => {
            let rest = &group[at + marker.len()..];
            let end = rest.find('.').unwrap_or(rest.len());
            format!("{}{}", &group[..at], &rest[end..])
        }
        None => group.to_string(),
    }
}

impl OneClassTable {
    /// The table of `runs`' AUROCs; `None` when no run is one-class.
    pub fn of(runs: &[RunReport]) -> Option<OneClassTable> {
        let scored: Vec<(String, u8, f64)> = runs
            .iter()
            .filter_map(|r| {
                let class = r.summary.normal_class?;
                let auroc = r.summary.auroc.filter(|v| v.is_finite())?;
                Some((configuration(&r.group), class, 100.0 * auroc))
            })
            .collect();
        if scored.is_empty() {
            return None;
        }
        let mut columns: Vec<String> = Vec::new();
        for (column, _, _) in &scored {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
        let mut classes: Vec<u8> = scored.iter().map(|s| s.1).collect();
        classes.sort_unstable();
        classes.dedup();
        let cells: Vec<Vec<Option<Cell>>> = classes
            .iter()
            .map(|&class| {
                columns
                    .iter()
                    .map(|column| {
                        let values: Vec<f64> = scored
                            .iter()
                            .filter(|s| &s.0 == column && s.1 == class)
                            .map(|s| s.2)
                            .collect();
                        spread(&values).map(|s| Cell {
                            mean: s.mean,
                            sd: s.sd,
                            n: s.n,
                        })
                    })
                    .collect()
            })
            .collect();
        let means = (0..columns.len())
            .map(|c| {
                let values: Vec<f64> = cells
                    .iter()
                    .filter_map(|row| row[c])
                    .map(|x| x.mean)
                    .collect();
                (!values.is_empty()).then(|| {
                    (
                        values.iter().sum::<f64>() / values.len() as f64,
                        values.len(),
                    )
                })
            })
            .collect();
        Some(OneClassTable {
            columns,
            classes,
            cells,
            means,
        })
    }

    /// The table as text: the header, one row per class and a last row of
    /// the means over classes; aelab's columns first, the published ones
    /// after them.
    pub fn text_rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header = vec!["normal class".to_string()];
        header.extend(self.columns.iter().map(|c| format!("{c} (aelab)")));
        header.extend(PUBLISHED.iter().map(|(name, _)| name.to_string()));
        let mut rows: Vec<Vec<String>> = self
            .classes
            .iter()
            .zip(&self.cells)
            .map(|(&class, cells)| {
                let mut row = vec![class.to_string()];
                row.extend(
                    cells
                        .iter()
                        .map(|c| c.map_or_else(|| "–".to_string(), |c| c.text())),
                );
                row.extend(PUBLISHED.iter().map(|(_, values)| {
                    values
                        .get(usize::from(class))
                        .map_or_else(|| "–".to_string(), |(m, sd)| format!("{m:.1} ± {sd:.1}"))
                }));
                row
            })
            .collect();
        let mut mean_row = vec!["mean over classes".to_string()];
        mean_row.extend(self.means.iter().map(|m| {
            m.map_or_else(
                || "–".to_string(),
                |(mean, classes)| format!("{mean:.1} ({classes} classes)"),
            )
        }));
        mean_row.extend(self.published_means().iter().map(|m| format!("{m:.1}")));
        rows.push(mean_row);
        (header, rows)
    }

    /// The published columns' mean over this table's classes.
    pub fn published_means(&self) -> Vec<f64> {
        PUBLISHED
            .iter()
            .map(|(_, values)| {
                let picked: Vec<f64> = self
                    .classes
                    .iter()
                    .filter_map(|&c| values.get(usize::from(c)).map(|v| v.0))
                    .collect();
                picked.iter().sum::<f64>() / picked.len().max(1) as f64
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aelab_archive::Summary;

    fn run(group: &str, class: u8, auroc: f64) -> RunReport {
        RunReport {
            name: format!("{group}.seed"),
            group: group.into(),
            settings: Vec::new(),
            summary: Summary {
                normal_class: Some(class),
                auroc: Some(auroc),
                ..Summary::default()
            },
            figures: Vec::new(),
        }
    }

    #[test]
    fn groups_by_class_and_configuration_without_the_class() {
        assert_eq!(configuration("dcae.data.normal_class=3"), "dcae");
        assert_eq!(
            configuration("ae.data.normal_class=3.train.lr=0.1"),
            "ae.train.lr=0.1"
        );
        let runs = [
            run("dcae.data.normal_class=0", 0, 0.90),
            run("dcae.data.normal_class=0", 0, 0.94),
            run("dcae.data.normal_class=1", 1, 0.99),
            run("ae.data.normal_class=1", 1, 0.97),
        ];
        let table = OneClassTable::of(&runs).unwrap();
        assert_eq!(table.columns, vec!["dcae", "ae"]);
        assert_eq!(table.classes, vec![0, 1]);
        let first = table.cells[0][0].unwrap();
        assert!((first.mean - 92.0).abs() < 1e-9);
        // sample sd of 90 and 94
        assert!((first.sd - 8f64.sqrt()).abs() < 1e-9);
        assert_eq!(table.cells[0][1], None);
        let (mean, classes) = table.means[0].unwrap();
        assert!((mean - 95.5).abs() < 1e-9);
        assert_eq!(classes, 2);
        // Deep SVDD's DCAE column over classes 0 and 1: (97.6 + 98.3) / 2
        assert!((table.published_means()[0] - 97.95).abs() < 1e-9);
    }

    #[test]
    fn published_dcae_column_averages_to_the_papers_mean() {
        let mean: f64 = PUBLISHED[0].1.iter().map(|v| v.0).sum::<f64>() / 10.0;
        // the task quotes the DCAE column's mean as 89.7
        assert!((mean - 89.65).abs() < 1e-9);
    }
}
