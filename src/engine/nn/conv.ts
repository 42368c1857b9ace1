// Convolutional layers over [batch, channels, length]: Conv1d, max / average pooling, global average pooling, Flatten.
import { Tensor } from '../tensor.js';
import { Rng } from '../rng.js';
import { assert } from '../assert.js';
import { conv1d, maxPool1d, avgPool1d } from '../ops/conv.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { Module, type Layer } from './module.js';
import { fanInUniform } from './init.js';

export interface Conv1dLayerOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  bias?: boolean;
  rng?: Rng;
}

/** torch.nn.Conv1d without groups: weight [out, in, kernel], bias [out], both U(−1/√(in·k), 1/√(in·k)). */
export class Conv1d extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv1dLayerOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    for (const [name, v, min] of [
      ['stride', this.stride, 1],
      ['padding', this.padding, 0],
      ['dilation', this.dilation, 1],
      ['kernelSize', kernelSize, 1],
    ] as const) {
      assert(Number.isInteger(v) && v >= min, () => `Conv1d ${name} must be an integer ≥ ${min}, got ${v}`);
    }
    const rng = opts.rng ?? new Rng(0);
    const fanIn = inChannels * kernelSize;
    this.weight = this.registerParameter('weight', fanInUniform([outChannels, inChannels, kernelSize], fanIn, rng));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', fanInUniform([outChannels], fanIn, rng));
  }

  /** [N, in, L] → [N, out, Lout]. */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }
}

/** Maximum over windows of `kernel` steps, `stride` apart (default: non-overlapping). */
export class MaxPool1d extends Module implements Layer {
  constructor(
    readonly kernel: number,
    readonly stride = kernel,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernel, this.stride);
  }
}

/** Mean over windows of `kernel` steps, `stride` apart (default: non-overlapping). */
export class AvgPool1d extends Module implements Layer {
  constructor(
    readonly kernel: number,
    readonly stride = kernel,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernel, this.stride);
  }
}

/** Mean over the whole length, [N, C, L] → [N, C]: makes a conv stack independent of the input length. */
export class GlobalAvgPool1d extends Module implements Layer {
  forward(x: Tensor): Tensor {
    assert(x.rank === 3, () => `GlobalAvgPool1d expects [batch, channels, length], got [${x.shape}]`);
    return mean(x, 2);
  }
}

/** Keeps the batch axis and folds the rest into one, [N, ...] → [N, rest]: between conv and dense layers. */
export class Flatten extends Module implements Layer {
  forward(x: Tensor): Tensor {
    assert(x.rank >= 1, 'Flatten needs at least a batch axis');
    return reshape(x, [x.shape[0], x.shape.slice(1).reduce((p, d) => p * d, 1)]);
  }
}
