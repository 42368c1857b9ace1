// Row-wise softmax and log-softmax, with a vectorised exp (relative error ~2 ulp, far inside float32 tolerance).
import { hsum, hmax } from './simd';

// exp(x) = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln2 / 2. ln 2 is split in two (Cody–Waite) so that
// r is exact enough; n·LN2_HI is exact because LN2_HI has only 9 significant bits.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
// Below this exp leaves the float32 normals; such inputs give 0, as Math.exp rounded to float32 does.
const X_MIN: f32 = -87.33654;
// Adding 1.5·2^23 rounds to an integer, which then sits in the low mantissa bits: cheaper than
// f32x4.nearest plus a float→int conversion, which V8 expands to many instructions on x64.
const ROUND: f32 = 12582912;
const ROUND_BITS: i32 = 0x4b400000;
// Taylor coefficients 1/k! up to degree 7: the truncation error r^8/8! < 6e-9 on |r| ≤ 0.347.
// (C0 = C1 = 1.)
const C2: f32 = 0.5;
const C3: f32 = 0.16666666666666666;
const C4: f32 = 0.041666666666666664;
const C5: f32 = 0.008333333333333333;
const C6: f32 = 0.001388888888888889;
const C7: f32 = 0.0001984126984126984;

/** e^x for x ≤ 0 (softmax shifts by the row maximum, so larger inputs never occur); NaN stays NaN. */
@inline function expv(x: v128): v128 {
  // pmax is one instruction; with x first it passes NaN through.
  const xc = f32x4.pmax(x, f32x4.splat(X_MIN));
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUND));
  const n = f32x4.sub(t, f32x4.splat(ROUND));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // Estrin's scheme: the same polynomial as Horner's rule with a dependency chain of 4 steps instead of 7.
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const q01 = f32x4.add(r, f32x4.splat(1));
  const q23 = f32x4.add(f32x4.mul(f32x4.splat(C3), r), f32x4.splat(C2));
  const q45 = f32x4.add(f32x4.mul(f32x4.splat(C5), r), f32x4.splat(C4));
  const q67 = f32x4.add(f32x4.mul(f32x4.splat(C7), r), f32x4.splat(C6));
  const q03 = f32x4.add(f32x4.mul(q23, r2), q01);
  const q47 = f32x4.add(f32x4.mul(q67, r2), q45);
  const p = f32x4.add(f32x4.mul(q47, r4), q03);
  // 2^n: the rounded integer plus the exponent bias, shifted into the exponent field.
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUND_BITS)), 23);
  // Underflow (and -Infinity) gives exactly 0.
  return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, f32x4.splat(X_MIN)));
}

/** The same computation on one value, for row tails, so every element of a row is rounded alike. */
@inline function exps(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

export function softmaxRows(a: usize, out: usize, rows: i32, cols: i32, log: bool): void {
  if (cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  const vBytes = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    // Pass 1: the row maximum, for numerical stability.
    // pmax(m, x) = m < x ? x : m is one instruction and, like the reference's `x > max`, skips NaN; two
    // accumulators halve the dependency chain.
    let m0 = f32x4.splat(-Infinity), m1 = m0;
    let o: usize = 0;
    for (; o + 32 <= vBytes; o += 32) {
      m0 = f32x4.pmax(m0, v128.load(a + o));
      m1 = f32x4.pmax(m1, v128.load(a + o, 16));
    }
    if (o < vBytes) { m0 = f32x4.pmax(m0, v128.load(a + o)); o += 16; }
    let mx = hmax(f32x4.pmax(m0, m1));
    for (; o < rowBytes; o += 4) { const x = load<f32>(a + o); if (x > mx) mx = x; }
    const mxv = f32x4.splat(mx);
    // Pass 2: Σ exp(a - max). For softmax the exponentials are kept in out (a is not read again, so
    // out may alias a) and scaled in pass 3; log-softmax only needs the sum.
    let sv = f32x4.splat(0);
    let s: f32 = 0;
    if (log) {
      for (o = 0; o < vBytes; o += 16) sv = f32x4.add(sv, expv(f32x4.sub(v128.load(a + o), mxv)));
      for (; o < rowBytes; o += 4) s += exps(load<f32>(a + o) - mx);
      s += hsum(sv);
      // (a - max) - log s rather than a - (max + log s): the latter rounds max + log s to float32, which
      // loses most of log s's digits when max is large and the result is near 0.
      const ls = Mathf.log(s);
      const lv = f32x4.splat(ls);
      for (o = 0; o < vBytes; o += 16) v128.store(out + o, f32x4.sub(f32x4.sub(v128.load(a + o), mxv), lv));
      for (; o < rowBytes; o += 4) store<f32>(out + o, (load<f32>(a + o) - mx) - ls);
    } else {
      for (o = 0; o < vBytes; o += 16) {
        const e = expv(f32x4.sub(v128.load(a + o), mxv));
        v128.store(out + o, e);
        sv = f32x4.add(sv, e);
      }
      for (; o < rowBytes; o += 4) {
        const e = exps(load<f32>(a + o) - mx);
        store<f32>(out + o, e);
        s += e;
      }
      s += hsum(sv);
      const dv = f32x4.splat(s);
      for (o = 0; o < vBytes; o += 16) v128.store(out + o, f32x4.div(v128.load(out + o), dv));
      for (; o < rowBytes; o += 4) store<f32>(out + o, load<f32>(out + o) / s);
    }
    a += rowBytes; out += rowBytes;
  }
}
