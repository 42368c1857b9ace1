// Every op's gradient against central finite differences, plus forward values that have a known answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, tensor, Tensor } from '../index.js';
import * as E from '../index.js';
import { gradcheck } from '../testing/gradcheck.js';

const rng = new Rng(42);
const rand = (shape: number[], lo = -1, hi = 1) =>
  tensor(
    Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.range(lo, hi)),
    shape,
  );
/** Values kept away from kinks (0 for relu/abs) so finite differences are valid. */
const awayFromZero = (shape: number[]) =>
  tensor(
    Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (rng.uniform() < 0.5 ? -1 : 1) * rng.range(0.2, 1)),
    shape,
  );

test('broadcasting binary ops: gradients reduce over broadcast dimensions', () => {
  const cases: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [
      [3, 1],
      [1, 4],
    ],
    [[2, 3], [1]],
    [[1], [2, 3]],
  ];
  for (const [sa, sb] of cases) {
    const a = rand(sa),
      b = rand(sb, 0.5, 1.5);
    gradcheck(() => E.add(a, b), [a, b]);
    gradcheck(() => E.sub(a, b), [a, b]);
    gradcheck(() => E.mul(a, b), [a, b]);
    gradcheck(() => E.div(a, b), [a, b]);
  }
});

test('broadcast forward values', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.deepEqual(E.add(a, tensor([10, 20, 30])).toArray(), [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(E.mul(a, tensor([2, 3], [2, 1])).toArray(), [2, 4, 6, 12, 15, 18]);
  assert.throws(() => E.add(a, tensor([1, 2])), /do not broadcast/);
});

test('unary maths and activations', () => {
  const x = rand([3, 5]);
  const pos = rand([3, 5], 0.5, 2);
  const kinkFree = awayFromZero([3, 5]);
  gradcheck(() => E.exp(x), [x]);
  gradcheck(() => E.log(pos), [pos]);
  gradcheck(() => E.sqrt(pos), [pos]);
  gradcheck(() => E.square(x), [x]);
  gradcheck(() => E.powScalar(pos, 1.7), [pos]);
  gradcheck(() => E.abs(kinkFree), [kinkFree]);
  gradcheck(() => E.mulScalar(x, -2.5), [x]);
  gradcheck(() => E.addScalar(x, 3), [x]);
  gradcheck(() => E.relu(kinkFree), [kinkFree]);
  gradcheck(() => E.leakyRelu(kinkFree, 0.1), [kinkFree]);
  gradcheck(() => E.gelu(x), [x]);
  gradcheck(() => E.tanh(x), [x]);
  gradcheck(() => E.sigmoid(x), [x]);
  gradcheck(() => E.softmax(x), [x]);
  gradcheck(() => E.logSoftmax(x), [x]);
});

test('softmax and log-softmax stay finite for huge logits', () => {
  const x = tensor([1000, 0, -1000, 50, 50, 50], [2, 3]);
  const p = E.softmax(x).toArray();
  assert.ok(p.every(Number.isFinite));
  assert.ok(Math.abs(p[0] - 1) < 1e-6 && Math.abs(p[3] - 1 / 3) < 1e-6);
  const lp = E.logSoftmax(x).toArray();
  assert.equal(lp[0], 0);
  assert.equal(lp[2], -2000);
  assert.ok(
    E.sigmoid(tensor([-1000, 1000]))
      .toArray()
      .every(Number.isFinite),
  );
});

test('matmul in every transpose form and batched', () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = rand(transA ? [4, 3] : [3, 4]),
      b = rand(transB ? [5, 4] : [4, 5]);
    const c = E.matmul(a, b, { transA, transB });
    assert.deepEqual(c.shape, [3, 5]);
    gradcheck(() => E.matmul(a, b, { transA, transB }), [a, b]);
    const a3 = rand(transA ? [2, 4, 3] : [2, 3, 4]),
      b3 = rand(transB ? [2, 5, 4] : [2, 4, 5]);
    gradcheck(() => E.matmul(a3, b3, { transA, transB }), [a3, b3]);
    gradcheck(() => E.matmul(a3, b, { transA, transB }), [a3, b]); // a 2-D right operand shared over the batch
  }
  assert.deepEqual(E.matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).toArray(), [19, 22, 43, 50]);
  assert.throws(() => E.matmul(rand([2, 3]), rand([4, 2])), /inner dimensions/);
});

