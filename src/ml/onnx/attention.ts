// The Transformer encoder layer in ONNX: multi-head self-attention composed from MatMul/Softmax, LayerNorm, feed-forward.
import { AndonError } from '../../errors.js';
import { ExportContext, NORM_EPS, type Value } from './context.js';
import { float, int, ints } from './graph.js';
import { activation } from './layers.js';

export interface EncoderOptions {
  heads: number;
  ff: number;
  activation: 'relu' | 'gelu';
  normFirst: boolean;
  masked: boolean;
}

/** x [N, T, D] → [N, T, D], the layer under state-dict prefix `prefix` (torch's child names). */
export function transformerEncoder(ctx: ExportContext, x: Value, prefix: string, opts: EncoderOptions): Value {
  if (x.steps === null) throw new AndonError('internal', 'transformer_encoder needs a sequence');
  const g = ctx.g;
  const norm = (h: Value, which: string): Value => ({
    ...h,
    name: g.op(
      'LayerNormalization',
      [h.name, ctx.init(`${prefix}.${which}.weight`, [h.width]), ctx.init(`${prefix}.${which}.bias`, [h.width])],
      { axis: int(-1), epsilon: float(NORM_EPS) },
      `${prefix}.${which}`,
    ),
  });
  const add = (a: Value, b: Value, hint: string): Value => ({ ...a, name: g.op('Add', [a.name, b.name], {}, hint) });
  const attend = (h: Value) => selfAttention(ctx, h, `${prefix}.self_attn`, opts.heads, opts.masked);
  const feedForward = (h: Value) =>
    ctx.linear(activation(ctx, ctx.linear(h, `${prefix}.linear1`, opts.ff), opts.activation, `${prefix}.act`), `${prefix}.linear2`, x.width);
  if (opts.normFirst) {
    const h = add(x, attend(norm(x, 'norm1')), `${prefix}.residual1`);
    return add(h, feedForward(norm(h, 'norm2')), `${prefix}.residual2`);
  }
  const h = norm(add(x, attend(x), `${prefix}.residual1`), 'norm1');
  return norm(add(h, feedForward(h), `${prefix}.residual2`), 'norm2');
}

/**
 * softmax(Q·Kᵀ/√d_head)·V per head, as the engine's MultiHeadSelfAttention: the packed in_proj is split into
 * three projections here (the same products, without a 5-D transpose), q is scaled before the product as
 * torch does, and with a padding mask the scores get −1e9 at padded keys and an all-padding sample's
 * weights are zeroed, so each of its positions outputs out_proj.bias.
 */
function selfAttention(ctx: ExportContext, x: Value, prefix: string, heads: number, masked: boolean): Value {
  const g = ctx.g,
    D = x.width,
    T = x.steps!,
    dh = D / heads;
  if (!Number.isInteger(dh)) throw new AndonError('invalid_input', `ONNX export: width ${D} is not divisible by ${heads} heads`);
  const w = ctx.tensor(`${prefix}.in_proj_weight`, [3 * D, D]).data;
  const b = ctx.tensor(`${prefix}.in_proj_bias`, [3 * D]).data;
  const project = (part: number, perm: number[], hint: string): string => {
    const wt = new Float32Array(D * D); // rows part·D.. of in_proj_weight, transposed to [D_in, D_out]
    for (let o = 0; o < D; o++) for (let i = 0; i < D; i++) wt[i * D + o] = w[(part * D + o) * D + i];
    const y = g.op(
      'Add',
      [
        g.op('MatMul', [x.name, ctx.derived(`${prefix}.in_proj_weight`, `${hint}T`, wt, [D, D])], {}, `${prefix}.${hint}_matmul`),
        ctx.derived(`${prefix}.in_proj_bias`, hint, b.slice(part * D, (part + 1) * D), [D]),
      ],
      {},
      `${prefix}.${hint}`,
    );
    const split = g.op('Reshape', [y, g.constInts([0, T, heads, dh])], {}, `${prefix}.${hint}_heads`); // 0 keeps N
    return g.op('Transpose', [split], { perm: ints(perm) }, `${prefix}.${hint}_t`);
  };
  const q = g.op('Mul', [project(0, [0, 2, 1, 3], 'q'), g.constFloat(1 / Math.sqrt(dh))], {}, `${prefix}.q_scaled`); // [N, h, T, dh]
  const kT = project(1, [0, 2, 3, 1], 'k'); // [N, h, dh, T]
  const v = project(2, [0, 2, 1, 3], 'v'); // [N, h, T, dh]
  let scores = g.op('MatMul', [q, kT], {}, `${prefix}.scores`); // [N, h, T, T]
  const masks = masked ? ctx.masks() : null;
  if (masks) scores = g.op('Add', [scores, masks.attentionBias], {}, `${prefix}.masked_scores`);
  let weights = g.op('Softmax', [scores], { axis: int(-1) }, `${prefix}.weights`);
  if (masks) weights = g.op('Mul', [weights, masks.attentionKeep], {}, `${prefix}.kept_weights`);
  const context = g.op('MatMul', [weights, v], {}, `${prefix}.context`); // [N, h, T, dh]
  const merged = g.op(
    'Reshape',
    [g.op('Transpose', [context], { perm: ints([0, 2, 1, 3]) }, `${prefix}.context_t`), g.constInts([0, T, D])],
    {},
    `${prefix}.merged`,
  );
  return ctx.linear({ name: merged, steps: T, width: D }, `${prefix}.out_proj`, D);
}
