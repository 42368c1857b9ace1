// What every layer exporter shares: the graph, the model's weights by state-dict name, padding masks, and Linear.
import type * as E from '../../engine/index.js';
import { AndonError } from '../../errors.js';
import type { ModelSpec } from '../spec.js';
import { Graph, FLOAT, int, ints } from './graph.js';

/** The running value between layers: [N, width] features, or [N, steps, width] steps (channels last). */
export interface Value {
  name: string;
  steps: number | null;
  width: number;
}

/** Masks derived once from a token sequence's ids and shared by every layer that needs them. */
export interface SequenceMasks {
  /** [N, 1, 1, L]: −1e9 at padded keys, 0 elsewhere, added to attention scores. */
  attentionBias: string;
  /** [N, 1, 1, 1]: 0 for a sample that is all padding (its attention weights are zeroed), else 1. */
  attentionKeep: string;
  /** [N, L, 1]: 1/count at real tokens, 0 at padding (all zero for an all-padding sample). */
  meanWeights: string;
}

/** The padding mask value of the engine's attention (see engine/nn/attention.ts): finite, so no NaN. */
export const MASKED = -1e9;
/** The eps of the engine's LayerNorm and BatchNorm1d; specs never change it. */
export const NORM_EPS = 1e-5;

export class ExportContext {
  private readonly cached = new Map<string, string>();
  private masksMade: SequenceMasks | null = null;

  constructor(
    readonly g: Graph,
    readonly spec: ModelSpec,
    private readonly state: Map<string, E.Tensor>,
    /** The `ids` graph input of a sequence model. */
    private readonly ids: string | null,
  ) {}

  /** A parameter or buffer by its state-dict name. */
  tensor(key: string, shape?: number[]): E.Tensor {
    const t = this.state.get(key);
    if (!t) throw new AndonError('invalid_input', `ONNX export: the model has no weight ${key}`, { key });
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new AndonError('invalid_input', `ONNX export: ${key} has shape [${t.shape}], expected [${shape}]`, { key });
    }
    return t;
  }

  has(key: string): boolean {
    return this.state.has(key);
  }

  /** A state tensor as an initializer under its own name, unchanged. */
  init(key: string, shape?: number[]): string {
    let name = this.cached.get(key);
    if (!name) {
      const t = this.tensor(key, shape);
      name = this.g.floats(key, t.data, [...t.shape]);
      this.cached.set(key, name);
    }
    return name;
  }

  /** A derived initializer (transposed, reordered) named after its source. */
  derived(key: string, suffix: string, data: Float32Array, dims: number[]): string {
    return this.g.floats(`${key}:${suffix}`, data, dims);
  }

  masks(): SequenceMasks {
    if (this.masksMade) return this.masksMade;
    if (!this.ids) throw new AndonError('internal', 'padding masks need a sequence input');
    const g = this.g;
    const pad = g.op('Cast', [g.op('Equal', [this.ids, g.constInts([0], true)], {}, 'is_pad')], { to: int(FLOAT) }, 'pad');
    const real = g.op('Sub', [g.constFloat(1), pad], {}, 'real');
    const count = g.op('ReduceSum', [real, g.constInts([1])], { keepdims: int(1) }, 'real_count'); // [N, 1]
    const attentionBias = g.op('Unsqueeze', [g.op('Mul', [pad, g.constFloat(MASKED)], {}, 'pad_bias'), g.constInts([1, 2])], {}, 'attention_bias');
    const any = g.op('Cast', [g.op('Greater', [count, g.constFloat(0)], {}, 'has_real')], { to: int(FLOAT) }, 'has_real_f');
    const attentionKeep = g.op('Unsqueeze', [any, g.constInts([2, 3])], {}, 'attention_keep');
    // Dividing by max(count, 1) leaves an all-padding row at zero, as the engine's mean_pool does.
    const w = g.op('Div', [real, g.op('Max', [count, g.constFloat(1)], {}, 'count_or_one')], {}, 'mean_w');
    const meanWeights = g.op('Unsqueeze', [w, g.constInts([2])], {}, 'mean_weights');
    this.masksMade = { attentionBias, attentionKeep, meanWeights };
    return this.masksMade;
  }

  /** y = x·Wᵀ + b for W [out, in] under `prefix`.weight: Gemm for [N, in], MatMul + Add for [N, T, in]. */
  linear(x: Value, prefix: string, out: number): Value {
    const wKey = `${prefix}.weight`,
      bKey = `${prefix}.bias`;
    const w = this.tensor(wKey, [out, x.width]);
    const hasBias = this.state.has(bKey);
    if (x.steps === null) {
      const inputs = [x.name, this.init(wKey)];
      if (hasBias) inputs.push(this.init(bKey, [out]));
      return { name: this.g.op('Gemm', inputs, { transB: int(1) }, `${prefix}.gemm`), steps: null, width: out };
    }
    let cached = this.cached.get(`${wKey}:T`);
    if (!cached) {
      cached = this.derived(wKey, 'T', transpose2d(w.data, out, x.width), [x.width, out]);
      this.cached.set(`${wKey}:T`, cached);
    }
    let y = this.g.op('MatMul', [x.name, cached], {}, `${prefix}.matmul`);
    if (hasBias) y = this.g.op('Add', [y, this.init(bKey, [out])], {}, `${prefix}.add`);
    return { name: y, steps: x.steps, width: out };
  }

  /** [N, T, C] ↔ [N, C, T]: the spec runs sequences channels-last, ONNX Conv and pools want channels-first. */
  swapLastTwo(name: string, hint: string): string {
    return this.g.op('Transpose', [name], { perm: ints([0, 2, 1]) }, hint);
  }
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Reorders the equal row blocks (gates) of a tensor: block i of the result is block order[i] of `data`. */
export function reorderBlocks(data: Float32Array, order: number[]): Float32Array {
  const block = data.length / order.length;
  const out = new Float32Array(data.length);
  order.forEach((from, i) => out.set(data.subarray(from * block, (from + 1) * block), i * block));
  return out;
}
