"""scikit-learn's side of the probe measurement in `src/probe.rs`: the same
StandardScaler + LogisticRegression(max_iter=1000) on the codes that
`kmeans_speed.py` wrote (PCA-10 of the 70,000 MNIST digits), first 60,000
to train; and on the raw pixels (the report's baseline), written here:

    MNIST_DIR=... python crates/tasks/tests/reference/probe_speed.py OUT_DIR
    cargo run --release -p aelab-tasks --example probe_speed -- \\
        OUT_DIR/codes.f32 10 OUT_DIR/labels.u8 60000
    cargo run --release -p aelab-tasks --example probe_speed -- \\
        OUT_DIR/pixels.f32 784 OUT_DIR/labels.u8 60000
"""

import os
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from kmeans_speed import idx


def probe(x, y, train, name):
    start = time.perf_counter()
    scaler = StandardScaler().fit(x[:train])
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x[:train]), y[:train])
    accuracy = model.score(scaler.transform(x[train:]), y[train:])
    seconds = time.perf_counter() - start
    print(f"scikit-learn probe, {name}: accuracy {accuracy:.4f}, {model.n_iter_[0]} iterations, {seconds:.2f} s")


def main():
    out = sys.argv[1]
    y = np.fromfile(os.path.join(out, "labels.u8"), dtype=np.uint8)
    codes = np.fromfile(os.path.join(out, "codes.f32"), dtype=np.float32).reshape(len(y), -1)
    probe(codes, y, 60000, f"dim {codes.shape[1]}")
    x = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
    pixels = x.reshape(len(x), -1).astype(np.float32) / 255.0
    pixels.tofile(os.path.join(out, "pixels.f32"))
    probe(pixels, y, 60000, "pixels")


if __name__ == "__main__":
    main()
