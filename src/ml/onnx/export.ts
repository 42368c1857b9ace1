// exportOnnx: a built SpecModel (eval-mode semantics, its current weights) as an ONNX model file.
import { AndonError } from '../../errors.js';
import { LAYER_TYPES, type LayerSpec, type SpecModel } from '../spec.js';
import { ExportContext, type Value } from './context.js';
import { Graph, FLOAT, INT64 } from './graph.js';
import { activation, batchNorm, layerNorm, embeddingBag, tokenEmbedding, conv1d, pool, meanPool, lastStep, flatten, concatDense } from './layers.js';
import { transformerEncoder } from './attention.js';
import { recurrent } from './recurrent.js';
import { onnxInputs, onnxOutput } from './signature.js';

/**
 * The model's forward pass as an ONNX graph (opset 17) with the inputs of `onnxInputs(spec)` and one output
 * `output` [N, outputs]. Dropout is left out and BatchNorm uses its running statistics, whatever mode the
 * model is in. The weights are copied, so later training does not change the exported bytes.
 */
export function exportOnnx(model: SpecModel): Uint8Array {
  const spec = model.spec;
  const g = new Graph();
  for (const i of onnxInputs(spec)) g.input(i.name, i.type === 'int64' ? INT64 : FLOAT, i.dims);
  const ctx = new ExportContext(g, spec, model.stateDict(), spec.input.kind === 'sequence' ? 'ids' : null);
  /** One whole model whose weights are named under `prefix` (an ensemble member's `m0.` …, or none). */
  const single = (prefix: string): string => {
    let x: Value =
      spec.input.kind === 'dense'
        ? { name: 'dense', steps: null, width: spec.input.features }
        : spec.input.kind === 'window'
          ? { name: 'window', steps: spec.input.length, width: spec.input.features }
          : { name: '', steps: null, width: 0 }; // the first (embedding) layer reads the ids itself
    spec.layers.forEach((layer, i) => {
      x = exportLayer(ctx, layer, i, x, prefix);
    });
    if (x.steps !== null) unsupported('the last layer leaves a sequence', spec.layers.length - 1);
    return ctx.linear(x, `${prefix}head`, spec.outputs).name;
  };
  const members = spec.members ?? 1;
  const y =
    members > 1
      ? g.op(
          'Mean',
          Array.from({ length: members }, (_, j) => single(`m${j}.`)),
          {},
          'ensemble_mean',
        )
      : single('');
  const out = onnxOutput(spec);
  g.output(y, out.name, FLOAT, out.dims);
  return g.encode('andon_spec_model', 'Andon SpecModel export', { 'andon.spec': JSON.stringify(spec) });
}

function unsupported(message: string, layer: number, details: Record<string, unknown> = {}): never {
  throw new AndonError('invalid_input', `ONNX export: layers[${layer}]: ${message}`, { layer, ...details });
}

// Option defaults below are spec.ts's (buildLayer): the exported graph must make the same choices.
function exportLayer(ctx: ExportContext, layer: LayerSpec, i: number, x: Value, prefix: string): Value {
  const p = `${prefix}${i}`,
    input = ctx.spec.input;
  const steps = (): number => x.steps ?? unsupported(`${layer.type} needs a sequence`, i);
  /**
   * The engine masks a token sequence's padding by position, so a masked layer must see the sequence at its
   * input length: after a conv or pool the mask no longer lines up with the steps (the engine then asserts in
   * attention and misreads positions in mean_pool), so such a model has no faithful export.
   */
  const maskedSequence = (): boolean => {
    if (input.kind !== 'sequence') return false;
    if (steps() !== input.length) {
      unsupported(
        `${layer.type} over a token sequence needs all ${input.length} steps, but earlier layers left ${x.steps}; ` +
          'the padding mask does not line up with a convolved or pooled sequence',
        i,
        { type: layer.type },
      );
    }
    return true;
  };
  switch (layer.type) {
    case 'linear':
      return ctx.linear(x, p, layer.units);
    case 'relu':
    case 'gelu':
    case 'tanh':
    case 'sigmoid':
    case 'leaky_relu':
      return activation(ctx, x, layer.type, `${p}.${layer.type}`);
    case 'dropout':
      return x;
    case 'batchnorm':
      return batchNorm(ctx, x, p);
    case 'layernorm':
      return layerNorm(ctx, x, p);
    case 'embedding_bag': {
      if (input.kind !== 'bags') unsupported('embedding_bag needs a bags input', i);
      return embeddingBag(ctx, 'bag_ids', 'bag_weights', p, input.vocab, layer.dim);
    }
    case 'embedding': {
      if (input.kind !== 'sequence') unsupported('embedding needs a sequence input', i);
      return tokenEmbedding(ctx, 'ids', p, input.vocab, input.length, layer.dim, layer.positional !== false);
    }
    case 'transformer_encoder': {
      steps();
      return transformerEncoder(ctx, x, p, {
        heads: layer.heads,
        ff: layer.ff,
        activation: layer.activation ?? 'gelu',
        normFirst: layer.normFirst ?? true,
        masked: maskedSequence(),
      });
    }
    case 'mean_pool':
      steps();
      return meanPool(ctx, x, p, maskedSequence());
    case 'last_step':
      steps();
      return lastStep(ctx, x, p);
    case 'flatten':
      steps();
      return flatten(ctx, x, p);
    case 'conv1d': {
      steps();
      return conv1d(ctx, x, p, {
        filters: layer.filters,
        kernel: layer.kernel,
        stride: layer.stride ?? 1,
        padding: layer.padding ?? 0,
        dilation: layer.dilation ?? 1,
      });
    }
    case 'max_pool':
    case 'avg_pool':
      steps();
      return pool(ctx, x, p, layer.type === 'max_pool' ? 'max' : 'avg', layer.size);
    case 'gru':
    case 'lstm':
      steps();
      return recurrent(ctx, x, p, layer.type, layer.units);
    case 'concat_dense': {
      const extra = input.kind === 'bags' || input.kind === 'sequence' ? (input.dense ?? 0) : 0;
      if (extra <= 0) unsupported('concat_dense needs an input with dense features', i);
      return concatDense(ctx, x, 'dense', extra, p);
    }
    default:
      unsupported(`layer type ${JSON.stringify((layer as { type: unknown }).type)} has no ONNX export`, i, {
        type: (layer as { type: unknown }).type,
        supported: LAYER_TYPES,
      });
  }
}
