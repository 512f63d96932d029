// The sigmoid + binary cross-entropy loss over float32 logits, in float64, with the bits of the
// engine's JavaScript loop (src/engine/model/losses.ts) — which calls Math.exp and Math.log1p.
// V8 computes those with its port of FreeBSD msun / fdlibm (src/base/ieee754.cc: exp, log1p):
// plain IEEE double arithmetic, no fused multiply-add, so the same code here, operation for
// operation, gives the same bits. expMsun and log1pMsun are that code; sigmoidBceLoss runs it two
// rows at a time in f64x2 lanes (the same operations per lane). test/engine/wasm/loss.test.ts
// compares the loss with the JavaScript loop's; scripts/check-bce-kernel.mjs checks the row term
// and gradient of every float32 logit (run it after changing this file).

@inline function hiWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >> 32);
}

@inline function loWord(x: f64): u32 {
  return <u32>reinterpret<u64>(x);
}

@inline function fromWords(hi: i32, lo: u32): f64 {
  return reinterpret<f64>((<u64><u32>hi << 32) | <u64>lo);
}

/** e^x: V8's ieee754::exp (FreeBSD msun e_exp.c). */
export function expMsun(x: f64): f64 {
  const o_threshold: f64 = 7.09782712893383973096e+02;
  const u_threshold: f64 = -7.45133219101941108420e+02;
  const ln2HI0: f64 = 6.93147180369123816490e-01;
  const ln2LO0: f64 = 1.90821492927058770002e-10;
  const invln2: f64 = 1.44269504088896338700e+00;
  const P1: f64 = 1.66666666666666019037e-01;
  const P2: f64 = -2.77777777770155933842e-03;
  const P3: f64 = 6.61375632143793436117e-05;
  const P4: f64 = -1.65339022054652515390e-06;
  const P5: f64 = 4.13813679705723846039e-08;
  const E: f64 = 2.718281828459045;
  const huge: f64 = 1.0e+300;
  const twom1000: f64 = 9.33263618503218878990e-302;
  const two1023: f64 = 8.988465674311579539e307;

  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  let hx = <u32>hiWord(x);
  const xsb = <i32>((hx >> 31) & 1);
  hx &= 0x7fffffff;

  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | loWord(x)) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > o_threshold) return huge * huge;
    if (x < u_threshold) return twom1000 * twom1000;
  }

  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return E;
      hi = x - (xsb ? -ln2HI0 : ln2HI0);
      lo = xsb ? -ln2LO0 : ln2LO0;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(invln2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * ln2HI0;
      lo = t * ln2LO0;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    if (huge + x > 1.0) return 1.0 + x;
  } else {
    k = 0;
  }

  const t = x * x;
  const twopk = k >= -1021 ? fromWords(0x3ff00000 + (k << 20), 0) : fromWords(0x3ff00000 + ((k + 1000) << 20), 0);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

