// Recurrent layers: batch-first, single-layer, unidirectional GRU and LSTM with torch.nn's equations and weight layout.
import { Tensor, zeros, isGradEnabled } from '../tensor.js';
import { Rng } from '../rng.js';
import { assert } from '../assert.js';
import { add, sub, mul } from '../ops/elementwise.js';
import { sigmoid, tanh } from '../ops/activation.js';
import { linear } from '../ops/matmul.js';
import { reshape, slice, concat } from '../ops/shape.js';
import { Module, type Layer } from './module.js';
import { uniform } from './init.js';

export interface RecurrentOptions {
  rng?: Rng;
}

/**
 * The T steps of x [N, T, F] as T tensors [N, F]. When x needs a gradient the sequence is halved
 * recursively: a slice's gradient is as large as its source, so cutting T steps straight from x would
 * cost O(size·T) in backward, while halving costs O(size·log T).
 */
function timeSteps(x: Tensor): Tensor[] {
  const [n, t, f] = x.shape;
  const out: Tensor[] = [];
  if (!(isGradEnabled() && x.requiresGrad)) {
    for (let s = 0; s < t; s++) out.push(slice(x, 1, s, s + 1).view([n, f]));
    return out;
  }
  const split = (part: Tensor, len: number): void => {
    if (len === 1) {
      out.push(reshape(part, [n, f]));
      return;
    }
    const half = len >> 1;
    split(slice(part, 1, 0, half), half);
    split(slice(part, 1, half, len), len - half);
  };
  split(x, t);
  return out;
}

/** Slices columns [from, to) of a [N, F] tensor. */
const cols = (x: Tensor, from: number, to: number): Tensor => slice(x, 1, from, to);

/** What a cell carries from one step to the next; h is the step's output. */
interface CellState {
  h: Tensor;
  c?: Tensor;
}

/**
 * The shared machinery: parameters named as torch names them for layer 0, the input projection of every
 * step done as one matrix product, and the loop over time that a subclass's cell fills in.
 */
abstract class Recurrent extends Module implements Layer {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor;
  readonly biasHh: Tensor;

  protected constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    gates: number,
    opts: RecurrentOptions,
  ) {
    super();
    assert(
      Number.isInteger(inputSize) && inputSize > 0 && Number.isInteger(hiddenSize) && hiddenSize > 0,
      () => `recurrent layer sizes must be positive integers, got input ${inputSize}, hidden ${hiddenSize}`,
    );
    const rng = opts.rng ?? new Rng(0);
    const k = 1 / Math.sqrt(hiddenSize); // torch draws all four tensors from U(−1/√H, 1/√H)
    const rows = gates * hiddenSize;
    this.weightIh = this.registerParameter('weight_ih_l0', uniform([rows, inputSize], -k, k, rng));
    this.weightHh = this.registerParameter('weight_hh_l0', uniform([rows, hiddenSize], -k, k, rng));
    this.biasIh = this.registerParameter('bias_ih_l0', uniform([rows], -k, k, rng));
    this.biasHh = this.registerParameter('bias_hh_l0', uniform([rows], -k, k, rng));
  }

  /** One step: gx is this step's input projection W_ih·x + b_ih, [N, gates·H]. */
  protected abstract cell(gx: Tensor, state: CellState): CellState;

  /** The hidden state after each step, from a zero initial state. */
  private run(x: Tensor): Tensor[] {
    assert(
      x.rank === 3 && x.shape[2] === this.inputSize && x.shape[1] > 0,
      () => `${this.constructor.name} expects [batch, time, ${this.inputSize}] with time ≥ 1, got [${x.shape}]`,
    );
    const n = x.shape[0];
    const projected = timeSteps(linear(x, this.weightIh, this.biasIh));
    let state: CellState = { h: zeros([n, this.hiddenSize]) };
    const hs: Tensor[] = [];
    for (const gx of projected) {
      state = this.cell(gx, state);
      hs.push(state.h);
    }
    return hs;
  }

  /** x [N, T, input] → the hidden state of every step, [N, T, hidden]. */
  forward(x: Tensor): Tensor {
    const [n] = x.shape;
    return concat(
      this.run(x).map((h) => reshape(h, [n, 1, this.hiddenSize])),
      1,
    );
  }

  /** x [N, T, input] → the hidden state after the last step, [N, hidden]: what a sequence classifier or RUL head reads. */
  lastHidden(x: Tensor): Tensor {
    const hs = this.run(x);
    return hs[hs.length - 1];
  }
}

/**
 * torch.nn.GRU, gates in the order r, z, n:
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
 */
export class GRU extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(inputSize, hiddenSize, 3, opts);
  }

  protected cell(gx: Tensor, { h }: CellState): CellState {
    const H = this.hiddenSize;
    const gh = linear(h, this.weightHh, this.biasHh);
    const rz = sigmoid(add(cols(gx, 0, 2 * H), cols(gh, 0, 2 * H)));
    const r = cols(rz, 0, H),
      z = cols(rz, H, 2 * H);
    const n = tanh(add(cols(gx, 2 * H, 3 * H), mul(r, cols(gh, 2 * H, 3 * H))));
    // (1 − z) ⊙ n + z ⊙ h written as n + z ⊙ (h − n): one op fewer per step.
    return { h: add(n, mul(z, sub(h, n))) };
  }
}

/**
 * torch.nn.LSTM, gates in the order i, f, g, o:
 * i, f, o = σ(W x + b + U h + c_b), g = tanh(…), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
 */
export class LSTM extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(inputSize, hiddenSize, 4, opts);
  }

  protected cell(gx: Tensor, { h, c }: CellState): CellState {
    const H = this.hiddenSize;
    const pre = add(gx, linear(h, this.weightHh, this.biasHh));
    const inputForget = sigmoid(cols(pre, 0, 2 * H));
    const i = cols(inputForget, 0, H),
      f = cols(inputForget, H, 2 * H);
    const g = tanh(cols(pre, 2 * H, 3 * H));
    const o = sigmoid(cols(pre, 3 * H, 4 * H));
    const written = mul(i, g);
    // The initial cell state is zero, so the first step's f ⊙ c term is skipped.
    const cNext = c ? add(mul(f, c), written) : written;
    return { h: mul(o, tanh(cNext)), c: cNext };
  }
}
