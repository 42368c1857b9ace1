// Test helper: compares autograd gradients with central finite differences of a random projection of the output.
import { Tensor, noGrad, scope, tensor } from '../tensor.js';
import { Rng } from '../rng.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/**
 * Checks d/dθ Σ(fn() ⊙ R) for every element θ of each tensor in wrt. The loss for the numerical side is
 * summed in float64 so only the op's own float32 rounding remains; eps is large enough to rise above it.
 * Throws with the first mismatching element.
 */
export function gradcheck(fn: () => Tensor, wrt: Tensor[], opts: GradcheckOptions = {}): void {
  const { eps = 1e-2, rtol = 2e-2, atol = 2e-3, seed = 7 } = opts;
  const probe = noGrad(() => scope(() => fn().shape));
  const rng = new Rng(seed);
  const size = probe.reduce((p, d) => p * d, 1);
  const r = new Float64Array(size).map(() => rng.range(-1, 1));
  const rTensor = tensor(Float32Array.from(r), probe).keep();

  for (const t of wrt) {
    t.requiresGrad = true;
    t.grad = null;
    t.sparseGrad = null;
  }
  scope(() => {
    sum(mul(fn(), rTensor)).backward();
  });

  const project = (): number =>
    noGrad(() =>
      scope(() => {
        const d = fn().data;
        let s = 0;
        for (let i = 0; i < d.length; i++) s += d[i] * r[i];
        return s;
      }),
    );

  wrt.forEach((t, which) => {
    const analytic = t.grad ? t.grad.data : densify(t);
    for (let i = 0; i < t.size; i++) {
      const saved = t.data[i];
      t.data[i] = saved + eps;
      const up = project();
      t.data[i] = saved - eps;
      const down = project();
      t.data[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const a = analytic[i];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
        throw new Error(`gradient mismatch in input ${which} [${t.shape}] at element ${i}: autograd ${a}, finite difference ${numeric}`);
      }
    }
  });
  rTensor.dispose();
}

function densify(t: Tensor): Float32Array {
  const out = new Float32Array(t.size);
  const g = t.sparseGrad;
  if (g) for (let i = 0; i < g.rows.length; i++) out.set(g.values.subarray(i * g.dim, (i + 1) * g.dim), g.rows[i] * g.dim);
  return out;
}
