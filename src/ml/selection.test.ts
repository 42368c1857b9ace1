// Tests of choosing the training epoch by average precision: the score itself, and fitModel keeping the best epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../engine/index.js';
import { Table } from '../data/table.js';
import { SpecModel } from './spec.js';
import { predictAll } from './dataset.js';
import { averagePrecision, sweep } from './metrics-ranking.js';
import { averagePrecisionScore } from './selection.js';
import { fitModel } from './fit.js';
import type { ProgressEvent, TrainingSet } from './trainer.js';

function denseSet(x: Float32Array, features: number, targets: Int32Array): TrainingSet {
  return {
    rows: targets.length,
    targets,
    input: (idx) => {
      const t = E.empty([idx.length, features]);
      for (let i = 0; i < idx.length; i++) t.data.set(x.subarray(idx[i] * features, (idx[i] + 1) * features), i * features);
      return { rows: idx.length, dense: t };
    },
  };
}

test('average precision of the logit margin is that of P(positive), for either class as the positive one', () => {
  const rng = new E.Rng(1);
  const x = Float32Array.from({ length: 300 * 3 }, () => rng.normal(0, 1));
  const y = Int32Array.from({ length: 300 }, (_, i) => (x[i * 3] + rng.normal(0, 1) > 1.2 ? 1 : 0));
  const set = denseSet(x, 3, y);
  const model = new SpecModel({ input: { kind: 'dense', features: 3 }, layers: [{ type: 'linear', units: 8 }, { type: 'tanh' }], outputs: 2 }, new E.Rng(2));
  const raw = predictAll(model, set, 2);
  for (const positive of [1, 0]) {
    const p = Float64Array.from({ length: 300 }, (_, r) => 1 / (1 + Math.exp(raw[r * 2 + 1 - positive] - raw[r * 2 + positive])));
    const expected = averagePrecision(
      sweep(
        Uint8Array.from(y, (c) => (c === positive ? 1 : 0)),
        p,
      ),
    )!;
    assert.ok(Math.abs(averagePrecisionScore(y, positive)!(model, set) - expected) < 1e-12);
  }
  assert.equal(averagePrecisionScore(new Int32Array(10), 1), null, 'one class: nothing to rank');
});

/** Rare failures when load × speed is high, with noise, so the ranking keeps changing from epoch to epoch. */
function machines(rows: number, seed: number): Table {
  const rng = new E.Rng(seed);
  return Table.fromRows(
    Array.from({ length: rows }, () => {
      const load = rng.range(0, 1),
        speed = rng.range(0, 1),
        temp = rng.normal(300, 2);
      return { load, speed, temp, failure: load * speed + rng.normal(0, 0.15) > 0.62 ? 1 : 0 };
    }),
  );
}

test('the predictive-maintenance template keeps the epoch whose validation average precision is highest', async () => {
  const epochs: Extract<ProgressEvent, { type: 'epoch' }>[] = [];
  const fitted = await fitModel(machines(400, 3), {
    target: 'failure',
    template: 'predictive-maintenance',
    seed: 4,
    training: { epochs: 25, patience: 4 },
    onProgress: (e) => {
      if (e.type === 'epoch') epochs.push(e);
    },
  });
  const ap = epochs.map((e) => e.metrics!.average_precision);
  const best = ap.indexOf(Math.max(...ap)) + 1;
  assert.ok(ap.length >= 2 && new Set(ap).size > 1, `the score moved: ${ap.join(', ')}`);
  assert.equal(fitted.manifest.training.best_epoch, best);
  const losses = epochs.map((e) => e.validationLoss!);
  assert.notEqual(losses.indexOf(Math.min(...losses)) + 1, best, 'here the loss would have kept another epoch');
  // The stopping rule is the metric's, not the loss's: `patience` epochs after the best one, or the last epoch.
  assert.ok(ap.length === 25 || ap.length === best + 4, `${ap.length} epochs, best ${best}`);
  // The returned model is that epoch's: its validation average precision is the best one seen.
  assert.ok(Math.abs(fitted.manifest.metrics.pr_auc! - ap[best - 1]) < 1e-9, `pr_auc ${fitted.manifest.metrics.pr_auc} vs best ${ap[best - 1]}`);
});
