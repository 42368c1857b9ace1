// Module: the base of every layer — named parameters, buffers and children, train/eval mode, state dicts.
import { Tensor } from '../tensor.js';
import { assert } from '../assert.js';

/** Anything that maps one tensor to another, so Sequential can chain it. */
export interface Layer {
  forward(x: Tensor): Tensor;
}

export abstract class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.keep();
    this.ownParams.set(name, t);
    return t;
  }

  /** State that is saved and loaded but not trained (BatchNorm's running statistics). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    t.keep();
    this.ownBuffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every trainable tensor, each once, in registration order. */
  parameters(): Tensor[] {
    return [...new Set(this.namedParameters().map(([, t]) => t))];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Parameters and buffers by dotted name, as PyTorch's state_dict names them. */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, t] of this.ownParams) out.set(prefix + n, t);
    for (const [n, t] of this.ownBuffers) out.set(prefix + n, t);
    for (const [n, m] of this.children) for (const [k, v] of m.stateDict(`${prefix}${n}.`)) out.set(k, v);
    return out;
  }

  /**
   * Copies values into the existing tensors. Names and shapes are all checked before anything is
   * written, so a mismatched state never leaves the model half-loaded.
   */
  loadStateDict(state: Map<string, Tensor | { shape: readonly number[]; data: Float32Array }>): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    assert(
      missing.length === 0 && unexpected.length === 0,
      () => `state does not match the model: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`,
    );
    for (const [k, t] of own) {
      const src = state.get(k)!;
      assert(
        src.shape.length === t.shape.length && src.shape.every((d, i) => d === t.shape[i]),
        () => `${k}: saved shape [${src.shape}] differs from the model's [${t.shape}]`,
      );
    }
    for (const [k, t] of own) t.data.set(state.get(k)!.data);
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }
}
