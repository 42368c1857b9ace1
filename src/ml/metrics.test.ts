// Metrics: hand-computed cases, then agreement with scikit-learn to 1e-9 on src/ml/fixtures/metrics.json
// (regenerate with `/usr/bin/python3 scripts/make-metric-fixtures.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../engine/rng.js';
import { isAndonError } from '../errors.js';
import { bestF1Threshold, computeMetrics, lastRowIndices, logLoss, nasaScore, positiveClass, thinCurve, type Metrics } from './metrics.js';
import { rocCurve, prCurve, sweep } from './metrics-ranking.js';

const TOL = 1e-9;
function close(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) return assert.equal(actual, null, `${what}: expected null`);
  assert.ok(typeof actual === 'number', `${what}: got ${actual}, expected ${expected}`);
  assert.ok(Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs scikit-learn ${expected}`);
}
function closeAll(actual: ArrayLike<number | null>, expected: (number | null)[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${what}[${i}]`);
}
/** Every number in the object is finite: what JSON.stringify would otherwise silently turn into null. */
function assertJsonSafe(v: unknown, path = 'metrics'): void {
  if (typeof v === 'number') assert.ok(Number.isFinite(v), `${path} is ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => assertJsonSafe(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) assertJsonSafe(x, `${path}.${k}`);
}
const rejects = (f: () => unknown, pattern: RegExp) =>
  assert.throws(f, (e: unknown) => isAndonError(e) && e.code === 'invalid_input' && pattern.test(e.message));
const binary = (yTrue: number[], p1: number[], extra: object = {}) =>
  computeMetrics({
    task: 'classification',
    yTrue,
    labels: ['0', '1'],
    probabilities: Float64Array.from(p1.flatMap((p) => [1 - p, p])),
    ...extra,
  });

// ---------------------------------------------------------------- hand-computed

test('binary ranking metrics by hand, with a tie across classes', () => {
  // Positives score {0.9, 0.5}, negatives {0.5, 0.2}: 3 of 4 pairs ordered, the tied pair counts half.
  const m = binary([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]);
  assert.equal(m.roc_auc, 3.5 / 4);
  // Steps at 0.9 (1 TP) and 0.5 (1 TP + 1 FP): AP = ½·1 + ½·⅔.
  close(m.pr_auc, 0.5 + 0.5 * (2 / 3), 'ap');
  assert.deepEqual(m.roc_curve, { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], threshold: [null, 0.9, 0.5, 0.2] });
  assert.deepEqual(m.pr_curve, { recall: [0, 0.5, 1, 1], precision: [1, 1, 2 / 3, 0.5], threshold: [null, 0.9, 0.5, 0.2] });
  assert.equal(binary([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).roc_auc, 0.75);
});

test('labels metrics by hand: confusion matrix, per class, macro and weighted F1, accuracy', () => {
  const probs = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1]);
  const m = computeMetrics({ task: 'classification', yTrue: [0, 1, 2, 2, 2], probabilities: probs, labels: ['a', 'b', 'c'] });
  // Predictions: a, b, b, c, a (ties would take the first class).
  assert.deepEqual(m.confusion_matrix, {
    labels: ['a', 'b', 'c'],
    matrix: [
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 1],
    ],
  });
  assert.equal(m.accuracy, 3 / 5);
  const f1 = [2 / 3, 2 / 3, 0.5];
  assert.deepEqual(
    m.per_class?.map((c) => [c.precision, c.recall, c.support]),
    [
      [0.5, 1, 1],
      [0.5, 1, 1],
      [1, 1 / 3, 3],
    ],
  );
  m.per_class?.forEach((c, i) => close(c.f1, f1[i], `f1 ${c.label}`));
  close(m.macro_f1, (f1[0] + f1[1] + f1[2]) / 3, 'macro');
  close(m.weighted_f1, (f1[0] + f1[1] + 3 * f1[2]) / 5, 'weighted');
  assert.equal(m.f1, undefined, 'no positive-class view for three classes');
});

test("log loss: mean −ln p(true class), clipped at the precision's epsilon and renormalised", () => {
  close(logLoss([0, 1], Float64Array.from([0.8, 0.2, 0.4, 0.6]), 2), -(Math.log(0.8) + Math.log(0.6)) / 2, 'plain');
  // A confident mistake in float32 costs −ln(2^-23), not Infinity.
  close(logLoss([0], Float32Array.from([0, 1]), 2), 23 * Math.LN2, 'clipped');
  // Rows that do not sum to one are renormalised, as scikit-learn 1.2 does.
  close(logLoss([1], Float64Array.from([0.2, 0.2]), 2), Math.LN2, 'renormalised');
});

test('positive class: explicit, then a 1/true/yes name, then the minority of y_true', () => {
  assert.equal(positiveClass(['no', 'yes'], [1, 1, 1]), 1);
  assert.equal(positiveClass(['TRUE', 'FALSE'], [1, 1, 1]), 0);
  assert.equal(positiveClass(['1.0', '0.0'], [1]), 0);
  assert.equal(positiveClass(['ok', 'scrap'], [0, 0, 1]), 1);
  assert.equal(positiveClass(['scrap', 'ok'], [0, 1, 1]), 0);
  assert.equal(positiveClass(['a', 'b'], [0, 1]), 1, 'a tie goes to the second label');
  assert.equal(positiveClass(['no', 'yes'], [1], 'NO'), 0);
  rejects(() => positiveClass(['no', 'yes'], [1], 'maybe'), /not one of the labels/);
  assert.equal(binary([0, 1, 1], [0.2, 0.7, 0.4], { positiveLabel: '0' }).positive_label, '0');
});

test('bestF1Threshold by hand: the F1 peak, cut halfway to the next lower score', () => {
  // Cuts 0.9, 0.7, 0.6, 0.4, 0.2 give F1 = 2/4, 2/5, 4/6, 6/7, 6/8.
  const t = bestF1Threshold([0, 1, 1, 0, 1], [0.2, 0.9, 0.6, 0.7, 0.4]);
  assert.deepEqual(t, { threshold: (0.4 + 0.2) / 2, f1: 6 / 7, precision: 0.75, recall: 1 });
  // F1 = 2/3 at both 0.9 and 0.1: the higher cut wins.
  assert.equal(bestF1Threshold([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.1]).threshold, (0.9 + 0.8) / 2);
  // The lowest score chosen: everything positive.
  assert.equal(bestF1Threshold([1, 1], [0.3, 0.6]).threshold, 0.3);
  rejects(() => bestF1Threshold([0, 0], [0.3, 0.6]), /no positive rows/);
  assert.match(binary([0, 0], [0.2, 0.7], { tuneThreshold: true }).notes.join('\n'), /threshold: not tuned/);
  const m = binary([0, 1, 1, 0, 1], [0.2, 0.9, 0.6, 0.7, 0.4], { tuneThreshold: true });
  assert.equal(m.threshold, 0.30000000000000004);
  close(m.f1, 6 / 7, 'tuned f1 applies the threshold');
});

test('regression by hand: MSE, RMSE, MAE, R², MAPE as a fraction, max error', () => {
  const m = computeMetrics({ task: 'regression', yTrue: [1, 2, 3, 4], yPred: Float32Array.from([1.5, 2, 2, 5]) });
  assert.deepEqual(m, {
    mse: 0.5625,
    rmse: 0.75,
    mae: 0.625,
    r2: 1 - 2.25 / 5,
    mape: (0.5 + 1 / 3 + 0.25) / 4,
    max_error: 1,
    notes: [],
  });
  const z = computeMetrics({ task: 'regression', yTrue: [0, 0], yPred: [1, 2] });
  assert.equal(z.mape, null);
  assert.equal(z.r2, 0);
  assert.match(z.notes.join('\n'), /mape: skipped 2 of 2 rows.*undefined/);
  assert.match(z.notes.join('\n'), /r2: y_true is constant/);
});

test('NASA score: d = predicted − true, early predictions cost less than equally late ones', () => {
  assert.equal(nasaScore([50], [37]), Math.E - 1, '13 cycles early: e^1 − 1');
  assert.equal(nasaScore([50], [60]), Math.E - 1, '10 cycles late: e^1 − 1');
  assert.ok(nasaScore([50], [40]) < nasaScore([50], [60]));
  assert.equal(nasaScore([5, 5], [5, 5]), 0);
});

test("RUL: each unit's last row by time (the later row on a tie) or by order", () => {
  assert.deepEqual([...lastRowIndices(['a', 'b', 'a', 'b'], [2, 9, 1, 9])], [0, 3]);
  assert.deepEqual([...lastRowIndices([7, 7, 8])], [1, 2]);
  const m = computeMetrics({ task: 'rul', yTrue: [3, 2, 1, 5, 4], yPred: [3, 2, 4, 5, 2], lastRows: [2, 4] });
  close(m.rmse_last, Math.sqrt((9 + 4) / 2), 'rmse_last');
  close(m.nasa_score, Math.expm1(0.3) + Math.expm1(2 / 13), 'nasa');
  const all = computeMetrics({ task: 'rul', yTrue: [3, 1], yPred: [3, 2] });
  assert.equal(all.rmse_last, null);
  close(all.nasa_score, Math.expm1(0.1), 'nasa over every row');
  assert.match(all.notes[0], /rmse_last/);
});

test('absent classes: null AUC, skipped in the macro mean, said in notes; never NaN', () => {
  const probs = Float32Array.from([0.6, 0.3, 0.1, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1]);
  const m = computeMetrics({ task: 'classification', yTrue: [0, 1, 0], probabilities: probs, labels: ['a', 'b', 'c'] });
  assert.equal(m.per_class?.[2].roc_auc, null);
  assert.equal(m.per_class?.[2].pr_auc, null);
  assert.equal(m.roc_auc, 1);
  assert.match(m.notes.join('\n'), /roc_auc: undefined for c .*skips it/);
  assert.match(m.notes.join('\n'), /macro_f1: averages the 2 classes/);
  assertJsonSafe(m);
  const one = binary([1, 1], [0.2, 0.9]);
  assert.equal(one.roc_auc, null);
  assert.equal(one.roc_curve, undefined);
  assert.equal(one.pr_auc, 1, 'all positive: every cut is fully precise');
  assert.match(one.notes.join('\n'), /roc_auc: y_true holds a single class/);
  assert.doesNotMatch(one.notes.join('\n'), /pr_auc/);
  assert.equal(binary([0, 0], [0.2, 0.9]).pr_auc, null);
  assertJsonSafe(one);
  const huge = computeMetrics({ task: 'regression', yTrue: [0, 1], yPred: [1e200, -1e200] });
  assert.equal(huge.mse, null);
  assert.match(huge.notes.join('\n'), /mse: overflowed/);
  assertJsonSafe(huge);
});

test('bad input is rejected as invalid_input', () => {
  const labels = ['a', 'b'];
  rejects(() => computeMetrics({ task: 'classification', yTrue: [0, 1], probabilities: [0.5, 0.5, 1], labels }), /expected rows × classes/);
  rejects(() => computeMetrics({ task: 'classification', yTrue: [], probabilities: [], labels }), /no rows/);
  rejects(() => computeMetrics({ task: 'classification', yTrue: [0], probabilities: [NaN, 1], labels }), /probabilities\[0\] is NaN/);
  rejects(() => computeMetrics({ task: 'classification', yTrue: [2], probabilities: [0, 1], labels }), /not a class id/);
  rejects(() => computeMetrics({ task: 'classification', yTrue: [0], probabilities: [1, 0, 0], labels: ['a', 'b', 'c'], threshold: 0.5 }), /binary tasks only/);
  rejects(() => binary([0, 1], [0.2, 0.7], { threshold: 0.5, tuneThreshold: true }), /not both/);
  rejects(() => binary([0, 1], [0.2, 0.7], { threshold: NaN }), /threshold NaN/);
  rejects(() => computeMetrics({ task: 'regression', yTrue: [1, 2], yPred: [1] }), /yPred has 1/);
  rejects(() => computeMetrics({ task: 'regression', yTrue: [], yPred: [] }), /no rows/);
  rejects(() => computeMetrics({ task: 'regression', yTrue: [1], yPred: [NaN] }), /yPred\[0\] is NaN/);
  rejects(() => computeMetrics({ task: 'rul', yTrue: [1, 2], yPred: [1, 2], units: [1] }), /units has 1 rows/);
  rejects(() => computeMetrics({ task: 'rul', yTrue: [1, 2], yPred: [1, 2], lastRows: [2] }), /lastRows\[0\]/);
  rejects(() => bestF1Threshold([1, 0], [0.5]), /rows/);
});

test('curves are thinned to at most 200 points along their length, keeping both ends and the shape', () => {
  const rng = new Rng(7);
  const n = 5000,
    y = new Uint8Array(n),
    p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.uniform() < 0.3 ? 1 : 0;
    p[i] = 1 / (1 + Math.exp(-(y[i] ? 0.5 : -0.5) - 4 * (rng.uniform() - 0.5)));
  }
  const s = sweep(y, p);
  const [roc, rocFull, pr, prFull] = [rocCurve(s)!, rocCurve(s, Infinity)!, prCurve(s)!, prCurve(s, Infinity)!];
  const pairs = [
    [roc, rocFull, roc.fpr, rocFull.fpr],
    [pr, prFull, pr.recall, prFull.recall],
  ] as const;
  for (const [thin, full, tx, fx] of pairs) {
    assert.ok(fx.length > 1000 && tx.length <= 200 && tx.length >= 190, `${fx.length} → ${tx.length}`);
    // Every kept point is a point of the full curve, in order, from the first to the last.
    const at = thin.threshold.map((t) => full.threshold.indexOf(t));
    assert.equal(at[0], 0);
    assert.equal(at[at.length - 1], full.threshold.length - 1);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] > at[i - 1]);
    assert.equal(tx[tx.length - 1], fx[fx.length - 1]);
  }
  assert.deepEqual(thinCurve([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], 3), [0, 2, 4], 'a curve of one place: by index');
});

// ---------------------------------------------------------------- scikit-learn agreement

interface Expected {
  accuracy: number;
  macro_f1: number;
  weighted_f1: number;
  f1?: number;
  precision?: number;
  recall?: number;
  roc_auc: number | null;
  pr_auc: number | null;
  log_loss: number;
  positive_label?: string;
  absent?: string[];
  per_class: { label: string; precision: number; recall: number; f1: number; support: number; roc_auc: number | null; pr_auc: number | null }[];
  confusion_matrix: number[][];
  roc_curve?: { fpr: number[]; tpr: number[]; threshold: (number | null)[] };
  pr_curve?: { recall: number[]; precision: number[]; threshold: (number | null)[] };
  best_threshold?: { f1: number; precision: number; recall: number; score: number; next_lower: number | null };
  at_threshold?: ({ threshold: number } & Record<string, number>)[];
}
interface Fixture {
  sklearn: string;
  classification: { name: string; labels: string[]; y_true: number[]; probabilities: number[]; expected: Expected }[];
  regression: { name: string; y_true: number[]; y_pred: number[]; expected: Record<string, number | null> }[];
  rul: {
    name: string;
    units: (string | number)[];
    time: number[] | null;
    y_true: number[];
    y_pred: number[];
    expected: Record<string, number | number[] | null>;
  }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/metrics.json', import.meta.url), 'utf8')) as Fixture;
const SCALARS = ['accuracy', 'macro_f1', 'weighted_f1', 'f1', 'precision', 'recall', 'roc_auc', 'pr_auc', 'log_loss'] as const;
const REGRESSION = ['mse', 'rmse', 'mae', 'r2', 'mape', 'max_error'] as const;
/** Fixture thresholds are float32 scores written in 9 digits; Andon reports the float32 value itself. */
const f32 = (ts: (number | null)[]) => ts.map((t) => (t === null ? null : Math.fround(t)));

test('the fixture covers binary, multiclass with ties and absent classes, regression and RUL', () => {
  const names = fixture.classification.map((c) => c.name);
  for (const n of ['binary_01', 'binary_minority', 'binary_many', 'multiclass_ties', 'multiclass_absent']) assert.ok(names.includes(n), n);
  assert.ok(fixture.regression.length >= 3 && fixture.rul.length >= 2);
});

for (const c of fixture.classification) {
  test(`${c.name}: classification metrics match scikit-learn ${fixture.sklearn}`, () => {
    const e = c.expected;
    const input = { task: 'classification' as const, yTrue: c.y_true, probabilities: Float32Array.from(c.probabilities), labels: c.labels };
    const m = computeMetrics(input);
    assertJsonSafe(m);
    for (const k of SCALARS) if (k in e) close(m[k], e[k] as number | null, k);
    for (const k of SCALARS) if (!(k in e)) assert.equal(m[k], undefined, `${k} does not apply`);
    assert.deepEqual(m.confusion_matrix, { labels: c.labels, matrix: e.confusion_matrix });
    e.per_class.forEach((pc, i) => {
      const got = m.per_class![i];
      assert.equal(got.label, pc.label);
      assert.equal(got.support, pc.support);
      for (const k of ['precision', 'recall', 'f1', 'roc_auc', 'pr_auc'] as const) close(got[k], pc[k], `${pc.label}.${k}`);
    });
    for (const a of e.absent ?? []) assert.match(m.notes.join('\n'), new RegExp(`roc_auc: undefined for .*${a}`));
    if (!e.roc_curve || !e.pr_curve || !e.best_threshold) return;
    assert.equal(m.positive_label, e.positive_label);
    checkCurve(m.roc_curve!.fpr, m.roc_curve!.tpr, m.roc_curve!.threshold, e.roc_curve.fpr, e.roc_curve.tpr, e.roc_curve.threshold, 'roc');
    checkCurve(m.pr_curve!.recall, m.pr_curve!.precision, m.pr_curve!.threshold, e.pr_curve.recall, e.pr_curve.precision, e.pr_curve.threshold, 'pr');

    const pos = c.labels.indexOf(e.positive_label!);
    const isPos = c.y_true.map((y) => (y === pos ? 1 : 0));
    const pPos = Float32Array.from(c.y_true.map((_, i) => Math.fround(c.probabilities[i * 2 + pos])));
    const best = bestF1Threshold(isPos, pPos),
      b = e.best_threshold;
    close(best.f1, b.f1, 'best f1');
    close(best.precision, b.precision, 'best precision');
    close(best.recall, b.recall, 'best recall');
    assert.ok(best.threshold <= b.score && (b.next_lower === null || best.threshold > b.next_lower), `threshold ${best.threshold}`);
    const tuned = computeMetrics({ ...input, tuneThreshold: true });
    assert.equal(tuned.threshold, best.threshold);
    close(tuned.f1, b.f1, 'f1 at the tuned threshold');
    for (const at of e.at_threshold ?? []) {
      const mt = computeMetrics({ ...input, threshold: at.threshold });
      assert.equal(mt.threshold, at.threshold);
      for (const k of ['accuracy', 'macro_f1', 'weighted_f1', 'f1', 'precision', 'recall'] as const) close(mt[k], at[k], `${k} at ${at.threshold}`);
    }
  });
}

/** Equal to scikit-learn's curve when it has at most 200 points; otherwise an in-order subset with both ends. */
function checkCurve(x: number[], y: number[], t: (number | null)[], ex: number[], ey: number[], et: (number | null)[], what: string): void {
  const want = f32(et);
  if (ex.length <= 200) {
    closeAll(x, ex, `${what} x`);
    closeAll(y, ey, `${what} y`);
    assert.deepEqual(t, want, `${what} thresholds`);
    return;
  }
  assert.ok(x.length <= 200 && x.length > 100, `${what}: ${x.length} points`);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    while (j < want.length && want[j] !== t[i]) j++;
    assert.ok(j < want.length, `${what} point ${i} (threshold ${t[i]}) is on scikit-learn's curve, in order`);
    close(x[i], ex[j], `${what} x[${i}]`);
    close(y[i], ey[j], `${what} y[${i}]`);
  }
  assert.equal(t[0], null);
  assert.equal(t[t.length - 1], want[want.length - 1]);
}

