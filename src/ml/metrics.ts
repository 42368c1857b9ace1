// Evaluation metrics of a classifier, a regressor or a remaining-useful-life model, under the names `andon eval --json` prints.
import { averagePrecision, bestF1Threshold, checkFinite, invalid, prCurve, rocAuc, rocCurve, sweep, type PrCurve, type RocCurve } from './metrics-ranking.js';
import { regressionMetrics, rulMetrics, type RegressionInput, type RulInput } from './metrics-regression.js';

export { bestF1Threshold, thinCurve, MAX_CURVE_POINTS, type ThresholdChoice, type RocCurve, type PrCurve } from './metrics-ranking.js';
export { regressionMetrics, rulMetrics, mape, nasaScore, lastRowIndices, type RegressionInput, type RulInput } from './metrics-regression.js';

/** One class's row of the report; AUCs are one-vs-rest and null where the class is absent from (or is all of) y_true. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  roc_auc: number | null;
  pr_auc: number | null;
}

/**
 * Every metric that applies to the task, and nothing that does not. Undefined values are null, never NaN or
 * Infinity, and each null is explained in `notes`. `mape` is a fraction (0.05 = 5 %), not a percentage.
 */
export interface Metrics {
  accuracy?: number;
  macro_f1?: number;
  weighted_f1?: number;
  /** Binary tasks: the positive class's F1, precision and recall. */
  f1?: number;
  precision?: number;
  recall?: number;
  roc_auc?: number | null;
  pr_auc?: number | null;
  log_loss?: number;
  mse?: number | null;
  rmse?: number | null;
  mae?: number | null;
  r2?: number | null;
  mape?: number | null;
  max_error?: number | null;
  rmse_last?: number | null;
  nasa_score?: number | null;
  positive_label?: string;
  /** The cut on P(positive) the binary predictions used, when one was given or tuned. */
  threshold?: number;
  per_class?: ClassMetrics[];
  confusion_matrix?: { labels: string[]; matrix: number[][] };
  roc_curve?: RocCurve;
  pr_curve?: PrCurve;
  /** Regression and RUL: up to 500 evenly spaced (actual, predicted) pairs of the scored rows, for a plot. */
  predicted_vs_actual?: { actual: number[]; predicted: number[] };
  notes: string[];
}

export interface ClassificationInput {
  task: 'classification';
  /** Class ids, indices into `labels`. */
  yTrue: ArrayLike<number>;
  /** Predicted probabilities, row-major [rows × labels.length]. */
  probabilities: ArrayLike<number>;
  labels: readonly string[];
  /** Binary only: which label is positive (default: one named 1/true/yes, else the minority class of yTrue). */
  positiveLabel?: string;
  /** Binary only: predict positive when P(positive) >= threshold, instead of the most probable class. */
  threshold?: number;
  /** Binary only: pick the F1-best threshold on these rows (meant for validation data) and use it. */
  tuneThreshold?: boolean;
}

export type MetricsInput = ClassificationInput | RegressionInput | RulInput;

/** The one entry point: the metrics object of a task's predictions. Pure; throws AndonError('invalid_input') on bad input. */
export function computeMetrics(input: MetricsInput): Metrics {
  const m =
    input.task === 'classification'
      ? classificationMetrics(input)
      : input.task === 'regression'
        ? regressionMetrics(input)
        : input.task === 'rul'
          ? rulMetrics(input)
          : invalid(`unknown task ${JSON.stringify((input as { task: unknown }).task)}`, {});
  return jsonSafe(m);
}

