// Reductions: sum and sum of squares (accumulated in float64, like the reference, so long sums stay accurate)
// and the column sums used for bias gradients.

/** Widens four float32 lanes to two float64x2 halves and adds them into the accumulators. */
@inline function widen(v: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
}

export function sum(a: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~7) << 2);
  // Two independent accumulators hide the add latency.
  while (a < vend) {
    s0 = f64x2.add(s0, widen(v128.load(a)));
    s1 = f64x2.add(s1, widen(v128.load(a, 16)));
    a += 32;
  }
  const s = f64x2.add(s0, s1);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  while (a < end) { t += <f64>load<f32>(a); a += 4; }
  return t;
}

export function sumSquares(a: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    const v = v128.load(a);
    // Square after widening: the reference squares in float64 too.
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    a += 16;
  }
  const s = f64x2.add(s0, s1);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  while (a < end) { const x = <f64>load<f32>(a); t += x * x; a += 4; }
  return t;
}

/** out[c] = Σ_r a[r,c] (+ out[c]). Row by row, the same order as the reference, so results match it exactly. */
export function sumRows(a: usize, out: usize, rows: i32, cols: i32, accumulate: bool): void {
  const colBytes = <usize>cols << 2;
  const vBytes = <usize>(cols & ~3) << 2;
  if (!accumulate) {
    const z = f32x4.splat(0);
    for (let o: usize = 0; o < vBytes; o += 16) v128.store(out + o, z);
    for (let o = vBytes; o < colBytes; o += 4) store<f32>(out + o, 0);
  }
  for (let r = 0; r < rows; r++) {
    let o: usize = 0;
    for (; o < vBytes; o += 16) v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(a + o)));
    for (; o < colBytes; o += 4) store<f32>(out + o, load<f32>(out + o) + load<f32>(a + o));
    a += colBytes;
  }
}
