// Normalisation layers: LayerNorm (per sample, over the last axis) and BatchNorm1d (per channel, over the batch).
import { Tensor, ones, zeros, noGrad } from '../tensor.js';
import { assert } from '../assert.js';
import { add, sub, mul, div, addScalar, sqrt, square } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { Module, type Layer } from './module.js';

/** (x − mean) / √(var + eps) with the biased variance over the given axes, composed so autograd derives the backward. */
function standardise(x: Tensor, axes: number[], eps: number): { xhat: Tensor; mu: Tensor; variance: Tensor } {
  const mu = mean(x, axes, true);
  const centred = sub(x, mu);
  const variance = mean(square(centred), axes, true);
  return { xhat: div(centred, sqrt(addScalar(variance, eps))), mu, variance };
}

export interface LayerNormOptions { eps?: number }

/** Normalises each vector over its last axis, then scales and shifts it (torch.nn.LayerNorm with one normalised dim). */
export class LayerNorm extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly eps: number;
  constructor(readonly dim: number, opts: LayerNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', ones([dim]));
    this.bias = this.registerParameter('bias', zeros([dim]));
  }

  forward(x: Tensor): Tensor {
    assert(x.rank >= 1 && x.shape[x.rank - 1] === this.dim, `LayerNorm(${this.dim}) got shape [${x.shape}]`);
    const { xhat } = standardise(x, [x.rank - 1], this.eps);
    // weight and bias are [dim], the trailing axis, so these take the fast row-broadcast path.
    return add(mul(xhat, this.weight), this.bias);
  }
}

export interface BatchNormOptions { eps?: number; momentum?: number }

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
  constructor(readonly features: number, opts: BatchNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    assert(this.momentum >= 0 && this.momentum <= 1, `BatchNorm momentum must be in [0, 1], got ${this.momentum}`);
    this.weight = this.registerParameter('weight', ones([features]));
    this.bias = this.registerParameter('bias', zeros([features]));
    this.runningMean = this.registerBuffer('running_mean', zeros([features]));
    this.runningVar = this.registerBuffer('running_var', ones([features]));
  }

  forward(x: Tensor): Tensor {
    assert((x.rank === 2 || x.rank === 3) && x.shape[1] === this.features,
      `BatchNorm1d(${this.features}) expects [N, ${this.features}] or [N, ${this.features}, L], got [${x.shape}]`);
    // Per-channel vectors are shaped to broadcast against x: [C] for [N, C], [C, 1] for [N, C, L].
    const perChannel = x.rank === 2 ? [this.features] : [this.features, 1];
    const axes = x.rank === 2 ? [0] : [0, 2];
    let xhat: Tensor;
    if (this.training) {
      const count = x.size / this.features;
      assert(count > 1, `BatchNorm1d needs more than one value per channel to train, got shape [${x.shape}]`);
      const stats = standardise(x, axes, this.eps);
      xhat = stats.xhat;
      this.updateRunning(stats.mu.data, stats.variance.data, count);
    } else {
      const mu = this.runningMean.view(perChannel);
      const std = noGrad(() => sqrt(addScalar(this.runningVar, this.eps)));
      xhat = div(sub(x, mu), std.view(perChannel));
    }
    return add(mul(xhat, reshape(this.weight, perChannel)), reshape(this.bias, perChannel));
  }

  /** PyTorch blends in the unbiased batch variance, though it normalises with the biased one. */
  private updateRunning(batchMean: Float32Array, biasedVar: Float32Array, count: number): void {
    const m = this.momentum, correction = count / (count - 1);
    const rm = this.runningMean.data, rv = this.runningVar.data;
    for (let c = 0; c < this.features; c++) {
      rm[c] = (1 - m) * rm[c] + m * batchMean[c];
      rv[c] = (1 - m) * rv[c] + m * biasedVar[c] * correction;
    }
  }
}
