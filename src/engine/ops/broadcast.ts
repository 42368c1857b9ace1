// NumPy-style broadcasting: the output shape of two operands, strided iteration, and reducing a gradient back.
import { Tensor, empty } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { assert } from '../assert.js';

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    assert(da === db || da === 1 || db === 1, () => `shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

/** Element strides of `shape` viewed as `outShape`, with 0 where the operand is broadcast. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array(outShape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** Calls visit(outIndex, aIndex, bIndex) for every output element, walking the broadcast strides. */
export function forEachBroadcast(outShape: readonly number[], sa: number[], sb: number[], visit: (o: number, ia: number, ib: number) => void): void {
  const rank = outShape.length;
  const size = outShape.reduce((p, d) => p * d, 1);
  if (size === 0) return;
  const idx = new Array(rank).fill(0);
  let ia = 0,
    ib = 0;
  for (let o = 0; o < size; o++) {
    visit(o, ia, ib);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * idx[d];
      ib -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** True when `shape` equals the trailing dimensions of `full` (a row broadcast such as a bias). */
export function isTrailing(shape: readonly number[], full: readonly number[]): boolean {
  const lead = full.length - shape.length;
  if (lead < 0) return false;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== full[lead + i]) return false;
  return true;
}

/** Sums a gradient over the broadcast dimensions so it matches the operand's shape. */
export function reduceToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const size = shape.reduce((p, d) => p * d, 1);
  const out = empty(shape);
  if (size === 1) {
    out.data[0] = kernels().sum(g.data, g.size);
    return out;
  }
  if (isTrailing(shape, g.shape)) {
    kernels().sumRows(g.data, out.data, g.size / size, size, false);
    return out;
  }
  out.data.fill(0);
  const so = broadcastStrides(shape, g.shape);
  const zero = new Array(g.shape.length).fill(0);
  const gd = g.data,
    od = out.data;
  forEachBroadcast(g.shape, so, zero, (o, io) => {
    od[io] += gd[o];
  });
  return out;
}
