// Shared SIMD helpers; madd is where the relaxed and plain builds differ in arithmetic (matmul.ts also sizes its tiles per build).

/** a·b + c. The relaxed build fuses it (one rounding, one instruction); the plain build cannot. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
@inline export function hsum(v: v128): f32 {
  // Pairwise, so the rounding is the same whichever lane order the caller accumulated in.
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Largest of the four lanes, which must not be NaN (pmax is one instruction; max must order NaN and ±0). */
@inline export function hmax(v: v128): f32 {
  const s = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max<f32>(f32x4.extract_lane(s, 0), f32x4.extract_lane(s, 1));
}
