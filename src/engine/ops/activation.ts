// Activations: ReLU, leaky ReLU, GELU, tanh, sigmoid, and numerically stable softmax / log-softmax over the last axis.
import { Tensor, empty, record } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { unary } from './elementwise.js';

export function relu(a: Tensor): Tensor {
  const out = empty(a.shape);
  kernels().relu(a.data, out.data, a.size);
  return record(out, [a], (g) => {
    const gx = empty(a.shape);
    kernels().reluBackward(out.data, g.data, gx.data, a.size);
    return [gx];
  });
}

export function leakyRelu(a: Tensor, slope = 0.01): Tensor {
  return unary(
    a,
    (x) => (x > 0 ? x : slope * x),
    (x) => (x > 0 ? 1 : slope),
  );
}

/**
 * Builds an activation whose derivative is a function of its output alone. Written as direct loops
 * (not through `unary`'s per-element callbacks) because recurrent layers spend their time here.
 */
function outputActivation(a: Tensor, f: (x: number) => number, dy: (y: number) => number): Tensor {
  const out = empty(a.shape);
  const ad = a.data,
    od = out.data,
    n = a.size;
  for (let i = 0; i < n; i++) od[i] = f(ad[i]);
  return record(out, [a], (g) => {
    const gx = empty(a.shape);
    const gd = g.data,
      r = gx.data;
    for (let i = 0; i < n; i++) r[i] = gd[i] * dy(od[i]);
    return [gx];
  });
}

export const tanh = (a: Tensor) => outputActivation(a, Math.tanh, tanhDerivative);
const tanhDerivative = (y: number) => 1 - y * y;

/** Written in the form that never overflows exp for large |x|. */
function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
export const sigmoid = (a: Tensor) => outputActivation(a, stableSigmoid, sigmoidDerivative);
const sigmoidDerivative = (y: number) => y * (1 - y);

/** Error function from the Numerical Recipes erfc Chebyshev fit: fractional error below 1.2e-7, under float32 rounding. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Exact GELU, x·Φ(x), as PyTorch's default. */
export const gelu = (a: Tensor) =>
  unary(
    a,
    (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)),
    (x) => 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  );

export function softmax(a: Tensor): Tensor {
  const cols = a.shape[a.shape.length - 1];
  const rows = a.size / cols;
  const out = empty(a.shape);
  kernels().softmaxRows(a.data, out.data, rows, cols, false);
  return record(out, [a], (g) => {
    // dx = y ⊙ (g − Σ g⊙y) per row
    const gx = empty(a.shape);
    const y = out.data,
      gd = g.data,
      r = gx.data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += gd[o + c] * y[o + c];
      for (let c = 0; c < cols; c++) r[o + c] = y[o + c] * (gd[o + c] - dot);
    }
    return [gx];
  });
}

export function logSoftmax(a: Tensor): Tensor {
  const cols = a.shape[a.shape.length - 1];
  const rows = a.size / cols;
  const out = empty(a.shape);
  kernels().softmaxRows(a.data, out.data, rows, cols, true);
  return record(out, [a], (g) => {
    // dx = g − softmax ⊙ Σ g per row
    const gx = empty(a.shape);
    const y = out.data,
      gd = g.data,
      r = gx.data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let s = 0;
      for (let c = 0; c < cols; c++) s += gd[o + c];
      for (let c = 0; c < cols; c++) r[o + c] = gd[o + c] - Math.exp(y[o + c]) * s;
    }
    return [gx];
  });
}
