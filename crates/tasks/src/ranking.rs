//! One-class anomaly detection scores, as Deep SVDD reports them with
//! `roc_auc_score(labels, scores)`: anomalies are the positives and a higher
//! score means more anomalous. All three walk the points from the highest
//! score down, a group of tied scores at a time (one threshold per distinct
//! score), as scikit-learn's `_binary_clf_curve`.
//!
//! * [`auroc`] is the Mann-Whitney statistic with ties counted half,
//!   computed exactly in integers and divided once; it equals
//!   `roc_auc_score` (the trapezoid under the ROC curve).
//! * [`average_precision`] is `average_precision_score`: the sum over
//!   thresholds of the recall gained times the precision there (a step
//!   function, no interpolation); a group of ties is one step.
//! * [`roc_curve`] is `roc_curve(..., drop_intermediate=False)`: (0, 0),
//!   then one (false positive rate, true positive rate) point per distinct
//!   score, ending at (1, 1). scikit-learn's default `drop_intermediate=True`
//!   drops the collinear points in between; the area is the same.

use crate::{validate, TasksError};

/// Points grouped by distinct score.
struct Groups {
    /// Per distinct score, highest first: (anomalous, normal) points at it.
    counts: Vec<(u64, u64)>,
    /// Anomalous points in all.
    positives: u64,
    /// Normal points in all.
    negatives: u64,
}

/// Checks the inputs and groups the points by score.
fn groups(scores: &[f64], anomalous: &[bool]) -> Result<Groups, TasksError> {
    validate::same_length("scores", scores.len(), "anomalous", anomalous.len())?;
    if scores.is_empty() {
        return Err(TasksError::Empty { what: "scores" });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(TasksError::NonFiniteScore {
            index,
            value: scores[index],
        });
    }
    let positives = anomalous.iter().filter(|&&a| a).count();
    let negatives = anomalous.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(TasksError::OneClassRanking {
            positives,
            negatives,
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // -0.0 and 0.0 are one threshold, as in numpy: compare by value.
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut last: Option<f64> = None;
    for i in order {
        if last != Some(scores[i]) {
            out.push((0, 0));
            last = Some(scores[i]);
        }
        if let Some(g) = out.last_mut() {
            if anomalous[i] {
                g.0 += 1;
            } else {
                g.1 += 1;
            }
        }
    }
    Ok(Groups {
        counts: out,
        positives: positives as u64,
        negatives: negatives as u64,
    })
}

/// Area under the ROC curve; ties count half (Mann-Whitney), equal to
/// scikit-learn's `roc_auc_score`. Perfect ranking 1, reversed 0, all
/// tied 0.5.
///
/// Fails when the lengths differ, on no scores, a non-finite score, or no
/// anomalous or no normal point.
pub fn auroc(scores: &[f64], anomalous: &[bool]) -> Result<f64, TasksError> {
    let Groups {
        counts,
        positives,
        negatives,
    } = groups(scores, anomalous)?;
    // Twice the number of (anomalous, normal) pairs ranked right, ties as 1.
    let mut twice: u128 = 0;
    let mut negatives_above: u64 = 0;
    for (p, q) in counts {
        let below = negatives - negatives_above - q;
        twice += u128::from(p) * (2 * u128::from(below) + u128::from(q));
        negatives_above += q;
    }
    Ok(twice as f64 / (2.0 * positives as f64 * negatives as f64))
}

/// Average precision as scikit-learn's `average_precision_score`: the sum
/// over distinct thresholds of (recall gained) x (precision there).
///
/// Fails as [`auroc`].
pub fn average_precision(scores: &[f64], anomalous: &[bool]) -> Result<f64, TasksError> {
    let Groups {
        counts, positives, ..
    } = groups(scores, anomalous)?;
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut sum = 0.0f64;
    for (p, q) in counts {
        tp += p;
        fp += q;
        if p > 0 {
            let recall_gain = p as f64 / positives as f64;
            let precision = tp as f64 / (tp + fp) as f64;
            sum += recall_gain * precision;
        }
    }
    Ok(sum)
}

/// ROC points `[false positive rate, true positive rate]`: (0, 0), then one
/// per distinct score from the highest down, the last being (1, 1).
///
/// Fails as [`auroc`].
pub fn roc_curve(scores: &[f64], anomalous: &[bool]) -> Result<Vec<[f64; 2]>, TasksError> {
    let Groups {
        counts,
        positives,
        negatives,
    } = groups(scores, anomalous)?;
    let mut points = Vec::with_capacity(counts.len() + 1);
    points.push([0.0, 0.0]);
    let (mut tp, mut fp) = (0u64, 0u64);
    for (p, q) in counts {
        tp += p;
        fp += q;
        points.push([fp as f64 / negatives as f64, tp as f64 / positives as f64]);
    }
    Ok(points)
}
