//! Linear probe: how linearly separable the classes are in code space.
//! Multinomial logistic regression on standardised codes, fitted on the
//! training codes and scored by accuracy on the test codes: scikit-learn's
//! `LogisticRegression(C=1/l2, max_iter=max_iterations)` after a
//! `StandardScaler`, the probe papers report.
//!
//! Standardisation is scikit-learn's `StandardScaler` fitted on the training
//! codes: per dimension, subtract the training mean and divide by the
//! training (population) standard deviation, a zero deviation counting as 1;
//! the test codes get the same transform. Computed in `f64`.
//!
//! # The objective and the solver
//!
//! As scikit-learn (lbfgs, multinomial), it minimises the mean log loss over
//! the `n` training codes plus `l2 / (2 n) * ||W||^2` (the intercepts
//! unpenalised) from zero weights, with L-BFGS ([`crate::lbfgs`]), stopping
//! when the largest gradient entry is at most `1e-4` (scikit-learn's `tol`).
//! Classes are the labels seen in training; a test code is given the class
//! with the largest logit, the lowest class on ties (numpy's `argmax`).
//!
//! `linfa-logistic` 0.8's `MultiLogisticRegression` minimises the same
//! objective but its More-Thuente line search (argmin 0.11) exits after a
//! few iterations on these problems (linfa issue #334): on the 8x8 digits
//! (first 1,200 train, 597 test) it scored 0.8861 where scikit-learn 1.9.1
//! scores 0.9263 and this solver 0.9263 (`tests/reference.rs`).
//!
//! # Measured against scikit-learn
//!
//! On MNIST (first 60,000 digits train, 10,000 test), on a 2-core AMD EPYC
//! (Zen 3, AVX2, no AVX-512) VM, both with 2 threads (`examples/probe_speed.rs`
//! beside `tests/reference/probe_speed.py`, scikit-learn 1.9.1):
//!
//! | features | scikit-learn: acc, iterations, s | aelab: acc, iterations, s |
//! |---|---|---|
//! | PCA-10 codes | 0.8099, 41, 1.15 | 0.8098, 41, 0.60 |
//! | raw pixels (784) | 0.9216, 174, 23.4 | 0.9219, 188, 22.8 |
//!
//! The products run through ndarray's `matrixmultiply` with its threading
//! on: each thread computes whole output blocks in the same order, so the
//! result does not depend on the number of threads.

use ndarray::{Array2, ArrayView2, Axis};

use crate::lbfgs::{self, Stopping};
use crate::{validate, TasksError};

/// scikit-learn's `LogisticRegression(tol=1e-4)`.
const GRADIENT_TOLERANCE: f64 = 1e-4;

/// How to fit the probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeParams {
    /// Largest number of L-BFGS iterations (default 1000, the
    /// `max_iter=1000` papers pass to scikit-learn, whose own default of 100
    /// can stop short on unscaled codes).
    pub max_iterations: u64,
    /// L2 weight on the (non-intercept) weights; scikit-learn's `1 / C`.
    /// Default 1.0 (`C = 1.0`).
    pub l2: f64,
}

impl Default for ProbeParams {
    fn default() -> Self {
        Self {
            max_iterations: 1000,
            l2: 1.0,
        }
    }
}

/// What the probe scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Share of test codes classified as their label, 0..=1.
    pub accuracy: f64,
    /// L-BFGS iterations run.
    pub iterations: Option<u64>,
}

/// Multinomial logistic regression on standardised features (mean/sd from
/// the training features, applied to both), fitted on train, scored on test.
///
/// Fails on a bad shape or non-finite value in either set, labels that do
/// not match their codes in number, fewer than 2 training classes,
/// `max_iterations = 0`, or a negative or non-finite `l2`.
pub fn linear_probe(
    train: &[f32],
    train_labels: &[u8],
    test: &[f32],
    test_labels: &[u8],
    dim: usize,
    params: &ProbeParams,
) -> Result<Probe, TasksError> {
    let n_train = validate::codes("train", train, dim)?;
    let n_test = validate::codes("test", test, dim)?;
    validate::same_length("train codes", n_train, "train_labels", train_labels.len())?;
    validate::same_length("test codes", n_test, "test_labels", test_labels.len())?;
    if params.max_iterations == 0 {
        return Err(TasksError::ZeroIterations {
            what: "the linear probe",
        });
    }
    if !params.l2.is_finite() || params.l2 < 0.0 {
        return Err(TasksError::BadL2(params.l2));
    }
    let mut seen = [false; 256];
    for &l in train_labels {
        seen[usize::from(l)] = true;
    }
    let classes: Vec<u8> = (0..=u8::MAX).filter(|&l| seen[usize::from(l)]).collect();
    if classes.len() < 2 {
        return Err(TasksError::TooFewClasses {
            classes: classes.len(),
            points: n_train,
        });
    }
    let (mean, scale) = scaler(train, dim);
    let x_train = standardise(train, dim, &mean, &scale)?;
    let x_test = standardise(test, dim, &mean, &scale)?;
    let mut class_of = [0usize; 256];
    for (index, &label) in classes.iter().enumerate() {
        class_of[usize::from(label)] = index;
    }
    let targets: Vec<usize> = train_labels
        .iter()
        .map(|&l| class_of[usize::from(l)])
        .collect();
    let softmax = Softmax {
        x: x_train.view(),
        targets: &targets,
        classes: classes.len(),
        l2: params.l2,
    };
    let minimum = lbfgs::minimise(
        |theta, gradient| softmax.loss_and_gradient(theta, gradient),
        vec![0.0; (dim + 1) * classes.len()],
        &Stopping {
            max_iterations: params.max_iterations,
            gradient_tolerance: GRADIENT_TOLERANCE,
        },
    );
    let logits = softmax.logits(x_test.view(), &minimum.point);
    let correct = logits
        .rows()
        .into_iter()
        .zip(test_labels)
        .filter(|(row, &label)| classes[first_largest(row.iter())] == label)
        .count();
    Ok(Probe {
        accuracy: correct as f64 / n_test as f64,
        iterations: Some(minimum.iterations),
    })
}

