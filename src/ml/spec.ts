// Declarative model specs: JSON that names an input and a list of layers, validated and built into an engine Module.
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';

/** What the model reads: the pipeline's dense features, token bags or sequences, or sensor windows. */
export type InputSpec =
  | { kind: 'dense'; features: number }
  | { kind: 'bags'; vocab: number; dense?: number }
  | { kind: 'sequence'; vocab: number; length: number; dense?: number }
  | { kind: 'window'; length: number; features: number };

export type LayerSpec =
  | { type: 'linear'; units: number }
  | { type: 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'leaky_relu' }
  | { type: 'dropout'; rate: number }
  | { type: 'batchnorm' }
  | { type: 'layernorm' }
  | { type: 'embedding_bag'; dim: number }
  | { type: 'embedding'; dim: number; positional?: boolean }
  | { type: 'transformer_encoder'; heads: number; ff: number; dropout?: number; activation?: 'relu' | 'gelu'; normFirst?: boolean }
  | { type: 'mean_pool' }
  | { type: 'conv1d'; filters: number; kernel: number; stride?: number; padding?: number; dilation?: number }
  | { type: 'max_pool'; size: number }
  | { type: 'avg_pool'; size: number }
  | { type: 'gru'; units: number }
  | { type: 'lstm'; units: number }
  | { type: 'last_step' }
  | { type: 'flatten' }
  | { type: 'concat_dense' };

/**
 * A whole model: input, hidden layers, and the size of the output layer (classes, or 1 for a value). With
 * `members` (2-16), an ensemble: that many copies of the model with their own weights (state names `m0.`, `m1.` …),
 * answering the mean of their outputs.
 */
export interface ModelSpec {
  input: InputSpec;
  layers: LayerSpec[];
  outputs: number;
  members?: number;
}

/** Most members an ensemble spec may have. */
export const MAX_MEMBERS = 16;

/** An ensemble size asked for by a user (1: a single model), checked before any training starts. */
export function checkMembers(v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_MEMBERS) {
    throw new AndonError('invalid_input', `members must be an integer from 1 to ${MAX_MEMBERS}, got ${JSON.stringify(v)}`, { members: v });
  }
  return v as number;
}

/** One batch in the form the input spec names. Sequence ids are [rows × length] padded with padId. */
export interface ModelInput {
  rows: number;
  dense?: E.Tensor;
  bags?: { ids: Int32Array; offsets: Int32Array };
  sequence?: { ids: Int32Array; length: number; padId: number };
  window?: E.Tensor;
}

