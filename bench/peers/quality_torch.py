"""PyTorch side of the quality benchmark: the textbook network for each dataset, trained on CPU with one thread.

  ai4i    MLP 128-64 (ReLU, dropout 0.1) on the standardised readings and Type; Adam 1e-3, batch 128, cross-entropy;
          20% of the training rows (stratified) pick the epoch (lowest validation loss, patience 15) and the F1-best
          decision threshold.
  cmapss  LSTM 64 → 32 over windows of 30 cycles of the varying settings and sensors (standardised on training
          rows), dense 16 → 1; RUL capped at 125 and divided by it, MSE, Adam 1e-3, batch 256, at most 40 epochs
          and no new epoch after --budget seconds (default 300: an LSTM is slow on one CPU thread); 20% of the
          engines pick the epoch (patience 8).
  tweets  EmbeddingBag (dim 64, mean, sparse gradients) over words and hashed bigrams (fastText's input), linear to
          3 classes; Adam (SparseAdam for the embedding) 5e-3, batch 64; 10% of the training tweets pick the epoch (lowest validation loss, patience 3).

Run with Debian's interpreter (/usr/bin/python3, python3-torch): quality_torch.py DATASET --dir D --seed S.
Prints one line 'BENCH_RESULT {json}' ({"error": …} when torch cannot be imported).
"""
import argparse
import copy
import os
import re
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality_common import (CAP, WINDOW, ai4i, best_f1_threshold, cmapss, emit, f1, informative_columns, log,  # noqa: E402
                            rmse, stratified_split, tweets, windows)

p = argparse.ArgumentParser()
p.add_argument('dataset', choices=['ai4i', 'cmapss', 'tweets'])
p.add_argument('--dir', required=True)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--budget', type=float, default=300, help='C-MAPSS: seconds of training after which no new epoch starts')
a = p.parse_args()

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # the benchmark shows this peer as missing
    emit({'error': 'torch is not importable: %s' % e})
    sys.exit(0)

torch.set_num_threads(1)
torch.manual_seed(a.seed)
np.random.seed(a.seed)


def path(name):
    return os.path.join(a.dir, name)


class Adams:
    """Adam for dense parameters and SparseAdam for sparse embeddings, stepped together."""

    def __init__(self, model, lr):
        sparse = [p for m in model.modules() if getattr(m, 'sparse', False) for p in m.parameters()]
        dense = [p for p in model.parameters() if all(p is not q for q in sparse)]
        self.all = [torch.optim.Adam(dense, lr=lr)] + ([torch.optim.SparseAdam(sparse, lr=lr)] if sparse else [])

    def zero_grad(self):
        for o in self.all:
            o.zero_grad()

    def step(self):
        for o in self.all:
            o.step()


def fit(model, loss_fn, batches, valid_loss, epochs, patience, lr, budget=None):
    """
    Adam; keeps the weights of the epoch with the lowest validation loss; stops after `patience` epochs without
    one, or after the first epoch that ends past `budget` seconds.
    """
    opt = Adams(model, lr)
    started = time.perf_counter()
    best, best_state, since, ran = float('inf'), None, 0, 0
    for epoch in range(epochs):
        model.train()
        for xb, yb in batches():
            opt.zero_grad()
            loss_fn(model(*xb) if isinstance(xb, tuple) else model(xb), yb).backward()
            opt.step()
        ran = epoch + 1
        model.eval()
        with torch.no_grad():
            v = float(valid_loss())
        log('epoch %d: validation loss %.4f (%.0f s)' % (ran, v, time.perf_counter() - started))
        if v < best:
            best, best_state, since = v, copy.deepcopy(model.state_dict()), 0
        else:
            since += 1
            if since >= patience:
                break
        if budget is not None and time.perf_counter() - started > budget:
            break
    model.load_state_dict(best_state)
    model.eval()
    return ran


def minibatches(n, size, *tensors):
    def gen():
        order = torch.randperm(n)
        for s in range(0, n, size):
            idx = order[s:s + size]
            yield tuple(t[idx] for t in tensors[:-1]) if len(tensors) > 2 else tensors[0][idx], tensors[-1][idx]
    return gen


def run_ai4i():
    x, y = ai4i(path('train.csv'))
    xt, yt = ai4i(path('test.csv'))
    t0 = time.perf_counter()
    tr, va = stratified_split(y, 0.2, a.seed)
    mean, std = x[tr].mean(axis=0), x[tr].std(axis=0) + 1e-9
    X = lambda v: torch.tensor((v - mean) / std, dtype=torch.float32)  # noqa: E731
    xtr, ytr, xva, yva = X(x[tr]), torch.tensor(y[tr]), X(x[va]), torch.tensor(y[va])
    model = nn.Sequential(nn.Linear(x.shape[1], 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 2))
    loss = nn.CrossEntropyLoss()
    epochs = fit(model, loss, minibatches(len(tr), 128, xtr, ytr), lambda: loss(model(xva), yva), 200, 15, 1e-3)
    with torch.no_grad():
        cut = best_f1_threshold(y[va], torch.softmax(model(xva), 1)[:, 1].numpy())
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        p = torch.softmax(model(X(xt)), 1)[:, 1].numpy()
    return {'value': f1(yt, (p >= cut).astype(int)), 'train_seconds': round(seconds, 2), 'epochs': epochs, 'threshold': cut,
            'recipe': 'MLP 128-64, Adam 1e-3, early stopping on validation loss (%d epochs), F1-tuned threshold %.3f' % (epochs, cut)}


