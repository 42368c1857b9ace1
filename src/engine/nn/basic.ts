// Everyday layers: Linear (dense), Dropout, activation layers and Sequential.
import { Tensor, empty, record } from '../tensor.js';
import { Rng } from '../rng.js';
import { assert } from '../assert.js';
import { linear } from '../ops/matmul.js';
import { relu, leakyRelu, gelu, tanh, sigmoid, softmax } from '../ops/activation.js';
import { Module, type Layer } from './module.js';
import { fanInUniform, initWeight, type InitName } from './init.js';

export interface LinearOptions {
  bias?: boolean;
  init?: InitName;
  rng?: Rng;
}

/** y = x·Wᵀ + b, W stored [out, in] as in PyTorch so weights move between the two unchanged. */
export class Linear extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.weight = this.registerParameter('weight', initWeight([outFeatures, inFeatures], opts.init ?? 'default', rng));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', fanInUniform([outFeatures], inFeatures, rng));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Zeroes a fraction p of activations while training and rescales the rest by 1/(1−p); identity in eval mode. */
export class Dropout extends Module implements Layer {
  private readonly rng: Rng;
  constructor(
    readonly p = 0.5,
    rng?: Rng,
  ) {
    super();
    assert(p >= 0 && p < 1, () => `dropout probability must be in [0, 1), got ${p}`);
    this.rng = rng ?? new Rng(0);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p,
      scale = 1 / keep;
    const mask = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) mask[i] = this.rng.uniform() < keep ? scale : 0;
    const out = empty(x.shape);
    for (let i = 0; i < x.size; i++) out.data[i] = x.data[i] * mask[i];
    return record(out, [x], (g) => {
      const gx = empty(x.shape);
      for (let i = 0; i < x.size; i++) gx.data[i] = g.data[i] * mask[i];
      return [gx];
    });
  }
}

/** Wraps a stateless function as a layer. */
class Activation extends Module implements Layer {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
export class ReLU extends Activation {
  constructor() {
    super(relu);
  }
}
export class LeakyReLU extends Activation {
  constructor(slope = 0.01) {
    super((x) => leakyRelu(x, slope));
  }
}
export class GELU extends Activation {
  constructor() {
    super(gelu);
  }
}
export class Tanh extends Activation {
  constructor() {
    super(tanh);
  }
}
export class Sigmoid extends Activation {
  constructor() {
    super(sigmoid);
  }
}
export class Softmax extends Activation {
  constructor() {
    super(softmax);
  }
}

/** Layers applied in order; parameters are named by position ("0.weight") as in PyTorch. */
export class Sequential extends Module implements Layer {
  readonly layers: (Module & Layer)[];
  constructor(...layers: (Module & Layer)[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }
}