for (const c of fixture.regression) {
  test(`${c.name}: regression metrics match scikit-learn ${fixture.sklearn}`, () => {
    const m = computeMetrics({ task: 'regression', yTrue: c.y_true, yPred: Float32Array.from(c.y_pred) });
    assertJsonSafe(m);
    for (const k of REGRESSION) close(m[k], c.expected[k], k);
    const skipped = c.expected.mape_skipped;
    if (skipped) assert.match(m.notes.join('\n'), new RegExp(`mape: skipped ${skipped} of ${c.y_true.length} rows`));
    else assert.doesNotMatch(m.notes.join('\n'), /mape/);
  });
}

for (const c of fixture.rul) {
  test(`${c.name}: RUL metrics match scikit-learn and the PHM08 score`, () => {
    const e = c.expected,
      yPred = Float32Array.from(c.y_pred);
    assert.deepEqual([...lastRowIndices(c.units, c.time ?? undefined)], e.last_rows);
    const byUnits = computeMetrics({ task: 'rul', yTrue: c.y_true, yPred, units: c.units, time: c.time ?? undefined });
    const byRows = computeMetrics({ task: 'rul', yTrue: c.y_true, yPred, lastRows: e.last_rows as number[] });
    for (const m of [byUnits, byRows] as Metrics[]) {
      assertJsonSafe(m);
      for (const k of [...REGRESSION, 'rmse_last', 'nasa_score'] as const) close(m[k], e[k] as number, k);
    }
    close(computeMetrics({ task: 'rul', yTrue: c.y_true, yPred }).nasa_score, e.nasa_score_all_rows as number, 'nasa over every row');
  });
}
