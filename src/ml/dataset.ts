// Turns pipeline features (and sensor windows) into the TrainingSet the trainer batches from.
import * as E from '../engine/index.js';
import type { Features } from '../data/pipeline/index.js';
import type { ModelInput } from './spec.js';
import type { TrainingSet } from './trainer.js';

/** Model input for a subset of rows of the pipeline's features. */
export function featureInput(f: Features, idx: Int32Array): ModelInput {
  const input: ModelInput = { rows: idx.length };
  const w = f.dense.width;
  if (w > 0) {
    const t = E.empty([idx.length, w]);
    for (let i = 0; i < idx.length; i++) t.data.set(f.dense.data.subarray(idx[i] * w, (idx[i] + 1) * w), i * w);
    input.dense = t;
  }
  const bags = f.bags[0];
  if (bags) {
    const offsets = new Int32Array(idx.length);
    let total = 0;
    for (let i = 0; i < idx.length; i++) total += bagEnd(bags, idx[i]) - bags.offsets[idx[i]];
    const ids = new Int32Array(total);
    let at = 0;
    for (let i = 0; i < idx.length; i++) {
      offsets[i] = at;
      const s = bags.offsets[idx[i]],
        e = bagEnd(bags, idx[i]);
      ids.set(bags.ids.subarray(s, e), at);
      at += e - s;
    }
    input.bags = { ids, offsets };
  }
  const seq = f.sequences[0];
  if (seq) {
    const L = seq.length,
      ids = new Int32Array(idx.length * L);
    for (let i = 0; i < idx.length; i++) ids.set(seq.ids.subarray(idx[i] * L, (idx[i] + 1) * L), i * L);
    input.sequence = { ids, length: L, padId: seq.padId };
  }
  return input;
}

function bagEnd(b: Features['bags'][number], row: number): number {
  return row + 1 < b.offsets.length ? b.offsets[row + 1] : b.ids.length;
}

export function featureSet(f: Features, targets: Int32Array | Float32Array): TrainingSet {
  return { rows: f.rows, targets, input: (idx) => featureInput(f, idx) };
}

/** Windows [count × length × features] as a TrainingSet. */
export function windowSet(data: Float32Array, count: number, length: number, features: number, targets: Float32Array): TrainingSet {
  const size = length * features;
  return {
    rows: count,
    targets,
    input: (idx) => {
      const t = E.empty([idx.length, length, features]);
      for (let i = 0; i < idx.length; i++) t.data.set(data.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
      return { rows: idx.length, window: t };
    },
  };
}

/** Runs the model over every row in batches (eval mode, no graph) and returns the raw outputs [rows × outputs]. */
export function predictAll(
  model: { forward(x: ModelInput): E.Tensor; eval(): unknown; train(mode?: boolean): unknown },
  set: Pick<TrainingSet, 'rows' | 'input'>,
  outputs: number,
  batch = 1024,
): Float32Array {
  model.eval();
  const out = new Float32Array(set.rows * outputs);
  E.noGrad(() => {
    for (let s = 0; s < set.rows; s += batch) {
      const idx = Int32Array.from({ length: Math.min(batch, set.rows - s) }, (_, i) => s + i);
      E.scope(() => {
        out.set(model.forward(set.input(idx)).data, s * outputs);
      });
    }
  });
  return out;
}
