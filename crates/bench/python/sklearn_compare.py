"""scikit-learn's side of `cargo xtask bench --compare-sklearn`.

Reads aelab's codes (float32, 30 per row), their labels (uint8) and the
training digits (float32, 784 per row) from the files named on the command
line; times t-SNE of the codes (scikit-learn's defaults, perplexity 30) with
the leave-one-out 5-NN accuracy of its map, and PCA-30 of the digits; prints
one JSON object.
"""
import json
import sys
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.neighbors import NearestNeighbors

codes = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, 30)
labels = np.fromfile(sys.argv[2], dtype=np.uint8)
digits = np.fromfile(sys.argv[3], dtype=np.float32).reshape(-1, 784)

t = time.perf_counter()
emb = TSNE(n_components=2, perplexity=30.0, random_state=0).fit_transform(codes)
tsne_s = time.perf_counter() - t
near = NearestNeighbors(n_neighbors=6).fit(emb).kneighbors(emb, return_distance=False)[:, 1:]
acc = float(np.mean([np.bincount(labels[row], minlength=10).argmax() == l for row, l in zip(near, labels)]))

t = time.perf_counter()
PCA(n_components=30).fit(digits)
pca_s = time.perf_counter() - t

print(json.dumps({"tsne_s": tsne_s, "tsne_knn5": acc, "pca_s": pca_s}))
