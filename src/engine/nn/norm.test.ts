// Tests for LayerNorm and BatchNorm1d: statistics, running-stat updates, train/eval behaviour and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, scope } from '../tensor.js';
import { Rng } from '../rng.js';
import { normal } from './init.js';
import { LayerNorm, BatchNorm1d } from './norm.js';
import { gradcheck } from '../testing/gradcheck.js';

const randn = (shape: number[], seed: number, mean = 0, std = 1): Tensor => normal(shape, mean, std, new Rng(seed));

/** Per-channel mean and biased variance of [N, C, L] (or [N, C] with L = 1), in float64. */
function channelStats(x: Tensor): { mean: number[]; biasedVar: number[]; count: number } {
  const [n, c] = x.shape,
    l = x.rank === 3 ? x.shape[2] : 1;
  const mean: number[] = [],
    biasedVar: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < l; i++) vals.push(x.data[(b * c + ch) * l + i]);
    const m = vals.reduce((s, v) => s + v, 0) / vals.length;
    mean.push(m);
    biasedVar.push(vals.reduce((s, v) => s + (v - m) ** 2, 0) / vals.length);
  }
  return { mean, biasedVar, count: n * l };
}

test('LayerNorm has torch state names and normalises each row to mean 0, variance 1', () => {
  const ln = new LayerNorm(6);
  assert.deepEqual([...ln.stateDict().keys()], ['weight', 'bias']);
  const y = ln.forward(randn([4, 3, 6], 1, 5, 3));
  assert.deepEqual(y.shape, [4, 3, 6]);
  for (let r = 0; r < 12; r++) {
    const row = Array.from(y.data.subarray(r * 6, r * 6 + 6));
    const m = row.reduce((s, v) => s + v, 0) / 6;
    const v = row.reduce((s, x) => s + (x - m) ** 2, 0) / 6;
    assert.ok(Math.abs(m) < 1e-5, `row ${r} mean ${m}`);
    assert.ok(Math.abs(v - 1) < 1e-3, `row ${r} variance ${v}`);
  }
});

test('LayerNorm applies weight and bias per feature', () => {
  const ln = new LayerNorm(2);
  ln.weight.data.set([2, 3]);
  ln.bias.data.set([1, -1]);
  // [0, 4] standardises to [−1, 1] (up to eps).
  const y = ln.forward(tensor([0, 4], [1, 2])).toArray();
  assert.ok(Math.abs(y[0] - -1) < 1e-5 && Math.abs(y[1] - 2) < 1e-5, `got ${y}`);
});

test('LayerNorm gradients match finite differences for input, weight and bias', () => {
  const ln = new LayerNorm(5);
  ln.weight.data.set(randn([5], 2, 1, 0.5).data);
  ln.bias.data.set(randn([5], 3).data);
  const x = randn([2, 3, 5], 4);
  gradcheck(() => ln.forward(x), [x, ln.weight, ln.bias]);
});

test('BatchNorm1d has torch state names and starts with running mean 0, variance 1', () => {
  const bn = new BatchNorm1d(3);
  assert.deepEqual([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var']);
  assert.deepEqual(bn.runningMean.toArray(), [0, 0, 0]);
  assert.deepEqual(bn.runningVar.toArray(), [1, 1, 1]);
  assert.deepEqual(bn.parameters(), [bn.weight, bn.bias]);
});

for (const shape of [
  [8, 3],
  [4, 3, 5],
]) {
  test(`BatchNorm1d training on [${shape}] normalises per channel and updates running stats as torch does`, () => {
    const bn = new BatchNorm1d(3, { momentum: 0.2 });
    const x = randn(shape, 5, 2, 3);
    const { mean, biasedVar, count } = channelStats(x);
    // The step runs in a scope, as training does: the running stats must survive it.
    scope(() => {
      bn.forward(x);
    });
    const stats = channelStats(bn.forward(x));
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(stats.mean[c]) < 1e-5, `channel ${c} output mean ${stats.mean[c]}`);
      assert.ok(Math.abs(stats.biasedVar[c] - 1) < 1e-3, `channel ${c} output variance ${stats.biasedVar[c]}`);
    }
    // Two identical batches: r ← 0.8·r + 0.2·stat, twice; the variance blended in is the unbiased one.
    const unbiased = biasedVar.map((v) => (v * count) / (count - 1));
    for (let c = 0; c < 3; c++) {
      const expectMean = 0.2 * mean[c] + 0.8 * (0.2 * mean[c]);
      const expectVar = 0.2 * unbiased[c] + 0.8 * (0.2 * unbiased[c] + 0.8);
      assert.ok(Math.abs(bn.runningMean.data[c] - expectMean) < 1e-5, `running mean ${bn.runningMean.data[c]} vs ${expectMean}`);
      assert.ok(Math.abs(bn.runningVar.data[c] - expectVar) < 1e-4, `running var ${bn.runningVar.data[c]} vs ${expectVar}`);
    }
  });
}

