// Scores a model's raw outputs against targets with the task's metrics, tuning a binary threshold when asked.
import { computeMetrics, positiveClass, bestF1Threshold, type Metrics } from './metrics.js';
import { probabilities } from './probabilities.js';
import type { ResolvedTask } from './task.js';

export type { Metrics } from './metrics.js';

export interface ScoreOptions {
  labels: readonly string[];
  positiveLabel?: string;
  /** Binary: choose the F1-best threshold on these rows (validation data) and report it. */
  tuneThreshold?: boolean;
  /** Binary: use this threshold (from a bundle) instead of the arg-max. */
  threshold?: number;
  /** Regression outputs are standardised values: they are mapped back before scoring. */
  scaling?: { mean: number; std: number };
  /** The targets are standardised too (training's validation rows), not raw values. */
  targetsScaled?: boolean;
  /** RUL: the unit of each row, to score each unit's last row. */
  units?: ArrayLike<number | string>;
  /** RUL: the cap the targets were clipped at in training; predictions are clipped to [0, cap] as they are served. */
  cap?: number;
}

export interface Scored {
  metrics: Metrics;
  threshold?: number;
  positiveLabel?: string;
  predictions: Float32Array;
}

export function scoreOutputs(task: Pick<ResolvedTask, 'kind' | 'name'>, raw: Float32Array, targets: ArrayLike<number>, o: ScoreOptions): Scored {
  if (task.kind === 'classification') {
    const k = o.labels.length;
    const probs = probabilities(raw, k);
    let threshold = o.threshold;
    let positiveLabel: string | undefined;
    if (k === 2) {
      const pos = positiveClass(o.labels, targets, o.positiveLabel);
      positiveLabel = o.labels[pos];
      if (o.tuneThreshold && threshold === undefined) {
        const pPos = Float32Array.from({ length: targets.length }, (_, r) => probs[r * 2 + pos]);
        threshold = bestF1Threshold(
          Int32Array.from(targets, (t) => (t === pos ? 1 : 0)),
          pPos,
        ).threshold;
      }
    }
    const metrics = computeMetrics({
      task: 'classification',
      yTrue: targets,
      probabilities: probs,
      labels: o.labels,
      ...(positiveLabel !== undefined ? { positiveLabel } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    });
    return { metrics, predictions: probs, ...(threshold !== undefined ? { threshold } : {}), ...(positiveLabel !== undefined ? { positiveLabel } : {}) };
  }
  const s = o.scaling ?? { mean: 0, std: 1 };
  const unscale = (v: number) => v * s.std + s.mean;
  const yPred = Float32Array.from(raw, (v) => (task.name === 'rul' ? rulValue(unscale(v), o.cap) : unscale(v)));
  const yTrue = Float64Array.from(targets, (v) => (o.targetsScaled ? unscale(v) : v));
  const metrics =
    task.name === 'rul'
      ? computeMetrics({ task: 'rul', yTrue, yPred, ...(o.units ? { units: o.units } : { lastRows: Int32Array.from(yTrue.keys()) }) })
      : computeMetrics({ task: 'regression', yTrue, yPred });
  return { metrics: { ...metrics, predicted_vs_actual: sampledPairs(yTrue, yPred, 500) }, predictions: yPred };
}

/**
 * A predicted remaining life: never negative, and never above the cap the training targets were clipped at — the
 * model learned nothing beyond it, so a larger output is extrapolation, not information.
 */
export function rulValue(v: number, cap?: number): number {
  return Math.min(Math.max(0, v), cap ?? Infinity);
}

/** At most `max` evenly spaced pairs, rounded to 4 significant digits: enough for a scatter plot, small in a manifest. */
function sampledPairs(actual: ArrayLike<number>, predicted: ArrayLike<number>, max: number): { actual: number[]; predicted: number[] } {
  const n = actual.length,
    step = Math.max(1, n / max);
  const out = { actual: [] as number[], predicted: [] as number[] };
  for (let i = 0; i < n && out.actual.length < max; i = Math.floor(out.actual.length * step)) {
    out.actual.push(Number(actual[i].toPrecision(4)));
    out.predicted.push(Number(predicted[i].toPrecision(4)));
  }
  return out;
}
