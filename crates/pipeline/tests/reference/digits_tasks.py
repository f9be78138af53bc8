# Reference for crates/pipeline/tests/tasks.rs: PCA(10) codes of sklearn's 8x8
# digits (pixels / 16), fitted on rows 300.. (aelab's training split with
# data.validation = 300), k-means of all 1797 codes and a logistic probe.
import numpy as np, sklearn
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import normalized_mutual_info_score, adjusted_rand_score
from scipy.optimize import linear_sum_assignment
X, y = load_digits(return_X_y=True); X = X / 16.0
pca = PCA(10).fit(X[300:])
codes = pca.transform(X)
def acc(y, c):
    m = np.zeros((10, 10), int)
    for a, b in zip(c, y): m[a, b] += 1
    r, cc = linear_sum_assignment(-m)
    return m[r, cc].sum() / len(y)
for seed in range(3):
    km = KMeans(10, n_init=20, random_state=seed).fit(codes)
    print("kmeans seed", seed, "acc", acc(y, km.labels_), "nmi", normalized_mutual_info_score(y, km.labels_), "ari", adjusted_rand_score(y, km.labels_), "inertia", km.inertia_)
sc = StandardScaler().fit(codes[300:])
lr = LogisticRegression(max_iter=1000).fit(sc.transform(codes[300:]), y[300:])
print("probe", lr.score(sc.transform(codes[:300]), y[:300]))
sc = StandardScaler().fit(X[300:])
lr = LogisticRegression(max_iter=1000).fit(sc.transform(X[300:]), y[300:])
print("pixel probe", lr.score(sc.transform(X[:300]), y[:300]))
print("sklearn", sklearn.__version__)
