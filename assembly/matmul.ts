// Matrix multiply C = op(A)·op(B) (+ C): packed panels, cache blocking over k and m, and a register-blocked
// micro-kernel. Matrices are described by byte pointers and element strides (row stride rs, column stride cs),
// so transposes, sub-matrices for threads and the transposed-output trick are all the same code path.
import { madd, hsum } from './simd';

// Micro-tile: MR rows of A broadcast against NR columns of B, accumulated in registers across k. V8 gives
// wasm 15 usable vector registers and hoists a step's loads to its top, so the largest tiles that do not spill
// are 3×12 (9 accumulators + 3 B vectors + 3 broadcasts) for fused multiply-add and 4×8 for mul+add, which
// needs a temporary per product.
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 12 : 8;
// Cache blocking: a KC×NR panel of B (24 KiB) stays in L1 while the MC×KC block of A (96 KiB) streams from
// L2; NC bounds the packed B block (3 MiB) shared by all row blocks. KC = 512 keeps k ≤ 512 in one block, so
// C is loaded and stored once; measured best on Zen 3 among KC 128–512 × MC 48–240.
const KC: i32 = 512;
const MC: i32 = 48; // a multiple of both MR values, so only the last block has partial panels
const NC: i32 = 1536; // a multiple of both NR values
// Below this many multiply-adds, or with k this short, packing costs more than it saves.
const SMALL_MKN: i64 = 4096;
const SMALL_K: i32 = 12;
// C at most this wide (and A row-major) is computed as dot products.
const NARROW_N: i32 = 4;

// Scratch layout (per thread): [tile MR×NR][packed A MC×KC][packed B KC×NC].
const TILE_BYTES: usize = 256;
const AP_BYTES: usize = <usize>(MC * KC) << 2;
const BP_BYTES: usize = <usize>(KC * NC) << 2;

/** Bytes of scratch memory one call of gemm needs. */
export function gemmScratchBytes(): i32 { return <i32>(TILE_BYTES + AP_BYTES + BP_BYTES); }
/** Rows of the micro-tile: row splits between threads are multiples of this. */
export function gemmTileRows(): i32 { return MR; }
/** Columns of the micro-tile. */
export function gemmTileCols(): i32 { return NR; }

/**
 * C(i,j) = Σ_p A(i,p)·B(p,j) (+ C(i,j) when accumulate), where X(i,j) is the float32 at x + 4·(i·rsX + j·csX).
 * C must not overlap A or B. scratch points at gemmScratchBytes() bytes owned by the caller's thread.
 */
export function gemm(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
  c: usize, rsC: i32, csC: i32, accumulate: bool, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) store<f32>(c + ((<usize>(i * rsC + j * csC)) << 2), 0);
    return;
  }
  const bp = scratch + TILE_BYTES + AP_BYTES;
  const bFits = <i64>k * <i64>n <= <i64>(KC * NC); // op(B) fits the packing buffer
  // Few multiply-adds per element of C (a tiny problem, or k of a few): packing would cost as much as the
  // arithmetic, so stream B by rows instead, transposing it into scratch first if needed.
  if (<i64>m * <i64>k * <i64>n <= SMALL_MKN || k <= SMALL_K) {
    if (csB != 1 && bFits) {
      transposeInto(b, rsB, csB, k, n, bp);
      b = bp; rsB = n; csB = 1;
    }
    gemmSmall(m, n, k, a, rsA, csA, b, rsB, csB, c, rsC, csC, accumulate);
    return;
  }
  // One or two rows: every row of B is used once per row of A, so stream B rather than pack it.
  if (m < MR) {
    if (csB == 1) { gemmSmall(m, n, k, a, rsA, csA, b, rsB, csB, c, rsC, csC, accumulate); return; }
    if (rsB == 1 && csA == 1) { gemmNarrow(m, n, k, a, rsA, b, csB, c, rsC, csC, accumulate); return; }
  }
  // A handful of columns (an output layer with a few classes) with rows of A contiguous: dot products.
  if (n <= NARROW_N && csA == 1 && (rsB == 1 || bFits)) {
    if (rsB != 1) {
      transposeInto(b, csB, rsB, n, k, bp); // op(B)ᵀ, n×k, so each column of op(B) is contiguous
      b = bp; rsB = 1; csB = k;
    }
    gemmNarrow(m, n, k, a, rsA, b, csB, c, rsC, csC, accumulate);
    return;
  }
  // A narrow C (n ≪ m) would leave most of each NR-wide tile empty; computing Cᵀ = op(B)ᵀ·op(A)ᵀ instead
  // swaps the roles and fills the tiles.
  if (paddedArea(n, m) < paddedArea(m, n)) gemmPacked(n, m, k, b, csB, rsB, a, csA, rsA, c, csC, rsC, accumulate, scratch);
  else gemmPacked(m, n, k, a, rsA, csA, b, rsB, csB, c, rsC, csC, accumulate, scratch);
}

