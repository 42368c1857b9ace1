// Row-wise softmax and log-softmax, with a vectorised exp (relative error ~2 ulp, far inside float32 tolerance).
import { hsum, hmax } from './simd';

// exp(x) = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln2 / 2. ln 2 is split in two (Cody–Waite) so that
// r is exact enough; n·LN2_HI is exact because LN2_HI has only 9 significant bits.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
// Below this exp underflows float32 normals; clamping keeps the exponent bit trick valid.
const X_MIN: f32 = -87.33654;
const X_MAX: f32 = 88.3762626647949;
// Taylor coefficients 1/k! up to degree 7: the truncation error r^8/8! < 6e-9 on |r| ≤ 0.347.
const C2: f32 = 0.5;
const C3: f32 = 0.16666666666666666;
const C4: f32 = 0.041666666666666664;
const C5: f32 = 0.008333333333333333;
const C6: f32 = 0.001388888888888889;
const C7: f32 = 0.0001984126984126984;

@inline function expv(x: v128): v128 {
  // max/min propagate NaN, so a NaN input yields a NaN output as Math.exp does.
  x = f32x4.min(f32x4.max(x, f32x4.splat(X_MIN)), f32x4.splat(X_MAX));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(C7), r), f32x4.splat(C6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
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
    let mx: f32 = -Infinity;
    let o: usize = 0;
    if (vBytes) {
      let mv = v128.load(a);
      for (o = 16; o < vBytes; o += 16) mv = f32x4.max(mv, v128.load(a + o));
      mx = hmax(mv);
    }
    for (; o < rowBytes; o += 4) mx = max<f32>(mx, load<f32>(a + o));
    const mxv = f32x4.splat(mx);
    // Pass 2: Σ exp(a - max). For softmax the exponentials are kept in out (a is not read again, so
    // out may alias a) and scaled in pass 3; log-softmax only needs the sum.
    let sv = f32x4.splat(0);
    let s: f32 = 0;
    if (log) {
      for (o = 0; o < vBytes; o += 16) sv = f32x4.add(sv, expv(f32x4.sub(v128.load(a + o), mxv)));
      for (; o < rowBytes; o += 4) s += exps(load<f32>(a + o) - mx);
      s += hsum(sv);
      const lse = mx + Mathf.log(s);
      const lv = f32x4.splat(lse);
      for (o = 0; o < vBytes; o += 16) v128.store(out + o, f32x4.sub(v128.load(a + o), lv));
      for (; o < rowBytes; o += 4) store<f32>(out + o, load<f32>(a + o) - lse);
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
