//! How a configuration is chosen: by its validation BCE on clean inputs
//! (else as validated, for archives before that existed), the mean over
//! its seeds; never by a test metric.

use aelab_archive::Summary;
use aelab_report::spread;

/// The validation BCE a run is chosen by.
pub(crate) fn validation_bce(summary: &Summary) -> Option<f64> {
    summary
        .clean_val_bce
        .or(summary.val_bce)
        .filter(|v| v.is_finite())
}

/// Indices of groups ordered best first by the mean of their validation
/// BCEs (`scores[g]`); groups without one come last; ties keep their order.
pub(crate) fn rank_by_validation(scores: &[Vec<f64>]) -> Vec<usize> {
    let mean = |values: &[f64]| spread(values).map_or(f64::INFINITY, |s| s.mean);
    let mut order: Vec<(usize, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, values)| (i, mean(values)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    order.into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::rank_by_validation;

    #[test]
    fn best_mean_first_and_groups_without_scores_last() {
        let scores = vec![vec![0.3, 0.1], vec![], vec![0.1], vec![0.2, 0.2]];
        assert_eq!(rank_by_validation(&scores), vec![2, 0, 3, 1]);
    }
}