test('linear = x·Wᵀ + b with any leading dimensions', () => {
  const x = rand([2, 3, 4]),
    w = rand([5, 4]),
    b = rand([5]);
  assert.deepEqual(E.linear(x, w, b).shape, [2, 3, 5]);
  gradcheck(() => E.linear(x, w, b), [x, w, b]);
  gradcheck(() => E.linear(x, w, null), [x, w]);
  const y = E.linear(tensor([1, 2], [1, 2]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0.5, 0, -1]));
  assert.deepEqual(y.toArray(), [1.5, 2, 2]);
});

test('reductions over axes with and without keepDims', () => {
  const x = tensor([1, 5, 3, 4, 2, 6], [2, 3]);
  assert.deepEqual(E.sum(x).toArray(), [21]);
  assert.deepEqual(E.sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(E.sum(x, 1, true).shape, [2, 1]);
  assert.deepEqual(E.mean(x, -1).toArray(), [3, 4]);
  assert.deepEqual(E.max(x, 1).toArray(), [5, 6]);
  assert.deepEqual(E.max(x, 0).toArray(), [4, 5, 6]);
  const r = rand([2, 3, 4]);
  for (const axes of [undefined, 0, 1, 2, [0, 2], -1]) {
    gradcheck(() => E.sum(r, axes as any), [r]);
    gradcheck(() => E.mean(r, axes as any, true), [r]);
  }
  const distinct = tensor(
    Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 10),
    [2, 3, 4],
  );
  gradcheck(() => E.max(distinct, 1), [distinct]);
  gradcheck(() => E.max(distinct, [0, 2]), [distinct]);
});

test('reshape, transpose, slice and concat', () => {
  const x = rand([2, 3, 4]);
  gradcheck(() => E.reshape(x, [6, -1]), [x]);
  gradcheck(() => E.transpose(x, [2, 0, 1]), [x]);
  gradcheck(() => E.transpose(x), [x]);
  gradcheck(() => E.slice(x, 1, 1, 3), [x]);
  gradcheck(() => E.slice(x, -1, 0, 1), [x]);
  const y = rand([2, 2, 4]);
  gradcheck(() => E.concat([x, y], 1), [x, y]);
  const t = E.transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3]));
  assert.deepEqual(
    [t.shape, t.toArray()],
    [
      [3, 2],
      [1, 4, 2, 5, 3, 6],
    ],
  );
  assert.deepEqual(E.slice(tensor([1, 2, 3, 4, 5, 6], [2, 3]), 1, 1, 3).toArray(), [2, 3, 5, 6]);
  assert.deepEqual(E.concat([tensor([1, 2], [1, 2]), tensor([3, 4], [1, 2])], 0).toArray(), [1, 2, 3, 4]);
  assert.throws(() => E.reshape(x, [5, 5]), /cannot reshape/);
  assert.throws(() => E.slice(x, 0, 1, 3), /out of range/);
});