test('BatchNorm1d in eval mode uses the running stats and leaves them unchanged', () => {
  const bn = new BatchNorm1d(2, { eps: 1e-3 });
  bn.runningMean.data.set([1, -2]);
  bn.runningVar.data.set([4, 0.25]);
  bn.weight.data.set([2, 1]);
  bn.bias.data.set([0.5, 0]);
  bn.eval();
  const x = randn([3, 2, 4], 6);
  const y = bn.forward(x);
  for (let b = 0; b < 3; b++)
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 4; i++) {
        const at = (b * 2 + c) * 4 + i;
        const m = [1, -2][c],
          v = [4, 0.25][c],
          w = [2, 1][c],
          s = [0.5, 0][c];
        const expect = ((x.data[at] - m) / Math.sqrt(v + 1e-3)) * w + s;
        assert.ok(Math.abs(y.data[at] - expect) < 1e-5, `at ${at}: ${y.data[at]} vs ${expect}`);
      }
  assert.deepEqual(bn.runningMean.toArray(), [1, -2]);
  assert.deepEqual(bn.runningVar.toArray(), [4, 0.25]);
  // Eval output is per-sample: one row gives the same answer alone as inside the batch.
  const single = bn.forward(tensor(x.data.subarray(0, 8), [1, 2, 4]));
  assert.deepEqual(single.toArray(), y.toArray().slice(0, 8));
});

test('BatchNorm1d gradients match finite differences in training mode ([N, C] and [N, C, L]) and eval mode', () => {
  for (const shape of [
    [5, 3],
    [3, 3, 4],
  ]) {
    const bn = new BatchNorm1d(3);
    bn.weight.data.set([1.5, -0.7, 0.9]);
    bn.bias.data.set([0.1, 0.2, -0.3]);
    const x = randn(shape, 7, 1, 2);
    gradcheck(() => bn.forward(x), [x, bn.weight, bn.bias]);
    bn.eval();
    bn.runningMean.data.set([0.5, -0.5, 0]);
    bn.runningVar.data.set([2, 0.5, 1]);
    gradcheck(() => bn.forward(x), [x, bn.weight, bn.bias]);
  }
});

test('BatchNorm1d rejects a wrong channel count and a single value per channel in training', () => {
  const bn = new BatchNorm1d(3);
  assert.throws(() => bn.forward(randn([4, 2], 1)), /BatchNorm1d\(3\)/);
  assert.throws(() => bn.forward(randn([1, 3], 1)), /more than one value/);
  bn.eval();
  assert.deepEqual(bn.forward(randn([1, 3], 1)).shape, [1, 3]);
});

test('BatchNorm1d and LayerNorm load a state dict by torch names', () => {
  const src = new BatchNorm1d(2),
    dst = new BatchNorm1d(2);
  src.runningMean.data.set([3, 4]);
  src.weight.data.set([5, 6]);
  dst.loadStateDict(src.stateDict());
  assert.deepEqual(dst.runningMean.toArray(), [3, 4]);
  assert.deepEqual(dst.weight.toArray(), [5, 6]);
  const ln = new LayerNorm(2);
  ln.loadStateDict(
    new Map([
      ['weight', tensor([7, 8])],
      ['bias', tensor([9, 10])],
    ]),
  );
  assert.deepEqual(ln.bias.toArray(), [9, 10]);
});
