// Tests of scoring raw outputs: remaining-life predictions are kept within what the model was trained on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreOutputs, rulValue } from './evaluate.js';

test('RUL predictions are clipped to [0, cap] before scoring; without a cap only the floor applies', () => {
  assert.deepEqual([rulValue(-3, 125), rulValue(60, 125), rulValue(140, 125), rulValue(140)], [0, 60, 125, 140]);
  // Standardised outputs (mean 100, std 50): −3 → −50, 0 → 100, 1 → 150; the truth of each unit's last row.
  const raw = Float32Array.of(-3, 0, 1);
  const scored = scoreOutputs({ kind: 'regression', name: 'rul' }, raw, [10, 90, 130], {
    labels: [],
    scaling: { mean: 100, std: 50 },
    units: ['a', 'b', 'c'],
    cap: 125,
  });
  assert.deepEqual([...scored.predictions], [0, 100, 125]);
  assert.ok(Math.abs(scored.metrics.rmse_last! - Math.sqrt((100 + 100 + 25) / 3)) < 1e-9);
});

test('regression scores carry up to 500 evenly spaced (actual, predicted) pairs for a plot', () => {
  const few = scoreOutputs({ kind: 'regression', name: 'regression' }, Float32Array.from([1, 2, 3]), [1.5, 2, 2.5], {} as never);
  assert.deepEqual(few.metrics.predicted_vs_actual, { actual: [1.5, 2, 2.5], predicted: [1, 2, 3] });
  const n = 2000;
  const many = scoreOutputs(
    { kind: 'regression', name: 'regression' },
    Float32Array.from({ length: n }, (_, i) => i),
    Array.from({ length: n }, (_, i) => i + 0.5),
    {} as never,
  );
  const pairs = many.metrics.predicted_vs_actual!;
  assert.equal(pairs.actual.length, 500);
  assert.equal(pairs.predicted[1], 4, 'every fourth row');
  assert.equal(pairs.actual[499], 1997, '1996.5 to four significant digits');
});
