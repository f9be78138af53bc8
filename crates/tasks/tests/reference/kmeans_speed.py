"""scikit-learn's side of the k-means measurement in `src/clustering.rs`.

PCA-10 codes of the 70,000 MNIST digits (train then test, pixels / 255),
written for `cargo run --release -p aelab-tasks --example kmeans_speed`,
then scikit-learn's KMeans(10, n_init=20) on them, timed and scored:

    MNIST_DIR=... python crates/tasks/tests/reference/kmeans_speed.py OUT_DIR
    cargo run --release -p aelab-tasks --example kmeans_speed -- \
        OUT_DIR/codes.f32 10 OUT_DIR/labels.u8 10 20 0,1,2
"""

import gzip
import os
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score


def idx(name):
    with gzip.open(os.path.join(os.environ["MNIST_DIR"], name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def cluster_acc(y_true, y_pred):
    d = max(y_pred.max(), y_true.max()) + 1
    w = np.zeros((d, d), dtype=np.int64)
    np.add.at(w, (y_pred, y_true), 1)
    rows, cols = linear_sum_assignment(w.max() - w)
    return w[rows, cols].sum() / y_pred.size


def main():
    out = sys.argv[1]
    x = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
    y = np.concatenate([idx("train-labels-idx1-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")])
    x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    codes = PCA(10, svd_solver="full").fit_transform(x).astype(np.float32)
    codes.tofile(os.path.join(out, "codes.f32"))
    y.astype(np.uint8).tofile(os.path.join(out, "labels.u8"))
    print(f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print("algorithm  seed  seconds      inertia        ACC     NMI")
    for seed in (0, 1, 2):
        start = time.perf_counter()
        km = KMeans(10, n_init=20, random_state=seed).fit(codes)
        seconds = time.perf_counter() - start
        acc = cluster_acc(y, km.labels_)
        nmi = normalized_mutual_info_score(y, km.labels_)
        print(f"sklearn   {seed:>5} {seconds:>8.3f} {km.inertia_:>12.1f} {acc:>10.4f} {nmi:>7.4f}")


if __name__ == "__main__":
    main()
