#!/usr/bin/python3
"""Reference values from scikit-learn for the metrics tests (src/ml/metrics.test.ts).

Rerun (from the repository root) after changing a case:

    /usr/bin/python3 scripts/make-metric-fixtures.py

It needs scikit-learn (Debian's python3-sklearn, 1.2, at /usr/bin/python3). The output,
src/ml/fixtures/metrics.json, is committed: the TypeScript tests read only the JSON, so neither the product
nor CI needs Python. Every case draws from its own seeded generator, so a rerun writes a byte-identical file.

Model outputs (probabilities, predicted values) are float32, as the engine produces them, written with 9
significant digits so that Float32Array.from() recovers the exact values scikit-learn was given (in float64).
Expected values are written in full (shortest round-trip repr).

Where Andon defines something scikit-learn does not (or differs on purpose), the reference is computed here
from scikit-learn's own building blocks and the difference is named:
  * multiclass ROC-AUC / PR-AUC: the mean of the per-class binary scores over the classes present in y_true
    (scikit-learn raises when a class is absent; when none is, its multi_class='ovr' value is checked equal);
  * log loss: eps is float32's machine epsilon (scikit-learn's eps="auto" for float32 input) but computed in
    float64;
  * MAPE: rows with |y_true| < 1e-9 are left out (scikit-learn keeps them with |y| floored at 2^-52);
  * the NASA (PHM08) score has no scikit-learn counterpart: it is written out below with numpy.
"""
import json
import os
import zlib

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.preprocessing import label_binarize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'src', 'ml', 'fixtures', 'metrics.json')
F32_EPS = float(np.finfo(np.float32).eps)
MAPE_EPS = 1e-9


def rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def f32(values):
    """float32 values as the shortest decimals that round-trip through float32."""
    return [float('%.9g' % v) for v in np.asarray(values, dtype=np.float32).ravel()]


def num(v):
    return None if v is None else float(v)


# ---------------------------------------------------------------- classification

def positive_class(labels, y):
    for i, label in enumerate(labels):
        if label.strip().lower() in ('1', 'true', 'yes'):
            return i
    ones = int(np.sum(y == 1))
    return 1 if ones <= len(y) - ones else 0


def roc_points(y, score):
    fpr, tpr, thr = M.roc_curve(y, score, drop_intermediate=True)
    return {'fpr': [float(v) for v in fpr], 'tpr': [float(v) for v in tpr],
            'threshold': [None] + f32(thr[1:])}  # scikit-learn 1.2 writes max+1 for "nothing positive"


def pr_points(y, score):
    precision, recall, thr = M.precision_recall_curve(y, score)
    # scikit-learn lists thresholds ascending and ends with (recall 0, precision 1); Andon walks from that end.
    return {'recall': [float(v) for v in recall[::-1]], 'precision': [float(v) for v in precision[::-1]],
            'threshold': [None] + f32(thr[::-1])}


def best_threshold(y, score):
    """Brute force over every distinct score, highest first; the first maximum wins, as in Andon."""
    best = None
    for t in sorted(set(score.tolist()), reverse=True):
        pred = score >= t
        f1 = M.f1_score(y, pred, zero_division=0)
        if best is None or f1 > best['f1']:
            lower = score[score < t]
            best = {'f1': f1, 'score': t, 'next_lower': float(lower.max()) if lower.size else None,
                    'precision': M.precision_score(y, pred, zero_division=0), 'recall': M.recall_score(y, pred)}
    return {k: num(v) if k != 'next_lower' else v for k, v in best.items()}


def label_metrics(y, pred, k, pos=None):
    out = {
        'accuracy': M.accuracy_score(y, pred),
        # Default labels: the classes in y_true or the predictions, as Andon's macro mean.
        'macro_f1': M.f1_score(y, pred, average='macro', zero_division=0),
        'weighted_f1': M.f1_score(y, pred, average='weighted', zero_division=0),
    }
    if pos is not None:
        out['f1'] = M.f1_score(y, pred, pos_label=pos, zero_division=0)
        out['precision'] = M.precision_score(y, pred, pos_label=pos, zero_division=0)
        out['recall'] = M.recall_score(y, pred, pos_label=pos, zero_division=0)
    return {k2: float(v) for k2, v in out.items()}


