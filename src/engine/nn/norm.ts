// Normalisation layers: LayerNorm (per sample, over the last axis) and BatchNorm1d (per channel, over the batch).
import { Tensor, empty, ones, zeros, record } from '../tensor.js';
import { assert } from '../assert.js';
import { Module, type Layer } from './module.js';

// Both layers are single ops with their backward written out. Composed from broadcasting ops they ran
// about 15× slower than a Linear of the same width (the [.., 1] broadcasts take the generic strided path),
// which made LayerNorm, not the matrix products, the bulk of a Transformer step.

// With x̂ = (x − μ)·rstd, where μ and the biased variance are the group's own statistics, and ĝ = dL/dx̂:
//   dL/dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)).
// The loops below apply it per row (LayerNorm) or per channel (BatchNorm1d in training), written out
// rather than through per-element callbacks because this is the hot path of both layers.

/** y = (x − mean) / √(var + eps) ⊙ weight + bias over the last axis of x, statistics per row. */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const d = weight.size,
    rows = x.size / d;
  const out = empty(x.shape);
  const xhat = new Float32Array(x.size),
    rstd = new Float32Array(rows);
  const xd = x.data,
    od = out.data,
    w = weight.data,
    b = bias.data;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += xd[o + i];
    const mu = s / d;
    let v = 0;
    for (let i = 0; i < d; i++) {
      const c = xd[o + i] - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / d + eps);
    rstd[r] = rs;
    for (let i = 0; i < d; i++) {
      const h = (xd[o + i] - mu) * rs;
      xhat[o + i] = h;
      od[o + i] = h * w[i] + b[i];
    }
  }
  return record(out, [x, weight, bias], (g) => {
    const gd = g.data;
    let gx: Tensor | null = null,
      gw: Tensor | null = null,
      gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape);
      const r = gx.data;
      for (let row = 0; row < rows; row++) {
        const o = row * d;
        let m1 = 0,
          m2 = 0;
        for (let i = 0; i < d; i++) {
          const gh = gd[o + i] * w[i];
          m1 += gh;
          m2 += gh * xhat[o + i];
        }
        m1 /= d;
        m2 /= d;
        const rs = rstd[row];
        for (let i = 0; i < d; i++) r[o + i] = rs * (gd[o + i] * w[i] - m1 - xhat[o + i] * m2);
      }
    }
    if (weight.requiresGrad || bias.requiresGrad) {
      gw = zeros([d]);
      gb = zeros([d]);
      const gwd = gw.data,
        gbd = gb.data;
      for (let o = 0; o < x.size; o += d)
        for (let i = 0; i < d; i++) {
          gwd[i] += gd[o + i] * xhat[o + i];
          gbd[i] += gd[o + i];
        }
    }
    return [gx, gw, gb];
  });
}

/**
 * Per-channel normalisation of x [N, C, L] (L = 1 for [N, C]) with the given channel means and 1/√(var + eps).
 * `ownStats` says the statistics were computed from x itself (training), so the backward accounts for x's
 * influence on them; otherwise (eval, running statistics) they are constants.
 */
function batchNorm(x: Tensor, weight: Tensor, bias: Tensor, mean: Float64Array, rstd: Float64Array, ownStats: boolean): Tensor {
  const [n, c] = x.shape,
    len = x.rank === 3 ? x.shape[2] : 1;
  const out = empty(x.shape);
  const xhat = new Float32Array(x.size);
  const xd = x.data,
    od = out.data,
    w = weight.data,
    b = bias.data;
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++) {
      const o = (s * c + ch) * len;
      for (let l = 0; l < len; l++) {
        const h = (xd[o + l] - mean[ch]) * rstd[ch];
        xhat[o + l] = h;
        od[o + l] = h * w[ch] + b[ch];
      }
    }
  return record(out, [x, weight, bias], (g) => {
    const gd = g.data;
    let gx: Tensor | null = null,
      gw: Tensor | null = null,
      gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape);
      const r = gx.data;
      for (let ch = 0; ch < c; ch++) {
        let m1 = 0,
          m2 = 0;
        if (ownStats) {
          // constants in eval mode: the two mean terms vanish
          for (let s = 0; s < n; s++)
            for (let l = 0, i = (s * c + ch) * len; l < len; l++, i++) {
              const gh = gd[i] * w[ch];
              m1 += gh;
              m2 += gh * xhat[i];
            }
          m1 /= n * len;
          m2 /= n * len;
        }
        for (let s = 0; s < n; s++)
          for (let l = 0, i = (s * c + ch) * len; l < len; l++, i++) {
            r[i] = rstd[ch] * (gd[i] * w[ch] - m1 - xhat[i] * m2);
          }
      }
    }
    if (weight.requiresGrad || bias.requiresGrad) {
      gw = zeros([c]);
      gb = zeros([c]);
      const gwd = gw.data,
        gbd = gb.data;
      for (let s = 0; s < n; s++)
        for (let ch = 0; ch < c; ch++) {
          for (let l = 0, i = (s * c + ch) * len; l < len; l++, i++) {
            gwd[ch] += gd[i] * xhat[i];
            gbd[ch] += gd[i];
          }
        }
    }
    return [gx, gw, gb];
  });
}

