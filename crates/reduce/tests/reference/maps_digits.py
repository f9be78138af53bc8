"""Reference figures for `crates/reduce/tests/maps_on_digits.rs`: openTSNE
and umap-learn maps of scikit-learn's 8x8 digits (pixels / 16), scored by
leave-one-out 5-NN accuracy and trustworthiness (k = 5, scikit-learn's),
over five seeds each. Prints the Rust constants the test holds.

    /tmp/ref/bin/python crates/reduce/tests/reference/maps_digits.py
"""

import numpy as np
import openTSNE
import umap
import sklearn
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from sklearn.neighbors import KNeighborsClassifier


def knn5_loo(points, labels):
    # leave-one-out: the 6 nearest with the point itself first
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=6).fit(points)
    _, idx = nn.kneighbors(points)
    votes = labels[idx[:, 1:]]
    correct = 0
    for i, row in enumerate(votes):
        counts = np.bincount(row, minlength=10)
        # ties to the nearest neighbour's label among the tied ones
        best = np.flatnonzero(counts == counts.max())
        pick = next(l for l in row if l in best)
        correct += pick == labels[i]
    return correct / len(labels)


x, y = load_digits(return_X_y=True)
x = (x / 16.0).astype(np.float32)
rows = {"tsne": [], "umap": []}
for seed in range(5):
    t = np.asarray(openTSNE.TSNE(perplexity=30, random_state=seed, n_jobs=1).fit(x))
    rows["tsne"].append((knn5_loo(t, y), trustworthiness(x, t, n_neighbors=5)))
    u = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(x)
    rows["umap"].append((knn5_loo(u, y), trustworthiness(x, u, n_neighbors=5)))
print(f"// openTSNE {openTSNE.__version__}, umap-learn {umap.__version__}, scikit-learn {sklearn.__version__}")
for name, values in rows.items():
    v = np.array(values)
    print(f"// {name}: 5-NN per seed {v[:, 0].round(4).tolist()}, trust {v[:, 1].round(4).tolist()}")
    print(f"const {name.upper()}_KNN5: (f64, f64) = ({v[:, 0].mean():.4f}, {v[:, 0].std(ddof=1):.4f});")
    print(f"const {name.upper()}_TRUST5: (f64, f64) = ({v[:, 1].mean():.4f}, {v[:, 1].std(ddof=1):.4f});")