/// The probe's objective: mean softmax cross-entropy plus the L2 term.
/// Parameters are `dim x classes` weights, row-major, then `classes`
/// intercepts.
struct Softmax<'a> {
    x: ArrayView2<'a, f64>,
    targets: &'a [usize],
    classes: usize,
    l2: f64,
}

impl Softmax<'_> {
    fn logits(&self, x: ArrayView2<'_, f64>, theta: &[f64]) -> Array2<f64> {
        let dim = x.ncols();
        let weights = ArrayView2::from_shape((dim, self.classes), &theta[..dim * self.classes])
            .expect("theta holds dim x classes weights");
        let mut logits = x.dot(&weights);
        for mut row in logits.rows_mut() {
            for (l, b) in row.iter_mut().zip(&theta[dim * self.classes..]) {
                *l += b;
            }
        }
        logits
    }

    fn loss_and_gradient(&self, theta: &[f64], gradient: &mut [f64]) -> f64 {
        let n = self.x.nrows() as f64;
        let dim = self.x.ncols();
        let mut residual = self.logits(self.x, theta);
        let mut loss = 0.0;
        for (mut row, &target) in residual.rows_mut().into_iter().zip(self.targets) {
            let top = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let total: f64 = row.iter().map(|&v| (v - top).exp()).sum();
            let log_total = top + total.ln();
            loss += log_total - row[target];
            row.mapv_inplace(|v| (v - log_total).exp());
            row[target] -= 1.0;
        }
        let weight_gradient = self.x.t().dot(&residual);
        let intercept_gradient = residual.sum_axis(Axis(0));
        let weights = &theta[..dim * self.classes];
        let (gw, gb) = gradient.split_at_mut(dim * self.classes);
        for ((g, &r), &w) in gw.iter_mut().zip(weight_gradient.iter()).zip(weights) {
            *g = (r + self.l2 * w) / n;
        }
        for (g, &r) in gb.iter_mut().zip(intercept_gradient.iter()) {
            *g = r / n;
        }
        let penalty: f64 = weights.iter().map(|w| w * w).sum();
        (loss + 0.5 * self.l2 * penalty) / n
    }
}

/// Index of the largest value, the first on ties (numpy's `argmax`).
fn first_largest<'a>(values: impl Iterator<Item = &'a f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, &v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Training mean and standard deviation per dimension (zero deviation -> 1).
fn scaler(train: &[f32], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let n = (train.len() / dim) as f64;
    let mut mean = vec![0.0f64; dim];
    for row in train.chunks_exact(dim) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut variance = vec![0.0f64; dim];
    for row in train.chunks_exact(dim) {
        for ((s, &v), m) in variance.iter_mut().zip(row).zip(&mean) {
            let d = f64::from(v) - m;
            *s += d * d;
        }
    }
    let scale = variance
        .iter()
        .map(|s| {
            let sd = (s / n).sqrt();
            // scikit-learn's `_handle_zeros_in_scale`: a (near) constant
            // feature is left unscaled.
            if sd < 10.0 * f64::EPSILON {
                1.0
            } else {
                sd
            }
        })
        .collect();
    (mean, scale)
}

/// `(x - mean) / scale` per dimension, as an `n x dim` array.
fn standardise(
    codes: &[f32],
    dim: usize,
    mean: &[f64],
    scale: &[f64],
) -> Result<Array2<f64>, TasksError> {
    let values: Vec<f64> = codes
        .chunks_exact(dim)
        .flat_map(|row| {
            row.iter()
                .zip(mean)
                .zip(scale)
                .map(|((&v, m), s)| (f64::from(v) - m) / s)
        })
        .collect();
    Ok(Array2::from_shape_vec((codes.len() / dim, dim), values)?)
}
