// The optimizer base: holds parameters and a mutable learning rate, zeroes gradients, walks dense and row-sparse grads.
import { Tensor, zeros, type RowSparseGrad } from '../tensor.js';
import { assert } from '../assert.js';

export abstract class Optimizer {
  /** Learning rate; schedules change it between steps. */
  lr: number;
  readonly params: Tensor[];
  /** Steps taken, for bias correction and schedules. */
  stepCount = 0;
  private readonly state = new Map<Tensor, Tensor[]>();

  constructor(params: Tensor[], lr: number) {
    assert(params.length > 0, 'optimizer given no parameters');
    assert(Number.isFinite(lr) && lr > 0, () => `learning rate must be a positive number, got ${lr}`);
    this.params = params;
    this.lr = lr;
  }

  /** Drops every gradient, returning their storage to the pool. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
      p.sparseGrad = null;
    }
  }

  /** One update from the current gradients; parameters without a gradient are left alone. */
  step(): void {
    this.stepCount++;
    for (const p of this.params) {
      if (p.grad) this.update(p, p.grad.data, this.slots(p), null);
      else if (p.sparseGrad) this.update(p, p.sparseGrad.values, this.slots(p), p.sparseGrad);
    }
  }

  /** Per-parameter state tensors (velocity, moments), created zeroed on first use and kept. */
  private slots(p: Tensor): Tensor[] {
    let s = this.state.get(p);
    if (!s) {
      s = Array.from({ length: this.slotCount }, () => zeros(p.shape).keep());
      this.state.set(p, s);
    }
    return s;
  }

  /** Named copies of the state, for checkpoints. */
  stateTensors(): Tensor[][] {
    return this.params.map((p) => this.slots(p));
  }

  protected abstract readonly slotCount: number;

  /**
   * Applies the rule to the whole parameter (sparse = null) or only to the rows a sparse gradient names,
   * which is how embedding tables stay cheap to train ("lazy" updates, as in PyTorch's SparseAdam).
   */
  protected abstract update(p: Tensor, grad: Float32Array, slots: Tensor[], sparse: RowSparseGrad | null): void;

  /** Runs fn on the (param, grad, slots) views of each touched row, or once on the whole tensor. */
  protected forRows(
    p: Tensor,
    grad: Float32Array,
    slots: Tensor[],
    sparse: RowSparseGrad | null,
    fn: (param: Float32Array, grad: Float32Array, slots: Float32Array[], n: number) => void,
  ): void {
    if (!sparse) {
      fn(
        p.data,
        grad,
        slots.map((s) => s.data),
        p.size,
      );
      return;
    }
    const d = sparse.dim;
    for (let i = 0; i < sparse.rows.length; i++) {
      const at = sparse.rows[i] * d;
      fn(
        p.data.subarray(at, at + d),
        grad.subarray(i * d, (i + 1) * d),
        slots.map((s) => s.data.subarray(at, at + d)),
        d,
      );
    }
  }
}
