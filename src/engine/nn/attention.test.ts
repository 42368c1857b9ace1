// Tests for multi-head self-attention and the Transformer encoder layer: float64 references, masks, gradients, learning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, scope, noGrad } from '../tensor.js';
import { Rng } from '../rng.js';
import { normal } from './init.js';
import { MultiHeadSelfAttention, TransformerEncoderLayer } from './attention.js';
import { Embedding } from './embedding.js';
import { Linear } from './basic.js';
import { add } from '../ops/elementwise.js';
import { reshape, slice } from '../ops/shape.js';
import { argmaxRows } from '../ops/reduce.js';
import { Adam } from '../optim/adam.js';
import { crossEntropyLoss } from '../losses.js';
import { gradcheck } from '../testing/gradcheck.js';

const randn = (shape: number[], seed: number, std = 1): Tensor => normal(shape, 0, std, new Rng(seed));
type Mat = number[][]; // [T, D] for one sample

const rowsOf = (x: Tensor, b: number): Mat => {
  const [, t, d] = x.shape;
  return Array.from({ length: t }, (_, i) => Array.from(x.data.subarray((b * t + i) * d, (b * t + i + 1) * d)));
};
/** v·Wᵀ + b for W [out, in]. */
const dense = (m: Mat, w: Tensor, b: Tensor | null): Mat =>
  m.map((v) => Array.from({ length: w.shape[0] }, (_, o) => v.reduce((s, x, i) => s + x * w.data[o * w.shape[1] + i], b ? b.data[o] : 0)));

/** torch.nn.MultiheadAttention (self-attention, one sample) from its definition, in float64. */
function referenceAttention(mha: MultiHeadSelfAttention, x: Mat, padded: boolean[]): Mat {
  const D = mha.embedDim,
    dh = mha.headDim,
    t = x.length;
  const qkv = dense(x, mha.inProjWeight, mha.inProjBias);
  const merged: Mat = x.map(() => new Array(D).fill(0));
  for (let h = 0; h < mha.numHeads; h++) {
    const at = (which: number, i: number, k: number) => qkv[i][which * D + h * dh + k];
    for (let i = 0; i < t; i++) {
      const scores = Array.from({ length: t }, (_, j) => {
        let s = 0;
        for (let k = 0; k < dh; k++) s += at(0, i, k) * at(1, j, k);
        return padded[j] ? -Infinity : s / Math.sqrt(dh);
      });
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const total = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < dh; k++) merged[i][h * dh + k] = e.reduce((s, w, j) => s + (w / total) * at(2, j, k), 0);
    }
  }
  return dense(merged, mha.outProj.weight, mha.outProj.bias);
}

const layerNorm = (m: Mat, w: Tensor, b: Tensor, eps: number): Mat =>
  m.map((v) => {
    const mu = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mu) ** 2, 0) / v.length;
    return v.map((x, i) => ((x - mu) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
  });
const plus = (a: Mat, b: Mat): Mat => a.map((v, i) => v.map((x, j) => x + b[i][j]));

/** torch.nn.TransformerEncoderLayer (eval mode, ReLU) from its definition, in float64. */
function referenceEncoder(layer: TransformerEncoderLayer, x: Mat, padded: boolean[]): Mat {
  const sa = (m: Mat) => referenceAttention(layer.selfAttn, m, padded);
  const ff = (m: Mat) =>
    dense(
      dense(m, layer.linear1.weight, layer.linear1.bias).map((v) => v.map((z) => Math.max(z, 0))),
      layer.linear2.weight,
      layer.linear2.bias,
    );
  const n1 = (m: Mat) => layerNorm(m, layer.norm1.weight, layer.norm1.bias, 1e-5);
  const n2 = (m: Mat) => layerNorm(m, layer.norm2.weight, layer.norm2.bias, 1e-5);
  if (layer.normFirst) {
    const h = plus(x, sa(n1(x)));
    return plus(h, ff(n2(h)));
  }
  const h = n1(plus(x, sa(x)));
  return n2(plus(h, ff(h)));
}

function assertClose(actual: Tensor, expected: Mat[], tol = 1e-4): void {
  expected.flat(2).forEach((v, i) => assert.ok(Math.abs(actual.data[i] - v) < tol, `element ${i}: ${actual.data[i]} vs ${v}`));
}

