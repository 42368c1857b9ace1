// Tests for GRU and LSTM: torch's equations and layout against a float64 reference, gradients, and learning a sequence task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, scope, noGrad } from '../tensor.js';
import { Rng } from '../rng.js';
import { normal } from './init.js';
import { GRU, LSTM } from './recurrent.js';
import { Linear } from './basic.js';
import { Adam } from '../optim/adam.js';
import { bceWithLogitsLoss } from '../losses.js';
import { gradcheck } from '../testing/gradcheck.js';

const randn = (shape: number[], seed: number): Tensor => normal(shape, 0, 1, new Rng(seed));
const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Row r of W·v + b for a [rows, cols] weight, in float64. */
function affine(w: Tensor, b: Tensor, v: number[], r: number): number {
  const cols = w.shape[1];
  let s = b.data[r];
  for (let c = 0; c < cols; c++) s += w.data[r * cols + c] * v[c];
  return s;
}

/** torch.nn.GRU / torch.nn.LSTM written out from their documented equations, one sample at a time. */
function reference(layer: GRU | LSTM, x: Tensor): number[] {
  const [n, t, inSize] = x.shape,
    H = layer.hiddenSize;
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    let h = new Array(H).fill(0),
      c = new Array(H).fill(0);
    for (let step = 0; step < t; step++) {
      const xv = Array.from(x.data.subarray((s * t + step) * inSize, (s * t + step + 1) * inSize));
      const gi = (r: number) => affine(layer.weightIh, layer.biasIh, xv, r);
      const gh = (r: number) => affine(layer.weightHh, layer.biasHh, h, r);
      const next = new Array(H).fill(0),
        nextC = new Array(H).fill(0);
      for (let j = 0; j < H; j++) {
        if (layer instanceof GRU) {
          const r = sig(gi(j) + gh(j)),
            z = sig(gi(H + j) + gh(H + j));
          const nGate = Math.tanh(gi(2 * H + j) + r * gh(2 * H + j));
          next[j] = (1 - z) * nGate + z * h[j];
        } else {
          const i = sig(gi(j) + gh(j)),
            f = sig(gi(H + j) + gh(H + j));
          const g = Math.tanh(gi(2 * H + j) + gh(2 * H + j)),
            o = sig(gi(3 * H + j) + gh(3 * H + j));
          nextC[j] = f * c[j] + i * g;
          next[j] = o * Math.tanh(nextC[j]);
        }
      }
      h = next;
      c = nextC;
      out.push(...h);
    }
  }
  return out; // [N, T, H] row-major
}

const kinds = [
  { name: 'GRU', gates: 3, make: (i: number, h: number, seed: number) => new GRU(i, h, { rng: new Rng(seed) }) },
  { name: 'LSTM', gates: 4, make: (i: number, h: number, seed: number) => new LSTM(i, h, { rng: new Rng(seed) }) },
];

for (const { name, gates, make } of kinds) {
  test(`${name} has torch's parameter names, shapes and init range U(−1/√H, 1/√H)`, () => {
    const layer = make(3, 4, 1);
    const shapes = Object.fromEntries([...layer.stateDict()].map(([k, v]) => [k, v.shape]));
    assert.deepEqual(shapes, {
      weight_ih_l0: [gates * 4, 3],
      weight_hh_l0: [gates * 4, 4],
      bias_ih_l0: [gates * 4],
      bias_hh_l0: [gates * 4],
    });
    for (const t of layer.parameters())
      assert.ok(
        t.toArray().every((v) => Math.abs(v) <= 0.5),
        'within ±1/√4',
      );
  });

  test(`${name} forward matches torch's equations (gate order included) and lastHidden is the final step`, () => {
    const layer = make(3, 4, 2);
    const x = randn([2, 5, 3], 3);
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [2, 5, 4]);
    reference(layer, x).forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-5, `element ${i}: ${y.data[i]} vs ${v}`));
    const last = layer.lastHidden(x);
    assert.deepEqual(last.shape, [2, 4]);
    assert.deepEqual(last.toArray(), [...y.toArray().slice(16, 20), ...y.toArray().slice(36, 40)]);
    // Inference without a graph takes the plain slicing path and must agree.
    assert.deepEqual(noGrad(() => layer.forward(x)).toArray(), y.toArray());
  });

  test(`${name} gradients match finite differences for every parameter and the input`, () => {
    const layer = make(3, 3, 4);
    const x = randn([2, 5, 3], 5); // 5 steps: an uneven split of the time axis
    gradcheck(() => layer.forward(x), [x, ...layer.parameters()]);
    gradcheck(() => layer.lastHidden(x), [x, ...layer.parameters()], { seed: 11 });
  });

  test(`${name} rejects input of the wrong shape`, () => {
    const layer = make(3, 2, 1);
    assert.throws(() => layer.forward(randn([2, 4, 2], 1)), /expects \[batch, time, 3\]/);
    assert.throws(() => layer.forward(randn([2, 3], 1)), /expects/);
  });

  test(`${name} learns whether a ±1 sequence of length 8 sums to a positive number`, () => {
    const rng = new Rng(42);
    const T = 8;
    const batch = (n: number) => {
      const xs = new Float32Array(n * T),
        ys = new Float32Array(n);
      for (let s = 0; s < n; s++) {
        let total = 0;
        for (let t = 0; t < T; t++) {
          const v = rng.uniform() < 0.5 ? -1 : 1;
          xs[s * T + t] = v;
          total += v;
        }
        ys[s] = total > 0 ? 1 : 0;
      }
      return { x: tensor(xs, [n, T, 1]), y: tensor(ys, [n, 1]) };
    };
    const rnn = make(1, 12, 7);
    const head = new Linear(12, 1, { rng: new Rng(8) });
    const opt = new Adam([...rnn.parameters(), ...head.parameters()], { lr: 0.02 });
    const accuracy = (): number =>
      noGrad(() =>
        scope(() => {
          const { x, y } = batch(1000);
          const logits = head.forward(rnn.lastHidden(x)).data;
          let right = 0;
          for (let i = 0; i < 1000; i++) if ((logits[i] > 0 ? 1 : 0) === y.data[i]) right++;
          return right / 1000;
        }),
      );
    let acc = 0;
    for (let step = 1; step <= 600 && acc < 0.99; step++) {
      scope(() => {
        const { x, y } = batch(64);
        opt.zeroGrad();
        bceWithLogitsLoss(head.forward(rnn.lastHidden(x)), y).backward();
        opt.step();
      });
      if (step % 50 === 0) acc = accuracy();
    }
    assert.ok(acc >= 0.95, `${name} held-out accuracy ${acc}`);
  });
}
