// Reductions over axes: sum, mean and max, with keepDims; max sends its gradient to the first maximum.
import { Tensor, empty, record } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { assert } from '../assert.js';
import { reshape } from './shape.js';

export type Axes = number | number[] | undefined;

function normaliseAxes(axes: Axes, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = (Array.isArray(axes) ? axes : [axes]).map((a) => (a < 0 ? a + rank : a));
  for (const a of list) assert(a >= 0 && a < rank, () => `axis ${a} is out of range for rank ${rank}`);
  return [...new Set(list)].sort((x, y) => y - x); // reduce the innermost first so indices stay valid
}

/** [outer, len, inner] around one axis: every reduction here is a loop over that view. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return [outer, shape[axis], inner];
}

function reducedShape(shape: readonly number[], axis: number, keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

function sumAxis(a: Tensor, axis: number, keepDims: boolean, scale: number): Tensor {
  const [outer, len, inner] = split(a.shape, axis);
  const out = empty(reducedShape(a.shape, axis, keepDims));
  const ad = a.data,
    od = out.data;
  if (inner > 1 && outer === 1) {
    kernels().sumRows(ad, od, len, inner, false);
    if (scale !== 1) kernels().scale(od, scale, od, inner);
  } else {
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let l = 0; l < len; l++) s += ad[(o * len + l) * inner + i];
        od[o * inner + i] = s * scale;
      }
  }
  return record(out, [a], (g) => {
    const gx = empty(a.shape);
    const gd = g.data,
      r = gx.data;
    for (let o = 0; o < outer; o++)
      for (let l = 0; l < len; l++)
        for (let i = 0; i < inner; i++) {
          r[(o * len + l) * inner + i] = gd[o * inner + i] * scale;
        }
    return [gx];
  });
}

function reduceWith(a: Tensor, axes: Axes, keepDims: boolean, one: (t: Tensor, axis: number) => Tensor): Tensor {
  let t = a;
  const list = normaliseAxes(axes, a.rank);
  if (list.length === a.rank && a.rank > 0 && !keepDims) {
    // Whole-tensor reduction: flatten first so it is one pass.
    return one(reshape(t, [t.size]), 0);
  }
  for (const axis of list) t = one(t, axis);
  return t;
}

export function sum(a: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceWith(a, axes, keepDims, (t, axis) => sumAxis(t, axis, keepDims, 1));
}

export function mean(a: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceWith(a, axes, keepDims, (t, axis) => sumAxis(t, axis, keepDims, 1 / t.shape[axis]));
}

/**
 * Largest value over the axes. Over one axis, ties send the gradient to the first maximum; over the
 * whole tensor it is split evenly among the ties — both as PyTorch does (max(dim) vs max()).
 */
export function max(a: Tensor, axes?: Axes, keepDims = false): Tensor {
  const whole = axes === undefined && !keepDims;
  return reduceWith(a, axes, keepDims, (t, axis) => maxAxis(t, axis, keepDims, whole));
}

function maxAxis(a: Tensor, axis: number, keepDims: boolean, splitTies: boolean): Tensor {
  const [outer, len, inner] = split(a.shape, axis);
  assert(len > 0, 'max over an empty axis');
  const out = empty(reducedShape(a.shape, axis, keepDims));
  const argmax = new Int32Array(outer * inner);
  const ad = a.data,
    od = out.data;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let best = -Infinity,
        at = 0;
      for (let l = 0; l < len; l++) {
        const v = ad[(o * len + l) * inner + i];
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = l;
          if (Number.isNaN(v)) break;
        }
      }
      od[o * inner + i] = best;
      argmax[o * inner + i] = at;
    }
  return record(out, [a], (g) => {
    const gx = empty(a.shape);
    gx.data.fill(0);
    if (splitTies) {
      // one output: share its gradient among every element equal to the maximum
      let ties = 0;
      for (let i = 0; i < a.size; i++) if (ad[i] === od[0]) ties++;
      for (let i = 0; i < a.size; i++) if (ad[i] === od[0]) gx.data[i] = g.data[0] / ties;
      return [gx];
    }
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        gx.data[(o * len + argmax[o * inner + i]) * inner + i] = g.data[o * inner + i];
      }
    return [gx];
  });
}

/** Index of the largest value along the last axis, per row (no gradient). */
export function argmaxRows(a: Tensor): Int32Array {
  const cols = a.shape[a.rank - 1];
  const rows = a.size / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity,
      at = 0;
    for (let c = 0; c < cols; c++)
      if (a.data[r * cols + c] > best) {
        best = a.data[r * cols + c];
        at = c;
      }
    out[r] = at;
  }
  return out;
}