/** The representation between layers: [N, D] features, or [N, T, D] steps (channels last). */
interface Shape {
  steps: number | null;
  width: number;
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw new AndonError('invalid_input', `model spec: ${message}`, details);
}

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) bad(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** A built layer: its module (for parameters) and how it maps the running tensor. */
interface Built {
  module: E.Module | null;
  apply: (h: E.Tensor, input: ModelInput) => E.Tensor;
}

export class SpecModel extends E.Module {
  private readonly built: Built[] = [];
  private readonly head: E.Linear | null = null;
  private readonly firstReads: 'dense' | 'bags' | 'sequence' | 'window' = 'dense';
  /** An ensemble's members, each a whole model; empty for a single model. */
  private readonly members: SpecModel[] = [];

  constructor(
    readonly spec: ModelSpec,
    rng: E.Rng,
  ) {
    super();
    if (spec?.members !== undefined && spec.members !== 1) {
      const k = positiveInt(spec.members, 'members');
      if (k > MAX_MEMBERS) bad(`members must be at most ${MAX_MEMBERS}, got ${k}`);
      const { members: _, ...single } = spec;
      this.members = Array.from({ length: k }, (_m, j) => this.registerModule(`m${j}`, new SpecModel(single, rng)));
      return;
    }
    const { input } = spec;
    if (!input || typeof input !== 'object') bad('missing input');
    if (!Array.isArray(spec.layers)) bad('layers must be a list');
    positiveInt(spec.outputs, 'outputs');
    let shape: Shape;
    switch (input.kind) {
      case 'dense':
        shape = { steps: null, width: positiveInt(input.features, 'input.features') };
        this.firstReads = 'dense';
        break;
      case 'window':
        shape = { steps: positiveInt(input.length, 'input.length'), width: positiveInt(input.features, 'input.features') };
        this.firstReads = 'window';
        break;
      case 'bags':
        positiveInt(input.vocab, 'input.vocab');
        shape = { steps: null, width: 0 };
        this.firstReads = 'bags';
        break;
      case 'sequence':
        positiveInt(input.vocab, 'input.vocab');
        shape = { steps: positiveInt(input.length, 'input.length'), width: 0 };
        this.firstReads = 'sequence';
        break;
      default:
        bad(`unknown input kind ${JSON.stringify((input as { kind: unknown }).kind)}`);
    }
    if ((this.firstReads === 'bags' || this.firstReads === 'sequence') && !['embedding_bag', 'embedding'].includes(spec.layers[0]?.type)) {
      bad(`a ${this.firstReads} input must start with an ${this.firstReads === 'bags' ? 'embedding_bag' : 'embedding'} layer`);
    }
    this.built = spec.layers.map((layer, i) => {
      const b = buildLayer(layer, i, shape, spec.input, rng);
      if (b.module) this.registerModule(String(i), b.module);
      return b;
    });
    if (shape.steps !== null) bad('the last layer leaves a sequence: add mean_pool, last_step or flatten before the output');
    if (shape.width <= 0) bad('no features reach the output layer');
    this.head = this.registerModule('head', new E.Linear(shape.width, spec.outputs, { rng }));
  }

  /** Models trained on their own (e.g. on different validation splits) as one ensemble, their weights copied. */
  static ensemble(models: SpecModel[]): SpecModel {
    if (models.length < 2 || models.some((m) => m.spec.members !== undefined && m.spec.members !== 1)) bad('an ensemble needs at least two single models');
    const e = new SpecModel({ ...models[0].spec, members: models.length }, new E.Rng(0));
    const state = new Map<string, E.Tensor>();
    models.forEach((m, j) => {
      for (const [k, t] of m.stateDict()) state.set(`m${j}.${k}`, t);
    });
    e.loadStateDict(state); // names and shapes checked: members of another spec are refused
    return e.eval();
  }

  /** Logits (classification) or values (regression), [rows, outputs]. */
  forward(input: ModelInput): E.Tensor {
    if (this.members.length) {
      // The mean of the members' outputs (logits, for a classifier: the geometric mean of their odds).
      let sum = this.members[0].forward(input);
      for (const m of this.members.slice(1)) sum = E.add(sum, m.forward(input));
      return E.mulScalar(sum, 1 / this.members.length);
    }
    let h: E.Tensor;
    if (this.firstReads === 'dense') h = need(input.dense, 'dense');
    else if (this.firstReads === 'window') h = need(input.window, 'window');
    else h = E.zeros([input.rows, 0]); // the embedding layer reads the ids itself
    for (const b of this.built) h = b.apply(h, input);
    return this.head!.forward(h);
  }
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new AndonError('invalid_input', `the model needs ${what} input`);
  return v;
}

/** Builds one layer and advances the tracked shape; `shape` is updated in place. */
function buildLayer(layer: LayerSpec, i: number, shape: Shape, input: InputSpec, rng: E.Rng): Built {
  const at = `layers[${i}] (${layer?.type})`;
  const seq = (): number => {
    if (shape.steps === null) bad(`${at} needs a sequence input`);
    return shape.steps;
  };
  const flat = (): void => {
    if (shape.steps !== null) bad(`${at} needs features, not a sequence: add mean_pool, last_step or flatten first`);
  };
  const fn = (apply: Built['apply']): Built => ({ module: null, apply });
  switch (layer?.type) {
    case 'linear': {
      const m = new E.Linear(shape.width, positiveInt(layer.units, `${at}.units`), { rng });
      shape.width = layer.units;
      return { module: m, apply: (h) => m.forward(h) };
    }
    case 'relu':
      return fn(E.relu);
    case 'gelu':
      return fn(E.gelu);
    case 'tanh':
      return fn(E.tanh);
    case 'sigmoid':
      return fn(E.sigmoid);
    case 'leaky_relu':
      return fn((h) => E.leakyRelu(h, 0.01));
    case 'dropout': {
      if (typeof layer.rate !== 'number' || !(layer.rate >= 0 && layer.rate < 1)) bad(`${at}.rate must be in [0, 1)`);
      const m = new E.Dropout(layer.rate, rng.fork());
      return { module: m, apply: (h) => m.forward(h) };
    }
    case 'batchnorm': {
      flat();
      const m = new E.BatchNorm1d(shape.width);
      return { module: m, apply: (h) => m.forward(h) };
    }
    case 'layernorm': {
      const m = new E.LayerNorm(shape.width);
      return { module: m, apply: (h) => m.forward(h) };
    }
    case 'embedding_bag': {
      if (input.kind !== 'bags' || i !== 0) bad(`${at} must be the first layer of a bags input`);
      const m = new E.EmbeddingBag(input.vocab, positiveInt(layer.dim, `${at}.dim`), { rng, paddingIdx: 0 });
      shape.width = layer.dim;
      return {
        module: m,
        apply: (_h, x) => {
          const b = need(x.bags, 'bags');
          return m.bags(b.ids, b.offsets);
        },
      };
    }
    case 'embedding': {
      if (input.kind !== 'sequence' || i !== 0) bad(`${at} must be the first layer of a sequence input`);
      const dim = positiveInt(layer.dim, `${at}.dim`);
      const m = new TokenEmbedding(input.vocab, input.length, dim, layer.positional !== false, rng);
      shape.width = dim;
      return { module: m, apply: (_h, x) => m.forward(need(x.sequence, 'sequence')) };
    }
    case 'transformer_encoder': {
      seq();
      const m = new E.TransformerEncoderLayer(shape.width, positiveInt(layer.heads, `${at}.heads`), positiveInt(layer.ff, `${at}.ff`), {
        dropout: layer.dropout ?? 0.1,
        activation: layer.activation ?? 'gelu',
        normFirst: layer.normFirst ?? true,
        rng,
      });
      return { module: m, apply: (h, x) => m.forward(h, x.sequence ? paddingMask(x.sequence) : undefined) };
    }
    case 'mean_pool': {
      seq();
      shape.steps = null;
      return fn((h, x) => meanOverSteps(h, x.sequence));
    }
    case 'last_step': {
      const steps = seq();
      shape.steps = null;
      return fn((h) => E.reshape(E.slice(h, 1, steps - 1, steps), [h.shape[0], h.shape[2]]));
    }
    case 'flatten': {
      // Every step's features side by side, oldest first: a dense layer after it weighs each step on its own.
      const steps = seq();
      shape.steps = null;
      shape.width *= steps;
      const width = shape.width;
      return fn((h) => E.reshape(h, [h.shape[0], width]));
    }
    case 'conv1d': {
      const steps = seq();
      const k = positiveInt(layer.kernel, `${at}.kernel`),
        stride = layer.stride ?? 1,
        padding = layer.padding ?? 0,
        dilation = layer.dilation ?? 1;
      const out = Math.floor((steps + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
      if (out <= 0) bad(`${at}: ${steps} steps are too few for kernel ${k}`);
      const m = new E.Conv1d(shape.width, positiveInt(layer.filters, `${at}.filters`), k, { stride, padding, dilation, rng });
      shape.steps = out;
      shape.width = layer.filters;
      return { module: m, apply: (h) => channelsLast(m.forward(channelsFirst(h))) };
    }
    case 'max_pool':
    case 'avg_pool': {
      const steps = seq();
      const size = positiveInt(layer.size, `${at}.size`);
      if (size > steps) bad(`${at}: pool size ${size} is larger than ${steps} steps`);
      shape.steps = Math.floor((steps - size) / size) + 1;
      const pool = layer.type === 'max_pool' ? E.maxPool1d : E.avgPool1d;
      return fn((h) => channelsLast(pool(channelsFirst(h), size)));
    }
    case 'gru':
    case 'lstm': {
      seq();
      const units = positiveInt(layer.units, `${at}.units`);
      const m = layer.type === 'gru' ? new E.GRU(shape.width, units, { rng }) : new E.LSTM(shape.width, units, { rng });
      shape.width = units;
      return { module: m, apply: (h) => m.forward(h) };
    }
    case 'concat_dense': {
      flat();
      const extra = input.kind === 'bags' || input.kind === 'sequence' ? (input.dense ?? 0) : 0;
      if (extra <= 0) bad(`${at}: the input has no dense features to concatenate`);
      shape.width += extra;
      return fn((h, x) => E.concat([h, need(x.dense, 'dense')], 1));
    }
    default:
      bad(`${at}: unknown layer type`, { known: LAYER_TYPES });
  }
}

export const LAYER_TYPES = [
  'linear',
  'relu',
  'gelu',
  'tanh',
  'sigmoid',
  'leaky_relu',
  'dropout',
  'batchnorm',
  'layernorm',
  'embedding_bag',
  'embedding',
  'transformer_encoder',
  'mean_pool',
  'conv1d',
  'max_pool',
  'avg_pool',
  'gru',
  'lstm',
  'last_step',
  'flatten',
  'concat_dense',
];

const channelsFirst = (h: E.Tensor) => E.transpose(h, [0, 2, 1]);
const channelsLast = (h: E.Tensor) => E.transpose(h, [0, 2, 1]);

function paddingMask(seq: NonNullable<ModelInput['sequence']>): Uint8Array {
  return Uint8Array.from(seq.ids, (id) => (id === seq.padId ? 1 : 0));
}

/** Mean over steps; for token sequences only over real (non-padding) tokens. */
function meanOverSteps(h: E.Tensor, seq: ModelInput['sequence']): E.Tensor {
  if (!seq) return E.mean(h, 1);
  const [n, t] = h.shape;
  const w = new Float32Array(n * t);
  for (let r = 0; r < n; r++) {
    let count = 0;
    for (let s = 0; s < t; s++) if (seq.ids[r * t + s] !== seq.padId) count++;
    for (let s = 0; s < t; s++) if (seq.ids[r * t + s] !== seq.padId) w[r * t + s] = 1 / count;
  }
  return E.sum(E.mul(h, E.tensor(w, [n, t, 1])), 1);
}

/** Token embeddings plus learned position embeddings, as in BERT-style encoders. */
class TokenEmbedding extends E.Module {
  private readonly tokens: E.Embedding;
  private readonly positions: E.Embedding | null;
  constructor(
    vocab: number,
    private readonly length: number,
    dim: number,
    positional: boolean,
    rng: E.Rng,
  ) {
    super();
    this.tokens = this.registerModule('tokens', new E.Embedding(vocab, dim, { rng, paddingIdx: 0 }));
    this.positions = positional ? this.registerModule('positions', new E.Embedding(length, dim, { rng })) : null;
    // N(0, 1) embeddings dwarf the residual stream of a small encoder; scale them down like BERT's 0.02 init.
    E.noGrad(() => {
      for (const e of [this.tokens, this.positions])
        if (e) {
          const d = e.weight.data;
          for (let i = 0; i < d.length; i++) d[i] *= 0.1;
        }
    });
  }
  forward(seq: NonNullable<ModelInput['sequence']>): E.Tensor {
    const n = seq.ids.length / seq.length;
    if (seq.length !== this.length) throw new AndonError('invalid_input', `sequences must have length ${this.length}, got ${seq.length}`);
    const tok = this.tokens.lookup(seq.ids, [n, seq.length]);
    if (!this.positions) return tok;
    const pos = this.positions.lookup(
      Int32Array.from({ length: seq.length }, (_, i) => i),
      [seq.length],
    );
    return E.add(tok, pos);
  }
}
