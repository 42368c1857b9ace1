"""scikit-learn side of the quality benchmark: the usual strong baselines for each dataset.

  ai4i    HistGradientBoostingClassifier on the five readings and Type (one-hot), default settings, decision at 0.5;
          a RandomForest (300 trees) alongside, in the details.
  cmapss  HistGradientBoostingRegressor on hand-made summaries of each 30-cycle window of the varying settings and
          sensors (last value, mean, std, min, max, least-squares slope), RUL capped at 125; one row per full window.
  tweets  TfidfVectorizer (words and bigrams, sublinear tf) + LogisticRegression, default C.

Run with Debian's interpreter (/usr/bin/python3, python3-sklearn): quality_sklearn.py DATASET --dir D --seed S.
Prints one line 'BENCH_RESULT {json}' ({"error": …} when scikit-learn cannot be imported).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality_common import (CAP, WINDOW, ai4i, cmapss, emit, f1, informative_columns, log, rmse, tweets,  # noqa: E402
                            windows)

p = argparse.ArgumentParser()
p.add_argument('dataset', choices=['ai4i', 'cmapss', 'tweets'])
p.add_argument('--dir', required=True)
p.add_argument('--seed', type=int, default=1)
a = p.parse_args()

try:
    import numpy as np
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError as e:  # the benchmark shows this peer as missing
    emit({'error': 'scikit-learn is not importable: %s' % e})
    sys.exit(0)


def path(name):
    return os.path.join(a.dir, name)


def run_ai4i():
    x, y = ai4i(path('train.csv'))
    xt, yt = ai4i(path('test.csv'))
    t0 = time.perf_counter()
    hgb = HistGradientBoostingClassifier(random_state=a.seed).fit(x, y)
    seconds = time.perf_counter() - t0
    value = f1(yt, (hgb.predict_proba(xt)[:, 1] >= 0.5).astype(int))
    t1 = time.perf_counter()
    rf = RandomForestClassifier(n_estimators=300, random_state=a.seed, n_jobs=1).fit(x, y)
    rf_seconds = time.perf_counter() - t1
    rf_f1 = f1(yt, (rf.predict_proba(xt)[:, 1] >= 0.5).astype(int))
    return {'value': value, 'train_seconds': round(seconds, 2), 'random_forest_f1': rf_f1, 'random_forest_seconds': round(rf_seconds, 2),
            'recipe': 'HistGradientBoostingClassifier defaults, threshold 0.5 (RandomForest 300 trees: F1 %.4f)' % rf_f1}


def summaries(w):
    """[n × window × f] → [n × 6f]: last, mean, std, min, max and least-squares slope of each column."""
    steps = np.arange(w.shape[1], dtype=np.float64)
    steps -= steps.mean()
    slope = np.einsum('nwf,w->nf', w, steps) / (steps ** 2).sum()
    return np.concatenate([w[:, -1], w.mean(axis=1), w.std(axis=1), w.min(axis=1), w.max(axis=1), slope], axis=1)


def run_cmapss():
    train, test = cmapss(path('train.csv')), cmapss(path('test.csv'))
    cols = informative_columns(train)
    xs, ys = [], []
    for x, rul in train:
        w, ends = windows(x[:, cols], WINDOW, False)
        xs.append(summaries(w))
        ys.append(np.minimum(rul[ends], CAP))
    x, y = np.concatenate(xs), np.concatenate(ys)
    t0 = time.perf_counter()
    model = HistGradientBoostingRegressor(random_state=a.seed).fit(x, y)
    seconds = time.perf_counter() - t0
    xt = np.concatenate([summaries(windows(u[:, cols], WINDOW, True)[0]) for u, _ in test])
    truth = np.array([rul[-1] for _, rul in test])
    pred = np.clip(model.predict(xt), 0, None)
    return {'value': rmse(truth, pred), 'train_seconds': round(seconds, 2), 'windows': int(len(y)), 'features': int(x.shape[1]),
            'recipe': 'HistGradientBoostingRegressor defaults on last/mean/std/min/max/slope of %d varying columns over 30-cycle windows, cap 125' % len(cols)}


def run_tweets():
    text, y = tweets(path('train.csv'))
    text_t, y_t = tweets(path('test.csv'))
    t0 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(max_iter=2000).fit(vec.fit_transform(text), y)
    seconds = time.perf_counter() - t0
    pred = model.predict(vec.transform(text_t))
    return {'value': float(np.mean(pred == np.array(y_t))), 'train_seconds': round(seconds, 2),
            'recipe': 'TF-IDF (1-2 grams, sublinear tf) + LogisticRegression (C=1)'}


result = {'ai4i': run_ai4i, 'cmapss': run_cmapss, 'tweets': run_tweets}[a.dataset]()
result['sklearn_version'] = sklearn.__version__
log('sklearn %s: %s' % (a.dataset, result['value']))
emit(result)