class Lstm(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.lstm1 = nn.LSTM(features, 64, batch_first=True)
        self.lstm2 = nn.LSTM(64, 32, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        h, _ = self.lstm1(x)
        h, _ = self.lstm2(h)
        return self.head(h[:, -1]).squeeze(1)


def run_cmapss():
    train, test = cmapss(path('train.csv')), cmapss(path('test.csv'))
    cols = informative_columns(train)
    t0 = time.perf_counter()
    order = np.random.RandomState(a.seed).permutation(len(train))
    n_valid = int(round(len(train) * 0.2))
    parts = {'valid': [train[i] for i in order[:n_valid]], 'train': [train[i] for i in order[n_valid:]]}
    allx = np.concatenate([x[:, cols] for x, _ in parts['train']])
    mean, std = allx.mean(axis=0), allx.std(axis=0) + 1e-9

    def tensors(units):
        xs, ys = [], []
        for x, rul in units:
            w, ends = windows((x[:, cols] - mean) / std, WINDOW, False)
            xs.append(w)
            ys.append(np.minimum(rul[ends], CAP) / CAP)  # targets in [0, 1]: the usual scaling, and it converges far faster
        return torch.tensor(np.concatenate(xs), dtype=torch.float32), torch.tensor(np.concatenate(ys), dtype=torch.float32)

    xtr, ytr = tensors(parts['train'])
    xva, yva = tensors(parts['valid'])
    model = Lstm(len(cols))
    loss = nn.MSELoss()
    epochs = fit(model, loss, minibatches(len(ytr), 256, xtr, ytr), lambda: loss(model(xva), yva), 40, 8, 1e-3, a.budget)
    seconds = time.perf_counter() - t0
    xt = torch.tensor(np.concatenate([windows((u[:, cols] - mean) / std, WINDOW, True)[0] for u, _ in test]), dtype=torch.float32)
    with torch.no_grad():
        pred = np.clip(model(xt).numpy() * CAP, 0, None)
    truth = np.array([rul[-1] for _, rul in test])
    return {'value': rmse(truth, pred), 'train_seconds': round(seconds, 2), 'epochs': epochs, 'windows': int(len(ytr)),
            'recipe': 'LSTM 64-32, window 30, cap 125 (targets / 125), %d varying columns standardised, Adam 1e-3, early stopping on 20%% of engines (%d epochs, budget %.0f s)' % (len(cols), epochs, a.budget)}


BUCKETS = 200_000


def tokens(s):
    return re.findall(r"[a-z0-9']+|[^\sa-z0-9']", s.lower())


class Bag(nn.Module):
    def __init__(self, vocab, classes):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, 64, mode='mean', sparse=True)
        self.out = nn.Linear(64, classes)

    def forward(self, ids, offsets):
        return self.out(self.emb(ids, offsets))


def run_tweets():
    text, y = tweets(path('train.csv'))
    text_t, y_t = tweets(path('test.csv'))
    labels = sorted(set(y))
    t0 = time.perf_counter()
    docs = [tokens(s) for s in text]
    vocab = {}
    for d in docs:
        for w in d:
            vocab.setdefault(w, len(vocab))

    def ids(d):
        words = [vocab[w] for w in d if w in vocab]
        grams = [len(vocab) + zlib.crc32((d[i] + ' ' + d[i + 1]).encode()) % BUCKETS for i in range(len(d) - 1)]
        return words + grams or [0]

    def encode(ds):
        rows = [torch.tensor(ids(d), dtype=torch.long) for d in ds]
        return rows

    rows = encode(docs)
    target = torch.tensor([labels.index(v) for v in y])
    tr, va = stratified_split(target.numpy(), 0.1, a.seed)

    def pack(idx):
        chosen = [rows[i] for i in idx]
        offsets = torch.tensor([0] + [len(r) for r in chosen[:-1]]).cumsum(0)
        return torch.cat(chosen), offsets

    def batches():
        order = tr[np.random.permutation(len(tr))]
        for s in range(0, len(order), 64):
            idx = order[s:s + 64]
            yield pack(idx), target[idx]

    model = Bag(len(vocab) + BUCKETS, len(labels))
    loss = nn.CrossEntropyLoss()
    va_ids, va_off = pack(va)
    epochs = fit(model, loss, batches, lambda: loss(model(va_ids, va_off), target[va]), 30, 3, 5e-3)
    seconds = time.perf_counter() - t0
    t_ids, t_off = pack_rows([torch.tensor(ids(tokens(s)), dtype=torch.long) for s in text_t])
    with torch.no_grad():
        pred = model(t_ids, t_off).argmax(1).numpy()
    truth = np.array([labels.index(v) for v in y_t])
    return {'value': float(np.mean(pred == truth)), 'train_seconds': round(seconds, 2), 'epochs': epochs,
            'recipe': 'EmbeddingBag 64 (words + hashed bigrams) → linear, Adam 5e-3, early stopping on 10%% of tweets (%d epochs)' % epochs}


def pack_rows(chosen):
    offsets = torch.tensor([0] + [len(r) for r in chosen[:-1]]).cumsum(0)
    return torch.cat(chosen), offsets


result = {'ai4i': run_ai4i, 'cmapss': run_cmapss, 'tweets': run_tweets}[a.dataset]()
result['torch_version'] = torch.__version__
log('torch %s: %s' % (a.dataset, result['value']))
emit(result)