test('gather gives a row-sparse gradient on a leaf table and a dense one otherwise', () => {
  const table = rand([6, 3]);
  const ids = Int32Array.from([4, 1, 4, 0]);
  const out = E.gather(table, ids, [2, 2]);
  assert.deepEqual(out.shape, [2, 2, 3]);
  assert.deepEqual(Array.from(out.data.subarray(0, 3)), Array.from(table.data.subarray(12, 15)));
  gradcheck(() => E.gather(table, ids, [2, 2]), [table]);
  table.grad = null;
  table.sparseGrad = null;
  E.sum(E.gather(table, ids)).backward();
  assert.deepEqual(Array.from(table.sparseGrad!.rows), [0, 1, 4]);
  assert.deepEqual(Array.from(table.sparseGrad!.values), [1, 1, 1, 1, 1, 1, 2, 2, 2]); // row 4 used twice
  const scaledTable = rand([6, 3]);
  gradcheck(() => E.gather(E.mulScalar(scaledTable, 2), ids), [scaledTable]);
  assert.throws(() => E.gather(table, Int32Array.from([6])), /out of range/);
});

test('conv1d and pooling', () => {
  const x = rand([2, 3, 9]),
    w = rand([4, 3, 3]),
    b = rand([4]);
  for (const opts of [{}, { stride: 2 }, { padding: 1 }, { dilation: 2, padding: 2 }]) {
    gradcheck(() => E.conv1d(x, w, b, opts), [x, w, b]);
  }
  assert.deepEqual(E.conv1d(x, w, b, { stride: 2, padding: 1 }).shape, [2, 4, 5]);
  // A [1,1,3] kernel of ones sums each window.
  const ones = E.conv1d(tensor([1, 2, 3, 4, 5], [1, 1, 5]), tensor([1, 1, 1], [1, 1, 3]), null);
  assert.deepEqual(ones.toArray(), [6, 9, 12]);
  const p = tensor([1, 3, 2, 5, 4, 0], [1, 1, 6]);
  assert.deepEqual(E.maxPool1d(p, 2).toArray(), [3, 5, 4]);
  assert.deepEqual(E.avgPool1d(p, 3).toArray(), [2, 3]);
  const distinct = tensor(
    Array.from({ length: 2 * 3 * 8 }, (_, i) => ((i * 11) % 48) / 10),
    [2, 3, 8],
  );
  gradcheck(() => E.maxPool1d(distinct, 3, 2), [distinct]);
  gradcheck(() => E.avgPool1d(x, 2), [x]);
  assert.throws(() => E.conv1d(rand([1, 3, 2]), w, b), /shorter than the kernel/);
});

test('autograd accumulates, handles shared inputs and deep chains, and no-grad records nothing', () => {
  const a = tensor([2], [1]);
  a.requiresGrad = true;
  E.sum(E.mul(a, a)).backward(); // d(a²)/da = 2a, both operands the same tensor
  assert.deepEqual(a.grad!.toArray(), [4]);
  E.sum(E.mul(a, a)).backward(); // accumulates like PyTorch
  assert.deepEqual(a.grad!.toArray(), [8]);

  let h: Tensor = tensor([1], [1]);
  const w = tensor([1], [1]);
  w.requiresGrad = true;
  for (let i = 0; i < 20000; i++) h = E.mul(h, w); // far deeper than the JS call stack allows recursively
  E.sum(h).backward();
  assert.equal(w.grad!.item(), 20000);

  const z = E.noGrad(() => E.mul(a, a));
  assert.equal(z.requiresGrad, false);
  assert.equal(z.inputs, null);
});

test('scope disposes intermediates, keeps returned and kept tensors', () => {
  let inner: Tensor | undefined;
  const kept = E.scope(() => {
    inner = E.add(tensor([1, 2]), tensor([3, 4]));
    const ret = E.mul(inner, tensor([2, 2]));
    return ret;
  });
  assert.equal(inner!.disposed, true);
  assert.deepEqual(kept.toArray(), [8, 12]);
  assert.throws(() => inner!.data, /disposed/);
  const view = E.scope(() => E.reshape(E.add(tensor([1, 2, 3, 4]), tensor([1, 1, 1, 1])), [2, 2]));
  assert.deepEqual(view.toArray(), [2, 3, 4, 5]); // the storage behind a returned view survives
});
