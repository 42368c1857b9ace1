// The "no library" baseline: a straightforward hand-written MLP (forward, backward, SGD momentum) on Float32Arrays.
// Usage: node --import tsx bench/peers/plainjs.ts mlp --data PREFIX [...config]
import { configFromArgs, emitResult, mulberry32, parseArgs, readDataSet, runEpochs, type MlpResult } from './common.js';

const args = parseArgs(process.argv.slice(3));
const c = configFromArgs(args);
const data = readDataSet(args.get('data')!, c);
const B = c.batch;

/** A dense layer, W stored [out, in]. */
class Dense {
  w: Float32Array;
  b: Float32Array;
  gw: Float32Array;
  gb: Float32Array;
  vw: Float32Array;
  vb: Float32Array;
  out: Float32Array;
  gin: Float32Array;
  constructor(
    readonly inF: number,
    readonly outF: number,
    rnd: () => number,
  ) {
    const bound = 1 / Math.sqrt(inF);
    this.w = new Float32Array(outF * inF).map(() => (rnd() * 2 - 1) * bound);
    this.b = new Float32Array(outF).map(() => (rnd() * 2 - 1) * bound);
    this.gw = new Float32Array(outF * inF);
    this.gb = new Float32Array(outF);
    this.vw = new Float32Array(outF * inF);
    this.vb = new Float32Array(outF);
    this.out = new Float32Array(B * outF);
    this.gin = new Float32Array(B * inF);
  }
  forward(x: Float32Array): Float32Array {
    const { w, b, out, inF, outF } = this;
    for (let r = 0; r < B; r++) {
      for (let o = 0; o < outF; o++) {
        let s = b[o];
        for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
        out[r * outF + o] = s;
      }
    }
    return out;
  }
  /** g is dL/d(out); fills gw, gb and (when wanted) gin = dL/dx. */
  backward(x: Float32Array, g: Float32Array, wantInput: boolean): Float32Array {
    const { w, gw, gb, gin, inF, outF } = this;
    gw.fill(0);
    gb.fill(0);
    for (let r = 0; r < B; r++) {
      for (let o = 0; o < outF; o++) {
        const go = g[r * outF + o];
        gb[o] += go;
        for (let i = 0; i < inF; i++) gw[o * inF + i] += go * x[r * inF + i];
      }
    }
    if (wantInput) {
      gin.fill(0);
      for (let r = 0; r < B; r++) {
        for (let o = 0; o < outF; o++) {
          const go = g[r * outF + o];
          for (let i = 0; i < inF; i++) gin[r * inF + i] += go * w[o * inF + i];
        }
      }
    }
    return gin;
  }
  step(lr: number, mu: number): void {
    for (const [p, g, v] of [
      [this.w, this.gw, this.vw],
      [this.b, this.gb, this.vb],
    ]) {
      for (let i = 0; i < p.length; i++) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * v[i];
      }
    }
  }
}

const rnd = mulberry32(7);
const l1 = new Dense(c.features, c.hidden, rnd),
  l2 = new Dense(c.hidden, c.hidden, rnd),
  l3 = new Dense(c.hidden, c.classes, rnd);
const x = new Float32Array(B * c.features);
const glogits = new Float32Array(B * c.classes);

function relu(a: Float32Array): void {
  for (let i = 0; i < a.length; i++) if (a[i] < 0) a[i] = 0;
}
function reluBackward(y: Float32Array, g: Float32Array): void {
  for (let i = 0; i < g.length; i++) if (y[i] <= 0) g[i] = 0;
}

function step(b: number): number {
  const at = b * B;
  x.set(data.x.subarray(at * c.features, (at + B) * c.features));
  const h1 = l1.forward(x);
  relu(h1);
  const h2 = l2.forward(h1);
  relu(h2);
  const z = l3.forward(h2);
  // Softmax cross-entropy, mean over the batch, and its gradient.
  let loss = 0;
  const C = c.classes;
  for (let r = 0; r < B; r++) {
    let m = -Infinity;
    for (let k = 0; k < C; k++) m = Math.max(m, z[r * C + k]);
    let s = 0;
    for (let k = 0; k < C; k++) s += Math.exp(z[r * C + k] - m);
    const t = data.y[at + r];
    loss += Math.log(s) + m - z[r * C + t];
    for (let k = 0; k < C; k++) glogits[r * C + k] = (Math.exp(z[r * C + k] - m) / s - (k === t ? 1 : 0)) / B;
  }
  const g2 = l3.backward(h2, glogits, true);
  reluBackward(h2, g2);
  const g1 = l2.backward(h1, g2, true);
  reluBackward(h1, g1);
  l1.backward(x, g1, false);
  for (const l of [l1, l2, l3]) l.step(c.lr, c.momentum);
  return loss / B;
}

const result: MlpResult = { ...runEpochs(c, step, (l) => l), threads: 1 };
emitResult(result);
