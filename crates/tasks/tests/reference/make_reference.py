"""Reference values for the aelab-tasks tests, from scikit-learn and scipy.

Run with scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6 (the versions the
values in tests/reference.rs were made with):

    python crates/tasks/tests/reference/make_reference.py > /tmp/reference.rs

It prints Rust constants: the fixtures (inputs) and what scikit-learn /
scipy compute for them. tests/reference.rs holds that output as pasted.
"""

import math

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    adjusted_rand_score,
    average_precision_score,
    normalized_mutual_info_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.preprocessing import StandardScaler


def rust_list(values, fmt):
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def f64(v):
    return repr(float(v))


def cluster_acc(y_true, y_pred):
    """DEC's cluster_acc (Xie et al. 2016), with scipy's linear_sum_assignment."""
    d = max(y_pred.max(), y_true.max()) + 1
    w = np.zeros((d, d), dtype=np.int64)
    for p, t in zip(y_pred, y_true):
        w[p, t] += 1
    rows, cols = linear_sum_assignment(w.max() - w)
    return w[rows, cols].sum() / y_pred.size


def blobs():
    """300 points, 3 overlapping gaussian blobs in 2-D, in closed form: the
    same formula is in tests/reference.rs (Box-Muller on Weyl sequences)."""
    centres = [(0.0, 0.0), (2.5, 0.5), (1.0, 2.5)]
    points = []
    for i in range(300):
        cx, cy = centres[i % 3]
        u1 = (i * 0.6180339887498949 + 0.1) % 1.0
        u2 = (i * 0.7548776662466927 + 0.3) % 1.0
        r = math.sqrt(-2.0 * math.log(1.0 - u1))
        theta = 2.0 * math.pi * u2
        points.append((cx + r * math.cos(theta), cy + r * math.sin(theta)))
    return np.array(points, dtype=np.float32)


def main():
    print(f"// scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__}")
    rng = np.random.default_rng(20240611)

    # Partitions: 200 points, 5 labels, 6 clusters that mostly follow them.
    n = 200
    labels = rng.integers(0, 5, size=n)
    follow = np.array([3, 0, 4, 1, 2])[labels]
    noise = rng.integers(0, 6, size=n)
    assignments = np.where(rng.random(n) < 0.7, follow, noise)
    print(f"pub const LABELS: [u8; {n}] = {rust_list(labels, str)};")
    print(f"pub const ASSIGNMENTS: [usize; {n}] = {rust_list(assignments, str)};")
    print(f"pub const NMI: f64 = {f64(normalized_mutual_info_score(labels, assignments))};")
    print(f"pub const ARI: f64 = {f64(adjusted_rand_score(labels, assignments))};")
    print(f"pub const ACC: f64 = {f64(cluster_acc(labels, assignments))};")

    # Scores with ties (rounded to one decimal), 30% anomalous.
    anomalous = rng.random(n) < 0.3
    scores = np.round(rng.normal(size=n) + 1.2 * anomalous, 1)
    print(f"pub const ANOMALOUS: [bool; {n}] = {rust_list(anomalous, lambda a: 'true' if a else 'false')};")
    print(f"pub const SCORES: [f64; {n}] = {rust_list(scores, f64)};")
    print(f"pub const AUROC: f64 = {f64(roc_auc_score(anomalous, scores))};")
    print(f"pub const AP: f64 = {f64(average_precision_score(anomalous, scores))};")
    fpr, tpr, _ = roc_curve(anomalous, scores, drop_intermediate=False)
    print(f"pub const ROC: [[f64; 2]; {fpr.size}] = {rust_list(zip(fpr, tpr), lambda p: '[' + f64(p[0]) + ', ' + f64(p[1]) + ']')};")

    # k-means: best of 10 starts on the closed-form blobs.
    x = blobs()
    print(f"pub const BLOBS_FIRST: [[f64; 2]; 3] = {rust_list(x[:3], lambda p: '[' + repr(float(p[0])) + ', ' + repr(float(p[1])) + ']')};")
    inertias = []
    for seed in range(3):
        km = KMeans(3, n_init=10, random_state=seed).fit(x.astype(np.float64))
        inertias.append(km.inertia_)
    print(f"pub const BLOBS_INERTIA: [f64; 3] = {rust_list(inertias, f64)};")

    # Probe: the 8x8 digits, first 1200 to train, the other 597 to test.
    digits = load_digits()
    xd, yd = digits.data, digits.target
    print(f"pub const DIGITS_FIRST_LABELS: [u8; 10] = {rust_list(yd[:10], str)};")
    scaler = StandardScaler().fit(xd[:1200])
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(xd[:1200]), yd[:1200])
    accuracy = model.score(scaler.transform(xd[1200:]), yd[1200:])
    print(f"pub const DIGITS_PROBE_ACCURACY: f64 = {f64(accuracy)};")


if __name__ == "__main__":
    main()
