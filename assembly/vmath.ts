// Vector math on f32x4 and helpers for the n mod 4 tail of elementwise kernels.

/** Loads t (1..3) floats into lanes 0..t−1 of a zero vector; never reads past p + 4t. */
@inline export function loadPartial(p: usize, t: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (t > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (t > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores lanes 0..t−1 (t in 1..3) of v. */
@inline export function storePartial(p: usize, v: v128, t: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (t > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (t > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * e^x, Cephes expf scheme: n = round(x·log2 e), r = x − n·ln 2 in two parts (Cody–Waite, exact
 * product n·C1), e^r by a degree-6 minimax polynomial on |r| ≤ ln2/2 (≈1 ulp), times 2^n.
 * 2^n is applied as 2^⌊n/2⌋·2^(n−⌊n/2⌋) so that both factors stay normal down to n = −150:
 * results in the subnormal range are rounded once, by the last multiply, as the exact value would be.
 * x is clamped to [−104, 88.72]: below, e^x underflows to 0; above, it overflows (≥ 2^128).
 */
@inline export function expv(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(88.72283));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/**
 * tanh. |x| < 0.625: Cephes tanhf odd polynomial x + x³·P(x²) (no cancellation near 0).
 * Otherwise 1 − 2/(e^{2|x|} + 1) with the sign of x restored; there tanh ≥ 0.55 and
 * 2/(e+1) ≤ 0.45, so the subtraction at most doubles exp's ≈1 ulp error. |x| is capped at 10:
 * tanh rounds to 1 in f32 from |x| ≈ 9.01 on (1 − tanh < 2^−25). Max error a few ulp (≈3e-7 relative).
 */
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  // tanh is odd and keeps x's sign; re-applying it makes tanh(−0) = −0 (−0 + 0 would give +0).
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const small = v128.or(f32x4.abs(f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x)), sign);
  const e = expv(f32x4.min(f32x4.add(ax, ax), f32x4.splat(20.0)));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const signed = v128.or(big, sign);
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/**
 * Logistic 1/(1+e^−z), overflow-free as the reference: with e = e^−|z|,
 * z ≥ 0 → 1/(1+e), z < 0 → e/(1+e). One rounding per division.
 */
@inline export function sigmoidv(z: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(z)));
  const d = f32x4.add(f32x4.splat(1.0), e);
  const pos = f32x4.div(f32x4.splat(1.0), d);
  const neg = f32x4.div(e, d);
  return v128.bitselect(pos, neg, f32x4.ge(z, f32x4.splat(0)));
}
