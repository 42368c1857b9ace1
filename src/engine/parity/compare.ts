// Shared by the PyTorch parity tests: fixture types and loading, building tensors from fixtures, an elementwise
// closeness check that names the first bad element, and running a test file under every available backend.
import { readFileSync } from 'node:fs';
import { describe, before, after } from 'node:test';
import { Tensor, tensor, sparseToDense } from '../tensor.js';
import { kernels, setKernels, tsKernels, type Kernels } from '../kernels/index.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';

/** A tensor as the fixture script writes it: shape and row-major values (9 significant digits). */
export interface Fx {
  shape: number[];
  data: number[];
}

/** One forward + backward case: out = f(inputs), grads = d/d(inputs) of Σ(out ⊙ r). */
export interface GradCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, Fx>;
  ints?: Record<string, Fx>;
  targets?: Record<string, Fx>;
  out: Fx;
  r: Fx;
  grads: Record<string, Fx>;
}

/** Reads src/engine/fixtures/<name>, written by scripts/make-torch-fixtures.py. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** A float32 tensor holding exactly the values torch used. */
export function fromFx(fx: Fx, requiresGrad = false): Tensor {
  const t = tensor(fx.data, fx.shape);
  t.requiresGrad = requiresGrad;
  return t;
}

/** Integer fixture values (indices, class labels). */
export function intsOf(fx: Fx): Int32Array {
  return Int32Array.from(fx.data);
}

/** The gradient a leaf collected, dense; zeros when autograd never reached it (which torch reports as zeros too). */
export function gradOf(t: Tensor): Float32Array {
  if (t.grad) return t.grad.data;
  if (t.sparseGrad) return sparseToDense(t.sparseGrad, t.shape).data;
  return new Float32Array(t.size);
}

/** |actual − expected| ≤ atol + rtol·|expected|, elementwise. */
export interface Tol {
  atol: number;
  rtol: number;
}

/** Largest error seen per label, printed at exit when PARITY_REPORT=1 (to see how much room a tolerance leaves). */
const report = new Map<string, { abs: number; ratio: number }>();
if (process.env.PARITY_REPORT) {
  process.on('exit', () => {
    for (const [label, e] of [...report].sort((a, b) => b[1].ratio - a[1].ratio)) {
      console.log(`${label}: max |diff| ${e.abs.toExponential(2)}, ${(e.ratio * 100).toFixed(1)}% of the tolerance`);
    }
  });
}

/**
 * Throws unless the shapes are equal and every element is within tolerance. The message names the first bad
 * element, how many are bad, and the worst difference, so a failure says exactly which value disagrees.
 */
export function assertClose(label: string, actual: ArrayLike<number>, actualShape: readonly number[], expected: Fx, tol: Tol): void {
  if (actualShape.length !== expected.shape.length || actualShape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${label}: shape [${actualShape}], torch has [${expected.shape}]`);
  }
  if (actual.length !== expected.data.length) {
    throw new Error(`${label}: ${actual.length} values, torch has ${expected.data.length}`);
  }
  let bad = 0,
    first = -1,
    worst = 0,
    worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i],
      e = expected.data[i];
    const diff = Math.abs(a - e);
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    if (!(diff <= allowed)) {
      // NaN fails here too
      bad++;
      if (first < 0) first = i;
    }
    if (diff > worst || Number.isNaN(diff)) worst = diff;
    if (diff / allowed > worstRatio || Number.isNaN(diff)) worstRatio = diff / allowed;
  }
  const seen = report.get(label);
  if (!seen || worstRatio > seen.ratio) report.set(label, { abs: worst, ratio: worstRatio });
  if (bad > 0) {
    const a = actual[first],
      e = expected.data[first];
    throw new Error(
      `${label}: ${bad} of ${actual.length} values differ from torch (atol ${tol.atol}, rtol ${tol.rtol}); ` +
        `first at flat index ${first} [${unravel(first, expected.shape)}]: engine ${a}, torch ${e} (diff ${Math.abs(a - e)}); ` +
        `largest diff ${worst}`,
    );
  }
}

export function assertCloseTensor(label: string, actual: Tensor, expected: Fx, tol: Tol): void {
  assertClose(label, actual.data, actual.shape, expected, tol);
}

export function assertCloseScalar(label: string, actual: number, expected: number, tol: Tol): void {
  assertClose(label, [actual], [], { shape: [], data: [expected] }, tol);
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/**
 * Declares the same suite once per compute backend: the one the engine picked (WebAssembly when it is built)
 * and the TypeScript reference, so a kernel that disagrees with torch is caught whichever backend runs.
 */
export function forEachBackend(body: (backend: string) => void): void {
  const picked = kernels();
  const backends: Kernels[] = picked.name === 'ts' ? [picked] : [picked, tsKernels];
  for (const k of backends) {
    describe(`backend ${k.name}`, () => {
      before(() => setKernels(k));
      after(() => setKernels(picked));
      body(k.name);
    });
  }
}

/** The named integer arrays of a case, with their shapes. */
export type IntArgs = Record<string, { ids: Int32Array; shape: number[] }>;

/** Builds an op's output from the case's differentiated inputs, its args, integer arrays and float targets. */
export type CaseForward = (inputs: Record<string, Tensor>, args: Record<string, any>, ints: IntArgs, targets: Record<string, Tensor>) => Tensor;

/**
 * Runs one GradCase: the forward output against torch's, then Σ(out ⊙ r).backward() and the gradient of every
 * input against torch's. Every input torch differentiated is checked, not only the ones the op happens to reach.
 */
export function checkGradCase(c: GradCase, forward: CaseForward, tol: Tol, gradTol: Tol = tol): void {
  const leaves: Record<string, Tensor> = {};
  for (const [k, fx] of Object.entries(c.inputs)) leaves[k] = fromFx(fx, true);
  const ints: IntArgs = {};
  for (const [k, fx] of Object.entries(c.ints ?? {})) ints[k] = { ids: intsOf(fx), shape: fx.shape };
  const targets: Record<string, Tensor> = {};
  for (const [k, fx] of Object.entries(c.targets ?? {})) targets[k] = fromFx(fx);

  const out = forward(leaves, c.args, ints, targets);
  assertCloseTensor(`${c.name} forward`, out, c.out, tol);

  const r = fromFx(c.r);
  const projected = mul(out, r);
  sum(projected).backward();
  const gradNames = Object.keys(c.grads);
  if (gradNames.sort().join() !== Object.keys(leaves).sort().join()) {
    throw new Error(`${c.name}: fixture has gradients for [${gradNames}] but inputs [${Object.keys(leaves)}]`);
  }
  for (const [k, expected] of Object.entries(c.grads)) {
    assertClose(`${c.name} d/d${k}`, gradOf(leaves[k]), leaves[k].shape, expected, gradTol);
  }
}
