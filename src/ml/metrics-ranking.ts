// Ranking metrics of one yes/no question scored by a probability: ROC-AUC, average precision, plot curves, F1-best threshold.
import { AndonError } from '../errors.js';

/**
 * The confusion counts at every distinct score, from the highest down (scikit-learn's `_binary_clf_curve`):
 * predicting "positive" for score >= thresholds[i] catches tps[i] positives and fps[i] negatives. Tied scores
 * form one step, which is how ties are handled everywhere below.
 */
export interface Sweep {
  thresholds: Float64Array;
  tps: Float64Array;
  fps: Float64Array;
  positives: number;
  negatives: number;
}

export function sweep(isPositive: ArrayLike<number | boolean>, scores: ArrayLike<number>): Sweep {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  const thresholds = new Float64Array(n),
    tps = new Float64Array(n),
    fps = new Float64Array(n);
  let m = 0,
    tp = 0,
    fp = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i];
    if (isPositive[r]) tp++;
    else fp++;
    // `!==` treats 0 and -0 as one score, as numpy's diff does.
    if (i === n - 1 || scores[order[i + 1]] !== scores[r]) {
      thresholds[m] = scores[r];
      tps[m] = tp;
      fps[m] = fp;
      m++;
    }
  }
  return { thresholds: thresholds.slice(0, m), tps: tps.slice(0, m), fps: fps.slice(0, m), positives: tp, negatives: fp };
}

/**
 * ROC-AUC as the Mann–Whitney statistic: the rank sum of the positives, where tied scores share the average of
 * their ranks. That equals scikit-learn's trapezoid under the ROC curve exactly, and stays exact in float64
 * (half-integer sums) up to ~10^7 rows. Undefined (null) without both classes.
 */
export function rocAuc(s: Sweep): number | null {
  const P = s.positives,
    N = s.negatives,
    n = P + N;
  if (P === 0 || N === 0) return null;
  let rankSum = 0,
    prevT = 0,
    prevF = 0;
  for (let i = 0; i < s.tps.length; i++) {
    const size = s.tps[i] + s.fps[i] - prevT - prevF;
    // This group holds ascending ranks n - (rows so far) + 1 … + size; each member gets their mean.
    const meanRank = n - (s.tps[i] + s.fps[i]) + (size + 1) / 2;
    rankSum += (s.tps[i] - prevT) * meanRank;
    prevT = s.tps[i];
    prevF = s.fps[i];
  }
  return (rankSum - (P * (P + 1)) / 2) / (P * N);
}

/** Average precision, scikit-learn's `average_precision_score`: Σ (R_i − R_{i−1}) · P_i over distinct thresholds, no interpolation. */
export function averagePrecision(s: Sweep): number | null {
  if (s.positives === 0) return null;
  let ap = 0,
    prevT = 0;
  for (let i = 0; i < s.tps.length; i++) {
    if (s.tps[i] !== prevT) ap += ((s.tps[i] - prevT) / s.positives) * (s.tps[i] / (s.tps[i] + s.fps[i]));
    prevT = s.tps[i];
  }
  return ap;
}

/** Curve points for plots; `threshold` is null for the artificial first point that predicts nothing positive. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  threshold: (number | null)[];
}
export interface PrCurve {
  recall: number[];
  precision: number[];
  threshold: (number | null)[];
}

/** Largest number of points a curve keeps for a plot. */
export const MAX_CURVE_POINTS = 200;

/**
 * The ROC curve as scikit-learn's `roc_curve(drop_intermediate=True)` draws it (a point is dropped when its step
 * repeats the previous step exactly), from (0, 0), then thinned to at most `maxPoints`. Null without both classes.
 */
export function rocCurve(s: Sweep, maxPoints = MAX_CURVE_POINTS): RocCurve | null {
  if (s.positives === 0 || s.negatives === 0) return null;
  const m = s.tps.length;
  const fpr = [0],
    tpr = [0],
    threshold: (number | null)[] = [null];
  for (let i = 0; i < m; i++) {
    const keep = m <= 2 || i === 0 || i === m - 1 || s.fps[i + 1] - 2 * s.fps[i] + s.fps[i - 1] !== 0 || s.tps[i + 1] - 2 * s.tps[i] + s.tps[i - 1] !== 0;
    if (!keep) continue;
    fpr.push(s.fps[i] / s.negatives);
    tpr.push(s.tps[i] / s.positives);
    threshold.push(s.thresholds[i]);
  }
  const idx = thinCurve(fpr, tpr, maxPoints);
  return { fpr: idx.map((i) => fpr[i]), tpr: idx.map((i) => tpr[i]), threshold: idx.map((i) => threshold[i]) };
}