/** dst[i·cols + j] = src[i·rs + j·cs] for an rows×cols matrix: a row-major copy of any strided one. */
function transposeInto(src: usize, rs: i32, cs: i32, rows: i32, cols: i32, dst: usize): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  for (let i = 0; i < rows; i++) {
    let s = src + <usize>i * rsb;
    const end = dst + (<usize>cols << 2);
    for (; dst < end; dst += 4, s += csb) store<f32>(dst, load<f32>(s));
  }
}

/**
 * C = A·op(B) (+ C) with rows of A and columns of op(B) (stride ldb elements) contiguous along k: one vector
 * dot product per element, two accumulators deep to hide the add latency. For narrow C or very few rows.
 */
function gemmNarrow(m: i32, n: i32, k: i32, a: usize, rsA: i32, b: usize, ldb: i32, c: usize, rsC: i32, csC: i32,
  accumulate: bool): void {
  const k8 = <usize>(k & ~7) << 2, k4 = <usize>(k & ~3) << 2, kb = <usize>k << 2;
  for (let i = 0; i < m; i++) {
    const ar = a + (<usize>(i * rsA) << 2);
    for (let j = 0; j < n; j++) {
      const bc = b + (<usize>(j * ldb) << 2);
      let s0 = f32x4.splat(0), s1 = s0;
      let o: usize = 0;
      for (; o < k8; o += 32) {
        s0 = madd(v128.load(ar + o), v128.load(bc + o), s0);
        s1 = madd(v128.load(ar + o, 16), v128.load(bc + o, 16), s1);
      }
      if (o < k4) { s0 = madd(v128.load(ar + o), v128.load(bc + o), s0); o += 16; }
      let s = hsum(f32x4.add(s0, s1));
      for (; o < kb; o += 4) s += load<f32>(ar + o) * load<f32>(bc + o);
      const d = c + (<usize>(i * rsC + j * csC) << 2);
      store<f32>(d, accumulate ? load<f32>(d) + s : s);
    }
  }
}

@inline function paddedArea(m: i32, n: i32): i64 {
  return <i64>((m + MR - 1) / MR * MR) * <i64>((n + NR - 1) / NR * NR);
}

function gemmPacked(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
  c: usize, rsC: i32, csC: i32, accumulate: bool, scratch: usize): void {
  const tile = scratch;
  const ap = scratch + TILE_BYTES;
  const bp = ap + AP_BYTES;
  // Full tiles of a row-major C are written in place; edge tiles and strided C go through the tile buffer.
  const direct = csC == 1;
  const ldc = <usize>rsC << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b + (<usize>(pc * rsB + jc * csB) << 2), rsB, csB, kc, nc, bp);
      // The first k block overwrites C unless the caller asked to accumulate.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bPanel = bp + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const aPanel = ap + (<usize>(ir * kc) << 2);
            const cTile = c + (<usize>((ic + ir) * rsC + (jc + jr) * csC) << 2);
            if (direct && mr == MR && nr == NR) {
              microKernel(aPanel, bPanel, kc, cTile, ldc, add);
            } else {
              microKernel(aPanel, bPanel, kc, tile, <usize>NR << 2, false);
              storeTile(tile, cTile, rsC, csC, mr, nr, add);
            }
          }
        }
      }
    }
  }
}

/** Copies (or adds) the valid mr×nr corner of a computed tile into C. */
function storeTile(tile: usize, c: usize, rsC: i32, csC: i32, mr: i32, nr: i32, add: bool): void {
  const rs = <usize>rsC << 2, cs = <usize>csC << 2;
  for (let i = 0; i < mr; i++) {
    let t = tile + (<usize>(i * NR) << 2);
    let d = c + <usize>i * rs;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(t);
      store<f32>(d, add ? load<f32>(d) + v : v);
      t += 4; d += cs;
    }
  }
}

/**
 * Packs the mc×kc block of op(A) at src into MR-row panels: panel-major, then k, then the MR rows, so the
 * micro-kernel reads one contiguous stream. Rows past mc are zero.
 */
function packA(src: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  const step = <usize>MR << 2;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    const s0 = src + <usize>i0 * rsb;
    if (rows == MR && rs == 1) {
      // op(A) stored column-major (transA): the MR values of one k step are adjacent.
      let s = s0, d = dst;
      const end = dst + <usize>kc * step;
      if (MR == 4) {
        for (; d < end; d += step, s += csb) v128.store(d, v128.load(s));
      } else {
        for (; d < end; d += step, s += csb) {
          store<u64>(d, load<u64>(s));
          store<f32>(d, load<f32>(s, 8), 8);
        }
      }
    } else if (rows == MR && cs == 1) {
      // Row-major A: transpose 4 k steps at a time with shuffles.
      packRowsTransposed(s0, rsb, kc, dst);
    } else {
      for (let r = 0; r < MR; r++) {
        let d = dst + (<usize>r << 2);
        if (r < rows) {
          let s = s0 + <usize>r * rsb;
          for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(s)); s += csb; d += step; }
        } else {
          for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += step; }
        }
      }
    }
    dst += <usize>kc * step;
  }
}

