"""numpy side of the engine benchmark: float32 square matmul GFLOP/s (best of several after a warm-up).

Run with /usr/bin/python3; the caller sets OPENBLAS_NUM_THREADS=1 and OPENBLAS_CORETYPE to the core type its probe
(blasprobe.py) found fastest on this CPU.
Prints one line 'BENCH_RESULT {json}' on stdout.
"""
import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blasinfo import blas_info  # noqa: E402

import numpy as np  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--sizes', default='256,512,1024')
p.add_argument('--budget_ms', type=float, default=1500)
a = p.parse_args()

rng = np.random.default_rng(0)
out = {'gflops': {}, 'best_ms': {}, 'reps': {}, 'max_rel_err': 0.0}
for n in [int(s) for s in a.sizes.split(',')]:
    x = rng.standard_normal((n, n), dtype=np.float32)
    y = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(x, y, out=c)
    best, reps, start = float('inf'), 0, time.perf_counter()
    min_reps = 2 if n >= 1024 else 3
    while reps < 30 and (reps < min_reps or (time.perf_counter() - start) * 1000 < a.budget_ms):
        t = time.perf_counter()
        np.matmul(x, y, out=c)
        best = min(best, time.perf_counter() - t)
        reps += 1
    ref = x.astype(np.float64) @ y.astype(np.float64)
    mag = np.abs(x.astype(np.float64)) @ np.abs(y.astype(np.float64))
    out['max_rel_err'] = max(out['max_rel_err'], float(np.max(np.abs(c - ref) / np.maximum(mag, 1e-30))))
    out['gflops'][str(n)] = 2 * n ** 3 / best / 1e9
    out['best_ms'][str(n)] = best * 1000
    out['reps'][str(n)] = reps
    print(f'  numpy matmul {n}: {out["gflops"][str(n)]:.2f} GFLOP/s ({reps} reps)', file=sys.stderr, flush=True)
out['version'] = np.__version__
out['blas'] = blas_info()
usage = resource.getrusage(resource.RUSAGE_SELF)
out['cpu_seconds'] = usage.ru_utime + usage.ru_stime
print('BENCH_RESULT ' + json.dumps(out), flush=True)
