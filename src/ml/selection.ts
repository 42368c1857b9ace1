// Validation scores that choose which training epoch to keep, for scores other than the loss.
import type { SpecModel } from './spec.js';
import type { TrainingSet } from './trainer.js';
import { predictAll } from './dataset.js';
import { averagePrecision, sweep } from './metrics-ranking.js';

/**
 * Average precision of a two-class model on the rows of `valid` whose class ids are `y`, class `positive` being
 * the one to find; null when the rows hold only one class (there is nothing to rank). The rows are ranked by the
 * logit margin, which orders them exactly as P(positive) does without saturating at 1 in float32, so ties that
 * a probability would create among confident rows do not blur the score.
 */
export function averagePrecisionScore(y: Int32Array, positive: number): ((model: SpecModel, valid: Pick<TrainingSet, 'rows' | 'input'>) => number) | null {
  const isPositive = Uint8Array.from(y, (c) => (c === positive ? 1 : 0));
  if (!isPositive.includes(1) || !isPositive.includes(0)) return null;
  return (model, valid) => {
    const raw = predictAll(model, valid, 2);
    const margin = Float64Array.from({ length: valid.rows }, (_, r) => raw[r * 2 + positive] - raw[r * 2 + 1 - positive]);
    return averagePrecision(sweep(isPositive, margin)) ?? 0;
  };
}
