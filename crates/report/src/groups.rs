//! Seed groups: the runs of a comparison that differ only in seed, each
//! metric's spread within a group, and the sentence that says whether the
//! best group beats the runner-up by more than the noise between seeds
//! (Welch's t-test at 0.05).

use crate::comparison::RunReport;
use crate::metrics::{Better, Metric};
use crate::statistics::{format_p, spread, welch_t_test, Spread};

/// The significance level of a verdict.
pub const ALPHA: f64 = 0.05;

/// Runs that share every setting but the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedGroup {
    pub name: String,
    /// Indices into the comparison's runs.
    pub members: Vec<usize>,
}

/// The groups of `runs`, in the order their first run appears.
pub fn seed_groups(runs: &[RunReport]) -> Vec<SeedGroup> {
    let mut groups: Vec<SeedGroup> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        match groups.iter_mut().find(|g| g.name == run.group) {
            Some(group) => group.members.push(i),
            None => groups.push(SeedGroup {
                name: run.group.clone(),
                members: vec![i],
            }),
        }
    }
    groups
}

/// The finite values of `metric` over `group`'s runs.
pub(crate) fn values(metric: &Metric, group: &SeedGroup, runs: &[RunReport]) -> Vec<f64> {
    group
        .members
        .iter()
        .filter_map(|&i| (metric.value)(&runs[i].summary))
        .filter(|v| v.is_finite())
        .collect()
}

/// `metric`'s spread over `group`.
pub(crate) fn group_spread(
    metric: &Metric,
    group: &SeedGroup,
    runs: &[RunReport],
) -> Option<Spread> {
    spread(&values(metric, group, runs))
}

/// The index of the group with the best mean of `metric`, if any has one.
pub(crate) fn best_group(
    metric: &Metric,
    groups: &[SeedGroup],
    runs: &[RunReport],
) -> Option<usize> {
    ranked(metric, groups, runs).first().map(|(i, _)| *i)
}

/// Groups with a value, best mean first (ties: the earlier group).
pub(crate) fn ranked(
    metric: &Metric,
    groups: &[SeedGroup],
    runs: &[RunReport],
) -> Vec<(usize, Spread)> {
    let values: Vec<Vec<f64>> = groups.iter().map(|g| values(metric, g, runs)).collect();
    crate::choice::rank_by_mean(metric, &values)
}

/// `0.0077 ± 0.0002` (± one standard deviation across seeds), or the value
/// alone for a single run.
pub(crate) fn mean_sd(metric: &Metric, s: &Spread) -> String {
    if s.n < 2 {
        metric.format(Some(s.mean))
    } else {
        format!(
            "{} ± {}",
            metric.format(Some(s.mean)),
            metric.format(Some(s.sd))
        )
    }
}

/// The verdict on `metric`:
/// "test MSE: `ae-adam` is better: 0.0077 ± 0.0002 against 0.0110 ± 0.0003
/// for `ae-sgd`, p < 0.001, n = 5 each", "no clear difference", or, where a
/// group has one run, the values with "n = 1: no estimate of the noise".
pub(crate) fn verdict(metric: &Metric, groups: &[SeedGroup], runs: &[RunReport]) -> Option<String> {
    let ranked = ranked(metric, groups, runs);
    let (first, best) = *ranked.first()?;
    let name = |i: usize| groups[i].name.as_str();
    let Some(&(second, other)) = ranked.get(1) else {
        return Some(format!(
            "{}: `{}` {} (n = {})",
            metric.label,
            name(first),
            mean_sd(metric, &best),
            best.n
        ));
    };
    let n = if best.n == other.n {
        format!("n = {} each", best.n)
    } else {
        format!("n = {} and {}", best.n, other.n)
    };
    let (a, b) = (mean_sd(metric, &best), mean_sd(metric, &other));
    if best.n < 2 || other.n < 2 {
        return Some(format!(
            "{}: `{}` {a} against `{}` {b}, {}; n = 1: no estimate of the noise",
            metric.label,
            name(first),
            name(second),
            lead(metric, best.mean, other.mean),
        ));
    }
    let test = welch_t_test(
        &values(metric, &groups[first], runs),
        &values(metric, &groups[second], runs),
    );
    Some(match test {
        Some(w) if w.p < ALPHA => format!(
            "{}: `{}` is better: {a} against {b} for `{}`, {}, {n}",
            metric.label,
            name(first),
            name(second),
            format_p(w.p)
        ),
        Some(w) => format!(
            "{}: no clear difference between `{}` ({a}) and `{}` ({b}), {}, {n}",
            metric.label,
            name(first),
            name(second),
            format_p(w.p)
        ),
        None => format!(
            "{}: `{}` {a} against `{}` {b}, {n}: the seeds gave identical values, so there is no noise to test against",
            metric.label,
            name(first),
            name(second)
        ),
    })
}

