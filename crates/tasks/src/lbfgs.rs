//! A small L-BFGS minimiser for smooth convex objectives (the linear
//! probe's), with a backtracking Armijo line search.
//!
//! It stops the way scipy's L-BFGS-B does under scikit-learn's
//! `LogisticRegression(solver="lbfgs")`: when the largest gradient entry is
//! at most `gradient_tolerance` (scikit-learn's `tol`), when the relative
//! decrease of the objective, `(f_k - f_k+1) / max(|f_k|, |f_k+1|, 1)`, is
//! at most `64 * f64::EPSILON` (its `ftol`), or after `max_iterations`.
//! Everything is sequential `f64` arithmetic, so a run is bit-identical for
//! the same objective.

use std::collections::VecDeque;

/// Pairs of steps and gradient changes kept (scikit-learn's `maxcor` 10).
const MEMORY: usize = 10;
/// Sufficient decrease constant of the Armijo condition.
const ARMIJO: f64 = 1e-4;
/// Backtracking steps tried before giving up (scikit-learn's `maxls` 50).
const MAX_LINE_SEARCH: usize = 50;
/// scipy's `ftol` as scikit-learn sets it.
const RELATIVE_DECREASE: f64 = 64.0 * f64::EPSILON;

/// When to stop.
pub(crate) struct Stopping {
    pub max_iterations: u64,
    pub gradient_tolerance: f64,
}

/// Where the minimiser stopped.
pub(crate) struct Minimum {
    pub point: Vec<f64>,
    pub iterations: u64,
}

/// Minimises `objective`, which returns the value at a point and writes the
/// gradient into its second argument, starting from `start`.
pub(crate) fn minimise(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> f64,
    start: Vec<f64>,
    stopping: &Stopping,
) -> Minimum {
    let len = start.len();
    let mut point = start;
    let mut gradient = vec![0.0; len];
    let mut value = objective(&point, &mut gradient);
    let mut history: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(MEMORY);
    let mut trial = vec![0.0; len];
    let mut trial_gradient = vec![0.0; len];
    let mut iterations = 0;
    while iterations < stopping.max_iterations && largest(&gradient) > stopping.gradient_tolerance {
        let direction = two_loop(&gradient, &history);
        let slope = dot(&gradient, &direction);
        let (direction, slope) = if slope < 0.0 {
            (direction, slope)
        } else {
            // Not a descent direction (rounding): restart from steepest descent.
            history.clear();
            let steepest: Vec<f64> = gradient.iter().map(|g| -g).collect();
            let slope = -dot(&gradient, &gradient);
            (steepest, slope)
        };
        let mut step = if history.is_empty() {
            1.0 / norm(&direction).max(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_LINE_SEARCH {
            for ((t, p), d) in trial.iter_mut().zip(&point).zip(&direction) {
                *t = p + step * d;
            }
            let trial_value = objective(&trial, &mut trial_gradient);
            if trial_value <= value + ARMIJO * step * slope {
                accepted = Some(trial_value);
                break;
            }
            step *= 0.5;
        }
        let Some(trial_value) = accepted else {
            break;
        };
        iterations += 1;
        let s: Vec<f64> = trial.iter().zip(&point).map(|(t, p)| t - p).collect();
        let y: Vec<f64> = trial_gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let curvature = dot(&s, &y);
        if curvature > 1e-10 * dot(&y, &y) {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / curvature));
        }
        let decrease = (value - trial_value) / value.abs().max(trial_value.abs()).max(1.0);
        std::mem::swap(&mut point, &mut trial);
        std::mem::swap(&mut gradient, &mut trial_gradient);
        value = trial_value;
        if decrease <= RELATIVE_DECREASE {
            break;
        }
    }
    Minimum { point, iterations }
}

/// The L-BFGS direction `-H g` by the two-loop recursion.
fn two_loop(gradient: &[f64], history: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q: Vec<f64> = gradient.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let alpha = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= alpha * yi;
        }
        alphas.push(alpha);
    }
    if let Some((s, y, _)) = history.back() {
        let scale = dot(s, y) / dot(y, y);
        for qi in &mut q {
            *qi *= scale;
        }
    }
    for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
        let beta = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (alpha - beta) * si;
        }
    }
    for qi in &mut q {
        *qi = -*qi;
    }
    q
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn largest(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function's minimum is (1, 1) (a closed form); it is
    /// not convex, so this also checks the restart and the line search.
    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosenbrock = |p: &[f64], g: &mut [f64]| {
            let (x, y) = (p[0], p[1]);
            g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
            g[1] = 200.0 * (y - x * x);
            (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
        };
        let stopping = Stopping {
            max_iterations: 1000,
            gradient_tolerance: 1e-8,
        };
        let minimum = minimise(rosenbrock, vec![-1.2, 1.0], &stopping);
        assert!((minimum.point[0] - 1.0).abs() < 1e-6, "{:?}", minimum.point);
        assert!((minimum.point[1] - 1.0).abs() < 1e-6, "{:?}", minimum.point);
        assert!(minimum.iterations < 200);
    }

    /// A quadratic `0.5 x'Ax - b'x` has its minimum at `A^-1 b`.
    #[test]
    fn solves_a_quadratic() {
        let quadratic = |p: &[f64], g: &mut [f64]| {
            // A = [[3, 1], [1, 2]], b = [1, 1] -> x = [0.2, 0.4]
            g[0] = 3.0 * p[0] + p[1] - 1.0;
            g[1] = p[0] + 2.0 * p[1] - 1.0;
            0.5 * (3.0 * p[0] * p[0] + 2.0 * p[0] * p[1] + 2.0 * p[1] * p[1]) - p[0] - p[1]
        };
        let stopping = Stopping {
            max_iterations: 100,
            gradient_tolerance: 1e-12,
        };
        let minimum = minimise(quadratic, vec![0.0, 0.0], &stopping);
        assert!((minimum.point[0] - 0.2).abs() < 1e-6, "{:?}", minimum.point);
        assert!((minimum.point[1] - 0.4).abs() < 1e-6, "{:?}", minimum.point);
    }
}
