// 1-D convolution (im2col + the dense kernel) and max / average pooling over [batch, channels, length] tensors.
import { Tensor, empty, record, zeros } from '../tensor.js';
import { assert } from '../assert.js';
import { linear } from './matmul.js';
import { reshape, transpose } from './shape.js';

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
}

function outLength(length: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((length + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Unfolds every receptive field of x [N, C, L] into a row: [N·Lout, C·K]. Its backward (col2im) adds each
 * row's gradient back to the positions it was read from; zero padding contributes nothing.
 */
export function im2col(x: Tensor, kernel: number, stride: number, padding: number, dilation: number): Tensor {
  assert(x.rank === 3, () => `conv1d input must be [batch, channels, length], got [${x.shape}]`);
  const [n, c, len] = x.shape;
  const lout = outLength(len, kernel, stride, padding, dilation);
  assert(lout > 0, () => `conv1d: length ${len} is shorter than the kernel (${kernel}, dilation ${dilation}, padding ${padding})`);
  const width = c * kernel;
  const out = empty([n * lout, width]);
  const xd = x.data,
    od = out.data;
  for (let b = 0; b < n; b++)
    for (let t = 0; t < lout; t++) {
      const row = (b * lout + t) * width;
      for (let ch = 0; ch < c; ch++)
        for (let j = 0; j < kernel; j++) {
          const pos = t * stride - padding + j * dilation;
          od[row + ch * kernel + j] = pos >= 0 && pos < len ? xd[(b * c + ch) * len + pos] : 0;
        }
    }
  return record(out, [x], (g) => {
    const gx = zeros(x.shape);
    const gd = g.data,
      r = gx.data;
    for (let b = 0; b < n; b++)
      for (let t = 0; t < lout; t++) {
        const row = (b * lout + t) * width;
        for (let ch = 0; ch < c; ch++)
          for (let j = 0; j < kernel; j++) {
            const pos = t * stride - padding + j * dilation;
            if (pos >= 0 && pos < len) r[(b * c + ch) * len + pos] += gd[row + ch * kernel + j];
          }
      }
    return [gx];
  });
}

/** x [N, Cin, L] ⋆ weight [Cout, Cin, K] (+ bias [Cout]) → [N, Cout, Lout], composed from im2col and linear. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1 } = opts;
  assert(weight.rank === 3 && weight.shape[1] === x.shape[1], () => `conv1d weight [${weight.shape}] does not match input channels of [${x.shape}]`);
  const [cout, cin, k] = weight.shape;
  const cols = im2col(x, k, stride, padding, dilation);
  const y = linear(cols, reshape(weight, [cout, cin * k]), bias); // [N·Lout, Cout]
  const lout = cols.shape[0] / x.shape[0];
  return transpose(reshape(y, [x.shape[0], lout, cout]), [0, 2, 1]);
}

function pool1d(x: Tensor, kernel: number, stride: number, mode: 'max' | 'avg'): Tensor {
  assert(x.rank === 3, () => `pooling input must be [batch, channels, length], got [${x.shape}]`);
  const [n, c, len] = x.shape;
  const lout = outLength(len, kernel, stride, 0, 1);
  assert(lout > 0, () => `pooling: length ${len} is shorter than the window ${kernel}`);
  const out = empty([n, c, lout]);
  const from = new Int32Array(mode === 'max' ? out.size : 0); // argmax position per output, for backward
  const xd = x.data,
    od = out.data;
  for (let row = 0; row < n * c; row++)
    for (let t = 0; t < lout; t++) {
      const base = row * len + t * stride;
      if (mode === 'max') {
        let best = -Infinity,
          at = base;
        for (let j = 0; j < kernel; j++)
          if (xd[base + j] > best) {
            best = xd[base + j];
            at = base + j;
          }
        od[row * lout + t] = best;
        from[row * lout + t] = at;
      } else {
        let s = 0;
        for (let j = 0; j < kernel; j++) s += xd[base + j];
        od[row * lout + t] = s / kernel;
      }
    }
  return record(out, [x], (g) => {
    const gx = zeros(x.shape);
    const gd = g.data,
      r = gx.data;
    for (let row = 0; row < n * c; row++)
      for (let t = 0; t < lout; t++) {
        const o = row * lout + t;
        if (mode === 'max') r[from[o]] += gd[o];
        else {
          const base = row * len + t * stride;
          for (let j = 0; j < kernel; j++) r[base + j] += gd[o] / kernel;
        }
      }
    return [gx];
  });
}

export const maxPool1d = (x: Tensor, kernel: number, stride = kernel) => pool1d(x, kernel, stride, 'max');
export const avgPool1d = (x: Tensor, kernel: number, stride = kernel) => pool1d(x, kernel, stride, 'avg');
