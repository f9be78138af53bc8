"""scikit-learn's side of the tasks rows of `cargo xtask bench --compare-sklearn`.

Reads aelab's codes (float32, DIM per row) and their labels (uint8), the
first FIT of which train the probe and the rest test it:

    python tasks_compare.py CODES.f32 LABELS.u8 DIM FIT

times KMeans(10, n_init=20, random_state=0) on every code, scored by ACC
(DEC's cluster_acc, Hungarian matching) and NMI, and StandardScaler +
LogisticRegression(max_iter=1000) fitted on the first FIT codes and scored
on the rest; prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import StandardScaler

dim, fit = int(sys.argv[3]), int(sys.argv[4])
codes = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, dim)
labels = np.fromfile(sys.argv[2], dtype=np.uint8)

t = time.perf_counter()
assigned = KMeans(10, n_init=20, random_state=0).fit(codes).labels_
kmeans_s = time.perf_counter() - t
w = np.zeros((10, 10), dtype=np.int64)
np.add.at(w, (assigned, labels), 1)
rows, cols = linear_sum_assignment(w.max() - w)
acc = w[rows, cols].sum() / labels.size
nmi = normalized_mutual_info_score(labels, assigned)

t = time.perf_counter()
scaler = StandardScaler().fit(codes[:fit])
model = LogisticRegression(max_iter=1000).fit(scaler.transform(codes[:fit]), labels[:fit])
probe_acc = model.score(scaler.transform(codes[fit:]), labels[fit:])
probe_s = time.perf_counter() - t

print(json.dumps({"kmeans_s": kmeans_s, "acc": float(acc), "nmi": float(nmi),
                  "probe_s": probe_s, "probe_acc": float(probe_acc)}))
