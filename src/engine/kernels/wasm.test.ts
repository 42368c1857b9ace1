// Tests the WebAssembly kernels against the TypeScript reference (both builds), the pool allocator, the
// fallback for arrays outside wasm memory, and the two-thread matmul.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadWasmKernels, type WasmVariant } from './wasm.js';
import { tsKernels } from './ts.js';
import { setThreads, getThreads, parallelRuns } from './threads.js';
import type { Kernels } from './types.js';

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** n random values in wasm memory. */
function randomIn(K: Kernels, n: number, rand: () => number, scale = 1): Float32Array {
  const a = K.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rand() * scale;
  return a;
}

function assertClose(got: Float32Array, want: Float32Array, n: number, rel: number, abs: number, what: string): void {
  for (let i = 0; i < n; i++) {
    const g = got[i],
      w = want[i];
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= abs + rel * Math.abs(w))) {
      assert.fail(`${what}: element ${i} is ${g}, expected ${w}`);
    }
  }
}

function assertEqualArrays(got: Float32Array, want: Float32Array, n: number, what: string): void {
  assertClose(got, want, n, 0, 0, what);
}

// Shapes that reach every matmul path: tiny, short k, one or two rows, narrow n, packed with edge tiles in
// both directions and computed transposed, several k blocks (KC = 512), row blocks (MC = 48) and column
// blocks (NC = 1536).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 1],
  [3, 1, 7],
  [2, 3, 4],
  [4, 4, 4],
  [7, 3, 5],
  [8, 8, 8],
  [5, 17, 3],
  [16, 16, 16],
  [17, 33, 9],
  [33, 17, 65],
  [31, 7, 33],
  [13, 12, 12],
  [24, 24, 24],
  [12, 13, 25],
  [1, 128, 128],
  [2, 50, 300],
  [1, 300, 7],
  [256, 3, 128],
  [256, 14, 128],
  [256, 128, 3],
  [128, 256, 1],
  [7, 1000, 3],
  [64, 64, 64],
  [65, 127, 130],
  [100, 300, 50],
  [250, 70, 38],
  [130, 257, 129],
  [9, 17, 2100],
  [37, 600, 45],
  [20, 1100, 20],
  [2, 700, 900],
  [1, 40, 1000],
];

const VARIANTS: WasmVariant[] = ['relaxed', 'simd'];