def classification_case(name, labels, y, probs, thresholds=()):
    k = len(labels)
    y = np.asarray(y)
    probs = np.asarray(probs, dtype=np.float32)
    p64 = probs.astype(np.float64)
    pred = np.argmax(p64, axis=1)
    pos = positive_class(labels, y) if k == 2 else None
    prec, rec, f1, support = M.precision_recall_fscore_support(y, pred, labels=list(range(k)), zero_division=0)
    per_class = []
    for c in range(k):
        yc = (y == c).astype(int)
        both = 0 < yc.sum() < len(yc)
        per_class.append({
            'label': labels[c], 'precision': float(prec[c]), 'recall': float(rec[c]), 'f1': float(f1[c]),
            'support': int(support[c]),
            'roc_auc': float(M.roc_auc_score(yc, p64[:, c])) if both else None,
            'pr_auc': float(M.average_precision_score(yc, p64[:, c])) if yc.sum() else None,
        })
    expected = label_metrics(y, pred, k, pos)
    expected['log_loss'] = float(M.log_loss(y, p64, eps=F32_EPS, labels=list(range(k))))
    expected['per_class'] = per_class
    expected['confusion_matrix'] = M.confusion_matrix(y, pred, labels=list(range(k))).tolist()
    if k == 2:
        yp, sp = (y == pos).astype(int), p64[:, pos]
        expected['positive_label'] = labels[pos]
        expected['roc_auc'] = per_class[pos]['roc_auc']
        expected['pr_auc'] = per_class[pos]['pr_auc']
        assert abs(expected['roc_auc'] - M.roc_auc_score(yp, sp)) < 1e-15
        expected['roc_curve'] = roc_points(yp, sp)
        expected['pr_curve'] = pr_points(yp, sp)
        expected['best_threshold'] = best_threshold(yp, sp)
        expected['at_threshold'] = [
            dict(threshold=t, **label_metrics(y, np.where(sp >= t, pos, 1 - pos), k, pos)) for t in thresholds]
    else:
        roc = [c['roc_auc'] for c in per_class if c['roc_auc'] is not None]
        ap = [c['pr_auc'] for c in per_class if c['pr_auc'] is not None]
        expected['roc_auc'] = float(np.mean(roc)) if roc else None
        expected['pr_auc'] = float(np.mean(ap)) if ap else None
        expected['absent'] = [labels[c] for c in range(k) if per_class[c]['roc_auc'] is None]
        if not expected['absent']:  # the plain scikit-learn calls agree where they are defined
            ovr = M.roc_auc_score(y, p64, multi_class='ovr', average='macro', labels=list(range(k)))
            assert abs(ovr - expected['roc_auc']) < 1e-15, (ovr, expected['roc_auc'])
            ap_all = M.average_precision_score(label_binarize(y, classes=list(range(k))), p64, average='macro')
            assert abs(ap_all - expected['pr_auc']) < 1e-15
    return {'name': name, 'labels': labels, 'y_true': y.tolist(), 'probabilities': f32(probs), 'expected': expected}


def binary_probs(p1):
    p1 = np.asarray(p1, dtype=np.float32)
    return np.stack([np.float32(1) - p1, p1], axis=1)


def softmax32(logits):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def classification_cases():
    cases = []
    # Binary, labels '0'/'1'; scores rounded to 0.05 so many rows tie.
    r = rng('binary_01')
    y = (r.random(40) < 0.4).astype(int)
    p1 = np.round(1 / (1 + np.exp(-(1.2 * (2 * y - 1) + r.normal(0, 1.3, 40)))) * 20) / 20
    cases.append(classification_case('binary_01', ['0', '1'], y, binary_probs(p1), thresholds=(0.3, 0.65)))

    # Binary without a "yes" name: the minority class ('scrap', listed first) is positive. Scores on a 0.1 grid
    # with exact 0 and 1, among them confident mistakes, so log loss's clipping matters.
    r = rng('binary_minority')
    y = (r.random(36) < 0.72).astype(int)  # 1 = 'ok', the majority
    p_scrap = np.clip(np.round((0.5 + 0.35 * (1 - 2 * y) + r.normal(0, 0.3, 36)) * 10) / 10, 0, 1)
    p_scrap[:4] = [0.0, 1.0, 1.0, 0.0]
    y[:4] = [0, 1, 0, 1]
    probs = np.stack([p_scrap, np.float32(1) - p_scrap.astype(np.float32)], axis=1)
    cases.append(classification_case('binary_minority', ['scrap', 'ok'], y, probs, thresholds=(0.5,)))

    # Binary with more distinct scores than a plotted curve keeps.
    r = rng('binary_many')
    y = (r.random(400) < 0.3).astype(int)
    p1 = 1 / (1 + np.exp(-(1.0 * (2 * y - 1) + r.normal(0, 1.5, 400))))
    cases.append(classification_case('binary_many', ['no', 'yes'], y, binary_probs(p1)))

    # Four classes, logits on a coarse grid: many identical rows, so every class's scores tie heavily.
    r = rng('multiclass_ties')
    y = r.integers(0, 4, 90)
    logits = r.integers(0, 2, (90, 4)).astype(np.float64)
    logits[np.arange(90), y] += r.integers(0, 2, 90)
    cases.append(classification_case('multiclass_ties', ['A', 'B', 'C', 'D'], y, softmax32(logits)))

    # Five classes, continuous scores.
    r = rng('multiclass_random')
    y = r.integers(0, 5, 120)
    logits = r.normal(0, 1, (120, 5))
    logits[np.arange(120), y] += 1.0
    cases.append(classification_case('multiclass_random', ['c0', 'c1', 'c2', 'c3', 'c4'], y, softmax32(logits)))

    # 'high' never occurs in y_true but is predicted; 'off' neither occurs nor is predicted.
    r = rng('multiclass_absent')
    y = r.integers(0, 2, 50)
    logits = r.normal(0, 1, (50, 4))
    logits[np.arange(50), y] += 1.0
    logits[:, 2] += 0.6
    logits[:, 3] -= 6
    cases.append(classification_case('multiclass_absent', ['low', 'mid', 'high', 'off'], y, softmax32(logits)))
    return cases


