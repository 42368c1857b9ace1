// Intra-op threads for the WebAssembly matmul: worker threads that instantiate the same module over the same
// shared memory and are driven through a job block of Int32 words with Atomics (no message per call).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

// The job block has room for 32 workers' READY flags.
const maxThreads = Math.max(1, Math.min(availableParallelism(), 33));
let threads = parseThreads(process.env.ANDON_THREADS);

function parseThreads(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, maxThreads) : 1;
}

/** Sets how many threads (the calling one included) a large matmul may use; capped at the CPU count (and 33). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads: expected an integer ≥ 1, got ${n}`);
  threads = Math.min(n, maxThreads);
}

/** How many threads a large matmul may use (default 1, or ANDON_THREADS). */
export function getThreads(): number {
  return threads;
}

let splitRuns = 0;
/** How many matmuls so far a worker actually took part in (for tests and diagnostics). */
export function parallelRuns(): number {
  return splitRuns;
}

/** The gemm export of the kernels module; strides are in elements, pointers in bytes. */
export type GemmFn = (
  m: number,
  n: number,
  k: number,
  a: number,
  rsA: number,
  csA: number,
  b: number,
  rsB: number,
  csB: number,
  c: number,
  rsC: number,
  csC: number,
  accumulate: number,
  scratch: number,
) => void;

// The job block: one job at a time, cut into parts that every thread (the caller included) claims with an
// atomic counter, so a worker that wakes late or runs on a busy core only ever holds up one part.
const SEQ = 0; // bumped by the caller to announce a job
const NEXT = 1; // next part to claim
const FINISHED = 2; // parts completed
const PARTS = 3; // number of parts
const CHUNK = 4; // rows (or columns) per part; the last part takes the rest
const BY_ROWS = 5; // 1: parts are row ranges of C, 0: column ranges
const FAILED = 6; // set when a worker's part threw
const ARGS = 8; // m, n, k, a, rsA, csA, b, rsB, csB, c, rsC, csC, accumulate
const READY = 32; // READY + i: 1 once worker i has instantiated the module
const BLOCK_INTS = 64;

// How long an idle worker (and a waiting caller) polls before sleeping in Atomics.wait: training runs matmuls
// back to back, and a futex wake-up costs tens of microseconds, more than a small matmul itself.
const SPIN_MS = 0.2;

// Larger than any part index: NEXT holds it between jobs, so a late claim fails while the next job is written.
const CLOSED = 1 << 30;

// Claims and runs parts until none are left, returning how many it ran. One source for the caller and the
// worker (which cannot import it). Arguments are read after each claim: the caller writes them before it
// opens NEXT, so a claim that succeeds always sees the whole job.
const RUN_PARTS_SOURCE = `function runParts(box, gemm, scratch) {
  for (let done = 0; ; done++) {
    const part = Atomics.add(box, ${NEXT}, 1);
    const parts = Atomics.load(box, ${PARTS});
    if (part >= parts) return done;
    const chunk = box[${CHUNK}], byRows = box[${BY_ROWS}] === 1, A = ${ARGS};
    const m = box[A], n = box[A + 1], k = box[A + 2], a = box[A + 3], rsA = box[A + 4], csA = box[A + 5];
    const b = box[A + 6], rsB = box[A + 7], csB = box[A + 8], c = box[A + 9], rsC = box[A + 10], csC = box[A + 11];
    const acc = box[A + 12];
    const start = part * chunk;
    try {
      if (byRows) {
        const len = part === parts - 1 ? m - start : chunk;
        gemm(len, n, k, a + 4 * start * rsA, rsA, csA, b, rsB, csB, c + 4 * start * rsC, rsC, csC, acc, scratch);
      } else {
        const len = part === parts - 1 ? n - start : chunk;
        gemm(m, len, k, a, rsA, csA, b + 4 * start * csB, rsB, csB, c + 4 * start * csC, rsC, csC, acc, scratch);
      }
    } catch {
      Atomics.store(box, ${FAILED}, 1);
    }
    if (Atomics.add(box, ${FINISHED}, 1) + 1 === parts) Atomics.notify(box, ${FINISHED});
  }
}`;
const runParts = new Function(`return ${RUN_PARTS_SOURCE}`)() as (box: Int32Array, gemm: GemmFn, scratch: number) => number;

