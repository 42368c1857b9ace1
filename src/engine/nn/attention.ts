// Self-attention: batch-first multi-head self-attention and the Transformer encoder layer, named as torch.nn names them.
import { Tensor, zeros, empty, full } from '../tensor.js';
import { Rng } from '../rng.js';
import { assert } from '../assert.js';
import { add, mul, mulScalar } from '../ops/elementwise.js';
import { relu, gelu, softmax } from '../ops/activation.js';
import { linear, matmul } from '../ops/matmul.js';
import { reshape, transpose, slice } from '../ops/shape.js';
import { Module, type Layer } from './module.js';
import { Linear, Dropout } from './basic.js';
import { LayerNorm } from './norm.js';
import { xavierUniform } from './init.js';

/**
 * Added to the scores of padded keys: exp(−1e9 − max) underflows to exactly 0, the same as −∞, in any row
 * with a real key. A row with no real key (a sample that is all padding) would be 0/0 = NaN with −∞; with a
 * finite value its scores all round to −1e9, so its weights are zeroed explicitly (see maskedSoftmax).
 */
const MASKED = -1e9;

export interface MultiHeadSelfAttentionOptions {
  rng?: Rng;
  dropout?: number;
  bias?: boolean;
}

/**
 * torch.nn.MultiheadAttention restricted to self-attention with batch_first: one packed in_proj for
 * Q, K and V ([3D, D], Xavier-uniform; bias zero), softmax(Q·Kᵀ/√d_head)·V per head, then out_proj.
 */
