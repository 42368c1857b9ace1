// Losses against PyTorch 1.13 (mean reduction): value and gradient with respect to the prediction, from
// src/engine/fixtures/losses.json (regenerate with `/usr/bin/python3 scripts/make-torch-fixtures.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mseLoss, maeLoss, huberLoss, bceWithLogitsLoss, crossEntropyLoss } from '../index.js';
import { checkGradCase, forEachBackend, loadFixture, type CaseForward, type GradCase, type Tol } from './compare.js';

/**
 * Tolerance: a loss is a mean of at most 24 float32 terms, its gradient one float32 expression per element
 * (logits reach ±100, where the stable forms matter). As for the ops, a few float32 ulps: 2e-6 relative with a
 * 1e-6 floor for terms that cancel toward zero.
 */
const TOL: Tol = { atol: 1e-6, rtol: 2e-6 };

const LOSSES: Record<string, CaseForward> = {
  mse: (t, _a, _i, y) => mseLoss(t.pred, y.target),
  mae: (t, _a, _i, y) => maeLoss(t.pred, y.target),
  huber: (t, a, _i, y) => huberLoss(t.pred, y.target, a.delta),
  bce: (t, a, _i, y) => bceWithLogitsLoss(t.pred, y.target, a.posWeight),
  ce: (t, a, ints) => crossEntropyLoss(t.pred, ints.t.ids, { classWeights: a.classWeights, labelSmoothing: a.labelSmoothing }),
};

const { cases } = loadFixture<{ cases: GradCase[] }>('losses.json');

test('losses fixture: every case has an engine loss', () => {
  assert.ok(cases.length >= 13, `only ${cases.length} loss cases`);
  assert.deepEqual(
    cases.filter((c) => !LOSSES[c.op]).map((c) => c.name),
    [],
  );
});

forEachBackend(() => {
  for (const c of cases) {
    test(`${c.name} matches torch`, () => {
      const forward = LOSSES[c.op];
      assert.ok(forward, `no engine loss for ${c.op}`);
      checkGradCase(c, forward, TOL);
    });
  }
});