/**
 * The precision–recall curve of scikit-learn's `precision_recall_curve`, in the order a plot walks it: from
 * (recall 0, precision 1) through the distinct thresholds, highest first; thinned to at most `maxPoints`.
 * Null when there is no positive row.
 */
export function prCurve(s: Sweep, maxPoints = MAX_CURVE_POINTS): PrCurve | null {
  if (s.positives === 0) return null;
  const recall = [0],
    precision = [1],
    threshold: (number | null)[] = [null];
  for (let i = 0; i < s.tps.length; i++) {
    recall.push(s.tps[i] / s.positives);
    precision.push(s.tps[i] / (s.tps[i] + s.fps[i]));
    threshold.push(s.thresholds[i]);
  }
  const idx = thinCurve(recall, precision, maxPoints);
  return { recall: idx.map((i) => recall[i]), precision: idx.map((i) => precision[i]), threshold: idx.map((i) => threshold[i]) };
}

/**
 * Indices of at most `maxPoints` vertices spread evenly along the curve's length (both axes span [0, 1]), always
 * the first and the last. By length rather than by index, so a corner where thousands of thresholds crowd
 * together does not take all the points while a long straight stretch gets none.
 */
export function thinCurve(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = MAX_CURVE_POINTS): number[] {
  const n = x.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const along = new Float64Array(n);
  for (let i = 1; i < n; i++) along[i] = along[i - 1] + Math.hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
  const total = along[n - 1];
  // `steps` evenly spaced marks, each taking the first vertex at or past it; marks on one long segment share a vertex.
  const pick = (steps: number): number[] => {
    const out: number[] = [];
    const push = (i: number) => {
      if (out[out.length - 1] !== i) out.push(i);
    };
    for (let k = 0, j = 0; k < steps - 1; k++) {
      if (total > 0) {
        while (j < n - 1 && along[j] < (total * k) / (steps - 1)) j++;
        push(j);
      } else push(Math.round(((n - 1) * k) / (steps - 1))); // every point in one place: spread by index
    }
    push(n - 1);
    return out;
  };
  // Shared vertices leave fewer than maxPoints, so search for the densest marking that still fits.
  let best = pick(maxPoints),
    lo = maxPoints,
    hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2),
      got = pick(mid);
    if (got.length <= maxPoints) {
      best = got;
      lo = mid;
    } else hi = mid - 1;
  }
  return best;
}

export interface ThresholdChoice {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

/**
 * The cut on P(positive) that maximises F1 on these (validation) rows; predict positive when p >= threshold.
 * Ties in F1 go to the highest cut (fewer false alarms). The cut sits halfway between the chosen score and the
 * next lower one, so unseen rows scored in that gap are not decided by float noise; on these rows it splits
 * exactly as the chosen score does.
 */
export function bestF1Threshold(yTrue: ArrayLike<number | boolean>, pPositive: ArrayLike<number>): ThresholdChoice {
  if (yTrue.length !== pPositive.length) {
    invalid(`yTrue has ${yTrue.length} rows but pPositive has ${pPositive.length}`, { yTrue: yTrue.length, pPositive: pPositive.length });
  }
  if (yTrue.length === 0) invalid('cannot tune a threshold on no rows', { rows: 0 });
  checkFinite(pPositive, 'pPositive');
  const s = sweep(yTrue, pPositive);
  if (s.positives === 0) invalid('no positive rows: F1 is undefined at every threshold', { positives: 0 });
  let best = 0;
  // F1 = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P); equal fractions of integers give equal doubles, so `>` is a true tie-break.
  const f1At = (i: number) => (2 * s.tps[i]) / (s.tps[i] + s.fps[i] + s.positives);
  for (let i = 1; i < s.tps.length; i++) if (f1At(i) > f1At(best)) best = i;
  const hi = s.thresholds[best];
  let threshold = hi;
  if (best + 1 < s.thresholds.length) {
    const mid = (hi + s.thresholds[best + 1]) / 2;
    if (mid > s.thresholds[best + 1] && mid <= hi) threshold = mid; // adjacent doubles: keep the score itself
  }
  return {
    threshold,
    f1: f1At(best),
    precision: s.tps[best] / (s.tps[best] + s.fps[best]),
    recall: s.tps[best] / s.positives,
  };
}

/** Rejects NaN and ±Infinity, naming the first bad row (the input check every metrics file shares). */
export function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) invalid(`${name}[${i}] is ${values[i]}`, { field: name, index: i });
  }
}

export function invalid(message: string, details: Record<string, unknown>): never {
  throw new AndonError('invalid_input', message, details);
}