// The worker is a plain script evaluated from a string, so it runs the same from TypeScript sources (tsx) and
// from compiled dist/ without resolving a file; it only needs the compiled module, the memory and its scratch.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, block, index, scratch } = workerData;
const gemm = new WebAssembly.Instance(module, {
  env: { memory, abort() { throw new Error('wasm abort'); } },
}).exports.gemm;
const box = new Int32Array(memory.buffer, block, ${BLOCK_INTS});
const runParts = ${RUN_PARTS_SOURCE};
Atomics.store(box, ${READY} + index, 1);
let seen = Atomics.load(box, ${SEQ});
for (;;) {
  let seq = Atomics.load(box, ${SEQ});
  if (seq === seen) {
    const until = performance.now() + ${SPIN_MS};
    for (let i = 1; (seq = Atomics.load(box, ${SEQ})) === seen; i++) {
      if ((i & 255) === 0 && performance.now() > until) break;
    }
    if (seq === seen) { Atomics.wait(box, ${SEQ}, seen); continue; }
  }
  seen = seq;
  runParts(box, gemm, scratch);
}
`;

interface Helper {
  worker: Worker;
  index: number;
}

/**
 * Splits one gemm into parts (row ranges of C, or column ranges when C is wide) that the calling thread and
 * the workers claim from a shared counter. Workers start lazily on first use, are unref()'d so they never
 * keep the process alive, and are counted only once ready, so no call ever waits for a worker to boot.
 */
export class GemmPool {
  private readonly helpers: Helper[] = [];
  private readonly box: Int32Array;
  private readonly block: number;
  private broken = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** Reserves bytes of wasm memory (64-byte aligned) for the pool's lifetime; returns the byte offset. */
    private readonly reserve: (bytes: number) => number,
    private readonly scratchBytes: number,
    private readonly tileRows: number,
    private readonly tileCols: number,
  ) {
    this.block = reserve(BLOCK_INTS * 4);
    this.box = new Int32Array(memory.buffer, this.block, BLOCK_INTS);
    this.box.fill(0);
    this.box[NEXT] = CLOSED;
  }

  /**
   * Runs gemm over up to `threads` threads; `gemm` and `scratch` are the calling thread's. Same arguments as
   * the wasm gemm. Runs on the calling thread alone while no worker is ready.
   */
  run(
    threads: number,
    gemm: GemmFn,
    scratch: number,
    m: number,
    n: number,
    k: number,
    a: number,
    rsA: number,
    csA: number,
    b: number,
    rsB: number,
    csB: number,
    c: number,
    rsC: number,
    csC: number,
    accumulate: number,
  ): void {
    const workers = this.readyWorkers(threads - 1);
    // Split the longer side of C. Each part re-packs the other operand, so parts keep at least 16 micro-tiles
    // of that side; about two parts per thread let a fast thread take over a slow one's share.
    const byRows = m >= n;
    const len = byRows ? m : n;
    const unit = byRows ? this.tileRows : this.tileCols;
    const minPart = unit * 16;
    const parts = Math.min(2 * (workers + 1), Math.floor(len / minPart));
    if (workers === 0 || parts < 2) {
      gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, rsC, csC, accumulate, scratch);
      return;
    }
    const chunk = Math.ceil(len / parts / unit) * unit;
    const box = this.box;
    box[CHUNK] = chunk;
    box[BY_ROWS] = byRows ? 1 : 0;
    box[FAILED] = 0;
    box[ARGS] = m;
    box[ARGS + 1] = n;
    box[ARGS + 2] = k;
    box[ARGS + 3] = a;
    box[ARGS + 4] = rsA;
    box[ARGS + 5] = csA;
    box[ARGS + 6] = b;
    box[ARGS + 7] = rsB;
    box[ARGS + 8] = csB;
    box[ARGS + 9] = c;
    box[ARGS + 10] = rsC;
    box[ARGS + 11] = csC;
    box[ARGS + 12] = accumulate;
    Atomics.store(box, PARTS, Math.ceil(len / chunk));
    Atomics.store(box, FINISHED, 0);
    // Opening the counter last publishes everything above to whoever claims a part.
    Atomics.store(box, NEXT, 0);
    Atomics.add(box, SEQ, 1);
    Atomics.notify(box, SEQ);
    const mine = runParts(box, gemm, scratch);
    const total = Atomics.load(box, PARTS);
    waitFinished(box, total);
    Atomics.store(box, NEXT, CLOSED);
    if (mine < total) splitRuns++;
    if (Atomics.load(box, FAILED) !== 0) {
      // A worker's gemm only throws on a wasm trap, which the same call on this thread would hit too.
      this.broken = true;
      throw new Error('wasm matmul failed in a thread');
    }
  }

  /** How many workers have booted, starting more (without waiting for them) when fewer than `want` exist. */
  private readyWorkers(want: number): number {
    if (this.broken) return 0;
    while (this.helpers.length < want) this.helpers.push(this.spawn(this.helpers.length));
    let ready = 0;
    for (let i = 0; i < want; i++) if (Atomics.load(this.box, READY + i) === 1) ready++;
    return ready;
  }

  private spawn(index: number): Helper {
    const scratch = this.reserve(this.scratchBytes);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: this.module, memory: this.memory, block: this.block, index, scratch },
    });
    worker.unref();
    worker.on('error', () => {
      this.broken = true;
    });
    return { worker, index };
  }
}

/** Waits until all parts are finished: polls briefly, then sleeps on the FINISHED word. */
function waitFinished(box: Int32Array, total: number): void {
  let done = Atomics.load(box, FINISHED);
  if (done >= total) return;
  const until = performance.now() + SPIN_MS;
  for (let i = 1; (done = Atomics.load(box, FINISHED)) < total; i++) {
    if ((i & 255) === 0 && performance.now() > until) break;
  }
  while (done < total) {
    Atomics.wait(box, FINISHED, done);
    done = Atomics.load(box, FINISHED);
  }
}
