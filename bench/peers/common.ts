// Shared by the engine benchmark and its peer processes: the workload, the data set on disk, the result protocol.
import { readFileSync, writeFileSync } from 'node:fs';

/** The MLP training workload every peer runs: 14→128→128→3, ReLU, softmax cross-entropy, SGD momentum. */
export interface MlpConfig {
  rows: number;
  features: number;
  hidden: number;
  classes: number;
  batch: number;
  lr: number;
  momentum: number;
  /** Steps taken before the clock starts (they train the model too). */
  warmupSteps: number;
  /** Timed epochs; the best one is reported (1 by default: more only steadies the number on a busy machine). */
  epochs: number;
}

export const defaultMlpConfig: MlpConfig = {
  rows: 100_000,
  features: 14,
  hidden: 128,
  classes: 3,
  batch: 256,
  lr: 0.01,
  momentum: 0.9,
  warmupSteps: 50,
  epochs: 1,
};

/** Full batches in one epoch (the last partial batch is dropped, by every peer alike). */
export function stepsPerEpoch(c: MlpConfig): number {
  return Math.floor(c.rows / c.batch);
}

/** The timing of the epochs: throughput is the best timed epoch's. */
export interface EpochStats {
  samples_per_s: number;
  /** Seconds of the best epoch. */
  seconds: number;
  /** Steps and samples in one epoch. */
  steps: number;
  samples: number;
  epoch_samples_per_s: number[];
  /** Mean loss of the first and last timed batch: the last should be well below ln 3 ≈ 1.099 if the peer learns. */
  loss_first: number;
  loss_last: number;
}

/** What an MLP peer reports. */
export interface MlpResult extends EpochStats {
  threads: number;
  [extra: string]: unknown;
}

/** What a matmul peer reports: GFLOP/s (2n³ flops) per size, best repetition. */
export interface MatmulResult {
  gflops: Record<string, number>;
  best_ms: Record<string, number>;
  reps: Record<string, number>;
  /** Largest relative error of a few sampled entries against a float64 dot product. */
  max_rel_err: number;
  [extra: string]: unknown;
}

/**
 * Runs the warm-up steps, then the timed epochs; `read` turns a step's loss into a number (forcing any pending
 * work), `release` frees a loss that is no longer needed. The clock of each epoch stops after its last loss is read.
 */
export function runEpochs<L>(c: MlpConfig, step: (batch: number) => L, read: (loss: L) => number, release: (loss: L) => void = () => {}): EpochStats {
  const steps = stepsPerEpoch(c);
  for (let b = 0; b < c.warmupSteps; b++) release(step(b % steps));
  let first = NaN,
    lastValue = NaN;
  const rates: number[] = [];
  let bestSeconds = Infinity;
  for (let e = 0; e < Math.max(1, c.epochs); e++) {
    let last: L | null = null;
    const t0 = performance.now();
    for (let b = 0; b < steps; b++) {
      const l = step(b);
      if (e === 0 && b === 0) first = read(l);
      if (last !== null) release(last);
      last = l;
    }
    lastValue = read(last!);
    const seconds = (performance.now() - t0) / 1000;
    release(last!);
    rates.push((steps * c.batch) / seconds);
    bestSeconds = Math.min(bestSeconds, seconds);
  }
  return {
    samples_per_s: (steps * c.batch) / bestSeconds,
    seconds: bestSeconds,
    steps,
    samples: steps * c.batch,
    epoch_samples_per_s: rates,
    loss_first: first,
    loss_last: lastValue,
  };
}

/** Small, fast, seeded generator (mulberry32) for bench data; the engine's own Rng is not needed here. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalFiller(seed: number): () => number {
  const u = mulberry32(seed);
  return () => {
    const a = Math.max(u(), 1e-12),
      b = u();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  };
}

export interface DataSet {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Standard-normal features; the label is the argmax of a fixed random linear map of a fixed random
 * nonlinear feature map, so an MLP can learn it but not trivially.
 */
