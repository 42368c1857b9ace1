// Learning-rate schedules (step decay, cosine annealing, linear warm-up) and gradient clipping by global norm.
import type { Tensor } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import type { Optimizer } from './optimizer.js';

/** A schedule maps a step number (0-based) to a multiplier of the base learning rate. */
export type Schedule = (step: number) => number;

export const constant = (): Schedule => () => 1;

/** Multiplies by gamma every `every` steps. */
export const stepDecay =
  (every: number, gamma = 0.1): Schedule =>
  (s) =>
    Math.pow(gamma, Math.floor(s / every));

/** Cosine from 1 down to minFactor over `total` steps, then stays there. */
export const cosine =
  (total: number, minFactor = 0): Schedule =>
  (s) =>
    minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, total)) / total));

/** Rises linearly from ~0 to 1 over `warmup` steps, then follows `after` (counted from the end of warm-up). */
export const linearWarmup =
  (warmup: number, after: Schedule = constant()): Schedule =>
  (s) =>
    s < warmup ? (s + 1) / warmup : after(s - warmup);

/** Sets an optimizer's learning rate from a schedule each time step() is called. */
export class LRScheduler {
  private current = 0;
  constructor(
    private readonly optimizer: Optimizer,
    private readonly schedule: Schedule,
    private readonly baseLr = optimizer.lr,
  ) {
    optimizer.lr = baseLr * schedule(0);
  }
  step(): void {
    this.current++;
    this.optimizer.lr = this.baseLr * this.schedule(this.current);
  }
}

/** Scales all gradients so their joint L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  const k = kernels();
  let sq = 0;
  for (const p of params) {
    if (p.grad) sq += k.sumSquares(p.grad.data, p.size);
    else if (p.sparseGrad) sq += k.sumSquares(p.sparseGrad.values, p.sparseGrad.values.length);
  }
  const norm = Math.sqrt(sq);
  if (norm > maxNorm && norm > 0) {
    const s = maxNorm / (norm + 1e-6);
    for (const p of params) {
      if (p.grad) k.scale(p.grad.data, s, p.grad.data, p.size);
      else if (p.sparseGrad) k.scale(p.sparseGrad.values, s, p.sparseGrad.values, p.sparseGrad.values.length);
    }
  }
  return norm;
}
