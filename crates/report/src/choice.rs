//! The one rule by which aelab chooses a configuration, wherever it
//! chooses: the report's overview and example pair, the configurations a
//! chart shows, the light sweep's runs that get the full evaluation, and
//! `cargo xtask list`'s best run.
//!
//! A configuration is chosen by the mean over its seeds of its validation
//! BCE on clean inputs (`clean_val_bce`), the fair column between denoising
//! and plain runs; an archive from before that field existed is chosen by
//! `val_bce`. The metric is decided once for all the runs compared, never
//! run by run, so two configurations are never ranked by different
//! quantities. Test metrics are never chosen on.

use aelab_archive::Summary;

use crate::metrics::{Better, Metric, METRICS};
use crate::statistics::{spread, Spread};

/// The metrics a configuration can be chosen by, preferred first.
const CHOICE_KEYS: [&str; 2] = ["clean_val_bce", "val_bce"];

/// The metric a set of runs is chosen by.
#[derive(Clone, Copy)]
pub struct Choice {
    metric: &'static Metric,
}

impl Choice {
    /// The rule for `summaries`: the first of [`CHOICE_KEYS`] that some run
    /// has a finite value of; `None` when none has any.
    pub fn for_runs<'s>(summaries: impl IntoIterator<Item = &'s Summary>) -> Option<Choice> {
        let summaries: Vec<&Summary> = summaries.into_iter().collect();
        CHOICE_KEYS
            .iter()
            .filter_map(|key| METRICS.iter().find(|m| m.key == *key))
            .map(|metric| Choice { metric })
            .find(|choice| summaries.iter().any(|s| choice.score(s).is_some()))
    }

    /// The metric chosen by.
    pub fn metric(self) -> &'static Metric {
        self.metric
    }

    /// A run's value of the metric, if finite.
    pub fn score(self, summary: &Summary) -> Option<f64> {
        (self.metric.value)(summary).filter(|v| v.is_finite())
    }

    /// Indices of `groups` (each a configuration's runs) best first by the
    /// mean of their scores; groups without a score come last; ties keep
    /// their order.
    pub fn rank(self, groups: &[Vec<&Summary>]) -> Vec<usize> {
        let values: Vec<Vec<f64>> = groups
            .iter()
            .map(|runs| runs.iter().filter_map(|s| self.score(s)).collect())
            .collect();
        let mut order: Vec<usize> = rank_by_mean(self.metric, &values)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        order.extend((0..groups.len()).filter(|i| values[*i].is_empty()));
        order
    }
}

/// The groups with values, best mean of `metric` first (ties: the earlier
/// group), each with its spread; groups without values are left out.
pub(crate) fn rank_by_mean(metric: &Metric, values: &[Vec<f64>]) -> Vec<(usize, Spread)> {
    let mut ranked: Vec<(usize, Spread)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, spread(v)?)))
        .collect();
    ranked.sort_by(|(ia, a), (ib, b)| {
        let order = match metric.better {
            Better::Lower => a.mean.total_cmp(&b.mean),
            Better::Higher => b.mean.total_cmp(&a.mean),
        };
        order.then(ia.cmp(ib))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(clean: Option<f64>, val: Option<f64>) -> Summary {
        Summary {
            clean_val_bce: clean,
            val_bce: val,
            ..Summary::default()
        }
    }

    #[test]
    fn clean_validation_bce_for_every_run_once_any_run_has_it() {
        // the second run lacks clean_val_bce: it is not ranked by its
        // val_bce (another quantity) but left without a score
        let runs = [summary(Some(0.2), Some(0.1)), summary(None, Some(0.05))];
        let choice = Choice::for_runs(&runs).unwrap();
        assert_eq!(choice.metric().key, "clean_val_bce");
        assert_eq!(choice.score(&runs[1]), None);
        let groups = vec![vec![&runs[1]], vec![&runs[0]]];
        assert_eq!(choice.rank(&groups), vec![1, 0]);
    }

    #[test]
    fn validation_bce_for_archives_before_clean_inputs() {
        let runs = [summary(None, Some(0.3)), summary(None, Some(f64::NAN))];
        let choice = Choice::for_runs(&runs).unwrap();
        assert_eq!(choice.metric().key, "val_bce");
        assert_eq!(choice.score(&runs[1]), None, "not finite: no score");
        assert!(Choice::for_runs(&[summary(None, None)]).is_none());
    }

    #[test]
    fn best_mean_first_and_groups_without_scores_last() {
        let s = |v: f64| summary(Some(v), None);
        let (a, b, c, d, e) = (s(0.3), s(0.1), s(0.1), s(0.2), s(0.2));
        let none = summary(None, None);
        let groups = vec![vec![&a, &b], vec![&none], vec![&c], vec![&d, &e]];
        let choice = Choice::for_runs(groups.iter().flatten().copied()).unwrap();
        assert_eq!(choice.rank(&groups), vec![2, 0, 3, 1]);
    }
}
