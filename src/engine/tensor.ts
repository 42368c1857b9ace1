// Tensor: float32 data with a shape, plus the autograd record (inputs and backward rule) of the op that made it.
import { kernels, releaseStorage } from './kernels/index.js';
import { assert } from './assert.js';

/** A row-sparse gradient: the rows of a [rows, dim] parameter that a gather touched, and their gradients. */
export interface RowSparseGrad {
  readonly kind: 'row-sparse';
  readonly rows: Int32Array; // unique, ascending
  readonly values: Float32Array; // rows.length × dim
  readonly dim: number;
}

/** Computes the gradient of each input from the gradient of the output; null where an input needs none. */
export type BackwardRule = (grad: Tensor) => (Tensor | RowSparseGrad | null)[];

let gradEnabled = true;
const scopes: Tensor[][] = [];

/** Storage in wasm memory is returned to the pool when an unreachable tensor is collected. */
const finalizer = new FinalizationRegistry<Float32Array>((data) => releaseStorage(data));

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad = false;
  grad: Tensor | null = null;
  sparseGrad: RowSparseGrad | null = null;
  inputs: Tensor[] | null = null;
  backwardRule: BackwardRule | null = null;
  /** Kept tensors (parameters, gradients, optimizer state) are never disposed by a scope. */
  kept = false;
  private _data: Float32Array | null;
  /** The tensor whose storage a view (reshape) shares; a view never frees storage itself. */
  readonly base: Tensor | null;

  constructor(data: Float32Array, shape: readonly number[], base: Tensor | null = null) {
    const size = shapeSize(shape);
    assert(data.length === size, () => `data length ${data.length} does not match shape [${shape}]`);
    this._data = data;
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.base = base;
    if (base === null) finalizer.register(this, data, this);
    const scope = scopes[scopes.length - 1];
    if (scope) scope.push(this);
  }

  /** The values, row-major. Throws if the tensor was disposed. */
  get data(): Float32Array {
    if (this._data === null) throw new Error('tensor used after it was disposed');
    return this._data;
  }

  get disposed(): boolean {
    return this._data === null;
  }
  get rank(): number {
    return this.shape.length;
  }

  /** Returns the storage to the pool now. Views only drop their reference. */
  dispose(): void {
    if (this._data === null) return;
    if (this.base === null) {
      finalizer.unregister(this);
      releaseStorage(this._data);
    }
    this._data = null;
  }

  /** Exempts this tensor (and the storage it views) from scope disposal. */
  keep(): this {
    this.kept = true;
    if (this.base) this.base.keep();
    return this;
  }

  /** A tensor with the same storage and a new shape (sizes must match; -1 infers one dimension). */
  view(shape: readonly number[]): Tensor {
    const resolved = resolveShape(shape, this.size);
    const owner = this.base ?? this;
    const v = new Tensor(this.data, resolved, owner);
    return v;
  }

  item(): number {
    assert(this.size === 1, () => `item() needs a single-element tensor, shape is [${this.shape}]`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Runs reverse-mode autodiff from this tensor; a scalar by default, or with an explicit output gradient. */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  /** A detached copy (no autograd history). */
  clone(): Tensor {
    const out = empty(this.shape);
    out.data.set(this.data);
    return out;
  }

  toString(): string {
    return `Tensor([${this.shape}])`;
  }
}

// ---------- creation ----------

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    assert(Number.isInteger(d) && d >= 0, () => `invalid dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  return n;
}

function resolveShape(shape: readonly number[], size: number): number[] {
  const out = [...shape];
  const infer = out.indexOf(-1);
  if (infer >= 0) {
    const known = out.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    assert(known > 0 && size % known === 0, () => `cannot reshape ${size} elements into [${shape}]`);
    out[infer] = size / known;
  }
  assert(shapeSize(out) === size, () => `cannot reshape ${size} elements into [${shape}]`);
  return out;
}

/** A tensor with uninitialised storage from the active backend. */
export function empty(shape: readonly number[]): Tensor {
  return new Tensor(kernels().alloc(shapeSize(shape)), shape);
}

export function full(shape: readonly number[], value: number): Tensor {
  const t = empty(shape);
  kernels().fill(t.data, value, t.size);
  return t;
}

export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0);
}
export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

/** Copies values into a new tensor; the shape defaults to 1-D. */
export function tensor(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor {
  const t = empty(shape);
  assert(values.length === t.size, () => `${values.length} values do not fill shape [${shape}]`);
  t.data.set(values);
  return t;
}

/** A leaf that collects gradients, kept across scopes: what parameters are made of. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t.keep();
}

// ---------- op results and autograd ----------

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording the graph: inference and optimizer updates. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Attaches the autograd record to an op's output when any input needs a gradient. */
export function record(out: Tensor, inputs: Tensor[], rule: BackwardRule): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.inputs = inputs;
    out.backwardRule = rule;
  }
  return out;
}

/**
 * Disposes every tensor created inside fn when it returns, except kept ones and the tensors fn returns
 * (directly, in an array, or as values of a plain object), which move to the enclosing scope.
 * Wrap each training step in a scope so the loop reuses the same storage.
 */
export function scope<T>(fn: () => T): T {
  scopes.push([]);
  let result: T | undefined;
  let created: Tensor[];
  try {
    result = fn();
  } finally {
    created = scopes.pop()!;
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of created) {
    if (t.kept) continue;
    if (survivors.has(t) || survivorsShare(t, survivors)) {
      if (parent) parent.push(t);
      continue;
    }
    t.dispose();
  }
  return result as T;
}

/** The storage of a returned view must survive with it. */
function survivorsShare(t: Tensor, survivors: Set<Tensor>): boolean {
  for (const s of survivors) if (s.base === t) return true;
  return false;
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
}

function runBackward(root: Tensor, seed?: Tensor): void {
  assert(root.requiresGrad, 'backward() on a tensor that does not require grad');
  if (!seed) assert(root.size === 1, () => `backward() without a gradient needs a scalar, shape is [${root.shape}]`);
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor | RowSparseGrad>();
  grads.set(root, seed ?? ones(root.shape));
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = grads.get(node);
      if (g === undefined) continue;
      grads.delete(node);
      if (!node.backwardRule) {
        accumulateLeaf(node, g);
        continue;
      }
      const dense = isSparse(g) ? sparseToDense(g, node.shape) : g;
      const inputGrads = node.backwardRule(dense);
      node.inputs!.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!ig || !input.requiresGrad) return;
        if (!isSparse(ig))
          assert(ig.size === input.size, () => `backward of an op gave a gradient of shape [${ig.shape}] for an input of shape [${input.shape}]`);
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? ig : addGrads(prev, ig, input.shape));
      });
    }
  });
}

/** Iterative post-order DFS, so a long chain (an unrolled RNN) never hits the call-stack limit. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: { node: Tensor; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    const inputs = frame.node.inputs;
    if (inputs && frame.next < inputs.length) {
      const child = inputs[frame.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ node: child, next: 0 });
      }
    } else {
      order.push(frame.node);
      stack.pop();
    }
  }
  return order;
}

function isSparse(g: Tensor | RowSparseGrad): g is RowSparseGrad {
  return (g as RowSparseGrad).kind === 'row-sparse';
}

function addGrads(a: Tensor | RowSparseGrad, b: Tensor | RowSparseGrad, shape: readonly number[]): Tensor | RowSparseGrad {
  if (isSparse(a) && isSparse(b)) return mergeRowSparse(a, b);
  const da = isSparse(a) ? sparseToDense(a, shape) : a;
  const db = isSparse(b) ? sparseToDense(b, shape) : b;
  const out = empty(shape);
  kernels().add(da.data, db.data, out.data, out.size);
  return out;
}

/** Leaf gradients accumulate (as in PyTorch) into storage the leaf owns. */
function accumulateLeaf(leaf: Tensor, g: Tensor | RowSparseGrad): void {
  if (isSparse(g) && !leaf.grad) {
    leaf.sparseGrad = leaf.sparseGrad ? mergeRowSparse(leaf.sparseGrad, g) : g;
    return;
  }
  if (leaf.sparseGrad) {
    // a dense gradient arrived too: fold the sparse one into it
    const sparse = leaf.sparseGrad;
    leaf.sparseGrad = null;
    accumulateLeaf(leaf, sparseToDense(sparse, leaf.shape));
  }
  const dense = isSparse(g) ? sparseToDense(g, leaf.shape) : g;
  if (!leaf.grad) {
    leaf.grad = empty(leaf.shape).keep();
    leaf.grad.data.set(dense.data);
  } else {
    kernels().add(leaf.grad.data, dense.data, leaf.grad.data, leaf.size);
  }
}

export function sparseToDense(g: RowSparseGrad, shape: readonly number[]): Tensor {
  const out = zeros(shape);
  for (let r = 0; r < g.rows.length; r++) {
    out.data.set(g.values.subarray(r * g.dim, (r + 1) * g.dim), g.rows[r] * g.dim);
  }
  return out;
}

/** Sums gradients of repeated rows so each row appears once, in ascending order. */
export function makeRowSparse(rows: ArrayLike<number>, values: Float32Array, dim: number): RowSparseGrad {
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((x, y) => rows[x] - rows[y]);
  const uniq: number[] = [];
  for (const i of order) if (uniq.length === 0 || uniq[uniq.length - 1] !== rows[i]) uniq.push(rows[i]);
  const out = new Float32Array(uniq.length * dim);
  let u = -1,
    last = -1;
  for (const i of order) {
    if (rows[i] !== last) {
      u++;
      last = rows[i];
    }
    const src = i * dim,
      dst = u * dim;
    for (let d = 0; d < dim; d++) out[dst + d] += values[src + d];
  }
  return { kind: 'row-sparse', rows: Int32Array.from(uniq), values: out, dim };
}

function mergeRowSparse(a: RowSparseGrad, b: RowSparseGrad): RowSparseGrad {
  const rows = new Int32Array(a.rows.length + b.rows.length);
  rows.set(a.rows);
  rows.set(b.rows, a.rows.length);
  const values = new Float32Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  return makeRowSparse(rows, values, a.dim);
}