/** MR contiguous rows (row stride rsb bytes) → k-major panel of MR values per step. */
@inline function packRowsTransposed(s: usize, rsb: usize, kc: i32, d: usize): void {
  const step = <usize>MR << 2;
  const kv = kc & ~3;
  let p = 0;
  if (MR == 4) {
    for (; p < kv; p += 4, s += 16, d += 64) {
      const r0 = v128.load(s), r1 = v128.load(s + rsb), r2 = v128.load(s + 2 * rsb), r3 = v128.load(s + 3 * rsb);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
      v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
      v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
      v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
    }
  } else {
    for (; p < kv; p += 4, s += 16, d += 48) {
      const r0 = v128.load(s), r1 = v128.load(s + rsb), r2 = v128.load(s + 2 * rsb);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
      v128.store(d, v128.shuffle<f32>(t0, r2, 0, 1, 4, 2));      // a0 b0 c0 a1
      const u = v128.shuffle<f32>(t0, r2, 3, 5, 3, 5);           // b1 c1 b1 c1
      v128.store(d, v128.shuffle<f32>(u, t1, 0, 1, 4, 5), 16);   // b1 c1 a2 b2
      v128.store(d, v128.shuffle<f32>(r2, t1, 2, 6, 7, 3), 32);  // c2 a3 b3 c3
    }
  }
  for (; p < kc; p++, s += 4, d += step) {
    for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(s + <usize>r * rsb));
  }
}

/** Packs the kc×nc block of op(B) into NR-column panels (panel-major, then k); columns past nc are zero. */
function packB(src: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  const rsb = <usize>rs << 2, csb = <usize>cs << 2;
  const step = <usize>NR << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    const s0 = src + <usize>j0 * csb;
    if (cols == NR && cs == 1) {
      // Row-major B: each k step is NR adjacent values.
      let s = s0, d = dst;
      const end = dst + <usize>kc * step;
      for (; d < end; d += step, s += rsb) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        if (NR == 12) v128.store(d, v128.load(s, 32), 32);
      }
    } else if (cols == NR && rs == 1) {
      // Transposed B (stored n×k): transpose 4 columns × 4 k steps at a time.
      packColumnsTransposed(s0, csb, kc, dst);
    } else {
      for (let j = 0; j < NR; j++) {
        let d = dst + (<usize>j << 2);
        if (j < cols) {
          let s = s0 + <usize>j * csb;
          for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(s)); s += rsb; d += step; }
        } else {
          for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += step; }
        }
      }
    }
    dst += <usize>kc * step;
  }
}

/** NR columns each contiguous along k (column stride csb bytes) → k-major panel of NR values per step. */
@inline function packColumnsTransposed(s: usize, csb: usize, kc: i32, dst: usize): void {
  const step = <usize>NR << 2;
  const kv = kc & ~3;
  for (let g = 0; g < NR; g += 4) {
    let src = s + <usize>g * csb;
    let d = dst + (<usize>g << 2);
    let p = 0;
    for (; p < kv; p += 4, src += 16, d += step << 2) {
      const r0 = v128.load(src), r1 = v128.load(src + csb), r2 = v128.load(src + 2 * csb), r3 = v128.load(src + 3 * csb);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(d + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; p < kc; p++, src += 4, d += step) {
      for (let j = 0; j < 4; j++) store<f32>(d + (<usize>j << 2), load<f32>(src + <usize>j * csb));
    }
  }
}

/** One MR×NR tile of C from packed panels; stores (add = false) or adds into C at c with row stride ldc bytes. */
function microKernel(a: usize, b: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  if (MR == 3) kernel3x12(a, b, kc, c, ldc, add);
  else kernel4x8(a, b, kc, c, ldc, add);
}

@inline function kernel3x12(a: usize, b: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c02 = c00;
  let c10 = c00, c11 = c00, c12 = c00;
  let c20 = c00, c21 = c00, c22 = c00;
  const end = b + <usize>kc * 48;
  while (b < end) {
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); c22 = madd(x, b2, c22);
    a += 12; b += 48;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16)); c02 = f32x4.add(c02, v128.load(c, 32));
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32);
  c += ldc;
  if (add) {
    c10 = f32x4.add(c10, v128.load(c)); c11 = f32x4.add(c11, v128.load(c, 16)); c12 = f32x4.add(c12, v128.load(c, 32));
  }
  v128.store(c, c10); v128.store(c, c11, 16); v128.store(c, c12, 32);
  c += ldc;
  if (add) {
    c20 = f32x4.add(c20, v128.load(c)); c21 = f32x4.add(c21, v128.load(c, 16)); c22 = f32x4.add(c22, v128.load(c, 32));
  }
  v128.store(c, c20); v128.store(c, c21, 16); v128.store(c, c22, 32);
}

