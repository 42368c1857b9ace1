// Adam and AdamW (decoupled weight decay), with PyTorch's bias correction.
import type { Tensor, RowSparseGrad } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { assert } from '../assert.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly slotCount = 2;
  protected readonly decoupled: boolean = false;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    assert(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1, 'Adam betas must be in [0, 1)');
  }

  protected update(p: Tensor, grad: Float32Array, slots: Tensor[], sparse: RowSparseGrad | null): void {
    const k = kernels();
    const bc1 = 1 - Math.pow(this.beta1, this.stepCount);
    const bc2 = 1 - Math.pow(this.beta2, this.stepCount);
    this.forRows(p, grad, slots, sparse, (param, g, [m, v], n) =>
      k.adamStep(param, g, m, v, n, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay, this.decoupled, bc1, bc2),
    );
  }
}

/** Adam with weight decay applied to the weights directly rather than through the gradient. */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 0.01 });
  }
}
