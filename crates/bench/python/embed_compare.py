"""openTSNE's and umap-learn's side of `cargo xtask bench --compare-embed`.

Reads aelab's codes (float32, DIM per row) from the file named first, then
for each size N named (e.g. 5000,70000) maps the first N codes with
openTSNE (its defaults: FFT-accelerated, perplexity 30, 750 iterations;
two threads) and umap-learn (its defaults: 15 neighbours, min_dist 0.1;
no random_state, so its descent runs on every core); writes each map as
float32 pairs to OUT/<tool>-<N>.f32 and prints the seconds as one JSON
object. aelab scores every map itself, with the same code.

It also maps each size with umap-learn under random_state = 1..S, S the
seed count given for that size (e.g. 10,5 for 5000,70000; seeded, so on
one thread), into OUT/umap-<N>-seed<S>.f32, for the comparison of
accuracy over seeds.

Both tools compile with numba on their first call in a process (20-40 s),
so each is first run on small inputs and the timed calls are warm:
umap-learn on 600 points and on 4,500 (from 4,096 points it finds
neighbours with pynndescent, whose kernels compile on their first call).
"""
import json
import os
import sys
import time

import numpy as np
import openTSNE
import umap

codes_path, dim, out_dir, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
seed_counts = [int(s) for s in sys.argv[5].split(",")]
codes = np.fromfile(codes_path, dtype=np.float32).reshape(-1, dim)
threads = 2

# warm-up: numba compiles both tools' kernels on first use
openTSNE.TSNE(n_jobs=threads, random_state=42).fit(codes[:600])
umap.UMAP(n_jobs=threads).fit_transform(codes[:600])
umap.UMAP(n_jobs=threads).fit_transform(codes[:4500])
umap.UMAP(random_state=1).fit_transform(codes[:4500])

result = {"opentsne": openTSNE.__version__, "umap": umap.__version__, "sizes": {}}
for n, seed_count in zip([int(s) for s in sizes.split(",")], seed_counts):
    x = np.ascontiguousarray(codes[:n])
    t = time.perf_counter()
    tsne = np.asarray(openTSNE.TSNE(n_jobs=threads, random_state=42).fit(x))
    tsne_s = time.perf_counter() - t
    t = time.perf_counter()
    um = umap.UMAP(n_neighbors=15, min_dist=0.1, n_jobs=threads).fit_transform(x)
    umap_s = time.perf_counter() - t
    tsne.astype(np.float32).tofile(os.path.join(out_dir, f"opentsne-{n}.f32"))
    np.asarray(um, dtype=np.float32).tofile(os.path.join(out_dir, f"umap-{n}.f32"))
    result["sizes"][str(n)] = {"opentsne_s": tsne_s, "umap_s": umap_s}
    for seed in range(1, seed_count + 1):
        um = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(x)
        np.asarray(um, dtype=np.float32).tofile(os.path.join(out_dir, f"umap-{n}-seed{seed}.f32"))
print(json.dumps(result))
