// Tests for the convolutional layers: Conv1d against a direct loop, init bounds, pooling, Flatten, gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor } from '../tensor.js';
import { Rng } from '../rng.js';
import { normal } from './init.js';
import { Conv1d, MaxPool1d, AvgPool1d, GlobalAvgPool1d, Flatten } from './conv.js';
import { Linear, ReLU, Sequential } from './basic.js';
import { gradcheck } from '../testing/gradcheck.js';

const randn = (shape: number[], seed: number): Tensor => normal(shape, 0, 1, new Rng(seed));

/** The textbook definition, one output at a time, as the reference for Conv1d. */
function directConv(x: Tensor, w: Tensor, b: Tensor | null, stride: number, padding: number, dilation: number): number[][][] {
  const [n, cin, len] = x.shape,
    [cout, , k] = w.shape;
  const lout = Math.floor((len + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
  const out: number[][][] = [];
  for (let s = 0; s < n; s++) {
    out.push([]);
    for (let o = 0; o < cout; o++) {
      out[s].push([]);
      for (let t = 0; t < lout; t++) {
        let acc = b ? b.data[o] : 0;
        for (let c = 0; c < cin; c++)
          for (let j = 0; j < k; j++) {
            const pos = t * stride - padding + j * dilation;
            if (pos >= 0 && pos < len) acc += w.data[(o * cin + c) * k + j] * x.data[(s * cin + c) * len + pos];
          }
        out[s][o].push(acc);
      }
    }
  }
  return out;
}

test('Conv1d has torch state names, shapes and the default init bound 1/√(in·k)', () => {
  const conv = new Conv1d(4, 6, 3, { rng: new Rng(1) });
  const state = conv.stateDict();
  assert.deepEqual([...state.keys()], ['weight', 'bias']);
  assert.deepEqual(conv.weight.shape, [6, 4, 3]);
  assert.deepEqual(conv.bias!.shape, [6]);
  const bound = 1 / Math.sqrt(12);
  for (const t of [conv.weight, conv.bias!]) {
    const maxAbs = Math.max(...t.toArray().map(Math.abs));
    assert.ok(maxAbs <= bound && maxAbs > 0.6 * bound, `values within ±${bound}, largest ${maxAbs}`);
  }
  const noBias = new Conv1d(4, 6, 3, { bias: false });
  assert.equal(noBias.bias, null);
  assert.deepEqual([...noBias.stateDict().keys()], ['weight']);
});

for (const [stride, padding, dilation] of [
  [1, 0, 1],
  [2, 1, 1],
  [1, 2, 2],
  [3, 0, 2],
]) {
  test(`Conv1d matches the direct definition (stride ${stride}, padding ${padding}, dilation ${dilation})`, () => {
    const conv = new Conv1d(3, 2, 3, { stride, padding, dilation, rng: new Rng(2) });
    const x = randn([2, 3, 9], 3);
    const y = conv.forward(x);
    const expect = directConv(x, conv.weight, conv.bias, stride, padding, dilation);
    assert.deepEqual(y.shape, [2, 2, expect[0][0].length]);
    expect.flat(2).forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-5, `element ${i}: ${y.data[i]} vs ${v}`));
  });
}

test('Conv1d gradients match finite differences for input, weight and bias', () => {
  const conv = new Conv1d(2, 3, 3, { stride: 2, padding: 1, dilation: 1, rng: new Rng(4) });
  const x = randn([2, 2, 7], 5);
  gradcheck(() => conv.forward(x), [x, conv.weight, conv.bias!]);
  const dilated = new Conv1d(2, 2, 2, { dilation: 3, bias: false, rng: new Rng(6) });
  gradcheck(() => dilated.forward(x), [x, dilated.weight]);
});

test('Conv1d rejects bad options and mismatched input channels', () => {
  assert.throws(() => new Conv1d(2, 2, 3, { stride: 0 }), /stride/);
  assert.throws(() => new Conv1d(2, 2, 0), /kernelSize/);
  assert.throws(() => new Conv1d(2, 2, 3).forward(randn([1, 3, 8], 1)), /input channels/);
});

test('MaxPool1d and AvgPool1d pool windows, non-overlapping by default', () => {
  const x = tensor([1, 5, 2, 4, 3, 0, 7, 6], [1, 2, 4]);
  assert.deepEqual(new MaxPool1d(2).forward(x).toArray(), [5, 4, 3, 7]);
  assert.deepEqual(new AvgPool1d(2).forward(x).toArray(), [3, 3, 1.5, 6.5]);
  assert.deepEqual(new MaxPool1d(3, 1).forward(x).toArray(), [5, 5, 7, 7]);
  const y = randn([2, 3, 8], 7);
  gradcheck(() => new AvgPool1d(3, 2).forward(y), [y]);
});

test('GlobalAvgPool1d averages over the length and Flatten keeps the batch axis', () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]);
  const pooled = new GlobalAvgPool1d().forward(x);
  assert.deepEqual(pooled.shape, [2, 2]);
  assert.deepEqual(pooled.toArray(), [2, 5, 8, 11]);
  const flat = new Flatten().forward(x);
  assert.deepEqual(flat.shape, [2, 6]);
  assert.deepEqual(flat.toArray(), x.toArray());
  const y = randn([2, 3, 4], 8);
  gradcheck(() => new GlobalAvgPool1d().forward(y), [y]);
  gradcheck(() => new Flatten().forward(y), [y]);
});

test('a conv stack in Sequential is named by position and runs end to end', () => {
  const rng = new Rng(9);
  const net = new Sequential(
    new Conv1d(2, 4, 3, { padding: 1, rng }),
    new ReLU(),
    new MaxPool1d(2),
    new Conv1d(4, 4, 3, { rng }),
    new GlobalAvgPool1d(),
    new Linear(4, 1, { rng }),
  );
  assert.deepEqual([...net.stateDict().keys()], ['0.weight', '0.bias', '3.weight', '3.bias', '5.weight', '5.bias']);
  assert.deepEqual(net.forward(randn([5, 2, 12], 10)).shape, [5, 1]);
});
