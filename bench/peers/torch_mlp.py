"""PyTorch CPU side of the engine benchmark: trains the shared MLP for one epoch and reports samples/s.

Run with Debian's interpreter (/usr/bin/python3, which has python3-torch). Threads: --threads N sets
torch.set_num_threads; the caller sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to match.
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

p = argparse.ArgumentParser()
p.add_argument('task', nargs='?', default='mlp')
p.add_argument('--data', required=True)
for name, kind in [('rows', int), ('features', int), ('hidden', int), ('classes', int), ('batch', int),
                   ('lr', float), ('momentum', float), ('warmupSteps', int), ('epochs', int), ('threads', int)]:
    p.add_argument('--' + name, type=kind, required=name not in ('threads', 'epochs'), default=1)
a = p.parse_args()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(a.threads)
torch.manual_seed(0)
X = torch.from_numpy(np.fromfile(a.data + '.x', dtype='<f4').reshape(a.rows, a.features).copy())
Y = torch.from_numpy(np.fromfile(a.data + '.y', dtype='<i4').astype(np.int64))
model = nn.Sequential(nn.Linear(a.features, a.hidden), nn.ReLU(), nn.Linear(a.hidden, a.hidden), nn.ReLU(),
                      nn.Linear(a.hidden, a.classes))
opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
loss_fn = nn.CrossEntropyLoss()
steps = a.rows // a.batch


def step(b):
    at = (b % steps) * a.batch
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(X[at:at + a.batch]), Y[at:at + a.batch])
    loss.backward()
    opt.step()
    return loss


for b in range(a.warmupSteps):
    step(b % steps)
first, last, rates = None, None, []
for e in range(max(1, a.epochs)):
    t0 = time.perf_counter()
    for b in range(steps):
        loss = step(b)
        if first is None:
            first = loss.item()
    last = loss.item()
    rates.append(steps * a.batch / (time.perf_counter() - t0))
best = max(rates)
print('BENCH_RESULT ' + json.dumps({
    'samples_per_s': best, 'seconds': steps * a.batch / best, 'steps': steps, 'samples': steps * a.batch,
    'epoch_samples_per_s': rates, 'threads': torch.get_num_threads(), 'loss_first': first, 'loss_last': last,
    'version': torch.__version__, 'blas': blas_info(),
    'env': {k: os.environ.get(k) for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY')},
    'cpu_seconds': resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
}), flush=True)
