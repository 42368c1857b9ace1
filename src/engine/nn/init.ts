// Weight initialisers (Xavier/Glorot, He/Kaiming, PyTorch's default uniform), all drawn from a seeded Rng.
import { Tensor, empty } from '../tensor.js';
import { Rng } from '../rng.js';

/** fan-in and fan-out as PyTorch computes them: [out, in, ...receptive field]. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

export function uniform(shape: readonly number[], lo: number, hi: number, rng: Rng): Tensor {
  const t = empty(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.range(lo, hi);
  return t;
}

export function normal(shape: readonly number[], mean: number, std: number, rng: Rng): Tensor {
  const t = empty(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(mean, std);
  return t;
}

export function xavierUniform(shape: readonly number[], rng: Rng, gain = 1): Tensor {
  const [fanIn, fanOut] = fans(shape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -a, a, rng);
}

export function xavierNormal(shape: readonly number[], rng: Rng, gain = 1): Tensor {
  const [fanIn, fanOut] = fans(shape);
  return normal(shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), rng);
}

/** He initialisation for ReLU networks (gain √2 over fan-in). */
export function kaimingUniform(shape: readonly number[], rng: Rng, gain = Math.SQRT2): Tensor {
  const [fanIn] = fans(shape);
  const bound = gain * Math.sqrt(3 / fanIn);
  return uniform(shape, -bound, bound, rng);
}

export function kaimingNormal(shape: readonly number[], rng: Rng, gain = Math.SQRT2): Tensor {
  const [fanIn] = fans(shape);
  return normal(shape, 0, gain / Math.sqrt(fanIn), rng);
}

/** PyTorch's default for Linear/Conv weights and biases: U(−1/√fan_in, 1/√fan_in). */
export function fanInUniform(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(shape, -bound, bound, rng);
}

export type InitName = 'default' | 'xavier-uniform' | 'xavier-normal' | 'kaiming-uniform' | 'kaiming-normal';

/** A [out, in, ...] weight by initialiser name. */
export function initWeight(shape: readonly number[], init: InitName, rng: Rng): Tensor {
  switch (init) {
    case 'xavier-uniform':
      return xavierUniform(shape, rng);
    case 'xavier-normal':
      return xavierNormal(shape, rng);
    case 'kaiming-uniform':
      return kaimingUniform(shape, rng);
    case 'kaiming-normal':
      return kaimingNormal(shape, rng);
    default:
      return fanInUniform(shape, fans(shape)[0], rng);
  }
}
