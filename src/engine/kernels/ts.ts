// Plain TypeScript kernels: the reference every faster backend is tested against, and the fallback
// when WebAssembly SIMD is unavailable. Written for clarity first, with cache-friendly loop orders.
import type { Kernels } from './types.js';

function matmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, 0, m * n);
  if (!transB) {
    // i-p-j order streams rows of b and c.
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        if (av === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
  } else {
    // b is [n,k]: each output is a dot product of contiguous rows.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bj = j * k;
        if (transA) for (let p = 0; p < k; p++) s += a[p * m + i] * b[bj + p];
        else {
          const ai = i * k;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        }
        c[i * n + j] += s;
      }
    }
  }
}

export const tsKernels: Kernels = {
  name: 'ts',
  alloc: (n) => new Float32Array(n),
  free: () => {},
  matmul,
  add(a, b, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  },
  sub(a, b, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
  },
  mul(a, b, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  },
  div(a, b, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
  },
  addRow(a, row, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = a[o + c] + row[c];
    }
  },
  axpy(alpha, x, y, n) {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  },
  scale(a, s, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] * s;
  },
  fill(a, value, n) {
    a.fill(value, 0, n);
  },
  relu(a, out, n) {
    for (let i = 0; i < n; i++) out[i] = a[i] > 0 ? a[i] : 0;
  },
  reluBackward(y, g, out, n) {
    for (let i = 0; i < n; i++) out[i] = y[i] > 0 ? g[i] : 0;
  },
  sum(a, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i];
    return s;
  },
  sumSquares(a, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * a[i];
    return s;
  },
  sumRows(a, out, rows, cols, accumulate) {
    if (!accumulate) out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[c] += a[o + c];
    }
  },
  softmaxRows(a, out, rows, cols, log) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let max = -Infinity;
      for (let c = 0; c < cols; c++) if (a[o + c] > max) max = a[o + c];
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(a[o + c] - max);
      if (log) {
        const lse = max + Math.log(s);
        for (let c = 0; c < cols; c++) out[o + c] = a[o + c] - lse;
      } else {
        for (let c = 0; c < cols; c++) out[o + c] = Math.exp(a[o + c] - max) / s;
      }
    }
  },
  sgdStep(p, grad, velocity, n, lr, momentum, weightDecay, nesterov) {
    for (let i = 0; i < n; i++) {
      const g = grad[i] + weightDecay * p[i];
      if (momentum === 0) {
        p[i] -= lr * g;
        continue;
      }
      const v = momentum * velocity[i] + g;
      velocity[i] = v;
      p[i] -= lr * (nesterov ? g + momentum * v : v);
    }
  },
  adamStep(p, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2) {
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < n; i++) {
      let g = grad[i];
      if (decoupled) p[i] -= lr * weightDecay * p[i];
      else g += weightDecay * p[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  },
};