@inline function kernel4x8(a: usize, b: usize, kc: i32, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = b + <usize>kc * 32;
  while (b < end) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += 16; b += 32;
  }
  if (add) { c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16)); }
  v128.store(c, c00); v128.store(c, c01, 16);
  c += ldc;
  if (add) { c10 = f32x4.add(c10, v128.load(c)); c11 = f32x4.add(c11, v128.load(c, 16)); }
  v128.store(c, c10); v128.store(c, c11, 16);
  c += ldc;
  if (add) { c20 = f32x4.add(c20, v128.load(c)); c21 = f32x4.add(c21, v128.load(c, 16)); }
  v128.store(c, c20); v128.store(c, c21, 16);
  c += ldc;
  if (add) { c30 = f32x4.add(c30, v128.load(c)); c31 = f32x4.add(c31, v128.load(c, 16)); }
  v128.store(c, c30); v128.store(c, c31, 16);
}

/**
 * Unpacked path for problems too small (or too few rows) to repay packing: one row of C at a time, 16 then 4
 * columns in registers when B's rows are contiguous, dot products when B's columns are, scalar otherwise.
 */
function gemmSmall(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32,
  c: usize, rsC: i32, csC: i32, accumulate: bool): void {
  const rsab = <usize>rsA << 2, csab = <usize>csA << 2, rsbb = <usize>rsB << 2, csbb = <usize>csB << 2;
  const rscb = <usize>rsC << 2, cscb = <usize>csC << 2;
  for (let i = 0; i < m; i++) {
    const ar = a + <usize>i * rsab;
    const cr = c + <usize>i * rscb;
    let j = 0;
    if (csB == 1 && csC == 1) {
      for (; j + 16 <= n; j += 16) {
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        let ap = ar, bp = b + (<usize>j << 2);
        for (let p = 0; p < k; p++) {
          const x = v128.load32_splat(ap);
          s0 = madd(x, v128.load(bp), s0); s1 = madd(x, v128.load(bp, 16), s1);
          s2 = madd(x, v128.load(bp, 32), s2); s3 = madd(x, v128.load(bp, 48), s3);
          ap += csab; bp += rsbb;
        }
        const d = cr + (<usize>j << 2);
        if (accumulate) {
          s0 = f32x4.add(s0, v128.load(d)); s1 = f32x4.add(s1, v128.load(d, 16));
          s2 = f32x4.add(s2, v128.load(d, 32)); s3 = f32x4.add(s3, v128.load(d, 48));
        }
        v128.store(d, s0); v128.store(d, s1, 16); v128.store(d, s2, 32); v128.store(d, s3, 48);
      }
      for (; j + 4 <= n; j += 4) {
        let s0 = f32x4.splat(0);
        let ap = ar, bp = b + (<usize>j << 2);
        for (let p = 0; p < k; p++) {
          s0 = madd(v128.load32_splat(ap), v128.load(bp), s0);
          ap += csab; bp += rsbb;
        }
        const d = cr + (<usize>j << 2);
        if (accumulate) s0 = f32x4.add(s0, v128.load(d));
        v128.store(d, s0);
      }
    } else if (rsB == 1 && csA == 1 && k >= 8) {
      // Both operands contiguous along k: vector dot products.
      const kv = k & ~3;
      for (; j < n; j++) {
        const bc = b + <usize>j * csbb;
        let sv = f32x4.splat(0);
        let p = 0;
        for (; p < kv; p += 4) sv = madd(v128.load(ar + (<usize>p << 2)), v128.load(bc + (<usize>p << 2)), sv);
        let s = hsum(sv);
        for (; p < k; p++) s += load<f32>(ar + (<usize>p << 2)) * load<f32>(bc + (<usize>p << 2));
        const d = cr + <usize>j * cscb;
        store<f32>(d, accumulate ? load<f32>(d) + s : s);
      }
    }
    for (; j < n; j++) {
      let s: f32 = 0;
      let ap = ar, bp = b + <usize>j * csbb;
      for (let p = 0; p < k; p++) { s += load<f32>(ap) * load<f32>(bp); ap += csab; bp += rsbb; }
      const d = cr + <usize>j * cscb;
      store<f32>(d, accumulate ? load<f32>(d) + s : s);
    }
  }
}
