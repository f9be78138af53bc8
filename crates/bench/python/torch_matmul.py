"""PyTorch's own matrix product throughput, for `cargo xtask bench
--compare-torch`: for each shape M,K,N given, the best GFLOP/s of `a @ b`
(float32, [M, K] x [K, N], both row-major) over repeats of about 50 ms, on
the number of threads given (torch.set_num_threads). Prints one JSON object:
{"torch": version, "capability": CPU kernels, "threads": n,
 "gflops": {"MxKxN": value, ...}}.

Usage: torch_matmul.py THREADS M,K,N [M,K,N ...]
"""
import json
import sys
import time

import torch


def best_gflops(m, k, n):
    a = torch.rand(m, k)
    b = torch.rand(k, n)
    flop = 2.0 * m * k * n
    for _ in range(3):
        a @ b
    calls = max(1, int(0.05 * 50e9 / flop))
    best = 0.0
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(calls):
            a @ b
        best = max(best, calls * flop / (time.perf_counter() - started) / 1e9)
    return best


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    shapes = [tuple(int(v) for v in arg.split(",")) for arg in sys.argv[2:]]
    print(json.dumps({
        "torch": torch.__version__,
        "capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "gflops": {f"{m}x{k}x{n}": best_gflops(m, k, n) for m, k, n in shapes},
    }))


if __name__ == "__main__":
    main()