/** Accuracy, per-class and averaged F1, confusion matrix, ROC-AUC, PR-AUC and log loss; binary tasks add the positive class's view. */
export function classificationMetrics(input: ClassificationInput): Metrics {
  const { yTrue, probabilities: probs, labels } = input;
  const k = labels.length,
    n = yTrue.length;
  if (k < 2) invalid(`a classification needs at least 2 labels, got ${k}`, { labels: k });
  if (new Set(labels).size !== k) invalid('labels must be distinct', { labels });
  if (n === 0) invalid('no rows to evaluate', { rows: 0 });
  if (probs.length !== n * k) {
    invalid(`probabilities hold ${probs.length} values, expected rows × classes = ${n} × ${k}`, { rows: n, classes: k, values: probs.length });
  }
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) invalid(`yTrue[${i}] = ${y} is not a class id in 0..${k - 1}`, { row: i });
  }
  checkFinite(probs, 'probabilities');
  const binary = k === 2;
  if (!binary && (input.positiveLabel !== undefined || input.threshold !== undefined || input.tuneThreshold)) {
    invalid('positiveLabel, threshold and tuneThreshold apply to binary tasks only', { classes: k });
  }
  if (input.threshold !== undefined && !Number.isFinite(input.threshold)) invalid(`threshold ${input.threshold} is not a number`, {});
  if (input.threshold !== undefined && input.tuneThreshold) invalid('give a threshold or tuneThreshold, not both', {});
  const notes: string[] = [];
  const out: Metrics = { notes };
  const score = (c: number) => Float64Array.from({ length: n }, (_, i) => probs[i * k + c]);
  const isClass = (c: number) => Uint8Array.from({ length: n }, (_, i) => (yTrue[i] === c ? 1 : 0));

  const pos = binary ? positiveClass(labels, yTrue, input.positiveLabel) : -1;
  let threshold = input.threshold;
  if (binary && input.tuneThreshold) {
    if (isClass(pos).some((v) => v)) threshold = bestF1Threshold(isClass(pos), score(pos)).threshold;
    else notes.push('threshold: not tuned, y_true has no positive row');
  }
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (binary && threshold !== undefined) {
      pred[i] = probs[i * k + pos] >= threshold ? pos : 1 - pos;
      continue;
    }
    let best = 0; // the first of equal maxima, as numpy's argmax
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    pred[i] = best;
  }

  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) matrix[yTrue[i]][pred[i]]++;
  const perClass: ClassMetrics[] = [];
  const sweeps = Array.from({ length: k }, (_, c) => sweep(isClass(c), score(c)));
  let correct = 0,
    macro = 0,
    seen = 0,
    weighted = 0;
  const unseen: string[] = [];
  for (let c = 0; c < k; c++) {
    const tp = matrix[c][c];
    const support = matrix[c].reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[c], 0);
    // Zero divisions count as 0, scikit-learn's zero_division default.
    const precision = predicted ? tp / predicted : 0,
      recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    const s = sweeps[c];
    perClass.push({ label: labels[c], precision, recall, f1, support, roc_auc: rocAuc(s), pr_auc: averagePrecision(s) });
    correct += tp;
    weighted += f1 * support;
    // As scikit-learn: the macro mean runs over the classes that occur in y_true or in the predictions.
    if (support || predicted) {
      macro += f1;
      seen++;
    } else unseen.push(labels[c]);
  }
  out.accuracy = correct / n;
  out.macro_f1 = macro / seen;
  out.weighted_f1 = weighted / n;
  if (unseen.length) notes.push(`macro_f1: averages the ${seen} classes that occur in y_true or the predictions; absent: ${unseen.join(', ')}`);

  if (binary) {
    const p = perClass[pos];
    Object.assign(out, { f1: p.f1, precision: p.precision, recall: p.recall, positive_label: labels[pos] });
    if (threshold !== undefined) out.threshold = threshold;
    out.roc_auc = p.roc_auc;
    out.pr_auc = p.pr_auc;
    if (p.roc_auc === null) notes.push('roc_auc: y_true holds a single class, so ROC-AUC (and its curve) is undefined');
    if (p.pr_auc === null) notes.push('pr_auc: y_true has no positive row, so average precision (and its curve) is undefined');
    const roc = rocCurve(sweeps[pos]),
      pr = prCurve(sweeps[pos]);
    if (roc) out.roc_curve = roc;
    if (pr) out.pr_curve = pr;
  } else {
    out.roc_auc = macroOver(perClass, 'roc_auc', notes);
    out.pr_auc = macroOver(perClass, 'pr_auc', notes);
  }
  out.log_loss = logLoss(yTrue, probs, k);
  out.per_class = perClass;
  out.confusion_matrix = { labels: [...labels], matrix };
  return out;
}

/** One-vs-rest macro average over the classes where the metric is defined; the skipped ones are named in notes. */
function macroOver(perClass: ClassMetrics[], key: 'roc_auc' | 'pr_auc', notes: string[]): number | null {
  const defined = perClass.filter((c) => c[key] !== null);
  const skipped = perClass.filter((c) => c[key] === null).map((c) => c.label);
  if (skipped.length) {
    notes.push(
      `${key}: undefined for ${skipped.join(', ')} (absent from y_true, or the only class in it); the macro average skips ${skipped.length === 1 ? 'it' : 'them'}`,
    );
  }
  return defined.length ? defined.reduce((a, c) => a + (c[key] as number), 0) / defined.length : null;
}

const POSITIVE_NAMES = new Set(['1', 'true', 'yes']);

/**
 * The positive class of a binary task: the explicit label if given, else the one named 1 / true / yes (any case;
 * a number equal to 1 such as "1.0" counts), else the minority class of yTrue (the second label on a tie).
 */
export function positiveClass(labels: readonly string[], yTrue: ArrayLike<number>, explicit?: string): number {
  if (explicit !== undefined) {
    let i = labels.indexOf(explicit);
    if (i < 0) i = labels.findIndex((l) => l.toLowerCase() === explicit.toLowerCase());
    if (i < 0) invalid(`positive label ${JSON.stringify(explicit)} is not one of the labels`, { labels });
    return i;
  }
  const named = labels.findIndex((l) => POSITIVE_NAMES.has(l.trim().toLowerCase()) || (l.trim() !== '' && Number(l) === 1));
  if (named >= 0) return named;
  let ones = 0;
  for (let i = 0; i < yTrue.length; i++) ones += yTrue[i] === 1 ? 1 : 0;
  return ones <= yTrue.length - ones ? 1 : 0;
}

/**
 * Mean negative log-likelihood of the true class, as scikit-learn 1.2's `log_loss`: each probability clipped to
 * [eps, 1 − eps] with eps the machine epsilon of the probabilities' precision (2^-23 for a Float32Array, 2^-52
 * otherwise — its eps="auto"), each row renormalised to sum 1, computed in float64.
 */
export function logLoss(yTrue: ArrayLike<number>, probs: ArrayLike<number>, classes: number): number {
  const eps = probs instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += clip(probs[i * classes + c]);
    total -= Math.log(clip(probs[i * classes + yTrue[i]]) / sum);
  }
  return total / yTrue.length;
}

/** Last guard for JSON: a top-level metric that overflowed (huge errors squared) becomes null, with a note. */
function jsonSafe(m: Metrics): Metrics {
  const record = m as unknown as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      record[key] = null;
      m.notes.push(`${key}: overflowed float64; reported as null`);
    }
  }
  return m;
}