export function makeDataSet(c: MlpConfig, seed = 1234): DataSet {
  const rnd = normalFiller(seed);
  const teacher = new Float64Array(c.features * c.classes);
  for (let i = 0; i < teacher.length; i++) teacher[i] = rnd();
  const x = new Float32Array(c.rows * c.features);
  const y = new Int32Array(c.rows);
  for (let r = 0; r < c.rows; r++) {
    const row = r * c.features;
    for (let f = 0; f < c.features; f++) x[row + f] = rnd();
    let best = 0,
      bestScore = -Infinity;
    for (let k = 0; k < c.classes; k++) {
      let s = 0;
      for (let f = 0; f < c.features; f++) {
        const v = x[row + f];
        s += teacher[f * c.classes + k] * (f % 2 === 0 ? v : Math.abs(v) - 0.8);
      }
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    y[r] = best;
  }
  return { x, y };
}

/** Writes <prefix>.x (float32 LE, rows×features) and <prefix>.y (int32 LE, rows). */
export function writeDataSet(prefix: string, d: DataSet): void {
  writeFileSync(`${prefix}.x`, new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength));
  writeFileSync(`${prefix}.y`, new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength));
}

export function readDataSet(prefix: string, c: MlpConfig): DataSet {
  const xb = readFileSync(`${prefix}.x`),
    yb = readFileSync(`${prefix}.y`);
  const x = new Float32Array(c.rows * c.features),
    y = new Int32Array(c.rows);
  new Uint8Array(x.buffer).set(xb.subarray(0, x.byteLength));
  new Uint8Array(y.buffer).set(yb.subarray(0, y.byteLength));
  if (xb.byteLength !== x.byteLength || yb.byteLength !== y.byteLength) throw new Error(`data set ${prefix} does not match the config`);
  return { x, y };
}

/** --name value pairs after the task name; flags without a value read as 'true'. */
export function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a.slice(2), next);
      i++;
    } else out.set(a.slice(2), 'true');
  }
  return out;
}

export function configFromArgs(args: Map<string, string>): MlpConfig {
  const c = { ...defaultMlpConfig };
  for (const key of Object.keys(c) as (keyof MlpConfig)[]) {
    const v = args.get(key);
    if (v !== undefined) c[key] = Number(v);
  }
  return c;
}

export function configToArgs(c: MlpConfig): string[] {
  return Object.entries(c).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

/** Result lines on a child's stdout start with this; anything else a library prints goes to the log. */
export const RESULT_MARK = 'BENCH_RESULT ';

/** Prints the result line, with the CPU time this process used (all its threads) for the load accounting. */
export function emitResult(value: object): void {
  const cpu = process.cpuUsage();
  process.stdout.write(`${RESULT_MARK}${JSON.stringify({ ...value, cpu_seconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}

export const matmulSizes = [256, 512, 1024];

/**
 * Times fn after a warm-up call: at least minReps repetitions, more while under the time budget.
 * Returns the best time in milliseconds and the number of timed repetitions.
 */
export function bestOf(fn: () => void, budgetMs: number, minReps = 3, maxReps = 30): { bestMs: number; reps: number } {
  fn();
  let best = Infinity,
    reps = 0;
  const start = performance.now();
  while (reps < maxReps && (reps < minReps || performance.now() - start < budgetMs)) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    reps++;
  }
  return { bestMs: best, reps };
}

/** Relative error of sampled entries of c = a·b (all n×n, row-major) against a float64 dot product. */
export function checkMatmul(a: Float32Array, b: Float32Array, c: Float32Array, n: number, samples = 16): number {
  const rnd = mulberry32(n);
  let worst = 0;
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(rnd() * n),
      j = Math.floor(rnd() * n);
    let ref = 0,
      mag = 0;
    for (let k = 0; k < n; k++) {
      ref += a[i * n + k] * b[k * n + j];
      mag += Math.abs(a[i * n + k] * b[k * n + j]);
    }
    worst = Math.max(worst, Math.abs(c[i * n + j] - ref) / Math.max(mag, 1e-30));
  }
  return worst;
}

export function fillNormal(a: Float32Array, n: number, seed: number): void {
  const rnd = normalFiller(seed);
  for (let i = 0; i < n; i++) a[i] = rnd();
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