/** ln(1 + x): V8's ieee754::log1p (FreeBSD msun s_log1p.c). */
export function log1pMsun(x: f64): f64 {
  const ln2_hi: f64 = 6.93147180369123816490e-01;
  const ln2_lo: f64 = 1.90821492927058770002e-10;
  const two54: f64 = 1.80143985094819840000e+16;
  const Lp1: f64 = 6.666666666666735130e-01;
  const Lp2: f64 = 3.999999999940941908e-01;
  const Lp3: f64 = 2.857142874366239149e-01;
  const Lp4: f64 = 2.222219843214978396e-01;
  const Lp5: f64 = 1.818357216161805012e-01;
  const Lp6: f64 = 1.531383769920937332e-01;
  const Lp7: f64 = 1.479819860511658591e-01;

  let f: f64 = 0;
  let c: f64 = 0;
  let u: f64 = 0;
  let hu: i32 = 0;
  const hx = hiWord(x);
  const ax = hx & 0x7fffffff;

  let k: i32 = 1;
  if (hx < 0x3fda827a) {
    if (ax >= 0x3ff00000) {
      if (x == -1.0) return -Infinity;
      return NaN;
    }
    if (ax < 0x3e200000) {
      if (two54 + x > 0.0 && ax < 0x3c900000) return x;
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= <i32>0xbfd2bec4) {
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k != 0) {
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = hiWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      hu = hiWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = fromWords(hu | 0x3ff00000, loWord(u));
    } else {
      k += 1;
      u = fromWords(hu | 0x3fe00000, loWord(u));
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu == 0) {
    if (f == 0.0) {
      if (k == 0) return 0.0;
      c += <f64>k * ln2_lo;
      return <f64>k * ln2_hi + c;
    }
    const R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k == 0) return f - R;
    return <f64>k * ln2_hi - ((R - (<f64>k * ln2_lo + c)) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (Lp1 + z * (Lp2 + z * (Lp3 + z * (Lp4 + z * (Lp5 + z * (Lp6 + z * Lp7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + R));
  return <f64>k * ln2_hi - ((hfsq - (s * (hfsq + R) + (<f64>k * ln2_lo + c))) - f);
}

// ── Two rows at a time (f64x2) ──────────────────────────────────────────────────────────────
// The same operations per lane as expMsun and log1pMsun on their common path, with the branch
// each lane would take chosen by masks; a pair where either lane leaves that path (|z| < 2^−28 or
// > 700, NaN, e^−|z| < 2^−29 or within 2^−18 of 1) runs the scalar functions instead. Per lane:
//  exp(x), x = −|z| ≤ 0: k = 0 for |x| ≤ ½ln2 (high word ≤ 0x3fd62e42), −1 below 0x3ff0a2b2,
//    else trunc(x/ln2 − ½); hi = x − k·ln2HI, lo = k·ln2LO (for k = 0: x and +0, exactly what
//    the k = 0 branch uses), y = 1 − ((lo − x'c/(2 − c)) − hi) and y·2^k: for k = 0 this is the
//    k = 0 branch's 1 − (x c/(c − 2) − x), as x c/(c − 2) = −(x c/(2 − c)) exactly and x c ≠ 0.
//  log1p(e), 2^−29 ≤ e < 1: e < 0.4142 (high word < 0x3fda827a): f = e, k = 0; else u = 1 + e,
//    c = (e − (u − 1))/u, u normalised into [√2/2, √2) with k = 0 or 1, f = u − 1; then both of
//    log1pMsun's final formulas, the lane's k picking one (k = 0 ignores c, as there).

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

@inline function hiWords(x: v128): v128 {
  return i64x2.shr_u(x, 32);
}

@inline function expPair(x: v128): v128 {
  const hx = v128.and(hiWords(x), i64x2.splat(0x7fffffff));
  const kg = f64x2.convert_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(
    f64x2.add(f64x2.mul(f64x2.splat(1.44269504088896338700e+00), x), f64x2.splat(-0.5))));
  const reduce = i64x2.gt_s(hx, i64x2.splat(0x3fd62e42));
  const near = i64x2.lt_s(hx, i64x2.splat(0x3ff0a2b2));
  const k = v128.bitselect(v128.bitselect(f64x2.splat(-1.0), kg, near), f64x2.splat(0.0), reduce);
  const hi = f64x2.sub(x, f64x2.mul(k, f64x2.splat(6.93147180369123816490e-01)));
  const lo = f64x2.mul(k, f64x2.splat(1.90821492927058770002e-10));
  const xr = f64x2.sub(hi, lo);
  const t = f64x2.mul(xr, xr);
  let poly = f64x2.add(f64x2.splat(-1.65339022054652515390e-06), f64x2.mul(t, f64x2.splat(4.13813679705723846039e-08)));
  poly = f64x2.add(f64x2.splat(6.61375632143793436117e-05), f64x2.mul(t, poly));
  poly = f64x2.add(f64x2.splat(-2.77777777770155933842e-03), f64x2.mul(t, poly));
  poly = f64x2.add(f64x2.splat(1.66666666666666019037e-01), f64x2.mul(t, poly));
  const c = f64x2.sub(xr, f64x2.mul(t, poly));
  const two = f64x2.splat(2.0);
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(xr, c), f64x2.sub(two, c))), hi));
  // 2^k from k's bits: (1023 + k) << 52 (k ≥ −1010 for |x| ≤ 700).
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  const twopk = i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
  return f64x2.mul(y, twopk);
}

/** log1p of two lanes, and in `uncommon` (all-ones lanes) where a lane left the common path. */
@inline function log1pPair(e: v128, uncommonOut: usize): v128 {
  const hx = hiWords(e);
  const big = i64x2.ge_s(hx, i64x2.splat(0x3fda827a));
  const u0 = f64x2.add(f64x2.splat(1.0), e);
  const c0 = f64x2.div(f64x2.sub(e, f64x2.sub(u0, f64x2.splat(1.0))), u0);
  const huLow = v128.and(hiWords(u0), i64x2.splat(0x000fffff));
  const upper = i64x2.ge_s(huLow, i64x2.splat(0x6a09e));
  const lowBits = v128.and(u0, i64x2.splat(0xffffffff));
  const normalised = v128.or(lowBits, i64x2.shl(v128.or(huLow, v128.bitselect(i64x2.splat(0x3fe00000), i64x2.splat(0x3ff00000), upper)), 32));
  const fBig = f64x2.sub(normalised, f64x2.splat(1.0));
  const f = v128.bitselect(fBig, e, big);
  const k = v128.and(v128.and(big, upper), f64x2.splat(1.0));
  const c = v128.and(big, c0);
  // hu = (0x100000 − huLow) >> 2 is 0 (log1pMsun's |f| < 2^−20 branch) from huLow ≥ 0xffffd: scalar.
  const flat = v128.and(big, i64x2.ge_s(huLow, i64x2.splat(0xffffc)));
  v128.store(uncommonOut, v128.or(flat, f64x2.lt(e, f64x2.splat(1.86264514923095703125e-09))));
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const z = f64x2.mul(s, s);
  let r = f64x2.add(f64x2.splat(1.531383769920937332e-01), f64x2.mul(z, f64x2.splat(1.479819860511658591e-01)));
  r = f64x2.add(f64x2.splat(1.818357216161805012e-01), f64x2.mul(z, r));
  r = f64x2.add(f64x2.splat(2.222219843214978396e-01), f64x2.mul(z, r));
  r = f64x2.add(f64x2.splat(2.857142874366239149e-01), f64x2.mul(z, r));
  r = f64x2.add(f64x2.splat(3.999999999940941908e-01), f64x2.mul(z, r));
  r = f64x2.add(f64x2.splat(6.666666666666735130e-01), f64x2.mul(z, r));
  const R = f64x2.mul(z, r);
  const sR = f64x2.mul(s, f64x2.add(hfsq, R));
  const whenK0 = f64x2.sub(f, f64x2.sub(hfsq, sR));
  const whenK = f64x2.sub(f64x2.mul(k, f64x2.splat(LN2_HI)),
    f64x2.sub(f64x2.sub(hfsq, f64x2.add(sR, f64x2.add(f64x2.mul(k, f64x2.splat(LN2_LO)), c))), f));
  return v128.bitselect(whenK, whenK0, f64x2.ne(k, f64x2.splat(0.0)));
}

/** One row's term and gradient, scalar (the pairs' fallback and an odd last row). */
@inline function rowTerm(zi: f64, yi: f64, dz: usize, i: i32, invM: f64, out: usize): void {
  const e = expMsun(-abs(zi));
  store<f64>(out, max(zi, 0.0) - zi * yi + log1pMsun(e));
  if (dz) store<f32>(dz + (<usize>i << 2), <f32>(((zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi) * invM));
}

/**
 * Σ_i max(z,0) − z·y + log1p(e^−|z|) over n float32 logits z and float64 targets y, summed with
 * Neumaier's compensation (CompensatedSum) in row order and returned as sum + compensation; when
 * dz ≠ 0 also dz[i] = (σ(z_i) − y_i)·invM as float32, σ from the same e^−|z| (losses.ts
 * sigmoidBce). `scratch`: 32 bytes, 16-aligned. The row terms of two rows are computed at once.
 */
/**
 * Rows i and i + 1: their terms to scratch[0], scratch[8] (and dz when dz ≠ 0), by the pair path
 * or, where a lane leaves its common path, by the scalar one.
 */
@inline function pairTerms(i: i32, z: usize, y: usize, dz: usize, invM: f64, scratch: usize): void {
  const zv = f64x2.promote_low_f32x4(v128.load64_zero(z + (<usize>i << 2)));
  const yv = v128.load(y + (<usize>i << 3));
  const x = f64x2.neg(f64x2.abs(zv));
  const ax = f64x2.abs(x);
  // exp's common path: 2^−28 ≤ |x| ≤ 700 (false for NaN).
  const expOk = v128.and(f64x2.ge(ax, f64x2.splat(3.7252902984619140625e-09)), f64x2.le(ax, f64x2.splat(700.0)));
  let uncommon = v128.not(expOk);
  let term = f64x2.splat(0);
  let ev = f64x2.splat(0);
  if (!v128.any_true(uncommon)) {
    ev = expPair(x);
    const l = log1pPair(ev, scratch + 16);
    uncommon = v128.load(scratch + 16);
    term = f64x2.add(f64x2.sub(f64x2.max(zv, f64x2.splat(0.0)), f64x2.mul(zv, yv)), l);
  }
  if (v128.any_true(uncommon)) {
    rowTerm(f64x2.extract_lane(zv, 0), f64x2.extract_lane(yv, 0), dz, i, invM, scratch);
    rowTerm(f64x2.extract_lane(zv, 1), f64x2.extract_lane(yv, 1), dz, i + 1, invM, scratch + 8);
    return;
  }
  v128.store(scratch, term);
  if (dz) {
    const one = f64x2.splat(1.0);
    const num = v128.bitselect(one, ev, f64x2.ge(zv, f64x2.splat(0.0)));
    const g = f64x2.mul(f64x2.sub(f64x2.div(num, f64x2.add(one, ev)), yv), f64x2.splat(invM));
    store<f32>(dz + (<usize>i << 2), <f32>f64x2.extract_lane(g, 0));
    store<f32>(dz + (<usize>(i + 1) << 2), <f32>f64x2.extract_lane(g, 1));
  }
}

/**
 * Σ_i max(z,0) − z·y + log1p(e^−|z|) over n float32 logits z and float64 targets y, summed with
 * Neumaier's compensation (CompensatedSum) in row order and returned as sum + compensation; when
 * dz ≠ 0 also dz[i] = (σ(z_i) − y_i)·invM as float32, σ from the same e^−|z| (losses.ts
 * sigmoidBce). `scratch`: 32 bytes, 16-aligned. The row terms of two rows are computed at once.
 */
export function sigmoidBceLoss(n: i32, z: usize, y: usize, dz: usize, invM: f64, scratch: usize): f64 {
  let sum: f64 = 0;
  let compensation: f64 = 0;
  let i = 0;
  // Four rows an iteration: two independent pairs in flight.
  for (; i + 4 <= n; i += 4) {
    pairTerms(i, z, y, dz, invM, scratch);
    pairTerms(i + 2, z, y, dz, invM, scratch + 32);
    for (let r = 0; r < 4; r++) {
      const x = load<f64>(scratch + (<usize>(r < 2 ? r : r + 2) << 3));
      const t = sum + x;
      compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
  }
  for (; i < n; i += 2) {
    const pair = i + 1 < n;
    if (pair) pairTerms(i, z, y, dz, invM, scratch);
    else rowTerm(<f64>load<f32>(z + (<usize>i << 2)), load<f64>(y + (<usize>i << 3)), dz, i, invM, scratch);
    const count = pair ? 2 : 1;
    for (let r = 0; r < count; r++) {
      const x = load<f64>(scratch + (<usize>r << 3));
      const t = sum + x;
      compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
  }
  return sum + compensation;
}

/** The row terms sigmoidBceLoss sums, written to `out` (n float64; for scripts/check-bce-kernel.mjs). */
export function sigmoidBceTerms(n: i32, z: usize, y: usize, dz: usize, invM: f64, scratch: usize, out: usize): void {
  for (let i = 0; i < n; i += 2) {
    const pair = i + 1 < n;
    if (pair) pairTerms(i, z, y, dz, invM, scratch);
    else rowTerm(<f64>load<f32>(z + (<usize>i << 2)), load<f64>(y + (<usize>i << 3)), dz, i, invM, scratch);
    store<f64>(out + (<usize>i << 3), load<f64>(scratch));
    if (pair) store<f64>(out + (<usize>(i + 1) << 3), load<f64>(scratch + 8));
  }
}
