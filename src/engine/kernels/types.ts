// The contract every compute backend (WebAssembly SIMD or plain TypeScript) fulfils for the hot loops.
// All arrays are contiguous float32, row-major. Output arrays may alias an input only where noted.

export type BackendName = 'wasm-relaxed-simd' | 'wasm-simd' | 'ts';

export interface Kernels {
  readonly name: BackendName;
  /** Float32 storage this backend computes on fastest (wasm memory for wasm backends). Contents are undefined. */
  alloc(n: number): Float32Array;
  /** Gives storage from alloc() back for reuse. */
  free(a: Float32Array): void;

  /**
   * c = op(a) · op(b) (+ c when accumulate). op(a) is [m,k]: a is [m,k], or [k,m] when transA.
   * op(b) is [k,n]: b is [k,n], or [n,k] when transB. c is [m,n] and must not alias a or b.
   */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): void;

  /** out[i] = a[i] ∘ b[i] for the first n elements; out may alias a or b. */
  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  sub(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  mul(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  div(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  /** out[r,c] = a[r,c] + row[c]: the bias add. out may alias a. */
  addRow(a: Float32Array, row: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** y[i] += alpha * x[i] */
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  /** out[i] = a[i] * s; out may alias a. */
  scale(a: Float32Array, s: number, out: Float32Array, n: number): void;
  fill(a: Float32Array, value: number, n: number): void;

  /** out[i] = max(a[i], 0); out may alias a. */
  relu(a: Float32Array, out: Float32Array, n: number): void;
  /** out[i] = y[i] > 0 ? g[i] : 0, where y is the ReLU output (or its input). */
  reluBackward(y: Float32Array, g: Float32Array, out: Float32Array, n: number): void;

  /** Sum of the first n elements. */
  sum(a: Float32Array, n: number): number;
  /** Sum of squares of the first n elements (for gradient norms). */
  sumSquares(a: Float32Array, n: number): number;
  /** out[c] = Σ_r a[r,c] (+ out[c] when accumulate): the bias gradient. */
  sumRows(a: Float32Array, out: Float32Array, rows: number, cols: number, accumulate: boolean): void;

  /** Row-wise numerically stable softmax (log = false) or log-softmax (log = true). out may alias a. */
  softmaxRows(a: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;

  /**
   * SGD with momentum (PyTorch semantics): g = grad + wd·p; v = μ·v + g; step = nesterov ? g + μ·v : v (v = g when μ = 0);
   * p -= lr·step. velocity is neither read nor written when μ = 0.
   */
  sgdStep(p: Float32Array, grad: Float32Array, velocity: Float32Array, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  /**
   * Adam / AdamW (PyTorch semantics). decoupled = true is AdamW (p -= lr·wd·p before the step);
   * otherwise wd is added to the gradient. bc1 = 1 - β1^t, bc2 = 1 - β2^t.
   */
  adamStep(
    p: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    bc1: number,
    bc2: number,
  ): void;
}