for (const variant of VARIANTS) {
  const K = loadWasmKernels(variant);
  const skip = K ? false : `the ${variant} build did not load (run npm run build:wasm; needs WebAssembly SIMD)`;

  describe(`wasm kernels (${variant})`, { skip }, () => {
    const k = K!;

    it('reports its backend name', () => {
      assert.equal(k.name, variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd');
    });

    it('matmul matches the reference for every transpose, accumulate and shape', () => {
      const rand = rng(1);
      for (const [m, kk, n] of SHAPES) {
        const a = randomIn(k, m * kk, rand),
          b = randomIn(k, kk * n, rand);
        for (const transA of [false, true])
          for (const transB of [false, true])
            for (const acc of [false, true]) {
              const c = randomIn(k, m * n, rand);
              const want = Float32Array.from(c);
              tsKernels.matmul(a, b, want, m, kk, n, transA, transB, acc);
              k.matmul(a, b, c, m, kk, n, transA, transB, acc);
              assertClose(c, want, m * n, 1e-5, 1e-5 * kk, `matmul ${m}x${kk}x${n} tA=${transA} tB=${transB} acc=${acc}`);
              k.free(c);
            }
        k.free(a);
        k.free(b);
      }
    });

    it('matmul without accumulate ignores what C held, NaN included', () => {
      const rand = rng(2);
      for (const [m, kk, n] of [
        [5, 9, 3],
        [40, 40, 40],
        [3, 2, 50],
        [200, 30, 2],
      ] as const) {
        const a = randomIn(k, m * kk, rand),
          b = randomIn(k, kk * n, rand),
          c = k.alloc(m * n);
        c.fill(NaN);
        const want = new Float32Array(m * n);
        tsKernels.matmul(a, b, want, m, kk, n, false, false, false);
        k.matmul(a, b, c, m, kk, n, false, false, false);
        assertClose(c, want, m * n, 1e-5, 1e-5 * kk, `matmul ${m}x${kk}x${n} over NaN`);
      }
    });

    it('matmul works on sub-views (offsets not 64-byte aligned)', () => {
      const rand = rng(3);
      const m = 37,
        kk = 45,
        n = 29;
      const big = randomIn(k, 3 + m * kk + 5 + kk * n + 7 + m * n, rand);
      const a = big.subarray(3, 3 + m * kk);
      const b = big.subarray(8 + m * kk, 8 + m * kk + kk * n);
      const c = big.subarray(15 + m * kk + kk * n, 15 + m * kk + kk * n + m * n);
      const want = Float32Array.from(c);
      tsKernels.matmul(a, b, want, m, kk, n, false, true, true);
      k.matmul(a, b, c, m, kk, n, false, true, true);
      assertClose(c, want, m * n, 1e-5, 1e-5 * kk, 'matmul on sub-views');
    });

    const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 100, 1027];

    it('element-wise arithmetic equals the reference exactly, in place too', () => {
      const rand = rng(4);
      for (const n of SIZES) {
        const a = randomIn(k, n, rand),
          b = randomIn(k, n, rand);
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          const out = k.alloc(n),
            want = new Float32Array(n);
          tsKernels[op](a, b, want, n);
          k[op](a, b, out, n);
          assertEqualArrays(out, want, n, `${op} n=${n}`);
          // out aliasing a, then b
          const a2 = Float32Array.from(a),
            b2 = Float32Array.from(b);
          const x = k.alloc(n);
          x.set(a);
          k[op](x, b, x, n);
          tsKernels[op](a2, b2, a2, n);
          assertEqualArrays(x, a2, n, `${op} in place (a) n=${n}`);
          x.set(b);
          k[op](a, x, x, n);
          tsKernels[op](a, b, b2, n);
          assertEqualArrays(x, b2, n, `${op} in place (b) n=${n}`);
          k.free(out);
          k.free(x);
        }
      }
    });

    it('addRow, scale, axpy, fill match the reference', () => {
      const rand = rng(5);
      for (const [rows, cols] of [
        [1, 1],
        [3, 5],
        [4, 8],
        [7, 13],
        [32, 33],
        [2, 1027],
      ]) {
        const a = randomIn(k, rows * cols, rand),
          row = randomIn(k, cols, rand);
        const out = k.alloc(rows * cols),
          want = new Float32Array(rows * cols);
        tsKernels.addRow(a, row, want, rows, cols);
        k.addRow(a, row, out, rows, cols);
        assertEqualArrays(out, want, rows * cols, `addRow ${rows}x${cols}`);
        k.addRow(a, row, a, rows, cols);
        assertEqualArrays(a, want, rows * cols, `addRow in place ${rows}x${cols}`);
      }
      for (const n of SIZES) {
        const a = randomIn(k, n, rand),
          y = randomIn(k, n, rand);
        const want = new Float32Array(n),
          out = k.alloc(n);
        tsKernels.scale(a, 0.3, want, n);
        k.scale(a, 0.3, out, n);
        assertClose(out, want, n, 1e-6, 0, `scale n=${n}`);
        // In place; multiplying by a power of two is exact, so the results must be identical.
        const x = k.alloc(n);
        x.set(a);
        k.scale(x, -2, x, n);
        tsKernels.scale(a, -2, want, n);
        assertEqualArrays(x, want, n, `scale in place n=${n}`);
        const yWant = Float32Array.from(y);
        tsKernels.axpy(0.7, a, yWant, n);
        k.axpy(0.7, a, y, n);
        assertClose(y, yWant, n, 1e-6, 1e-7, `axpy n=${n}`);
        k.fill(y, 1.25, n);
        for (let i = 0; i < n; i++) assert.equal(y[i], 1.25);
      }
    });

    it('relu and reluBackward match the reference exactly (zeros and NaN included)', () => {
      const rand = rng(6);
      for (const n of SIZES) {
        const a = randomIn(k, n, rand),
          g = randomIn(k, n, rand);
        if (n > 3) {
          a[0] = 0;
          a[1] = -0;
          a[2] = NaN;
        }
        const out = k.alloc(n),
          want = new Float32Array(n);
        tsKernels.relu(a, want, n);
        k.relu(a, out, n);
        assertEqualArrays(out, want, n, `relu n=${n}`);
        tsKernels.reluBackward(a, g, want, n);
        k.reluBackward(a, g, out, n);
        assertEqualArrays(out, want, n, `reluBackward n=${n}`);
        k.relu(a, a, n);
        tsKernels.relu(a, want, n);
        assertEqualArrays(a, want, n, `relu in place n=${n}`);
      }
    });

    it('sum, sumSquares and sumRows match the reference', () => {
      const rand = rng(7);
      for (const n of [...SIZES, 100_003]) {
        const a = randomIn(k, n, rand);
        const s = k.sum(a, n),
          want = tsKernels.sum(a, n);
        assert.ok(Math.abs(s - want) <= 1e-9 * (1 + Math.abs(want)), `sum n=${n}: ${s} vs ${want}`);
        const q = k.sumSquares(a, n),
          wantQ = tsKernels.sumSquares(a, n);
        assert.ok(Math.abs(q - wantQ) <= 1e-9 * (1 + wantQ), `sumSquares n=${n}: ${q} vs ${wantQ}`);
      }
      for (const [rows, cols] of [
        [1, 1],
        [5, 3],
        [4, 4],
        [9, 17],
        [64, 130],
        [3, 1027],
      ]) {
        const a = randomIn(k, rows * cols, rand);
        for (const acc of [false, true]) {
          const out = randomIn(k, cols, rand),
            want = Float32Array.from(out);
          tsKernels.sumRows(a, want, rows, cols, acc);
          k.sumRows(a, out, rows, cols, acc);
          assertEqualArrays(out, want, cols, `sumRows ${rows}x${cols} acc=${acc}`);
        }
      }
    });

    it('softmaxRows and log-softmax match the reference, in place too', () => {
      const rand = rng(8);
      for (const [rows, cols] of [
        [1, 1],
        [2, 3],
        [3, 4],
        [4, 5],
        [5, 8],
        [7, 9],
        [16, 10],
        [3, 130],
        [2, 1000],
      ]) {
        for (const spread of [1, 30]) {
          const a = randomIn(k, rows * cols, rand, spread);
          if (cols > 2) a[1] = -Infinity; // a masked logit
          for (const log of [false, true]) {
            const out = k.alloc(rows * cols),
              want = new Float32Array(rows * cols);
            tsKernels.softmaxRows(a, want, rows, cols, log);
            k.softmaxRows(a, out, rows, cols, log);
            assertClose(out, want, rows * cols, 2e-6, 1e-7, `softmax ${rows}x${cols} log=${log} spread=${spread}`);
            const x = k.alloc(rows * cols);
            x.set(a);
            k.softmaxRows(x, x, rows, cols, log);
            assertEqualArrays(x, out, rows * cols, `softmax in place ${rows}x${cols} log=${log}`);
            k.free(out);
            k.free(x);
          }
        }
      }
    });

    it('softmax keeps its accuracy across the whole exp range', () => {
      // One row per value: softmax of [x, 0] is 1/(1 + e^-x), which exercises exp over [-87, 0].
      const n = 2000;
      const a = k.alloc(2 * n),
        out = k.alloc(2 * n),
        want = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        a[2 * i] = 0;
        a[2 * i + 1] = (-87 * i) / n;
      }
      tsKernels.softmaxRows(a, want, n, 2, false);
      k.softmaxRows(a, out, n, 2, false);
      assertClose(out, want, 2 * n, 1e-6, 1e-37, 'softmax exp range');
    });

    it('sgdStep matches the reference for plain, momentum and Nesterov updates', () => {
      const rand = rng(9);
      for (const n of SIZES) {
        for (const [momentum, wd, nesterov] of [
          [0, 0, false],
          [0, 0.01, false],
          [0.9, 0, false],
          [0.9, 1e-4, true],
        ] as const) {
          const p = randomIn(k, n, rand),
            g = randomIn(k, n, rand),
            v = randomIn(k, n, rand);
          const pw = Float32Array.from(p),
            vw = Float32Array.from(v);
          tsKernels.sgdStep(pw, g, vw, n, 0.05, momentum, wd, nesterov);
          k.sgdStep(p, g, v, n, 0.05, momentum, wd, nesterov);
          assertClose(p, pw, n, 1e-6, 1e-7, `sgd p n=${n} mu=${momentum} nesterov=${nesterov}`);
          assertClose(v, vw, n, 1e-6, 1e-7, `sgd v n=${n} mu=${momentum} nesterov=${nesterov}`);
        }
        // Without momentum the velocity is never touched, so an empty one is fine.
        const p = randomIn(k, n, rand),
          g = randomIn(k, n, rand),
          pw = Float32Array.from(p);
        tsKernels.sgdStep(pw, g, new Float32Array(0), n, 0.1, 0, 0, false);
        k.sgdStep(p, g, k.alloc(0), n, 0.1, 0, 0, false);
        assertClose(p, pw, n, 1e-6, 1e-7, `sgd without velocity n=${n}`);
      }
    });

    it('adamStep matches the reference for Adam and AdamW', () => {
      const rand = rng(10);
      for (const n of SIZES) {
        for (const decoupled of [false, true]) {
          const p = randomIn(k, n, rand),
            g = randomIn(k, n, rand),
            m = randomIn(k, n, rand, 0.1);
          const v = k.alloc(n);
          for (let i = 0; i < n; i++) v[i] = Math.abs(rand()) * 0.01;
          const pw = Float32Array.from(p),
            mw = Float32Array.from(m),
            vw = Float32Array.from(v);
          const t = 3,
            b1 = 0.9,
            b2 = 0.999;
          const args = [1e-3, b1, b2, 1e-8, 0.01, decoupled, 1 - b1 ** t, 1 - b2 ** t] as const;
          tsKernels.adamStep(pw, g, mw, vw, n, ...args);
          k.adamStep(p, g, m, v, n, ...args);
          assertClose(p, pw, n, 1e-6, 1e-6, `adam p n=${n} decoupled=${decoupled}`);
          assertClose(m, mw, n, 1e-6, 1e-7, `adam m n=${n}`);
          assertClose(v, vw, n, 1e-5, 1e-9, `adam v n=${n}`);
        }
      }
    });

    it('rejects element counts larger than the arrays instead of touching other memory', () => {
      const a = k.alloc(8),
        b = k.alloc(8);
      assert.throws(() => k.add(a, b, a, 9), RangeError);
      assert.throws(() => k.matmul(a, b, a, 3, 3, 3, false, false, false), RangeError);
      assert.throws(() => k.softmaxRows(a, a, 3, 3, false), RangeError);
    });

    describe('allocator', () => {
      it('hands out views into wasm memory that do not overlap', () => {
        const views = [1, 3, 16, 17, 100, 5000, 70_000].map((n) => k.alloc(n));
        for (const v of views) assert.ok(v.buffer instanceof SharedArrayBuffer);
        for (const v of views) assert.equal(v.byteOffset % 64, 0);
        assert.deepEqual(
          views.map((v) => v.length),
          [1, 3, 16, 17, 100, 5000, 70_000],
        );
        views.forEach((v, i) => v.fill(i));
        views.forEach((v, i) =>
          assert.ok(
            v.every((x) => x === i),
            `view ${i} was overwritten`,
          ),
        );
        for (const v of views) k.free(v);
      });

      it('reuses freed blocks of the same size class', () => {
        const a = k.alloc(1000);
        const offset = a.byteOffset;
        k.free(a);
        const b = k.alloc(1000);
        assert.equal(b.byteOffset, offset);
        const c = k.alloc(900); // same class (4 KiB), but the block is taken
        assert.notEqual(c.byteOffset, offset);
        k.free(b);
        k.free(c);
      });

      it('ignores arrays it did not hand out, sub-views and double frees', () => {
        const a = k.alloc(256);
        k.free(new Float32Array(256));
        k.free(a.subarray(0, 256)); // same offset and length, but not the view handed out
        k.free(a.subarray(16));
        const b = k.alloc(256);
        assert.notEqual(b.byteOffset, a.byteOffset, 'a live block was handed out twice');
        k.free(a);
        k.free(a);
        const c = k.alloc(256),
          d = k.alloc(256);
        assert.notEqual(c.byteOffset, d.byteOffset, 'a double free put a block on the free list twice');
        for (const x of [b, c, d]) k.free(x);
      });

      it('grows memory beyond its initial size and keeps earlier views valid', () => {
        const rand = rng(11);
        const early = randomIn(k, 1000, rand);
        const copy = Float32Array.from(early);
        const bufferBefore = early.buffer.byteLength;
        const big = k.alloc(24 << 20); // 96 MiB, far past the initial 4 MiB
        assert.ok(big.buffer.byteLength > bufferBefore);
        big[big.length - 1] = 42;
        assertEqualArrays(early, copy, 1000, 'old view after growth');
        // Kernels still address both old and new views.
        const out = k.alloc(1000);
        k.add(early, early, out, 1000);
        for (let i = 0; i < 1000; i++) assert.equal(out[i], copy[i] * 2);
        k.add(early, big.subarray(0, 1000), big.subarray(0, 1000), 1000);
        assert.equal(big[big.length - 1], 42);
        k.free(big);
      });
    });

    describe('arrays outside wasm memory', () => {
      it('run through the TypeScript kernels with identical results', () => {
        const rand = rng(12);
        const n = 37;
        const plain = Float32Array.from({ length: n }, () => rand());
        const owned = randomIn(k, n, rand);
        for (const [x, y] of [
          [plain, owned],
          [owned, plain],
          [plain, plain],
        ]) {
          const out = new Float32Array(n),
            want = new Float32Array(n);
          k.mul(x, y, out, n);
          tsKernels.mul(x, y, want, n);
          assertEqualArrays(out, want, n, 'mul with a plain array');
        }
        assert.equal(k.sum(plain, n), tsKernels.sum(plain, n));
        const sm = new Float32Array(n),
          smWant = new Float32Array(n);
        k.softmaxRows(plain, sm, 1, n, false);
        tsKernels.softmaxRows(plain, smWant, 1, n, false);
        assertEqualArrays(sm, smWant, n, 'softmax on a plain array');
        // A small matmul with one plain operand: the TypeScript result, bit for bit.
        const a = Float32Array.from({ length: 6 * 7 }, () => rand()),
          b = randomIn(k, 7 * 5, rand);
        const c = new Float32Array(30),
          cWant = new Float32Array(30);
        k.matmul(a, b, c, 6, 7, 5, false, true, false);
        tsKernels.matmul(a, b, cWant, 6, 7, 5, false, true, false);
        assertEqualArrays(c, cWant, 30, 'small matmul with a plain operand');
      });

      it('large matmuls on plain arrays are computed in wasm memory and copied back', () => {
        const rand = rng(13);
        const m = 70,
          kk = 90,
          n = 80;
        const a = Float32Array.from({ length: m * kk }, () => rand());
        const b = Float32Array.from({ length: kk * n }, () => rand());
        const aCopy = Float32Array.from(a),
          bCopy = Float32Array.from(b);
        const c = Float32Array.from({ length: m * n }, () => rand()),
          want = Float32Array.from(c);
        k.matmul(a, b, c, m, kk, n, true, false, true);
        tsKernels.matmul(a, b, want, m, kk, n, true, false, true);
        assertClose(c, want, m * n, 1e-5, 1e-5 * kk, 'copied matmul');
        assertEqualArrays(a, aCopy, a.length, 'a unchanged');
        assertEqualArrays(b, bCopy, b.length, 'b unchanged');
      });
    });

    describe('two threads', () => {
      const before = getThreads();
      after(() => setThreads(before));

      it('give the same matmul results as one thread', async () => {
        const rand = rng(14);
        setThreads(2);
        if (getThreads() < 2) return; // a one-CPU machine: nothing to compare
        // Workers start on first use; keep calling until one has booted and taken part.
        const runs = parallelRuns();
        const warm = [randomIn(k, 128 * 128, rand), randomIn(k, 128 * 128, rand), k.alloc(128 * 128)] as const;
        for (let i = 0; i < 500 && parallelRuns() === runs; i++) {
          k.matmul(warm[0], warm[1], warm[2], 128, 128, 128, false, false, false);
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.ok(parallelRuns() > runs, 'the worker never took part');
        // Allocated after the worker started, so these live in memory the worker has not seen yet.
        const sharedBefore = parallelRuns();
        for (const [m, kk, n] of [
          [300, 257, 301],
          [512, 512, 512],
          [61, 400, 700],
          [1000, 120, 33],
        ]) {
          const a = randomIn(k, m * kk, rand),
            b = randomIn(k, kk * n, rand);
          for (const transA of [false, true])
            for (const transB of [false, true])
              for (const acc of [false, true]) {
                const c0 = randomIn(k, m * n, rand);
                const one = k.alloc(m * n),
                  two = k.alloc(m * n);
                one.set(c0);
                two.set(c0);
                setThreads(1);
                k.matmul(a, b, one, m, kk, n, transA, transB, acc);
                setThreads(2);
                k.matmul(a, b, two, m, kk, n, transA, transB, acc);
                assertClose(two, one, m * n, 1e-6, 1e-6 * kk, `2 threads ${m}x${kk}x${n} tA=${transA} tB=${transB} acc=${acc}`);
                for (const x of [c0, one, two]) k.free(x);
              }
          k.free(a);
          k.free(b);
        }
        // A worker that has not woken by the time the caller finishes its own part has its part taken back,
        // so not every call is shared; most are.
        assert.ok(parallelRuns() > sharedBefore, 'no large matmul was shared with the worker');
      });

      it('never keep the process alive', () => {
        const wasmModule = fileURLToPath(new URL('./wasm.ts', import.meta.url));
        const threadsModule = fileURLToPath(new URL('./threads.ts', import.meta.url));
        const script = `
          const { loadWasmKernels } = await import(${JSON.stringify(wasmModule)});
          const { setThreads } = await import(${JSON.stringify(threadsModule)});
          setThreads(2);
          const k = loadWasmKernels(${JSON.stringify(variant)});
          const a = k.alloc(256 * 256), c = k.alloc(256 * 256);
          a.fill(1);
          for (let i = 0; i < 50; i++) { k.matmul(a, a, c, 256, 256, 256, false, false, false); await new Promise((r) => setTimeout(r, 5)); }
          console.log(c[0]);
        `;
        const started = Date.now();
        const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        assert.equal(child.status, 0, child.stderr);
        assert.equal(child.stdout.trim(), '256');
        assert.ok(Date.now() - started < 15_000);
      });
    });
  });
}
