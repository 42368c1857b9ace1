// Embedding (id → vector) and EmbeddingBag (mean or sum of a bag of ids: the fast text classifier's layer).
import { Tensor, empty, record, makeRowSparse } from '../tensor.js';
import { Rng } from '../rng.js';
import { assert } from '../assert.js';
import { gather } from '../ops/shape.js';
import { Module, type Layer } from './module.js';
import { normal } from './init.js';

/** Integer ids from a tensor of whole numbers, checked against the table size. */
export function idsOf(x: Tensor, rows: number): Int32Array {
  const ids = new Int32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    assert(Number.isInteger(v) && v >= 0 && v < rows, () => `id ${v} is not an integer in [0, ${rows})`);
    ids[i] = v;
  }
  return ids;
}

export interface EmbeddingOptions {
  rng?: Rng;
  paddingIdx?: number;
}

/** A [count, dim] table; N(0, 1) initialised as in PyTorch, the padding row zero. */
export class Embedding extends Module implements Layer {
  readonly weight: Tensor;
  readonly paddingIdx: number | undefined;
  constructor(
    readonly count: number,
    readonly dim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    this.paddingIdx = opts.paddingIdx;
    this.weight = this.registerParameter('weight', normal([count, dim], 0, 1, opts.rng ?? new Rng(0)));
    if (opts.paddingIdx !== undefined) this.weight.data.fill(0, opts.paddingIdx * dim, (opts.paddingIdx + 1) * dim);
  }
  /** ids [..] of whole numbers → [.., dim]. */
  forward(ids: Tensor): Tensor {
    return gather(this.weight, idsOf(ids, this.count), ids.shape, this.paddingIdx);
  }
  lookup(ids: Int32Array, shape: readonly number[] = [ids.length]): Tensor {
    return gather(this.weight, ids, shape, this.paddingIdx);
  }
}

export interface EmbeddingBagOptions {
  rng?: Rng;
  mode?: 'mean' | 'sum';
  paddingIdx?: number;
}

/**
 * Reduces each bag of ids to one vector without materialising the [ids, dim] lookup; its gradient is
 * row-sparse, so only the rows a batch used are updated.
 */
export class EmbeddingBag extends Module implements Layer {
  readonly weight: Tensor;
  readonly mode: 'mean' | 'sum';
  readonly paddingIdx: number | undefined;
  constructor(
    readonly count: number,
    readonly dim: number,
    opts: EmbeddingBagOptions = {},
  ) {
    super();
    this.mode = opts.mode ?? 'mean';
    this.paddingIdx = opts.paddingIdx;
    this.weight = this.registerParameter('weight', normal([count, dim], 0, 1, opts.rng ?? new Rng(0)));
    if (opts.paddingIdx !== undefined) this.weight.data.fill(0, opts.paddingIdx * dim, (opts.paddingIdx + 1) * dim);
  }

  /** ids [bags, length] padded with paddingIdx (which is skipped) → [bags, dim]. */
  forward(ids: Tensor): Tensor {
    assert(ids.rank === 2, () => `EmbeddingBag expects ids [bags, length], got [${ids.shape}]`);
    const [bags, len] = ids.shape;
    const flat = idsOf(ids, this.count);
    const kept: number[] = [],
      offsets = new Int32Array(bags);
    for (let b = 0; b < bags; b++) {
      offsets[b] = kept.length;
      for (let t = 0; t < len; t++) if (flat[b * len + t] !== this.paddingIdx) kept.push(flat[b * len + t]);
    }
    return this.bags(Int32Array.from(kept), offsets);
  }

  /** PyTorch's (input, offsets) form: bag b is ids[offsets[b] .. offsets[b+1]). An empty bag gives zeros. */
  bags(ids: Int32Array, offsets: Int32Array): Tensor {
    const dim = this.dim,
      w = this.weight.data,
      bags = offsets.length;
    const out = empty([bags, dim]);
    out.data.fill(0);
    const scales = new Float32Array(bags);
    for (let b = 0; b < bags; b++) {
      const start = offsets[b],
        end = b + 1 < bags ? offsets[b + 1] : ids.length;
      assert(start <= end && end <= ids.length, () => `offsets are not ascending within ${ids.length} ids`);
      const scale = this.mode === 'mean' && end > start ? 1 / (end - start) : 1;
      scales[b] = scale;
      for (let i = start; i < end; i++) {
        const r = ids[i];
        assert(r >= 0 && r < this.count, () => `id ${r} out of range for ${this.count} rows`);
        for (let d = 0; d < dim; d++) out.data[b * dim + d] += w[r * dim + d] * scale;
      }
    }
    return record(out, [this.weight], (g) => {
      const values = new Float32Array(ids.length * dim);
      for (let b = 0; b < bags; b++) {
        const start = offsets[b],
          end = b + 1 < bags ? offsets[b + 1] : ids.length;
        for (let i = start; i < end; i++) for (let d = 0; d < dim; d++) values[i * dim + d] = g.data[b * dim + d] * scales[b];
      }
      return [makeRowSparse(ids, values, dim)];
    });
  }
}
