"""Shared by the quality benchmark's Python peers: reading the splits bench/quality.ts writes, features, metrics.

Only the standard library and numpy, so a peer can still report an import failure of its own framework.
"""
import csv
import json
import math
import sys

MARK = 'BENCH_RESULT '


def emit(value):
    """The one result line the benchmark reads; everything else a library prints is only logged."""
    sys.stdout.write(MARK + json.dumps(value) + '\n')
    sys.stdout.flush()


def log(msg):
    sys.stderr.write(msg + '\n')
    sys.stderr.flush()


def read_csv(path):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


# ---------------------------------------------------------------- AI4I

AI4I_NUMERIC = ['Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', 'Torque [Nm]', 'Tool wear [min]']
AI4I_TYPES = ['H', 'L', 'M']


def ai4i(path):
    """Features as Andon's schema picks them (the five readings and Type one-hot; UDI and Product ID are keys), and labels."""
    import numpy as np
    header, rows = read_csv(path)
    idx = [header.index(c) for c in AI4I_NUMERIC]
    t, y = header.index('Type'), header.index('Machine failure')
    x = np.array([[float(r[i]) for i in idx] + [1.0 if r[t] == k else 0.0 for k in AI4I_TYPES] for r in rows], dtype=np.float64)
    return x, np.array([int(float(r[y])) for r in rows], dtype=np.int64)


def stratified_split(y, fraction, seed):
    """Indices (train, validation) with `fraction` of every class in validation: the inner split for early stopping."""
    import numpy as np
    rng = np.random.RandomState(seed)
    train, valid = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.where(y == c)[0])
        n = int(round(len(idx) * fraction))
        valid.extend(idx[:n])
        train.extend(idx[n:])
    return np.sort(np.array(train)), np.sort(np.array(valid))


def f1(y, pred):
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def best_f1_threshold(y, p):
    """The cut on P(failure) with the best F1 on these (validation) rows, midway between neighbouring scores."""
    import numpy as np
    order = np.argsort(-p)
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys == 1)
    fp = np.cumsum(ys == 0)
    pos = int((y == 1).sum())
    best, cut = -1.0, 0.5
    for i in range(len(ps)):
        if i + 1 < len(ps) and ps[i + 1] == ps[i]:
            continue
        score = 2 * tp[i] / (tp[i] + fp[i] + pos)
        if score > best:
            best = score
            cut = (ps[i] + ps[i + 1]) / 2 if i + 1 < len(ps) else ps[i] / 2
    return float(cut)


# ---------------------------------------------------------------- C-MAPSS

CAP = 125
WINDOW = 30


def cmapss(path):
    """Per unit (in order of appearance): its rows sorted by cycle as a [cycles × 24] array of settings and sensors, and its true RUL per row if the file has it."""
    import numpy as np
    header, rows = read_csv(path)
    data = np.array([[float(v) for v in r] for r in rows], dtype=np.float64)
    units = []
    for u in dict.fromkeys(data[:, 0]):
        d = data[data[:, 0] == u]
        d = d[np.argsort(d[:, 1], kind='stable')]
        rul = d[:, 26] if d.shape[1] > 26 else (d[-1, 1] - d[:, 1])
        units.append((d[:, 2:26], rul))
    return units


def informative_columns(units):
    """Settings and sensors that vary in the training data (FD001 has several constant ones)."""
    import numpy as np
    allx = np.concatenate([x for x, _ in units])
    return np.where(allx.std(axis=0) > 1e-4 * np.maximum(1.0, np.abs(allx.mean(axis=0))))[0]


def windows(x, window, last_only):
    """
    Windows of `window` rows: every full one (training, as Andon makes them), or the one ending at the last row
    (scoring), whose missing leading rows repeat the first row when the unit is shorter than the window.
    Returns the windows and the row each ends at.
    """
    import numpy as np
    padded = np.concatenate([np.repeat(x[:1], window - 1, axis=0), x])
    ends = [len(x) - 1] if last_only else list(range(min(window - 1, len(x) - 1), len(x)))
    return np.stack([padded[e:e + window] for e in ends]), np.array(ends)


def rmse(y, p):
    import numpy as np
    return float(math.sqrt(np.mean((np.asarray(y) - np.asarray(p)) ** 2)))


# ---------------------------------------------------------------- tweets

def tweets(path):
    header, rows = read_csv(path)
    t, y = header.index('text'), header.index('airline_sentiment')
    return [r[t] for r in rows], [r[y] for r in rows]
