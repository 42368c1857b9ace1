// Andon's side of the engine benchmark, run as its own process: `mlp` (training throughput) or `matmul` (GFLOP/s).
// Usage: node --import tsx bench/peers/andon.ts mlp|matmul --threads N [--data PREFIX ...config]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as E from '../../src/engine/index.js';
import {
  bestOf,
  checkMatmul,
  configFromArgs,
  emitResult,
  fillNormal,
  log,
  matmulSizes,
  parseArgs,
  readDataSet,
  runEpochs,
  type MatmulResult,
  type MlpResult,
} from './common.js';

const [task = 'mlp', ...rest] = process.argv.slice(2);
const args = parseArgs(rest);
const threads = Number(args.get('threads') ?? '1');

/** How the engine was asked for `threads` threads: its setThreads(), the ANDON_THREADS variable, or not at all. */
interface ThreadSetup {
  threads: number;
  mechanism: 'none' | 'setThreads' | 'env';
  note?: string;
}

async function setupThreads(): Promise<ThreadSetup> {
  const file = fileURLToPath(new URL('../../src/engine/kernels/threads.ts', import.meta.url));
  if (existsSync(file)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    if (typeof mod.setThreads === 'function') {
      await (mod.setThreads as (n: number) => unknown)(threads);
      const getter = mod.getThreads ?? mod.threads ?? mod.threadCount;
      const actual = typeof getter === 'function' ? Number(await (getter as () => unknown)()) : threads;
      return { threads: actual, mechanism: 'setThreads' };
    }
  }
  if (threads === 1) return { threads: 1, mechanism: 'none' };
  if (process.env.ANDON_THREADS === String(threads) && engineReadsThreadsEnv()) {
    return { threads, mechanism: 'env', note: 'no setThreads(); the engine was given ANDON_THREADS' };
  }
  return { threads: 1, mechanism: 'none', note: 'the engine has no setThreads() yet' };
}

/** Whether any kernel source reads ANDON_THREADS (otherwise setting it would silently run one thread). */
function engineReadsThreadsEnv(): boolean {
  const dir = fileURLToPath(new URL('../../src/engine/kernels/', import.meta.url));
  return readdirSync(dir).some((f) => f.endsWith('.ts') && readFileSync(join(dir, f), 'utf8').includes('ANDON_THREADS'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Matmul workers boot lazily on the first large matmul and are used once ready: give them time before timing. */
async function letWorkersBoot(setup: ThreadSetup): Promise<void> {
  if (setup.threads <= 1) return;
  const k = E.kernels(),
    n = 512;
  const a = k.alloc(n * n),
    b = k.alloc(n * n),
    c = k.alloc(n * n);
  a.fill(0);
  b.fill(0);
  k.matmul(a, b, c, n, n, n, false, false, false);
  await sleep(500);
  k.matmul(a, b, c, n, n, n, false, false, false);
  k.free(a);
  k.free(b);
  k.free(c);
}

function mlp(setup: ThreadSetup): MlpResult {
  const c = configFromArgs(args);
  const data = readDataSet(args.get('data')!, c);
  const rng = new E.Rng(0);
  const model = new E.Sequential(
    new E.Linear(c.features, c.hidden, { rng }),
    new E.ReLU(),
    new E.Linear(c.hidden, c.hidden, { rng }),
    new E.ReLU(),
    new E.Linear(c.hidden, c.classes, { rng }),
  );
  const opt = new E.SGD(model.parameters(), { lr: c.lr, momentum: c.momentum });
  const x = E.empty([c.batch, c.features]).keep();
  const step = (b: number): number => {
    const at = b * c.batch;
    x.data.set(data.x.subarray(at * c.features, (at + c.batch) * c.features));
    const y = data.y.subarray(at, at + c.batch);
    return E.scope(() => {
      opt.zeroGrad();
      const loss = E.crossEntropyLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  };

  return {
    ...runEpochs(c, step, (l) => l),
    threads: setup.threads,
    backend: E.kernels().name,
    thread_mechanism: setup.mechanism,
    ...(setup.note ? { note: setup.note } : {}),
  };
}

function matmul(setup: ThreadSetup): MatmulResult {
  const k = E.kernels();
  const budget = Number(args.get('budget_ms') ?? '1500');
  const out: MatmulResult = {
    gflops: {},
    best_ms: {},
    reps: {},
    max_rel_err: 0,
    backend: k.name,
    threads: setup.threads,
    thread_mechanism: setup.mechanism,
    ...(setup.note ? { note: setup.note } : {}),
  };
  for (const n of matmulSizes) {
    const a = k.alloc(n * n),
      b = k.alloc(n * n),
      c = k.alloc(n * n);
    fillNormal(a, n * n, 1);
    fillNormal(b, n * n, 2);
    const { bestMs, reps } = bestOf(() => k.matmul(a, b, c, n, n, n, false, false, false), budget, n >= 1024 ? 2 : 3);
    out.gflops[n] = (2 * n ** 3) / (bestMs / 1000) / 1e9;
    out.best_ms[n] = bestMs;
    out.reps[n] = reps;
    out.max_rel_err = Math.max(out.max_rel_err, checkMatmul(a, b, c, n));
    log(`  andon ${setup.threads}t matmul ${n}: ${out.gflops[n].toFixed(2)} GFLOP/s (${reps} reps)`);
    k.free(a);
    k.free(b);
    k.free(c);
  }
  return out;
}

const setup = await setupThreads();
await letWorkersBoot(setup);
if (threads > 1 && setup.mechanism === 'none') {
  emitResult({ unavailable: true, note: setup.note });
} else if (task === 'mlp') {
  emitResult(mlp(setup));
} else if (task === 'matmul') {
  emitResult(matmul(setup));
} else {
  throw new Error(`unknown task ${task}`);
}
// Worker threads (if any) would keep the process alive.
process.exit(0);
