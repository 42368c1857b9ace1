// End-to-end learning: the engine must actually fit XOR, two spirals and a regression, reproducibly from a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from './index.js';

function accuracy(logits: E.Tensor, labels: Int32Array): number {
  const pred = E.argmaxRows(logits);
  return pred.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
}

/** Full-batch training loop; each step in a scope so storage is reused. Returns the loss curve. */
function fit(model: E.Module & E.Layer, opt: E.Optimizer, x: E.Tensor, lossOf: (out: E.Tensor) => E.Tensor, steps: number): number[] {
  const curve: number[] = [];
  for (let i = 0; i < steps; i++) {
    curve.push(
      E.scope(() => {
        opt.zeroGrad();
        const loss = lossOf(model.forward(x));
        loss.backward();
        opt.step();
        return loss.item();
      }),
    );
  }
  return curve;
}

test('XOR with full-batch gradient descent reaches 100%', () => {
  const rng = new E.Rng(3);
  const model = new E.Sequential(new E.Linear(2, 8, { rng }), new E.Tanh(), new E.Linear(8, 2, { rng }));
  const x = E.tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
  const y = Int32Array.from([0, 1, 1, 0]);
  fit(model, new E.GradientDescent(model.parameters(), { lr: 0.5 }), x, (o) => E.crossEntropyLoss(o, y), 2000);
  assert.equal(accuracy(model.forward(x), y), 1);
});

function twoSpirals(perClass: number, rng: E.Rng): { x: E.Tensor; y: Int32Array } {
  const xs: number[] = [],
    ys: number[] = [];
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < perClass; i++) {
      const t = (i / perClass) * 3 * Math.PI + 0.5; // one and a half turns
      const sign = c === 0 ? 1 : -1;
      xs.push((sign * t * Math.cos(t)) / 10 + rng.normal(0, 0.01), (sign * t * Math.sin(t)) / 10 + rng.normal(0, 0.01));
      ys.push(c);
    }
  return { x: E.tensor(xs, [2 * perClass, 2]), y: Int32Array.from(ys) };
}

test('two spirals with Adam reach at least 99% accuracy', () => {
  const rng = new E.Rng(11);
  const { x, y } = twoSpirals(150, rng);
  const model = new E.Sequential(
    new E.Linear(2, 64, { rng, init: 'kaiming-uniform' }),
    new E.ReLU(),
    new E.Linear(64, 64, { rng, init: 'kaiming-uniform' }),
    new E.ReLU(),
    new E.Linear(64, 2, { rng }),
  );
  const curve = fit(model, new E.Adam(model.parameters(), { lr: 0.01 }), x, (o) => E.crossEntropyLoss(o, y), 1500);
  assert.ok(curve[curve.length - 1] < curve[0] / 10, `loss fell from ${curve[0]} to ${curve[curve.length - 1]}`);
  assert.ok(accuracy(model.forward(x), y) >= 0.99);
});

test('minibatch SGD with Nesterov momentum fits a nonlinear regression to near-zero error', () => {
  const rng = new E.Rng(5);
  const n = 256;
  const xs = Array.from({ length: n }, () => rng.range(-2, 2));
  const x = E.tensor(xs, [n, 1]);
  const target = E.tensor(
    xs.map((v) => Math.sin(2 * v) + 0.5 * v),
    [n, 1],
  );
  const model = new E.Sequential(new E.Linear(1, 32, { rng }), new E.Tanh(), new E.Linear(32, 32, { rng }), new E.Tanh(), new E.Linear(32, 1, { rng }));
  const opt = new E.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
  const sched = new E.LRScheduler(opt, E.cosine(3000, 0.05));
  for (let step = 0; step < 3000; step++) {
    const idx = rng.permutation(n).subarray(0, 32);
    E.scope(() => {
      const xb = E.tensor(
        Array.from(idx, (i) => xs[i]),
        [32, 1],
      );
      const yb = E.tensor(
        Array.from(idx, (i) => target.data[i]),
        [32, 1],
      );
      opt.zeroGrad();
      E.mseLoss(model.forward(xb), yb).backward();
      E.clipGradNorm(model.parameters(), 5);
      opt.step();
      sched.step();
    });
  }
  const mse = E.noGrad(() => E.mseLoss(model.forward(x), target).item());
  assert.ok(mse < 2e-3, `mse ${mse}`);
});

test('the same seed gives the same weights and the same loss curve, bit for bit', () => {
  const run = (seed: number) => {
    const rng = new E.Rng(seed);
    const { x, y } = twoSpirals(40, rng);
    const model = new E.Sequential(new E.Linear(2, 16, { rng }), new E.ReLU(), new E.Dropout(0.2, rng.fork()), new E.Linear(16, 2, { rng }));
    const curve = fit(model, new E.AdamW(model.parameters(), { lr: 0.01 }), x, (o) => E.crossEntropyLoss(o, y, { labelSmoothing: 0.1 }), 50);
    return { curve, weights: model.parameters().map((p) => Array.from(p.data)) };
  };
  const a = run(123),
    b = run(123),
    c = run(124);
  assert.deepEqual(a.curve, b.curve);
  assert.deepEqual(a.weights, b.weights);
  assert.notDeepEqual(a.curve, c.curve);
});

test('an embedding-bag text classifier learns from row-sparse gradients', () => {
  // Bags of ids: class 1 iff the bag contains id 7 or 8.
  const rng = new E.Rng(9);
  const bagIds: number[] = [],
    offsets: number[] = [],
    labels: number[] = [];
  for (let b = 0; b < 200; b++) {
    offsets.push(bagIds.length);
    const len = 3 + rng.int(4);
    let positive = false;
    for (let t = 0; t < len; t++) {
      const id = rng.int(20);
      bagIds.push(id);
      positive ||= id === 7 || id === 8;
    }
    labels.push(positive ? 1 : 0);
  }
  const bag = new E.EmbeddingBag(20, 8, { rng });
  const head = new E.Linear(8, 2, { rng });
  const opt = new E.Adam([...bag.parameters(), ...head.parameters()], { lr: 0.05 });
  const ids = Int32Array.from(bagIds),
    offs = Int32Array.from(offsets),
    y = Int32Array.from(labels);
  for (let i = 0; i < 300; i++)
    E.scope(() => {
      opt.zeroGrad();
      E.crossEntropyLoss(head.forward(bag.bags(ids, offs)), y).backward();
      assert.ok(bag.weight.sparseGrad && !bag.weight.grad, 'the table gradient stays sparse');
      opt.step();
    });
  assert.ok(accuracy(head.forward(bag.bags(ids, offs)), y) >= 0.95);
});
