// Matrix products: 2-D and batched matmul with optional transposes, and the fused dense layer x·Wᵀ + b.
import { Tensor, empty, record } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { assert } from '../assert.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * op(a)·op(b) for a of rank 2 or 3 and b of rank 2 or 3 (batched over the leading dimension; a 2-D b is
 * shared by every batch). transA/transB transpose the last two dimensions without copying.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = !!opts.transA,
    transB = !!opts.transB;
  assert(a.rank === 2 || a.rank === 3, () => `matmul needs a 2-D or 3-D left operand, got [${a.shape}]`);
  assert(b.rank === 2 || (b.rank === 3 && a.rank === 3), () => `matmul right operand [${b.shape}] does not fit left [${a.shape}]`);
  const batch = a.rank === 3 ? a.shape[0] : 1;
  if (b.rank === 3) assert(b.shape[0] === batch, () => `matmul batch sizes differ: [${a.shape}] and [${b.shape}]`);
  const [ar, ac] = a.shape.slice(-2),
    [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar,
    k = transA ? ar : ac;
  const kb = transB ? bc : br,
    n = transB ? br : bc;
  assert(k === kb, () => `matmul inner dimensions differ: [${a.shape}]${transA ? 'ᵀ' : ''} · [${b.shape}]${transB ? 'ᵀ' : ''}`);
  const out = empty(a.rank === 3 ? [batch, m, n] : [m, n]);
  const bStride = b.rank === 3 ? k * n : 0;
  batchedMatmul(a.data, b.data, out.data, batch, m * k, bStride, m * n, m, k, n, transA, transB, false);

  return record(out, [a, b], (g) => {
    // For C = op(A)·op(B): dop(A) = G·op(B)ᵀ and dop(B) = op(A)ᵀ·G, written so no transpose is materialised.
    let ga: Tensor | null = null,
      gb: Tensor | null = null;
    if (a.requiresGrad) {
      ga = empty(a.shape);
      if (!transA) batchedMatmul(g.data, b.data, ga.data, batch, m * n, bStride, m * k, m, n, k, false, !transB, false);
      else batchedMatmul(b.data, g.data, ga.data, batch, bStride, m * n, m * k, k, n, m, transB, true, false);
    }
    if (b.requiresGrad) {
      gb = empty(b.shape);
      const shared = b.rank === 2; // a shared right operand sums its gradient over the batch
      if (!transB) batchedMatmul(a.data, g.data, gb.data, batch, m * k, m * n, shared ? 0 : k * n, k, m, n, !transA, false, shared);
      else batchedMatmul(g.data, a.data, gb.data, batch, m * n, m * k, shared ? 0 : k * n, n, m, k, true, transA, shared);
    }
    return [ga, gb];
  });
}

function batchedMatmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  batch: number,
  aStride: number,
  bStride: number,
  cStride: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulateAcrossBatch: boolean,
): void {
  const kern = kernels();
  if (batch === 1) {
    kern.matmul(a, b, c, m, k, n, transA, transB, false);
    return;
  }
  for (let i = 0; i < batch; i++) {
    const cView = cStride ? c.subarray(i * cStride, (i + 1) * cStride) : c;
    kern.matmul(
      a.subarray(i * aStride, i * aStride + m * k),
      b.subarray(i * bStride, i * bStride + k * n),
      cView,
      m,
      k,
      n,
      transA,
      transB,
      accumulateAcrossBatch && i > 0,
    );
  }
}

/**
 * The dense layer y = x·Wᵀ + b with W stored [out, in] as PyTorch does; x may have any leading
 * dimensions. One fused op so the training loop does one matmul and one bias pass per layer.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [outF, inF] = weight.shape;
  assert(weight.rank === 2, () => `linear weight must be [out, in], got [${weight.shape}]`);
  assert(x.shape[x.rank - 1] === inF, () => `linear expects ${inF} input features, got shape [${x.shape}]`);
  const rows = x.size / inF;
  const out = empty([...x.shape.slice(0, -1), outF]);
  const k = kernels();
  k.matmul(x.data, weight.data, out.data, rows, inF, outF, false, true, false);
  if (bias) k.addRow(out.data, bias.data, out.data, rows, outF);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, inputs, (g) => {
    let gx: Tensor | null = null,
      gw: Tensor | null = null,
      gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape);
      k.matmul(g.data, weight.data, gx.data, rows, outF, inF, false, false, false);
    }
    if (weight.requiresGrad) {
      gw = empty(weight.shape);
      k.matmul(g.data, x.data, gw.data, outF, rows, inF, true, false, false);
    }
    if (bias && bias.requiresGrad) {
      gb = empty(bias.shape);
      k.sumRows(g.data, gb.data, rows, outF, false);
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
