// Elementwise arithmetic with broadcasting, scalar forms, and unary maths; each backward rule beside its forward.
import { Tensor, empty, record } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { broadcastShape, broadcastStrides, forEachBroadcast, isTrailing, reduceToShape } from './broadcast.js';

type BinaryKernel = 'add' | 'sub' | 'mul' | 'div';
const scalarFns: Record<BinaryKernel, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

/** Forward of a broadcasting binary op, taking the kernel fast path when shapes allow. */
function binaryForward(kind: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const k = kernels();
  const outShape = broadcastShape(a.shape, b.shape);
  const out = empty(outShape);
  const ad = a.data,
    bd = b.data,
    od = out.data;
  if (a.size === out.size && b.size === out.size) {
    k[kind](ad, bd, od, out.size);
  } else if (kind === 'add' && a.size === out.size && isTrailing(b.shape, outShape) && b.size > 1) {
    k.addRow(ad, bd, od, out.size / b.size, b.size);
  } else {
    const f = scalarFns[kind];
    if (b.size === 1) {
      const y = bd[0];
      for (let i = 0; i < out.size; i++) od[i] = f(ad[i], y);
    } else if (a.size === 1) {
      const x = ad[0];
      for (let i = 0; i < out.size; i++) od[i] = f(x, bd[i]);
    } else
      forEachBroadcast(outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape), (o, ia, ib) => {
        od[o] = f(ad[ia], bd[ib]);
      });
  }
  return out;
}

export function add(a: Tensor, b: Tensor): Tensor {
  return record(binaryForward('add', a, b), [a, b], (g) => [reduceToShape(g, a.shape), reduceToShape(g, b.shape)]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return record(binaryForward('sub', a, b), [a, b], (g) => [reduceToShape(g, a.shape), reduceToShape(neg(g), b.shape)]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binaryForward('mul', a, b), [a, b], (g) => [
    a.requiresGrad ? reduceToShape(binaryForward('mul', g, b), a.shape) : null,
    b.requiresGrad ? reduceToShape(binaryForward('mul', g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return record(binaryForward('div', a, b), [a, b], (g) => [
    a.requiresGrad ? reduceToShape(binaryForward('div', g, b), a.shape) : null,
    // d(a/b)/db = -a / b²
    b.requiresGrad ? reduceToShape(neg(binaryForward('div', binaryForward('mul', g, a), binaryForward('mul', b, b))), b.shape) : null,
  ]);
}

/**
 * Builds a unary op from its pointwise forward f(x) and derivative df(x, y) (y = f(x)), so each
 * activation is two lines and its gradient sits beside it.
 */
export function unary(a: Tensor, f: (x: number) => number, df: (x: number, y: number) => number): Tensor {
  const out = empty(a.shape);
  const ad = a.data,
    od = out.data;
  for (let i = 0; i < a.size; i++) od[i] = f(ad[i]);
  return record(out, [a], (g) => {
    const gx = empty(a.shape);
    const gd = g.data,
      xd = a.data,
      yd = out.data,
      r = gx.data;
    for (let i = 0; i < a.size; i++) r[i] = gd[i] * df(xd[i], yd[i]);
    return [gx];
  });
}

export function neg(a: Tensor): Tensor {
  return mulScalar(a, -1);
}

export function mulScalar(a: Tensor, s: number): Tensor {
  const out = empty(a.shape);
  kernels().scale(a.data, s, out.data, a.size);
  return record(out, [a], (g) => [mulScalar(g, s)]);
}

export function addScalar(a: Tensor, s: number): Tensor {
  const out = empty(a.shape);
  const ad = a.data,
    od = out.data;
  for (let i = 0; i < a.size; i++) od[i] = ad[i] + s;
  return record(out, [a], (g) => [g]);
}

export function powScalar(a: Tensor, p: number): Tensor {
  return unary(
    a,
    (x) => Math.pow(x, p),
    (x) => p * Math.pow(x, p - 1),
  );
}

export const exp = (a: Tensor) => unary(a, Math.exp, (_x, y) => y);
export const log = (a: Tensor) => unary(a, Math.log, (x) => 1 / x);
export const sqrt = (a: Tensor) => unary(a, Math.sqrt, (_x, y) => 0.5 / y);
export const abs = (a: Tensor) => unary(a, Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
export const square = (a: Tensor) =>
  unary(
    a,
    (x) => x * x,
    (x) => 2 * x,
  );

/** Clamps to [lo, hi]; the gradient passes only where the input was inside the range. */
export function clamp(a: Tensor, lo: number, hi: number): Tensor {
  return unary(
    a,
    (x) => (x < lo ? lo : x > hi ? hi : x),
    (x) => (x >= lo && x <= hi ? 1 : 0),
  );
}
