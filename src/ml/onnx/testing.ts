// Test helpers for the ONNX exporter: seeded models with non-trivial weights, random inputs, engine vs onnxruntime.
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import * as E from '../../engine/index.js';
import { SpecModel, type ModelInput, type ModelSpec } from '../spec.js';
import { exportOnnx } from './export.js';
import { onnxFeeds } from './feeds.js';

/**
 * A model built with a fixed seed whose every weight is then perturbed: fresh models have zero biases,
 * unit norms and BatchNorm statistics of 0 and 1, which would hide a swapped or missing parameter.
 */
export function seededModel(spec: ModelSpec, seed = 7): SpecModel {
  const rng = new E.Rng(seed);
  const model = new SpecModel(spec, rng);
  for (const [name, t] of model.stateDict()) {
    const d = t.data;
    if (name.endsWith('running_var')) for (let i = 0; i < d.length; i++) d[i] = rng.range(0.5, 1.5);
    else if (name.endsWith('running_mean')) for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, 0.5);
    else for (let i = 0; i < d.length; i++) d[i] += rng.normal(0, 0.1);
  }
  return model.eval();
}

export function randomTensor(rng: E.Rng, shape: number[], std = 1): E.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return E.tensor(
    Float32Array.from({ length: size }, () => rng.normal(0, std)),
    shape,
  );
}

export interface BagOptions {
  maxLength: number;
  emptyRow?: boolean;
  withZeroId?: boolean;
}

/** Bags of 1..maxLength ids from [1, vocab); optionally an empty bag and a bag holding the padding id 0. */
export function randomBags(rng: E.Rng, rows: number, vocab: number, o: BagOptions): NonNullable<ModelInput['bags']> {
  const ids: number[] = [],
    offsets = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    offsets[r] = ids.length;
    if (o.emptyRow && r === rows - 1 && rows > 1) continue;
    const n = 1 + rng.int(o.maxLength);
    for (let i = 0; i < n; i++) ids.push(1 + rng.int(vocab - 1));
    if (o.withZeroId && r === 0) ids.push(0);
  }
  return { ids: Int32Array.from(ids), offsets };
}

export interface SequenceOptions {
  allPaddingRow?: boolean;
  padStart?: boolean;
}

/** Rows of 1..length real ids padded with 0 (at the end, or the start); optionally one row all padding. */
export function randomSequences(rng: E.Rng, rows: number, length: number, vocab: number, o: SequenceOptions = {}): NonNullable<ModelInput['sequence']> {
  const ids = new Int32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    const real = o.allPaddingRow && r === rows - 1 && rows > 1 ? 0 : r === 0 ? length : 1 + rng.int(length);
    for (let i = 0; i < real; i++) ids[r * length + (o.padStart ? length - real + i : i)] = 1 + rng.int(vocab - 1);
  }
  return { ids, length, padId: 0 };
}

const sessions = new Map<SpecModel, Promise<ort.InferenceSession>>();

/** An onnxruntime session on the model's exported bytes, one per model. */
export function sessionFor(model: SpecModel): Promise<ort.InferenceSession> {
  let s = sessions.get(model);
  if (!s) {
    s = ort.InferenceSession.create(exportOnnx(model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(model, s);
  }
  return s;
}

export async function runOnnx(model: SpecModel, input: ModelInput): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await sessionFor(model);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(onnxFeeds(model.spec, input))) feeds[name] = new ort.Tensor(f.type, f.data, f.dims);
  const out = (await session.run(feeds)).output;
  return { data: out.data as Float32Array, dims: out.dims };
}

export const TOLERANCE = 1e-4;

/**
 * Runs the engine (eval, no grad) and the exported graph on `input` and asserts |a − b| ≤ 1e-4·(1 + |b|)
 * everywhere. Returns the largest absolute difference.
 */
export async function assertParity(model: SpecModel, input: ModelInput): Promise<number> {
  const expected = E.noGrad(() => model.eval().forward(input));
  const got = await runOnnx(model, input);
  assert.deepEqual([...got.dims], [...expected.shape], 'output shape');
  let worst = 0;
  for (let i = 0; i < expected.size; i++) {
    const e = expected.data[i],
      a = got.data[i],
      diff = Math.abs(a - e);
    assert.ok(Number.isFinite(a), `onnx output ${i} is ${a}`);
    assert.ok(diff <= TOLERANCE * (1 + Math.abs(e)), `output ${i}: onnx ${a} vs engine ${e} (|diff| ${diff})`);
    worst = Math.max(worst, diff);
  }
  return worst;
}

/** assertParity over several batch sizes (including 1); `make` builds the input of a batch. */
export async function parityOverBatches(model: SpecModel, make: (rows: number) => ModelInput, batches = [1, 4, 9]): Promise<number> {
  let worst = 0;
  for (const rows of batches) worst = Math.max(worst, await assertParity(model, make(rows)));
  return worst;
}
