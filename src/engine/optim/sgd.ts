// Stochastic gradient descent with optional momentum / Nesterov and L2 weight decay (PyTorch's update rule).
import type { Tensor, RowSparseGrad } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { assert } from '../assert.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  protected readonly slotCount: number;

  constructor(params: Tensor[], opts: SGDOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    assert(this.momentum >= 0 && this.momentum < 1, () => `momentum must be in [0, 1), got ${this.momentum}`);
    assert(!this.nesterov || this.momentum > 0, 'Nesterov momentum needs momentum > 0');
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected update(p: Tensor, grad: Float32Array, slots: Tensor[], sparse: RowSparseGrad | null): void {
    const k = kernels();
    this.forRows(p, grad, slots, sparse, (param, g, [velocity], n) =>
      k.sgdStep(param, g, velocity ?? param, n, this.lr, this.momentum, this.weightDecay, this.nesterov),
    );
  }
}

/**
 * Plain (full-batch) gradient descent: SGD without momentum. "Full batch" is the training loop's
 * choice of batch size, so the update rule is the same.
 */
export class GradientDescent extends SGD {
  constructor(params: Tensor[], opts: { lr: number; weightDecay?: number }) {
    super(params, { lr: opts.lr, weightDecay: opts.weightDecay });
  }
}
