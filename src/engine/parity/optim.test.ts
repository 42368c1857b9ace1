// Optimizers, learning-rate schedules and gradient clipping against PyTorch 1.13, from
// src/engine/fixtures/optim.json (regenerate with `/usr/bin/python3 scripts/make-torch-fixtures.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Linear,
  SGD,
  Adam,
  AdamW,
  Optimizer,
  LRScheduler,
  mseLoss,
  stepDecay,
  cosine,
  linearWarmup,
  constant,
  clipGradNorm,
  parameter,
  zeros,
  type Schedule,
  type Tensor,
} from '../index.js';
import { assertClose, assertCloseScalar, assertCloseTensor, forEachBackend, fromFx, gradOf, loadFixture, type Fx, type Tol } from './compare.js';

interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  args: { lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number; beta1?: number; beta2?: number; eps?: number };
  x: Fx;
  y: Fx;
  state: Record<string, Fx>;
  steps: { loss: number; params: Record<string, Fx> }[];
}
interface ScheduleSpec {
  kind: string;
  args: Record<string, any>;
}
interface ScheduleCase extends ScheduleSpec {
  name: string;
  lrs: number[];
}
interface ClipCase {
  name: string;
  maxNorm: number;
  grads: Record<string, Fx>;
  totalNorm: number;
  clipped: Record<string, Fx>;
}

const fixture = loadFixture<{ optimizers: OptimCase[]; schedules: ScheduleCase[]; clip: ClipCase[] }>('optim.json');

/**
 * Tolerance for parameters after 1..5 steps of Linear(3, 2) under an MSE loss: each step's gradient agrees
 * with torch to a few float32 ulps, and an update adds lr·(that gradient) or, for Adam, lr·m̂/(√v̂ + ε), whose
 * ratio keeps the relative error of m and v. Five steps accumulate ~5 such roundings on values of magnitude
 * ≲ 1, so 5e-6 relative and a 1e-6 floor; a wrong rule (missing bias correction, coupled vs decoupled decay,
 * Nesterov's look-ahead) moves parameters by ≥ 1e-3 within the first two steps.
 */
const PARAM_TOL: Tol = { atol: 1e-6, rtol: 5e-6 };
/** Schedules are closed-form float64 maths on both sides; the fixture holds 9 significant digits. */
const LR_TOL: Tol = { atol: 1e-9, rtol: 1e-8 };
/** Clipping scales float32 gradients by one float64 factor: float32 rounding only. */
const CLIP_TOL: Tol = { atol: 1e-7, rtol: 1e-6 };

function makeOptimizer(c: OptimCase, params: Tensor[]): Optimizer {
  const a = c.args;
  switch (c.optimizer) {
    case 'SGD':
      return new SGD(params, { lr: a.lr, momentum: a.momentum, nesterov: a.nesterov, weightDecay: a.weightDecay });
    case 'Adam':
      return new Adam(params, { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, weightDecay: a.weightDecay });
    case 'AdamW':
      return new AdamW(params, { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, weightDecay: a.weightDecay });
  }
}

function makeSchedule(spec: ScheduleSpec): Schedule {
  const a = spec.args;
  switch (spec.kind) {
    case 'stepDecay':
      return stepDecay(a.every, a.gamma);
    case 'cosine':
      return cosine(a.total, a.minFactor);
    case 'linearWarmup':
      return linearWarmup(a.warmup, a.after ? makeSchedule(a.after) : constant());
    default:
      throw new Error(`no engine schedule for ${spec.kind}`);
  }
}

test('optim fixture covers every optimizer, schedule and clipping case it should', () => {
  assert.deepEqual([...new Set(fixture.optimizers.map((c) => c.optimizer))].sort(), ['Adam', 'AdamW', 'SGD']);
  assert.ok(fixture.optimizers.every((c) => c.steps.length === 5));
  assert.deepEqual([...new Set(fixture.schedules.map((c) => c.kind))].sort(), ['cosine', 'linearWarmup', 'stepDecay']);
  assert.ok(fixture.clip.length >= 2);
});

forEachBackend(() => {
  for (const c of fixture.optimizers) {
    test(`${c.name}: parameters after each of 5 steps match torch`, () => {
      const model = new Linear(3, 2);
      model.loadStateDict(new Map(Object.entries(c.state).map(([k, fx]) => [k, { shape: fx.shape, data: Float32Array.from(fx.data) }])));
      const named = new Map(model.namedParameters());
      assert.deepEqual([...named.keys()].sort(), Object.keys(c.state).sort());
      const opt = makeOptimizer(c, model.parameters());
      const x = fromFx(c.x),
        y = fromFx(c.y);
      c.steps.forEach((expected, i) => {
        opt.zeroGrad();
        const loss = mseLoss(model.forward(x), y);
        assertCloseScalar(`${c.name} loss before step ${i + 1}`, loss.item(), expected.loss, PARAM_TOL);
        loss.backward();
        opt.step();
        for (const [k, fx] of Object.entries(expected.params)) {
          assertCloseTensor(`${c.name} ${k} after step ${i + 1}`, named.get(k)!, fx, PARAM_TOL);
        }
      });
    });
  }

  for (const c of fixture.schedules) {
    test(`schedule ${c.name} gives torch's learning-rate multipliers`, () => {
      const schedule = makeSchedule(c);
      assertClose(
        `${c.name} multipliers`,
        c.lrs.map((_, s) => schedule(s)),
        [c.lrs.length],
        { shape: [c.lrs.length], data: c.lrs },
        LR_TOL,
      );

      // LRScheduler drives an optimizer the same way torch's scheduler does: lr for step s = base · schedule(s).
      const base = 0.3;
      const opt = new SGD([parameter(zeros([1]))], { lr: base });
      const sched = new LRScheduler(opt, schedule);
      const used: number[] = [];
      for (let s = 0; s < c.lrs.length; s++) {
        used.push(opt.lr);
        opt.step();
        sched.step();
      }
      assertClose(`${c.name} LRScheduler lr`, used, [used.length], { shape: [c.lrs.length], data: c.lrs.map((v) => v * base) }, LR_TOL);
    });
  }

  for (const c of fixture.clip) {
    test(`clipGradNorm ${c.name} matches torch.nn.utils.clip_grad_norm_`, () => {
      const params: Record<string, Tensor> = {};
      for (const [k, fx] of Object.entries(c.grads)) {
        const p = parameter(zeros(fx.shape));
        p.grad = fromFx(fx).keep();
        params[k] = p;
      }
      const norm = clipGradNorm(Object.values(params), c.maxNorm);
      assertCloseScalar(`${c.name} total norm`, norm, c.totalNorm, CLIP_TOL);
      for (const [k, fx] of Object.entries(c.clipped)) assertClose(`${c.name} clipped grad ${k}`, gradOf(params[k]), params[k].shape, fx, CLIP_TOL);
    });
  }
});
