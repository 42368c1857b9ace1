// ONNX nodes for the spec's simple layers: activations, norms, embeddings, conv and pools, pooling over steps, concat.
import { ExportContext, NORM_EPS, type Value } from './context.js';
import { float, int, ints } from './graph.js';

export type ActivationName = 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'leaky_relu';

/** Elementwise activations; GELU is the exact x·Φ(x) from Erf, since ONNX's Gelu op only arrives in opset 20. */
export function activation(ctx: ExportContext, x: Value, kind: ActivationName, hint: string): Value {
  const g = ctx.g;
  let y: string;
  switch (kind) {
    case 'relu':
      y = g.op('Relu', [x.name], {}, hint);
      break;
    case 'tanh':
      y = g.op('Tanh', [x.name], {}, hint);
      break;
    case 'sigmoid':
      y = g.op('Sigmoid', [x.name], {}, hint);
      break;
    case 'leaky_relu':
      y = g.op('LeakyRelu', [x.name], { alpha: float(0.01) }, hint);
      break;
    case 'gelu': {
      const phi = g.op(
        'Add',
        [g.op('Erf', [g.op('Mul', [x.name, g.constFloat(Math.SQRT1_2)], {}, `${hint}_scaled`)], {}, `${hint}_erf`), g.constFloat(1)],
        {},
        `${hint}_1p`,
      );
      y = g.op('Mul', [g.op('Mul', [x.name, g.constFloat(0.5)], {}, `${hint}_half`), phi], {}, hint);
      break;
    }
  }
  return { ...x, name: y };
}

/** Eval-mode BatchNorm1d over [N, D] with the running statistics. */
export function batchNorm(ctx: ExportContext, x: Value, prefix: string): Value {
  const d = [x.width];
  const inputs = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => ctx.init(`${prefix}.${p}`, d));
  return { ...x, name: ctx.g.op('BatchNormalization', [x.name, ...inputs], { epsilon: float(NORM_EPS) }, prefix) };
}

export function layerNorm(ctx: ExportContext, x: Value, prefix: string): Value {
  const d = [x.width];
  return {
    ...x,
    name: ctx.g.op(
      'LayerNormalization',
      [x.name, ctx.init(`${prefix}.weight`, d), ctx.init(`${prefix}.bias`, d)],
      { axis: int(-1), epsilon: float(NORM_EPS) },
      prefix,
    ),
  };
}

/**
 * The mean embedding of each bag as Σ weight·embedding over the padded slots: bag_ids [N, L] and
 * bag_weights [N, L] (1/count in a bag's slots, 0 in padding) → [1, L]·[L, D] per row → [N, D].
 */
export function embeddingBag(ctx: ExportContext, ids: string, weights: string, prefix: string, vocab: number, dim: number): Value {
  const g = ctx.g;
  const rows = g.op('Gather', [ctx.init(`${prefix}.weight`, [vocab, dim]), ids], { axis: int(0) }, `${prefix}.rows`); // [N, L, D]
  const w = g.op('Unsqueeze', [weights, g.constInts([1])], {}, `${prefix}.w`); // [N, 1, L]
  const sum = g.op('MatMul', [w, rows], {}, `${prefix}.weighted`); // [N, 1, D]
  return { name: g.op('Squeeze', [sum, g.constInts([1])], {}, `${prefix}.mean`), steps: null, width: dim };
}

/** Token embeddings [N, L, D], plus the learned position table [L, D] (broadcast over N) when there is one. */
export function tokenEmbedding(ctx: ExportContext, ids: string, prefix: string, vocab: number, length: number, dim: number, positional: boolean): Value {
  const g = ctx.g;
  let y = g.op('Gather', [ctx.init(`${prefix}.tokens.weight`, [vocab, dim]), ids], { axis: int(0) }, `${prefix}.tokens`);
  if (positional) y = g.op('Add', [y, ctx.init(`${prefix}.positions.weight`, [length, dim])], {}, `${prefix}.with_positions`);
  return { name: y, steps: length, width: dim };
}

export interface ConvOptions {
  filters: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
}

/** Conv1d on channels-last [N, T, C]: transposed to [N, C, T] for ONNX Conv and back. */
export function conv1d(ctx: ExportContext, x: Value, prefix: string, o: ConvOptions): Value {
  const g = ctx.g;
  const inputs = [ctx.swapLastTwo(x.name, `${prefix}.channels_first`), ctx.init(`${prefix}.weight`, [o.filters, x.width, o.kernel])];
  if (ctx.has(`${prefix}.bias`)) inputs.push(ctx.init(`${prefix}.bias`, [o.filters]));
  const y = g.op(
    'Conv',
    inputs,
    {
      kernel_shape: ints([o.kernel]),
      strides: ints([o.stride]),
      pads: ints([o.padding, o.padding]),
      dilations: ints([o.dilation]),
    },
    `${prefix}.conv`,
  );
  const steps = Math.floor((x.steps! + 2 * o.padding - o.dilation * (o.kernel - 1) - 1) / o.stride) + 1;
  return { name: ctx.swapLastTwo(y, `${prefix}.channels_last`), steps, width: o.filters };
}

/** Non-overlapping max or average windows of `size` steps; a ragged tail is dropped (floor), as in the engine. */
export function pool(ctx: ExportContext, x: Value, prefix: string, kind: 'max' | 'avg', size: number): Value {
  const g = ctx.g;
  const y = g.op(
    kind === 'max' ? 'MaxPool' : 'AveragePool',
    [ctx.swapLastTwo(x.name, `${prefix}.channels_first`)],
    { kernel_shape: ints([size]), strides: ints([size]) },
    `${prefix}.${kind}_pool`,
  );
  return { name: ctx.swapLastTwo(y, `${prefix}.channels_last`), steps: Math.floor((x.steps! - size) / size) + 1, width: x.width };
}

/** Mean over steps; over a token sequence only real tokens count (the weights come from the ids). */
export function meanPool(ctx: ExportContext, x: Value, prefix: string, masked: boolean): Value {
  const g = ctx.g;
  const name = masked
    ? g.op(
        'ReduceSum',
        [g.op('Mul', [x.name, ctx.masks().meanWeights], {}, `${prefix}.weighted`), g.constInts([1])],
        { keepdims: int(0) },
        `${prefix}.mean_pool`,
      )
    : g.op('ReduceMean', [x.name], { axes: ints([1]), keepdims: int(0) }, `${prefix}.mean_pool`);
  return { name, steps: null, width: x.width };
}

export function lastStep(ctx: ExportContext, x: Value, prefix: string): Value {
  const g = ctx.g;
  return { name: g.op('Gather', [x.name, g.constInts([x.steps! - 1], true)], { axis: int(1) }, `${prefix}.last_step`), steps: null, width: x.width };
}

/** [N, T, D] → [N, T·D], row-major as the engine's reshape. */
export function flatten(ctx: ExportContext, x: Value, prefix: string): Value {
  return { name: ctx.g.op('Flatten', [x.name], { axis: int(1) }, `${prefix}.flatten`), steps: null, width: x.steps! * x.width };
}

export function concatDense(ctx: ExportContext, x: Value, dense: string, extra: number, prefix: string): Value {
  return { name: ctx.g.op('Concat', [x.name, dense], { axis: int(1) }, `${prefix}.concat_dense`), steps: null, width: x.width + extra };
}
