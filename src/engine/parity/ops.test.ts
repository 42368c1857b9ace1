// Ops and activations against PyTorch 1.13: forward values and input gradients from src/engine/fixtures/ops.json
// (regenerate with `/usr/bin/python3 scripts/make-torch-fixtures.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  relu,
  leakyRelu,
  gelu,
  tanh,
  sigmoid,
  softmax,
  logSoftmax,
  matmul,
  linear,
  add,
  sub,
  mul,
  div,
  sum,
  mean,
  max,
  exp,
  log,
  sqrt,
  abs,
  square,
  powScalar,
  clamp,
  mulScalar,
  addScalar,
  transpose,
  reshape,
  slice,
  concat,
  conv1d,
  maxPool1d,
  avgPool1d,
  gather,
} from '../index.js';
import { checkGradCase, forEachBackend, loadFixture, type CaseForward, type GradCase, type Tol } from './compare.js';

/**
 * Tolerance: every case is one or two float32 ops on inputs of magnitude ≲ 100 (a conv or matmul sums ≤ 9
 * products). Both sides round to float32, but in different orders and with different transcendental routines
 * (the engine evaluates exp/tanh/erf in float64 and rounds once; its erf is a fit good to 1.2e-7), so
 * agreement is a few float32 ulps: 2e-6 relative. The absolute floor 1e-6 covers results that cancel to ~0
 * (a gradient Σ r·x of O(1) terms). A wrong formula is off by orders of magnitude more than this.
 */
const TOL: Tol = { atol: 1e-6, rtol: 2e-6 };

const OPS: Record<string, CaseForward> = {
  relu: (t) => relu(t.x),
  leaky_relu: (t, a) => leakyRelu(t.x, a.slope),
  gelu: (t) => gelu(t.x),
  tanh: (t) => tanh(t.x),
  sigmoid: (t) => sigmoid(t.x),
  softmax: (t) => softmax(t.x),
  log_softmax: (t) => logSoftmax(t.x),
  matmul: (t, a) => matmul(t.a, t.b, { transA: a.transA ?? false, transB: a.transB ?? false }),
  linear: (t) => linear(t.x, t.w, t.b ?? null),
  add: (t) => add(t.a, t.b),
  sub: (t) => sub(t.a, t.b),
  mul: (t) => mul(t.a, t.b),
  div: (t) => div(t.a, t.b),
  sum: (t, a) => sum(t.x, a.axes, a.keepDims ?? false),
  mean: (t, a) => mean(t.x, a.axes, a.keepDims ?? false),
  max: (t, a) => max(t.x, a.axes, a.keepDims ?? false),
  exp: (t) => exp(t.x),
  log: (t) => log(t.x),
  sqrt: (t) => sqrt(t.x),
  abs: (t) => abs(t.x),
  square: (t) => square(t.x),
  pow: (t, a) => powScalar(t.x, a.p),
  clamp: (t, a) => clamp(t.x, a.lo, a.hi),
  mulScalar: (t, a) => mulScalar(t.x, a.s),
  addScalar: (t, a) => addScalar(t.x, a.s),
  transpose: (t, a) => transpose(t.x, a.perm),
  reshape: (t, a) => reshape(t.x, a.shape),
  slice: (t, a) => slice(t.x, a.axis, a.start, a.end),
  concat: (t, a) => concat([t.a, t.b], a.axis),
  conv1d: (t, a) => conv1d(t.x, t.w, t.b ?? null, { stride: a.stride, padding: a.padding, dilation: a.dilation }),
  max_pool1d: (t, a) => maxPool1d(t.x, a.kernel, a.stride),
  avg_pool1d: (t, a) => avgPool1d(t.x, a.kernel, a.stride),
  gather: (t, _a, ints) => gather(t.table, ints.idx.ids, ints.idx.shape),
  gather_scaled: (t, a, ints) => gather(mulScalar(t.table, a.s), ints.idx.ids, ints.idx.shape),
};

const { cases } = loadFixture<{ cases: GradCase[] }>('ops.json');

test('ops fixture: every case has an engine op, and the fixture is not empty', () => {
  assert.ok(cases.length >= 90, `only ${cases.length} op cases`);
  const missing = cases.filter((c) => !OPS[c.op]).map((c) => `${c.name} (${c.op})`);
  assert.deepEqual(missing, []);
});

forEachBackend(() => {
  for (const c of cases) {
    test(`${c.name} matches torch`, () => {
      const forward = OPS[c.op];
      assert.ok(forward, `no engine op for ${c.op}`);
      checkGradCase(c, forward, TOL);
    });
  }
});
