// WebAssembly SIMD kernels: loads build/kernels-{relaxed,simd}.wasm over a shared memory, hands out Float32Array
// views into that memory from a pool allocator, and runs the TypeScript kernels for arrays that live elsewhere.
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import type { Kernels, BackendName } from './types.js';
import { tsKernels } from './ts.js';
import { GemmPool, getThreads, type GemmFn } from './threads.js';

/** Which build: relaxed SIMD (fused multiply-add) or plain 128-bit SIMD. */
export type WasmVariant = 'relaxed' | 'simd';

interface KernelExports {
  gemm: GemmFn;
  gemmScratchBytes(): number;
  gemmTileRows(): number;
  gemmTileCols(): number;
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  div(a: number, b: number, out: number, n: number): void;
  addRow(a: number, row: number, out: number, rows: number, cols: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  scale(a: number, s: number, out: number, n: number): void;
  fill(a: number, value: number, n: number): void;
  relu(a: number, out: number, n: number): void;
  reluBackward(y: number, g: number, out: number, n: number): void;
  sum(a: number, n: number): number;
  sumSquares(a: number, n: number): number;
  sumRows(a: number, out: number, rows: number, cols: number, accumulate: number): void;
  softmaxRows(a: number, out: number, rows: number, cols: number, log: number): void;
  sgdStep(p: number, grad: number, vel: number, n: number, lr: number, momentum: number, weightDecay: number, nesterov: number): void;
  adamStep(
    p: number,
    grad: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    bc1: number,
    bc2: number,
  ): void;
}

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB, the most a wasm32 memory can address with signed offsets
// The module's static data sits far below this; everything above belongs to the allocator.
const HEAP_START = 1 << 20;
const INITIAL_PAGES = 96; // 6 MiB: the heap start, one thread's matmul scratch (3.2 MiB) and room for tensors

// Above this many multiply-adds a matmul on plain arrays copies its operands into wasm memory instead of
// running the (much slower) TypeScript loop.
const COPY_IN_MKN = 64 * 64 * 64;
// Below this many multiply-adds (about 100³) a second thread does not pay for waking it and re-packing
// operands; measured on a 2-core Zen 3 with the worker asleep (futex wake-up) and awake (spinning).
const PARALLEL_MKN = 1 << 20;

/** Path of a compiled variant; resolves to <repo>/build from both src/ and dist/. */
export function wasmUrl(variant: WasmVariant): URL {
  return new URL(`../../../build/kernels-${variant}.wasm`, import.meta.url);
}

const loaded = new Map<WasmVariant, Kernels | null>();
let relaxedFlagSet = false;

/**
 * The WebAssembly backend, or null when it cannot run here (no build, no SIMD), so callers fall back to the
 * TypeScript kernels. 'best' prefers relaxed SIMD and falls back to plain SIMD; 'simd' and 'relaxed' force a
 * build. Each variant is instantiated once per thread and shared by later calls.
 */
export function loadWasmKernels(mode: 'best' | WasmVariant): Kernels | null {
  if (mode === 'best') return loadVariant('relaxed') ?? loadVariant('simd');
  return loadVariant(mode);
}

function loadVariant(variant: WasmVariant): Kernels | null {
  if (loaded.has(variant)) return loaded.get(variant)!;
  let kernels: Kernels | null = null;
  try {
    const bytes = readFileSync(wasmUrl(variant));
    let valid = WebAssembly.validate(bytes);
    if (!valid && variant === 'relaxed' && !relaxedFlagSet) {
      // Node 20's V8 has relaxed SIMD behind a flag (later versions ship it, and complain about unknown
      // flags, so the flag is set only when validation needs it).
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxedFlagSet = true;
      valid = WebAssembly.validate(bytes);
    }
    if (valid) kernels = instantiate(new WebAssembly.Module(bytes), variant);
  } catch {
    kernels = null; // missing build or an engine without the needed features
  }
  loaded.set(variant, kernels);
  return kernels;
}

/**
 * Pool allocator over the shared memory: 64-byte aligned blocks in size classes (powers of two, quarter steps
 * above 64 KiB), a free list per class, and a bump pointer that grows the memory. Freed blocks are reused but
 * never returned to the bump pointer. Growing a shared memory never detaches earlier views, so views handed
 * out stay valid for the life of the process.
 */
class WasmHeap {
  private top = HEAP_START;
  private readonly freeLists = new Map<number, number[]>();
  /** byteOffset → the view handed out for it, so free() ignores arrays it did not hand out. */
  private readonly live = new Map<number, Float32Array>();
  /** Every buffer object memory.buffer has returned; any view on one of them is in wasm memory. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBuffer | SharedArrayBuffer;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.current = this.refresh();
  }

  /** True when the array's storage is this heap's memory, so wasm can address it by byteOffset. */
  owns(a: Float32Array): boolean {
    return this.buffers.has(a.buffer);
  }