/** For [3, 3] inputs: sample 0 unpadded, sample 1 with its last two positions padded, sample 2 all padding. */
const MASK = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1]);
const paddedRows = (b: number, t: number) => Array.from({ length: t }, (_, j) => MASK[b * t + j] === 1);

/** Random non-default values everywhere, so a bias or weight that is silently ignored shows up. */
function perturb(params: Tensor[], seed: number): void {
  const rng = new Rng(seed);
  for (const p of params) for (let i = 0; i < p.size; i++) p.data[i] += rng.range(-0.3, 0.3);
}

test('MultiHeadSelfAttention has torch.nn.MultiheadAttention names, shapes and init', () => {
  const mha = new MultiHeadSelfAttention(8, 2, { rng: new Rng(1) });
  const shapes = Object.fromEntries([...mha.stateDict()].map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, { in_proj_weight: [24, 8], in_proj_bias: [24], 'out_proj.weight': [8, 8], 'out_proj.bias': [8] });
  assert.ok(mha.inProjBias!.toArray().every((v) => v === 0) && mha.outProj.bias!.toArray().every((v) => v === 0));
  const xavier = Math.sqrt(6 / (8 + 24));
  assert.ok(mha.inProjWeight.toArray().every((v) => Math.abs(v) <= xavier));
  const noBias = new MultiHeadSelfAttention(8, 2, { bias: false });
  assert.deepEqual([...noBias.stateDict().keys()], ['in_proj_weight', 'out_proj.weight']);
  assert.throws(() => new MultiHeadSelfAttention(8, 3), /divisible/);
});

test('MultiHeadSelfAttention matches scaled dot-product attention per head, with and without a padding mask', () => {
  const mha = new MultiHeadSelfAttention(6, 2, { rng: new Rng(2) });
  perturb(mha.parameters(), 3);
  const x = randn([2, 4, 6], 4);
  const none = [false, false, false, false];
  assertClose(
    mha.forward(x),
    [0, 1].map((b) => referenceAttention(mha, rowsOf(x, b), none)),
  );
  const x3 = randn([3, 3, 6], 5);
  // Sample 2 is all padding, which has no reference meaning (torch gives NaN); checked in the next test.
  assertClose(
    mha.forward(x3, MASK),
    [0, 1].map((b) => referenceAttention(mha, rowsOf(x3, b), paddedRows(b, 3))),
  );
});

test('masked positions do not influence the others, and an all-padding sample gives no NaN', () => {
  const mha = new MultiHeadSelfAttention(6, 3, { rng: new Rng(6) });
  perturb(mha.parameters(), 7);
  const x = randn([3, 3, 6], 8);
  const before = mha.forward(x, MASK).toArray();
  const changed = x.clone();
  for (let i = (1 * 3 + 1) * 6; i < 2 * 3 * 6; i++) changed.data[i] += 5; // sample 1, its padded positions 1 and 2
  const after = mha.forward(changed, MASK).toArray();
  assert.deepEqual(after.slice(0, 18 + 6), before.slice(0, 18 + 6), 'sample 0 and the real position of sample 1 are unchanged');
  // Sample 2 is entirely padding: it attends to nothing, so each position outputs out_proj's bias.
  const bias = mha.outProj.bias!.toArray();
  for (let i = 0; i < 3; i++) {
    before.slice(36 + i * 6, 42 + i * 6).forEach((v, j) => assert.ok(Math.abs(v - bias[j]) < 1e-6, `sample 2 gives ${v}, not ${bias[j]}`));
  }
  assert.throws(() => mha.forward(x, new Uint8Array(4)), /key padding mask/);
});

test('MultiHeadSelfAttention gradients match finite differences, masked and unmasked', () => {
  const mha = new MultiHeadSelfAttention(4, 2, { rng: new Rng(9) });
  perturb(mha.parameters(), 10);
  const x = randn([3, 3, 4], 11);
  gradcheck(() => mha.forward(x), [x, ...mha.parameters()]);
  gradcheck(() => mha.forward(x, MASK), [x, ...mha.parameters()], { seed: 12 });
});

test('TransformerEncoderLayer has torch.nn.TransformerEncoderLayer state names', () => {
  const layer = new TransformerEncoderLayer(8, 2, 16);
  assert.deepEqual(
    [...layer.stateDict().keys()],
    [
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ],
  );
  assert.deepEqual(layer.linear1.weight.shape, [16, 8]);
  assert.deepEqual(layer.linear2.weight.shape, [8, 16]);
});

