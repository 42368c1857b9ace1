"""Short OpenBLAS probe for the engine benchmark: which kernel this process got and how fast its float32 matmul is.

The caller runs it once per candidate OPENBLAS_CORETYPE (and once with the variable unset) in the environment the
Python peers will get, and keeps the fastest valid one: Debian's OpenBLAS 0.3.21 does not know every new CPU and
then falls back to its slowest kernel ("Prescott"), which would make every peer on it look several times slower.
Uses numpy when it is installed, else torch (both load the same system OpenBLAS).
Prints one line 'BENCH_RESULT {json}' on stdout.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blasinfo import blas_info  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=512)
p.add_argument('--budget_ms', type=float, default=250)
a = p.parse_args()
n = a.n

try:
    import numpy as np
    via = 'numpy'
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, n), dtype=np.float32)
    y = rng.standard_normal((n, n), dtype=np.float32)
    matmul = lambda: x @ y  # noqa: E731
    to64 = lambda m: m.astype(np.float64)  # noqa: E731
    absmax = lambda m: float(np.max(m))  # noqa: E731
except ImportError:
    import torch
    torch.set_num_threads(1)
    via = 'torch'
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, n, generator=g)
    y = torch.randn(n, n, generator=g)
    matmul = lambda: x @ y  # noqa: E731
    to64 = lambda m: m.double()  # noqa: E731
    absmax = lambda m: float(m.max())  # noqa: E731

c = matmul()
best, reps, start = float('inf'), 0, time.perf_counter()
while reps < 200 and (reps < 3 or (time.perf_counter() - start) * 1000 < a.budget_ms):
    t = time.perf_counter()
    c = matmul()
    best = min(best, time.perf_counter() - t)
    reps += 1
# A kernel the CPU cannot run dies with SIGILL before this point; one that runs but computes wrong answers is caught
# here, on a few rows against a float64 product.
x64, y64 = to64(x[:8]), to64(y)
ref = x64 @ y64
mag = abs(x64) @ abs(y64)
err = absmax(abs(to64(c[:8]) - ref) / (mag + 1e-30))
info = blas_info()
print('BENCH_RESULT ' + json.dumps({
    'via': via, 'n': n, 'gflops': 2 * n ** 3 / best / 1e9, 'reps': reps, 'max_rel_err': err,
    'kernel': info.get('corename'), 'blas': info,
    'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS')},
}), flush=True)