export interface LayerNormOptions {
  eps?: number;
}

/** Normalises each vector over its last axis, then scales and shifts it (torch.nn.LayerNorm with one normalised dim). */
export class LayerNorm extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly eps: number;
  constructor(
    readonly dim: number,
    opts: LayerNormOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', ones([dim]));
    this.bias = this.registerParameter('bias', zeros([dim]));
  }

  forward(x: Tensor): Tensor {
    assert(x.rank >= 1 && x.shape[x.rank - 1] === this.dim, () => `LayerNorm(${this.dim}) got shape [${x.shape}]`);
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
}

/**
 * Normalises each channel of [N, C] or [N, C, L] with batch statistics while training and with running
 * statistics in eval mode, as torch.nn.BatchNorm1d. The running statistics are buffers updated in place,
 * because a training step runs inside a scope that would dispose any tensor created during it.
 */
export class BatchNorm1d extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  constructor(
    readonly features: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    assert(this.momentum >= 0 && this.momentum <= 1, () => `BatchNorm momentum must be in [0, 1], got ${this.momentum}`);
    this.weight = this.registerParameter('weight', ones([features]));
    this.bias = this.registerParameter('bias', zeros([features]));
    this.runningMean = this.registerBuffer('running_mean', zeros([features]));
    this.runningVar = this.registerBuffer('running_var', ones([features]));
  }

  forward(x: Tensor): Tensor {
    const c = this.features;
    assert((x.rank === 2 || x.rank === 3) && x.shape[1] === c, () => `BatchNorm1d(${c}) expects [N, ${c}] or [N, ${c}, L], got [${x.shape}]`);
    const mean = new Float64Array(c),
      rstd = new Float64Array(c);
    if (!this.training) {
      for (let ch = 0; ch < c; ch++) {
        mean[ch] = this.runningMean.data[ch];
        rstd[ch] = 1 / Math.sqrt(this.runningVar.data[ch] + this.eps);
      }
      return batchNorm(x, this.weight, this.bias, mean, rstd, false);
    }
    const n = x.shape[0],
      len = x.rank === 3 ? x.shape[2] : 1,
      count = n * len;
    assert(count > 1, () => `BatchNorm1d needs more than one value per channel to train, got shape [${x.shape}]`);
    const biasedVar = new Float64Array(c);
    const xd = x.data;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let b = 0; b < n; b++) for (let l = 0; l < len; l++) s += xd[(b * c + ch) * len + l];
      const mu = s / count;
      let v = 0;
      for (let b = 0; b < n; b++)
        for (let l = 0; l < len; l++) {
          const d = xd[(b * c + ch) * len + l] - mu;
          v += d * d;
        }
      mean[ch] = mu;
      biasedVar[ch] = v / count;
      rstd[ch] = 1 / Math.sqrt(biasedVar[ch] + this.eps);
    }
    this.updateRunning(mean, biasedVar, count);
    return batchNorm(x, this.weight, this.bias, mean, rstd, true);
  }

  /** PyTorch blends in the unbiased batch variance, though it normalises with the biased one. */
  private updateRunning(batchMean: Float64Array, biasedVar: Float64Array, count: number): void {
    const m = this.momentum,
      correction = count / (count - 1);
    const rm = this.runningMean.data,
      rv = this.runningVar.data;
    for (let ch = 0; ch < this.features; ch++) {
      rm[ch] = (1 - m) * rm[ch] + m * batchMean[ch];
      rv[ch] = (1 - m) * rv[ch] + m * biasedVar[ch] * correction;
    }
  }
}