for (const normFirst of [false, true]) {
  test(`TransformerEncoderLayer (${normFirst ? 'pre' : 'post'}-norm) matches its definition and its gradients check`, () => {
    const layer = new TransformerEncoderLayer(6, 2, 10, { normFirst, rng: new Rng(13) }).eval();
    perturb(layer.parameters(), 14);
    const x = randn([3, 3, 6], 15);
    assertClose(
      layer.forward(x, MASK),
      [0, 1].map((b) => referenceEncoder(layer, rowsOf(x, b), paddedRows(b, 3))),
    );
    // GELU for the gradient check: finite differences across ReLU's kink would disagree with autograd.
    const smooth = new TransformerEncoderLayer(6, 2, 10, { normFirst, activation: 'gelu', rng: new Rng(13) }).eval();
    perturb(smooth.parameters(), 14);
    const small = randn([2, 3, 6], 16);
    gradcheck(() => smooth.forward(small, MASK.subarray(0, 6)), [small, ...smooth.parameters()], { seed: 17 });
  });
}

test('TransformerEncoderLayer applies dropout only in training mode, and GELU when asked', () => {
  const layer = new TransformerEncoderLayer(8, 2, 16, { dropout: 0.5, activation: 'gelu', rng: new Rng(18) });
  const x = randn([2, 5, 8], 19);
  const trained = [layer.forward(x).toArray(), layer.forward(x).toArray()];
  assert.notDeepEqual(trained[0], trained[1], 'fresh dropout masks each call');
  layer.eval();
  assert.deepEqual(layer.forward(x).toArray(), layer.forward(x).toArray());
  const relu = new TransformerEncoderLayer(8, 2, 16, { dropout: 0.5, rng: new Rng(18) }).eval();
  assert.notDeepEqual(relu.forward(x).toArray(), layer.forward(x).toArray());
});

test('an attention encoder learns to fetch the token a pointer names, on padded sequences', () => {
  // Position 0 holds a pointer p ∈ [1, len); the label is the value (0..3) at position p. Sequences have
  // random lengths 4..6 and junk after the end, hidden by the padding mask. Only attention can solve it.
  const T = 6,
    VALUES = 4,
    D = 16;
  const rng = new Rng(20);
  const batch = (n: number) => {
    const ids = new Int32Array(n * T),
      pos = new Int32Array(n * T),
      labels = new Int32Array(n),
      mask = new Uint8Array(n * T);
    for (let s = 0; s < n; s++) {
      const len = 4 + rng.int(3),
        p = 1 + rng.int(len - 1);
      for (let j = 1; j < T; j++) ids[s * T + j] = rng.int(VALUES);
      ids[s * T] = VALUES + p; // pointer tokens follow the value tokens in the vocabulary
      for (let j = 0; j < T; j++) {
        pos[s * T + j] = j;
        mask[s * T + j] = j >= len ? 1 : 0;
      }
      labels[s] = ids[s * T + p];
    }
    return { ids, pos, labels, mask };
  };
  const tokens = new Embedding(VALUES + T, D, { rng: new Rng(21) });
  const positions = new Embedding(T, D, { rng: new Rng(22) });
  const encoder = new TransformerEncoderLayer(D, 2, 32, { dropout: 0, rng: new Rng(23) });
  const head = new Linear(D, VALUES, { rng: new Rng(24) });
  const model = [tokens, positions, encoder, head];
  const opt = new Adam(
    model.flatMap((m) => m.parameters()),
    { lr: 0.01 },
  );
  const logits = (b: ReturnType<typeof batch>, n: number) => {
    const h = encoder.forward(add(tokens.lookup(b.ids, [n, T]), positions.lookup(b.pos, [n, T])), b.mask);
    return head.forward(reshape(slice(h, 1, 0, 1), [n, D])); // read the pointer's position
  };
  const accuracy = (): number =>
    noGrad(() =>
      scope(() => {
        const b = batch(500);
        const predicted = argmaxRows(logits(b, 500));
        return predicted.filter((c, i) => c === b.labels[i]).length / 500;
      }),
    );
  let acc = 0;
  for (let step = 1; step <= 1500 && acc < 0.99; step++) {
    scope(() => {
      const b = batch(64);
      opt.zeroGrad();
      crossEntropyLoss(logits(b, 64), b.labels).backward();
      opt.step();
    });
    if (step % 100 === 0) acc = accuracy();
  }
  assert.ok(acc >= 0.95, `held-out accuracy ${acc}`);
});
