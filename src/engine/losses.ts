// Losses with PyTorch's definitions and mean reduction: MSE, MAE, Huber, BCE with logits, softmax cross-entropy.
import { Tensor, empty, record, tensor } from './tensor.js';
import { kernels } from './kernels/index.js';
import { assert } from './assert.js';
import { abs, square, sub, unary } from './ops/elementwise.js';
import { mean } from './ops/reduce.js';

function sameSize(pred: Tensor, target: Tensor, name: string): void {
  assert(pred.size === target.size, () => `${name}: prediction has ${pred.size} values, target has ${target.size}`);
}

/** Target reshaped to the prediction's shape (a [N] target against [N, 1] predictions is the usual case). */
function aligned(pred: Tensor, target: Tensor): Tensor {
  return target.shape.length === pred.shape.length ? target : target.view(pred.shape);
}

export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  sameSize(pred, target, 'mseLoss');
  return mean(square(sub(pred, aligned(pred, target))));
}

export function maeLoss(pred: Tensor, target: Tensor): Tensor {
  sameSize(pred, target, 'maeLoss');
  return mean(abs(sub(pred, aligned(pred, target))));
}

/** Quadratic within ±delta, linear outside: robust to outliers in sensor targets. */
export function huberLoss(pred: Tensor, target: Tensor, delta = 1): Tensor {
  sameSize(pred, target, 'huberLoss');
  const d = sub(pred, aligned(pred, target));
  return mean(
    unary(
      d,
      (x) => (Math.abs(x) <= delta ? 0.5 * x * x : delta * (Math.abs(x) - 0.5 * delta)),
      (x) => (Math.abs(x) <= delta ? x : delta * Math.sign(x)),
    ),
  );
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * Binary cross-entropy on logits: −[pw·y·log σ(x) + (1−y)·log(1−σ(x))], averaged. posWeight > 1 weighs the
 * rare positive class up (failures are rare in maintenance data).
 */
export function bceWithLogitsLoss(logits: Tensor, target: Tensor, posWeight = 1): Tensor {
  sameSize(logits, target, 'bceWithLogitsLoss');
  const n = logits.size,
    x = logits.data,
    y = target.data;
  let total = 0;
  for (let i = 0; i < n; i++) total += (1 - y[i]) * x[i] + (1 + (posWeight - 1) * y[i]) * softplus(-x[i]);
  const out = tensor([total / n], []);
  return record(out, [logits], (g) => {
    const gx = empty(logits.shape);
    const scale = g.data[0] / n;
    for (let i = 0; i < n; i++) {
      const sigNeg = 1 / (1 + Math.exp(x[i])); // σ(−x)
      gx.data[i] = scale * (1 - y[i] - (1 + (posWeight - 1) * y[i]) * sigNeg);
    }
    return [gx];
  });
}

export interface CrossEntropyOptions {
  /** Per-class weights (length = classes), for imbalanced labels. */
  classWeights?: ArrayLike<number>;
  /** ε in [0, 1): the target puts 1−ε on the true class and spreads ε evenly over all classes. */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy of logits [N, C] against class indices, as torch.nn.functional.cross_entropy:
 * a weighted mean divided by the total weight of the true classes.
 */
export function crossEntropyLoss(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  assert(logits.rank === 2, () => `crossEntropyLoss expects logits [batch, classes], got [${logits.shape}]`);
  const [n, c] = logits.shape;
  assert(targets.length === n, () => `crossEntropyLoss: ${n} rows of logits but ${targets.length} targets`);
  const eps = opts.labelSmoothing ?? 0;
  assert(eps >= 0 && eps < 1, () => `label smoothing must be in [0, 1), got ${eps}`);
  const w = opts.classWeights;
  if (w) assert(w.length === c, () => `${w.length} class weights for ${c} classes`);
  const logp = empty([n, c]);
  kernels().softmaxRows(logits.data, logp.data, n, c, true);
  const lp = logp.data;
  let total = 0,
    denom = 0;
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    assert(t >= 0 && t < c, () => `target class ${t} out of range for ${c} classes`);
    const wt = w ? w[t] : 1;
    denom += wt;
    total -= (1 - eps) * wt * lp[i * c + t];
    if (eps > 0) for (let k = 0; k < c; k++) total -= (eps / c) * (w ? w[k] : 1) * lp[i * c + k];
  }
  assert(denom > 0, 'crossEntropyLoss: the targets carry zero total weight');
  const out = tensor([total / denom], []);
  return record(out, [logits], (g) => {
    // d/dz of −Σ q·log softmax(z) is (Σq)·softmax(z) − q, for the per-row target weights q.
    const gx = empty([n, c]);
    const r = gx.data,
      scale = g.data[0] / denom;
    let smoothSum = 0;
    if (eps > 0) for (let k = 0; k < c; k++) smoothSum += (eps / c) * (w ? w[k] : 1);
    for (let i = 0; i < n; i++) {
      const t = targets[i];
      const wt = w ? w[t] : 1;
      const qSum = (1 - eps) * wt + smoothSum;
      for (let k = 0; k < c; k++) {
        const q = (k === t ? (1 - eps) * wt : 0) + (eps > 0 ? (eps / c) * (w ? w[k] : 1) : 0);
        r[i * c + k] = scale * (qSum * Math.exp(lp[i * c + k]) - q);
      }
    }
    return [gx];
  });
}