# ---------------------------------------------------------------- regression and RUL

def regression_expected(y, p):
    keep = np.abs(y) >= MAPE_EPS
    return {
        'mse': float(M.mean_squared_error(y, p)),
        'rmse': float(M.mean_squared_error(y, p, squared=False)),
        'mae': float(M.mean_absolute_error(y, p)),
        'r2': float(M.r2_score(y, p)),
        'mape': float(M.mean_absolute_percentage_error(y[keep], p[keep])) if keep.any() else None,
        'mape_skipped': int((~keep).sum()),
        'max_error': float(M.max_error(y, p)),
    }


def regression_case(name, y, p):
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float32).astype(np.float64)
    return {'name': name, 'y_true': y.tolist(), 'y_pred': f32(p), 'expected': regression_expected(y, p)}


def regression_cases():
    r = rng('regression_random')
    y = np.round(r.normal(50, 10, 30), 3)
    cases = [regression_case('regression_random', y, y + r.normal(0, 4, 30))]
    r = rng('regression_zeros')
    y = np.round(r.normal(0, 2, 25), 2)
    y[[3, 7, 11]] = [0.0, 1e-12, -0.0]
    cases.append(regression_case('regression_zeros', y, y + r.normal(0, 0.5, 25)))
    r = rng('regression_constant')
    cases.append(regression_case('regression_constant', np.full(12, 5.0), 5 + r.normal(0, 1, 12)))
    return cases


def nasa(d):
    return float(np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))


def rul_case(name, units, time, y, p):
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float32).astype(np.float64)
    last = {}
    for i, u in enumerate(units):  # the largest time wins; with no time, the unit's last row
        if u not in last or time is None or time[i] >= time[last[u]]:
            last[u] = i
    rows = sorted(last.values())
    expected = regression_expected(y, p)
    expected.update({
        'last_rows': rows,
        'rmse_last': float(M.mean_squared_error(y[rows], p[rows], squared=False)),
        'nasa_score': nasa(p[rows] - y[rows]),
        'nasa_score_all_rows': nasa(p - y),
    })
    return {'name': name, 'units': list(units), 'time': None if time is None else list(time),
            'y_true': y.tolist(), 'y_pred': f32(p), 'expected': expected}


def rul_cases():
    # Five engines of different lives, rows shuffled, so the last row must come from the time column.
    r = rng('rul_units_time')
    units, time, y = [], [], []
    for e in range(5):
        life = int(r.integers(4, 9))
        first_seen = int(r.integers(20, 60))  # RUL at the first observed cycle; truncated before failure
        for c in range(life):
            units.append('E%d' % (e + 1)); time.append(c + 1); y.append(first_seen - c)
    order = r.permutation(len(y))
    units = [units[i] for i in order]; time = [time[i] for i in order]; y = np.array(y, float)[order]
    p = y + r.normal(0, 12, len(y))
    cases = [rul_case('rul_units_time', units, time, y, p)]
    # Numeric unit ids in blocks, no time column: each unit's last row in order.
    r = rng('rul_blocks')
    units = [1] * 5 + [2] * 3 + [3] * 6
    y = np.concatenate([np.arange(14, 9, -1), np.arange(7, 4, -1), np.arange(30, 24, -1)]).astype(float)
    cases.append(rul_case('rul_blocks', units, None, y, y + r.normal(0, 8, len(y))))
    return cases


def main():
    fixture = {
        'generator': 'scripts/make-metric-fixtures.py',
        'sklearn': sklearn.__version__,
        'classification': classification_cases(),
        'regression': regression_cases(),
        'rul': rul_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, allow_nan=False, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.relpath(OUT, ROOT), os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