  alloc(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc: expected a non-negative integer, got ${n}`);
    const size = classBytes(n * 4);
    const offset = this.take(size);
    // Past the 2 GiB ceiling, plain memory still works (the TypeScript kernels then handle it).
    if (offset < 0) return new Float32Array(n);
    const view = new Float32Array(this.current, offset, n);
    this.live.set(offset, view);
    return view;
  }

  free(a: Float32Array): void {
    const offset = a.byteOffset;
    if (this.live.get(offset) !== a) return;
    this.live.delete(offset);
    const size = classBytes(a.length * 4);
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(offset);
  }

  /** Bytes held for the life of the heap (matmul scratch, thread mailboxes); throws when memory is exhausted. */
  reserve(bytes: number): number {
    const offset = this.take(classBytes(bytes));
    if (offset < 0) throw new RangeError('wasm memory exhausted');
    return offset;
  }

  /** A block of `size` (a class size) bytes: from its free list, else from the bump pointer; -1 if out of memory. */
  private take(size: number): number {
    const list = this.freeLists.get(size);
    if (list && list.length) return list.pop()!;
    const offset = this.top;
    const end = offset + size;
    if (end > this.current.byteLength) {
      const have = this.current.byteLength / PAGE;
      // Grow by at least a quarter of the current size so a stream of allocations grows rarely.
      const need = Math.ceil(end / PAGE) - have;
      const pages = Math.min(Math.max(need, Math.ceil(have / 4)), MAX_PAGES - have);
      if (pages < need) return -1;
      try {
        this.memory.grow(pages);
      } catch {
        return -1; // the system refused the memory
      }
      this.refresh();
    }
    this.top = end;
    return offset;
  }

  private refresh(): ArrayBuffer | SharedArrayBuffer {
    this.current = this.memory.buffer;
    this.buffers.add(this.current);
    return this.current;
  }
}

/** Size class for a request: at least 64 bytes, the next power of two up to 64 KiB, then quarter steps. */
function classBytes(bytes: number): number {
  if (bytes <= 64) return 64;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= PAGE) return pow;
  const step = pow / 8; // classes 5/8, 6/8, 7/8 and 8/8 of pow: at most 25% unused
  return Math.ceil(bytes / step) * step;
}

function tooShort(what: string): never {
  throw new RangeError(`wasm kernels: ${what} is shorter than the element count`);
}

function instantiate(module: WebAssembly.Module, variant: WasmVariant): Kernels {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort() {
        throw new Error('wasm kernels: abort');
      },
    },
  });
  const w = instance.exports as unknown as KernelExports;
  const heap = new WasmHeap(memory);
  const scratchBytes = w.gemmScratchBytes();
  let scratch = -1; // this thread's matmul scratch, reserved on first use
  let pool: GemmPool | null = null;
  const name: BackendName = variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd';
  const own = (a: Float32Array): boolean => heap.owns(a);

  /** Matmul on wasm-resident operands (byte offsets), split across threads when it is large enough. */
  function gemm(a: number, b: number, c: number, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    if (scratch < 0) scratch = heap.reserve(scratchBytes);
    // op(A)(i,p) and op(B)(p,j) as element strides over the row-major storage.
    const rsA = transA ? 1 : k,
      csA = transA ? m : 1;
    const rsB = transB ? 1 : n,
      csB = transB ? k : 1;
    const acc = accumulate ? 1 : 0;
    const threads = getThreads();
    if (threads > 1 && m * k * n >= PARALLEL_MKN) {
      pool ??= new GemmPool(module, memory, (bytes) => heap.reserve(bytes), scratchBytes, w.gemmTileRows(), w.gemmTileCols());
      pool.run(threads, w.gemm, scratch, m, n, k, a, rsA, csA, b, rsB, csB, c, n, 1, acc);
    } else {
      w.gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, n, 1, acc, scratch);
    }
  }

  /** Matmul where some operand is plain memory: big ones are copied through wasm memory, small ones run in TS. */
  function gemmCopied(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
  ): void {
    if (m * k * n < COPY_IN_MKN) {
      tsKernels.matmul(a, b, c, m, k, n, transA, transB, accumulate);
      return;
    }
    const temps: Float32Array[] = [];
    const stage = (x: Float32Array, len: number, copy: boolean): Float32Array => {
      if (own(x)) return x;
      const t = heap.alloc(len);
      if (!own(t)) return t; // wasm memory exhausted; caught below
      temps.push(t);
      if (copy) t.set(x.subarray(0, len));
      return t;
    };
    try {
      const wa = stage(a, m * k, true),
        wb = stage(b, k * n, true),
        wc = stage(c, m * n, accumulate);
      if (!own(wa) || !own(wb) || !own(wc)) {
        tsKernels.matmul(a, b, c, m, k, n, transA, transB, accumulate);
        return;
      }
      gemm(wa.byteOffset, wb.byteOffset, wc.byteOffset, m, k, n, transA, transB, accumulate);
      if (wc !== c) c.set(wc.subarray(0, m * n));
    } finally {
      for (const t of temps) heap.free(t);
    }
  }

  const kernels: Kernels = {
    name,
    alloc: (n) => heap.alloc(n),
    free: (a) => heap.free(a),

    matmul(a, b, c, m, k, n, transA, transB, accumulate) {
      if (!(m * k <= a.length)) tooShort('matmul a');
      if (!(k * n <= b.length)) tooShort('matmul b');
      if (!(m * n <= c.length)) tooShort('matmul c');
      if (own(a) && own(b) && own(c)) gemm(a.byteOffset, b.byteOffset, c.byteOffset, m, k, n, transA, transB, accumulate);
      else gemmCopied(a, b, c, m, k, n, transA, transB, accumulate);
    },

    add(a, b, out, n) {
      if (!(n <= a.length && n <= b.length && n <= out.length)) tooShort('add operand');
      if (own(a) && own(b) && own(out)) w.add(a.byteOffset, b.byteOffset, out.byteOffset, n);
      else tsKernels.add(a, b, out, n);
    },
    sub(a, b, out, n) {
      if (!(n <= a.length && n <= b.length && n <= out.length)) tooShort('sub operand');
      if (own(a) && own(b) && own(out)) w.sub(a.byteOffset, b.byteOffset, out.byteOffset, n);
      else tsKernels.sub(a, b, out, n);
    },
    mul(a, b, out, n) {
      if (!(n <= a.length && n <= b.length && n <= out.length)) tooShort('mul operand');
      if (own(a) && own(b) && own(out)) w.mul(a.byteOffset, b.byteOffset, out.byteOffset, n);
      else tsKernels.mul(a, b, out, n);
    },
    div(a, b, out, n) {
      if (!(n <= a.length && n <= b.length && n <= out.length)) tooShort('div operand');
      if (own(a) && own(b) && own(out)) w.div(a.byteOffset, b.byteOffset, out.byteOffset, n);
      else tsKernels.div(a, b, out, n);
    },
    addRow(a, row, out, rows, cols) {
      if (!(rows * cols <= a.length && rows * cols <= out.length && cols <= row.length)) tooShort('addRow operand');
      if (own(a) && own(row) && own(out)) w.addRow(a.byteOffset, row.byteOffset, out.byteOffset, rows, cols);
      else tsKernels.addRow(a, row, out, rows, cols);
    },
    axpy(alpha, x, y, n) {
      if (!(n <= x.length && n <= y.length)) tooShort('axpy operand');
      if (own(x) && own(y)) w.axpy(alpha, x.byteOffset, y.byteOffset, n);
      else tsKernels.axpy(alpha, x, y, n);
    },
    scale(a, s, out, n) {
      if (!(n <= a.length && n <= out.length)) tooShort('scale operand');
      if (own(a) && own(out)) w.scale(a.byteOffset, s, out.byteOffset, n);
      else tsKernels.scale(a, s, out, n);
    },
    fill(a, value, n) {
      if (!(n <= a.length)) tooShort('fill target');
      if (own(a)) w.fill(a.byteOffset, value, n);
      else tsKernels.fill(a, value, n);
    },
    relu(a, out, n) {
      if (!(n <= a.length && n <= out.length)) tooShort('relu operand');
      if (own(a) && own(out)) w.relu(a.byteOffset, out.byteOffset, n);
      else tsKernels.relu(a, out, n);
    },
    reluBackward(y, g, out, n) {
      if (!(n <= y.length && n <= g.length && n <= out.length)) tooShort('reluBackward operand');
      if (own(y) && own(g) && own(out)) w.reluBackward(y.byteOffset, g.byteOffset, out.byteOffset, n);
      else tsKernels.reluBackward(y, g, out, n);
    },
    sum(a, n) {
      if (!(n <= a.length)) tooShort('sum input');
      return own(a) ? w.sum(a.byteOffset, n) : tsKernels.sum(a, n);
    },
    sumSquares(a, n) {
      if (!(n <= a.length)) tooShort('sumSquares input');
      return own(a) ? w.sumSquares(a.byteOffset, n) : tsKernels.sumSquares(a, n);
    },
    sumRows(a, out, rows, cols, accumulate) {
      if (!(rows * cols <= a.length && cols <= out.length)) tooShort('sumRows operand');
      if (own(a) && own(out)) w.sumRows(a.byteOffset, out.byteOffset, rows, cols, accumulate ? 1 : 0);
      else tsKernels.sumRows(a, out, rows, cols, accumulate);
    },
    softmaxRows(a, out, rows, cols, log) {
      if (!(rows * cols <= a.length && rows * cols <= out.length)) tooShort('softmaxRows operand');
      if (own(a) && own(out)) w.softmaxRows(a.byteOffset, out.byteOffset, rows, cols, log ? 1 : 0);
      else tsKernels.softmaxRows(a, out, rows, cols, log);
    },
    sgdStep(p, grad, velocity, n, lr, momentum, weightDecay, nesterov) {
      // The velocity buffer is untouched without momentum, so it may be empty then.
      if (!(n <= p.length && n <= grad.length && (momentum === 0 || n <= velocity.length))) tooShort('sgdStep operand');
      if (own(p) && own(grad) && (momentum === 0 || own(velocity))) {
        w.sgdStep(p.byteOffset, grad.byteOffset, own(velocity) ? velocity.byteOffset : 0, n, lr, momentum, weightDecay, nesterov ? 1 : 0);
      } else {
        tsKernels.sgdStep(p, grad, velocity, n, lr, momentum, weightDecay, nesterov);
      }
    },
    adamStep(p, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2) {
      if (!(n <= p.length && n <= grad.length && n <= m.length && n <= v.length)) tooShort('adamStep operand');
      if (own(p) && own(grad) && own(m) && own(v)) {
        w.adamStep(p.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, n, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, bc1, bc2);
      } else {
        tsKernels.adamStep(p, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2);
      }
    },
  };
  return kernels;
}
