// Shape ops: reshape, transpose (any permutation), slice, concat, and gather (embedding lookup, sparse gradient).
import { Tensor, empty, record, makeRowSparse, zeros } from '../tensor.js';
import { assert } from '../assert.js';

/** Same data, new shape (shares storage; -1 infers one dimension). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  return record(a.view(shape), [a], (g) => [g.view(a.shape)]);
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Permutes dimensions (default: swap the last two). Copies into contiguous storage. */
export function transpose(a: Tensor, perm?: readonly number[]): Tensor {
  const rank = a.rank;
  const p = perm ? [...perm] : [...Array(rank).keys()].map((i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
  assert(p.length === rank && [...p].sort().every((v, i) => v === i), () => `invalid permutation [${perm}] for rank ${rank}`);
  const outShape = p.map((d) => a.shape[d]);
  const out = empty(outShape);
  permuteInto(a.data, a.shape, p, out.data);
  const inverse = new Array(rank);
  p.forEach((d, i) => {
    inverse[d] = i;
  });
  return record(out, [a], (g) => [transpose(g, inverse)]);
}

function permuteInto(src: Float32Array, shape: readonly number[], perm: number[], dst: Float32Array): void {
  const rank = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((d) => shape[d]);
  const walk = perm.map((d) => inStrides[d]); // input stride for each output dimension
  if (rank === 2 && perm[0] === 1) {
    // plain matrix transpose, the common case
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
    return;
  }
  const idx = new Array(rank).fill(0);
  let from = 0;
  for (let o = 0; o < dst.length; o++) {
    dst[o] = src[from];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      from += walk[d];
      if (idx[d] < outShape[d]) break;
      from -= walk[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/** Elements start..end-1 along one axis. */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axis < 0 ? axis + a.rank : axis;
  const len = a.shape[ax];
  assert(ax >= 0 && ax < a.rank, () => `axis ${axis} out of range for shape [${a.shape}]`);
  assert(
    Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= len,
    () => `slice [${start}, ${end}) out of range 0..${len} on axis ${ax}`,
  );
  const outer = a.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = a.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const width = (end - start) * inner;
  const out = empty(a.shape.map((d, i) => (i === ax ? end - start : d)));
  for (let o = 0; o < outer; o++) {
    out.data.set(a.data.subarray(o * len * inner + start * inner, o * len * inner + start * inner + width), o * width);
  }
  return record(out, [a], (g) => {
    const gx = zeros(a.shape);
    for (let o = 0; o < outer; o++) gx.data.set(g.data.subarray(o * width, (o + 1) * width), o * len * inner + start * inner);
    return [gx];
  });
}

/** Joins tensors along an axis; all other dimensions must agree. */
export function concat(parts: Tensor[], axis = 0): Tensor {
  assert(parts.length > 0, 'concat of no tensors');
  const first = parts[0];
  const ax = axis < 0 ? axis + first.rank : axis;
  for (const t of parts) {
    assert(
      t.rank === first.rank && t.shape.every((d, i) => i === ax || d === first.shape[i]),
      () => `concat: shape [${t.shape}] does not match [${first.shape}] outside axis ${ax}`,
    );
  }
  const outer = first.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = first.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const total = parts.reduce((p, t) => p + t.shape[ax], 0);
  const out = empty(first.shape.map((d, i) => (i === ax ? total : d)));
  let offset = 0;
  const offsets: number[] = [];
  for (const t of parts) {
    offsets.push(offset);
    const w = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) out.data.set(t.data.subarray(o * w, (o + 1) * w), o * total * inner + offset * inner);
    offset += t.shape[ax];
  }
  return record(out, parts, (g) => parts.map((t, i) => (t.requiresGrad ? slice(g, ax, offsets[i], offsets[i] + t.shape[ax]) : null)));
}

/**
 * Rows of a [rows, dim] table by index: the embedding lookup. The output has shape [...indexShape, dim].
 * When the table is a leaf parameter its gradient is row-sparse (only the rows used), so a large
 * vocabulary costs nothing for the rows a batch did not touch. Lookups of paddingIdx get no gradient,
 * so the padding row stays as it is (as torch.nn.Embedding's padding_idx).
 */
export function gather(table: Tensor, indices: Int32Array, indexShape: readonly number[] = [indices.length], paddingIdx?: number): Tensor {
  assert(table.rank === 2, () => `gather needs a [rows, dim] table, got [${table.shape}]`);
  const [rows, dim] = table.shape;
  const out = empty([...indexShape, dim]);
  assert(out.size === indices.length * dim, () => `index shape [${indexShape}] does not hold ${indices.length} indices`);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    assert(r >= 0 && r < rows, () => `index ${r} out of range for ${rows} rows`);
    out.data.set(table.data.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  return record(out, [table], (g) => {
    let grad = g.data;
    if (paddingIdx !== undefined) {
      grad = grad.slice();
      for (let i = 0; i < indices.length; i++) if (indices[i] === paddingIdx) grad.fill(0, i * dim, (i + 1) * dim);
    }
    const sparse = makeRowSparse(indices, grad, dim);
    if (!table.backwardRule) return [sparse];
    const dense = zeros(table.shape);
    for (let i = 0; i < sparse.rows.length; i++) dense.data.set(sparse.values.subarray(i * dim, (i + 1) * dim), sparse.rows[i] * dim);
    return [dense];
  });
}
