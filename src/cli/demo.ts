// `andon demo`: trains a failure-prediction network on generated machine data and reports held-out quality.
import * as E from '../engine/index.js';
import { syntheticMachineRows, type MachineRow } from '../data/synthetic-machines.js';

export interface DemoOptions { rows: number; epochs: number; seed: number; log: (line: string) => void }
export interface DemoResult { backend: string; accuracy: number; recall: number; precision: number; lossCurve: number[] }

const NUMERIC: (keyof MachineRow)[] = ['air_temperature_k', 'process_temperature_k', 'rotational_speed_rpm', 'torque_nm', 'tool_wear_min'];

/** Standardised numbers plus a one-hot product type: 8 features. */
function features(rows: MachineRow[], stats: { mean: number[]; std: number[] }): Float32Array {
  const width = NUMERIC.length + 3;
  const x = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    NUMERIC.forEach((c, j) => { x[i * width + j] = ((r[c] as number) - stats.mean[j]) / stats.std[j]; });
    x[i * width + NUMERIC.length + ['L', 'M', 'H'].indexOf(r.type)] = 1;
  });
  return x;
}

export function runDemo(opts: DemoOptions): DemoResult {
  const rows = syntheticMachineRows(opts.rows, opts.seed);
  const rng = new E.Rng(opts.seed);
  const order = rng.permutation(rows.length);
  const cut = Math.floor(rows.length * 0.8);
  const train = Array.from(order.subarray(0, cut), (i) => rows[i]);
  const test = Array.from(order.subarray(cut), (i) => rows[i]);
  // Scaling statistics come from the training rows only, as they would in production.
  const mean = NUMERIC.map((c) => train.reduce((s, r) => s + (r[c] as number), 0) / train.length);
  const std = NUMERIC.map((c, j) => Math.sqrt(train.reduce((s, r) => s + ((r[c] as number) - mean[j]) ** 2, 0) / train.length) || 1);
  const width = NUMERIC.length + 3;
  const xTrain = features(train, { mean, std }), xTest = features(test, { mean, std });
  const yTrain = Int32Array.from(train, (r) => r.machine_failure), yTest = Int32Array.from(test, (r) => r.machine_failure);
  const positives = yTrain.reduce((a, b) => a + b, 0);
  // Failures are rare: weigh them by inverse frequency so the network does not just predict "no failure".
  const classWeights = [1, Math.min(20, (yTrain.length - positives) / Math.max(1, positives))];

  const model = new E.Sequential(
    new E.Linear(width, 64, { rng, init: 'kaiming-uniform' }), new E.ReLU(),
    new E.Linear(64, 64, { rng, init: 'kaiming-uniform' }), new E.ReLU(),
    new E.Linear(64, 2, { rng }));
  const opt = new E.Adam(model.parameters(), { lr: 3e-3 });
  const batch = 128;
  const lossCurve: number[] = [];
  opts.log(`Training a ${width}→64→64→2 network on ${train.length} machines (${positives} failures), backend ${E.kernels().name}`);
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const perm = rng.permutation(train.length);
    let total = 0, batches = 0;
    for (let s = 0; s + batch <= perm.length; s += batch) {
      total += E.scope(() => {
        const xb = E.empty([batch, width]), yb = new Int32Array(batch);
        for (let i = 0; i < batch; i++) {
          const r = perm[s + i];
          xb.data.set(xTrain.subarray(r * width, (r + 1) * width), i * width);
          yb[i] = yTrain[r];
        }
        opt.zeroGrad();
        const loss = E.crossEntropyLoss(model.forward(xb), yb, { classWeights });
        loss.backward();
        opt.step();
        return loss.item();
      });
      batches++;
    }
    lossCurve.push(total / batches);
    opts.log(`epoch ${String(epoch).padStart(2)}  loss ${(total / batches).toFixed(4)}`);
  }
  model.eval();
  const pred = E.noGrad(() => E.scope(() => E.argmaxRows(model.forward(E.tensor(xTest, [test.length, width])))));
  let tp = 0, fp = 0, fn = 0, correct = 0;
  pred.forEach((p, i) => {
    if (p === yTest[i]) correct++;
    if (p === 1 && yTest[i] === 1) tp++;
    if (p === 1 && yTest[i] === 0) fp++;
    if (p === 0 && yTest[i] === 1) fn++;
  });
  const result = {
    backend: E.kernels().name,
    accuracy: correct / test.length,
    recall: tp / Math.max(1, tp + fn),
    precision: tp / Math.max(1, tp + fp),
    lossCurve,
  };
  opts.log(`held-out ${test.length} machines: accuracy ${(result.accuracy * 100).toFixed(1)}%, failure recall ${(result.recall * 100).toFixed(1)}%, precision ${(result.precision * 100).toFixed(1)}%`);
  return result;
}