export class MultiHeadSelfAttention extends Module implements Layer {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;
  readonly headDim: number;
  private readonly attnDropout: Dropout;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    opts: MultiHeadSelfAttentionOptions = {},
  ) {
    super();
    assert(Number.isInteger(numHeads) && numHeads > 0 && embedDim % numHeads === 0, () => `embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const rng = opts.rng ?? new Rng(0);
    const bias = opts.bias !== false;
    this.headDim = embedDim / numHeads;
    this.inProjWeight = this.registerParameter('in_proj_weight', xavierUniform([3 * embedDim, embedDim], rng));
    this.inProjBias = bias ? this.registerParameter('in_proj_bias', zeros([3 * embedDim])) : null;
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias, rng }));
    if (this.outProj.bias) this.outProj.bias.data.fill(0); // torch zeroes out_proj.bias after the default init
    // Dropout on the attention weights has no state; registered so train()/eval() reach it.
    this.attnDropout = this.registerModule('attn_dropout', new Dropout(opts.dropout ?? 0, rng.fork()));
  }

  /**
   * x [N, T, D] → [N, T, D]. keyPaddingMask [N·T], 1 where a position is padding: no query attends to it.
   * Padded positions still get an output (attending to the real ones); callers ignore or pool past them.
   * A sample that is all padding attends to nothing, so each of its positions outputs out_proj.bias.
   */
  forward(x: Tensor, keyPaddingMask?: Uint8Array): Tensor {
    const D = this.embedDim,
      heads = this.numHeads,
      dh = this.headDim;
    assert(x.rank === 3 && x.shape[2] === D, () => `MultiHeadSelfAttention expects [batch, time, ${D}], got [${x.shape}]`);
    const [n, t] = x.shape;
    // [N, T, 3D] → [3, N, heads, T, dh]: Q, K and V each become a batch of N·heads matrices [T, dh].
    const qkv = transpose(reshape(linear(x, this.inProjWeight, this.inProjBias), [n, t, 3, heads, dh]), [2, 0, 3, 1, 4]);
    const part = (i: number) => reshape(slice(qkv, 0, i, i + 1), [n * heads, t, dh]);
    const q = mulScalar(part(0), 1 / Math.sqrt(dh)); // scaling q (not the scores) as torch does
    const scores = matmul(q, part(1), { transB: true }); // [N·heads, T, T]
    const weights = this.attnDropout.forward(keyPaddingMask ? maskedSoftmax(scores, keyPaddingMask, n, heads) : softmax(scores));
    const context = matmul(weights, part(2)); // [N·heads, T, dh]
    const merged = reshape(transpose(reshape(context, [n, heads, t, dh]), [0, 2, 1, 3]), [n, t, D]);
    return this.outProj.forward(merged);
  }
}

/**
 * softmax over the keys that are not padding. Masks are built at the full score shape [N·heads, T, T] so the
 * add and mul take the same-shape fast path. A sample that is entirely padding gets all-zero weights (its
 * attention output is 0): finite, and with a zero gradient that agrees with the function, where a uniform
 * row left by the rounded −1e9 would pass gradients to scores that no longer affect it.
 */
function maskedSoftmax(scores: Tensor, mask: Uint8Array, n: number, heads: number): Tensor {
  const t = scores.shape[2];
  assert(mask.length === n * t, () => `key padding mask has ${mask.length} entries, expected batch·time = ${n * t}`);
  const bias = empty(scores.shape);
  const allPadding: number[] = [];
  const row = new Float32Array(t);
  for (let b = 0; b < n; b++) {
    let real = 0;
    for (let j = 0; j < t; j++) {
      row[j] = mask[b * t + j] ? MASKED : 0;
      if (!mask[b * t + j]) real++;
    }
    if (real === 0) allPadding.push(b);
    for (let i = 0; i < heads * t; i++) bias.data.set(row, (b * heads * t + i) * t);
  }
  const weights = softmax(add(scores, bias));
  if (allPadding.length === 0) return weights;
  const keep = full(scores.shape, 1);
  const block = heads * t * t; // one sample's scores across all heads
  for (const b of allPadding) keep.data.fill(0, b * block, (b + 1) * block);
  return mul(weights, keep);
}

export interface TransformerEncoderLayerOptions {
  dropout?: number;
  activation?: 'relu' | 'gelu';
  /** Pre-norm (normalise before each sublayer) instead of torch's default post-norm. */
  normFirst?: boolean;
  eps?: number;
  rng?: Rng;
}

/**
 * torch.nn.TransformerEncoderLayer with batch_first: self-attention and a two-layer feed-forward block,
 * each with a residual connection and LayerNorm. Children are named self_attn, linear1, linear2, norm1,
 * norm2 so torch's state_dict loads unchanged; the dropouts hold no state.
 */
export class TransformerEncoderLayer extends Module implements Layer {
  readonly selfAttn: MultiHeadSelfAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;
  private readonly dropout: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;

  constructor(
    readonly dModel: number,
    readonly nHead: number,
    readonly dimFeedforward: number,
    opts: TransformerEncoderLayerOptions = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const p = opts.dropout ?? 0.1;
    const eps = opts.eps ?? 1e-5;
    this.normFirst = opts.normFirst ?? false;
    this.activation = (opts.activation ?? 'relu') === 'gelu' ? gelu : relu;
    this.selfAttn = this.registerModule('self_attn', new MultiHeadSelfAttention(dModel, nHead, { rng, dropout: p }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, dimFeedforward, { rng }));
    this.dropout = this.registerModule('dropout', new Dropout(p, rng.fork()));
    this.linear2 = this.registerModule('linear2', new Linear(dimFeedforward, dModel, { rng }));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p, rng.fork()));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p, rng.fork()));
  }

  /** x [N, T, dModel] → [N, T, dModel]; keyPaddingMask [N·T] as in MultiHeadSelfAttention. */
  forward(x: Tensor, keyPaddingMask?: Uint8Array): Tensor {
    const attend = (h: Tensor) => this.dropout1.forward(this.selfAttn.forward(h, keyPaddingMask));
    const feedForward = (h: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(h)))));
    if (this.normFirst) {
      const h = add(x, attend(this.norm1.forward(x)));
      return add(h, feedForward(this.norm2.forward(h)));
    }
    const h = this.norm1.forward(add(x, attend(x)));
    return this.norm2.forward(add(h, feedForward(h)));
  }
}