/// "50.0% lower" (than `second`).
fn lead(metric: &Metric, best: f64, second: f64) -> String {
    let direction = match metric.better {
        Better::Lower => "lower",
        Better::Higher => "higher",
    };
    if second == 0.0 {
        return direction.to_string();
    }
    let percent = 100.0 * (best - second).abs() / second.abs();
    let decimals = if percent < 1.0 { 2 } else { 1 };
    format!("{percent:.decimals$}% {direction}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::METRICS;
    use aelab_archive::{RunStatus, Summary};

    fn run(group: &str, mse: f64) -> RunReport {
        RunReport {
            name: format!("{group}.{mse}"),
            group: group.into(),
            settings: Vec::new(),
            summary: Summary {
                status: Some(RunStatus::Ok),
                test_mse: Some(mse),
                ..Summary::default()
            },
            figures: Vec::new(),
        }
    }

    fn mse() -> &'static Metric {
        METRICS.iter().find(|m| m.key == "test_mse").unwrap()
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let runs = [run("b", 1.0), run("a", 2.0), run("b", 3.0)];
        let groups = seed_groups(&runs);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[0].name.as_str(), &groups[0].members),
            ("b", &vec![0, 2])
        );
        assert_eq!(best_group(mse(), &groups, &runs), Some(0));
    }

    #[test]
    fn a_clear_difference_is_claimed_with_p_and_n() {
        // scipy.stats.ttest_ind([0.0075, 0.0077, 0.0079, 0.0076, 0.0078],
        //   [0.0107, 0.0110, 0.0113, 0.0109, 0.0111], equal_var=False)
        //   -> t = -26.94, df = 7.2, p = 1.70e-08 (scipy 1.17.1)
        let mut runs: Vec<RunReport> = [0.0075, 0.0077, 0.0079, 0.0076, 0.0078]
            .iter()
            .map(|&v| run("ae-adam", v))
            .collect();
        runs.extend(
            [0.0107, 0.0110, 0.0113, 0.0109, 0.0111]
                .iter()
                .map(|&v| run("ae-sgd", v)),
        );
        let groups = seed_groups(&runs);
        assert_eq!(
            verdict(mse(), &groups, &runs).unwrap(),
            "test MSE: `ae-adam` is better: 0.0077 ± 0.0002 against 0.0110 ± 0.0002 for `ae-sgd`, p < 0.001, n = 5 each"
        );
    }

    #[test]
    fn overlapping_groups_are_no_clear_difference_and_single_runs_say_so() {
        let runs = [
            run("a", 0.0100),
            run("a", 0.0120),
            run("a", 0.0110),
            run("b", 0.0105),
            run("b", 0.0125),
            run("b", 0.0115),
        ];
        let groups = seed_groups(&runs);
        let text = verdict(mse(), &groups, &runs).unwrap();
        assert!(
            // scipy.stats.ttest_ind([0.0100, 0.0120, 0.0110],
            //   [0.0105, 0.0125, 0.0115], equal_var=False) -> p = 0.5734
            text == "test MSE: no clear difference between `a` (0.0110 ± 0.0010) and `b` (0.0115 ± 0.0010), p = 0.573, n = 3 each",
            "{text}"
        );
        let single = [run("a", 0.01), run("b", 0.02)];
        assert_eq!(
            verdict(mse(), &seed_groups(&single), &single).unwrap(),
            "test MSE: `a` 0.0100 against `b` 0.0200, 50.0% lower; n = 1: no estimate of the noise"
        );
    }
}
