// Elementwise kernels and row/column reductions: f32x4 main loop, lane-wise tail for n mod 4.
// All take byte pointers into linear memory; lengths are element counts.

import { loadPartial, sigmoidv, storePartial, tanhv } from './vmath';

// Activation codes, matching the host's ACTIVATION_CODE.
const RELU = 0;
const LEAKY = 1;
const TANH = 2;
const SIGMOID = 3;
const LINEAR = 4;

@inline function off(i: i32): usize {
  return <usize>i << 2;
}

/** out[i,j] = x[i,j] + bias[j]. out may alias x. */
export function addRowVector(rows: i32, cols: i32, x: usize, bias: usize, out: usize): void {
  if (cols < 4) {
    addNarrowRowVector(rows * cols, cols, x, bias, out);
    return;
  }
  const c4 = cols & ~3;
  const t = cols - c4;
  for (let i = 0; i < rows; i++) {
    const xr = x + off(i * cols);
    const orow = out + off(i * cols);
    for (let j = 0; j < c4; j += 4) v128.store(orow + off(j), f32x4.add(v128.load(xr + off(j)), v128.load(bias + off(j))));
    if (t) storePartial(orow + off(c4), f32x4.add(loadPartial(xr + off(c4), t), loadPartial(bias + off(c4), t)), t);
  }
}

/**
 * Rows of 1–3 columns (narrow layers): the matrix as one flat array, the bias repeated in vectors
 * of period lcm(cols, 4): 12 values (3 vectors) for 3 columns, 4 for 1 and 2. Elementwise adds,
 * so the same bits as row by row.
 */
function addNarrowRowVector(n: i32, cols: i32, x: usize, bias: usize, out: usize): void {
  const b0 = load<f32>(bias);
  const b1 = cols > 1 ? load<f32>(bias, 4) : b0;
  const b2 = cols > 2 ? load<f32>(bias, 8) : b0;
  let e = 0;
  if (cols === 3) {
    let p0 = f32x4.splat(b0);
    p0 = f32x4.replace_lane(p0, 1, b1);
    p0 = f32x4.replace_lane(p0, 2, b2);
    let p1 = f32x4.splat(b1);
    p1 = f32x4.replace_lane(p1, 1, b2);
    p1 = f32x4.replace_lane(p1, 2, b0);
    let p2 = f32x4.splat(b2);
    p2 = f32x4.replace_lane(p2, 1, b0);
    p2 = f32x4.replace_lane(p2, 2, b1);
    for (; e + 12 <= n; e += 12) {
      const xp = x + off(e);
      const op = out + off(e);
      v128.store(op, f32x4.add(v128.load(xp), p0));
      v128.store(op, f32x4.add(v128.load(xp, 16), p1), 16);
      v128.store(op, f32x4.add(v128.load(xp, 32), p2), 32);
    }
  } else {
    let p = f32x4.splat(b0);
    if (cols === 2) p = f32x4.replace_lane(f32x4.replace_lane(p, 1, b1), 3, b1);
    for (; e + 4 <= n; e += 4) v128.store(out + off(e), f32x4.add(v128.load(x + off(e)), p));
  }
  for (; e < n; e++) store<f32>(out + off(e), load<f32>(x + off(e)) + load<f32>(bias + off(e % cols)));
}

/** out[j] = Σ_i x[i,j], rows in order, each add rounded to f32 (the reference's exact order). */
export function sumRows(rows: i32, cols: i32, x: usize, out: usize): void {
  const c4 = cols & ~3;
  const t = cols - c4;
  // Column blocks of 16 keep 4 accumulators in registers across all rows.
  let j = 0;
  for (; j + 16 <= c4; j += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = x + off(j);
    const step = off(cols);
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += step;
    }
    const o = out + off(j);
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
  }
  for (; j < c4; j += 4) {
    let s = f32x4.splat(0);
    for (let i = 0; i < rows; i++) s = f32x4.add(s, v128.load(x + off(i * cols + j)));
    v128.store(out + off(j), s);
  }
  if (t) {
    let s = f32x4.splat(0);
    for (let i = 0; i < rows; i++) s = f32x4.add(s, loadPartial(x + off(i * cols + c4), t));
    storePartial(out + off(c4), s, t);
  }
}

/** a = g(z). a may alias z. */
export function activationForward(kind: i32, n: i32, z: usize, a: usize, alpha: f32): void {
  const n4 = n & ~3;
  const t = n - n4;
  const zero = f32x4.splat(0);
  if (kind == RELU) {
    // z > 0 ? z : 0 (NaN → 0, −0 → 0, as the reference's comparison).
    for (let i = 0; i < n4; i += 4) {
      const v = v128.load(z + off(i));
      v128.store(a + off(i), v128.and(v, f32x4.gt(v, zero)));
    }
    if (t) {
      const v = loadPartial(z + off(n4), t);
      storePartial(a + off(n4), v128.and(v, f32x4.gt(v, zero)), t);
    }
  } else if (kind == LEAKY) {
    const al = f32x4.splat(alpha);
    for (let i = 0; i < n4; i += 4) {
      const v = v128.load(z + off(i));
      v128.store(a + off(i), v128.bitselect(v, f32x4.mul(al, v), f32x4.gt(v, zero)));
    }
    if (t) {
      const v = loadPartial(z + off(n4), t);
      storePartial(a + off(n4), v128.bitselect(v, f32x4.mul(al, v), f32x4.gt(v, zero)), t);
    }
  } else if (kind == TANH) {
    for (let i = 0; i < n4; i += 4) v128.store(a + off(i), tanhv(v128.load(z + off(i))));
    if (t) storePartial(a + off(n4), tanhv(loadPartial(z + off(n4), t)), t);
  } else if (kind == SIGMOID) {
    for (let i = 0; i < n4; i += 4) v128.store(a + off(i), sigmoidv(v128.load(z + off(i))));
    if (t) storePartial(a + off(n4), sigmoidv(loadPartial(z + off(n4), t)), t);
  } else if (kind == LINEAR) {
    if (a != z) memory.copy(a, z, off(n));
  }
}

/** dZ = dA ⊙ g'(z); tanh and sigmoid use a = g(z). dZ may alias dA. */
export function activationBackward(kind: i32, n: i32, z: usize, a: usize, dA: usize, dZ: usize, alpha: f32): void {
  const n4 = n & ~3;
  const t = n - n4;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  if (kind == RELU) {
    for (let i = 0; i < n4; i += 4) {
      v128.store(dZ + off(i), v128.and(v128.load(dA + off(i)), f32x4.gt(v128.load(z + off(i)), zero)));
    }
    if (t) {
      storePartial(dZ + off(n4), v128.and(loadPartial(dA + off(n4), t), f32x4.gt(loadPartial(z + off(n4), t), zero)), t);
    }
  } else if (kind == LEAKY) {
    const al = f32x4.splat(alpha);
    for (let i = 0; i < n4; i += 4) {
      const d = v128.load(dA + off(i));
      v128.store(dZ + off(i), v128.bitselect(d, f32x4.mul(al, d), f32x4.gt(v128.load(z + off(i)), zero)));
    }
    if (t) {
      const d = loadPartial(dA + off(n4), t);
      storePartial(dZ + off(n4), v128.bitselect(d, f32x4.mul(al, d), f32x4.gt(loadPartial(z + off(n4), t), zero)), t);
    }
  } else if (kind == TANH) {
    // dA·(1 − a²)
    for (let i = 0; i < n4; i += 4) {
      const av = v128.load(a + off(i));
      v128.store(dZ + off(i), f32x4.mul(v128.load(dA + off(i)), f32x4.sub(one, f32x4.mul(av, av))));
    }
    if (t) {
      const av = loadPartial(a + off(n4), t);
      storePartial(dZ + off(n4), f32x4.mul(loadPartial(dA + off(n4), t), f32x4.sub(one, f32x4.mul(av, av))), t);
    }
  } else if (kind == SIGMOID) {
    // dA·a·(1 − a), multiplied left to right as the reference.
    for (let i = 0; i < n4; i += 4) {
      const av = v128.load(a + off(i));
      v128.store(dZ + off(i), f32x4.mul(f32x4.mul(v128.load(dA + off(i)), av), f32x4.sub(one, av)));
    }
    if (t) {
      const av = loadPartial(a + off(n4), t);
      storePartial(dZ + off(n4), f32x4.mul(f32x4.mul(loadPartial(dA + off(n4), t), av), f32x4.sub(one, av)), t);
    }
  } else if (kind == LINEAR) {
    if (dZ != dA) memory.copy(dZ, dA, off(n));
  }
}

/** out = x ⊙ y. */
export function mul(n: i32, x: usize, y: usize, out: usize): void {
  const n4 = n & ~3;
  const t = n - n4;
  for (let i = 0; i < n4; i += 4) v128.store(out + off(i), f32x4.mul(v128.load(x + off(i)), v128.load(y + off(i))));
  if (t) storePartial(out + off(n4), f32x4.mul(loadPartial(x + off(n4), t), loadPartial(y + off(n4), t)), t);
}

/** y += alpha·x. */
export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const n4 = n & ~3;
  const t = n - n4;
  const al = f32x4.splat(alpha);
  for (let i = 0; i < n4; i += 4) {
    v128.store(y + off(i), f32x4.add(v128.load(y + off(i)), f32x4.mul(al, v128.load(x + off(i)))));
  }
  if (t) storePartial(y + off(n4), f32x4.add(loadPartial(y + off(n4), t), f32x4.mul(al, loadPartial(x + off(n4), t))), t);
}

/** sign(x) ∈ {−1, 0, 1}, NaN → NaN (as Math.sign): ±1 carries x's sign bit where x ≠ 0. */
@inline function signv(x: v128): v128 {
  const nz = f32x4.ne(x, f32x4.splat(0));
  const one = v128.or(f32x4.splat(1), v128.and(x, i32x4.splat(0x80000000)));
  // NaN ≠ 0 is true: keep x itself for NaN lanes.
  return v128.bitselect(v128.and(one, nz), x, f32x4.eq(x, x));
}

/** y += alpha·sign(x), sign(0) = 0. */
export function axpySign(n: i32, alpha: f32, x: usize, y: usize): void {
  const n4 = n & ~3;
  const t = n - n4;
  const al = f32x4.splat(alpha);
  for (let i = 0; i < n4; i += 4) {
    v128.store(y + off(i), f32x4.add(v128.load(y + off(i)), f32x4.mul(al, signv(v128.load(x + off(i))))));
  }
  if (t) storePartial(y + off(n4), f32x4.add(loadPartial(y + off(n4), t), f32x4.mul(al, signv(loadPartial(x + off(n4), t)))), t);
}

/** Σ x² in f64: 4 f64x2 accumulators over 8 floats per step, combined in a fixed order. */
export function sumSquares(n: i32, x: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(x + off(i));
    const w = v128.load(x + off(i), 16);
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    const c = f64x2.promote_low_f32x4(w);
    const d = f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 2, 3));
    s0 = f64x2.add(s0, f64x2.mul(a, a));
    s1 = f64x2.add(s1, f64x2.mul(b, b));
    s2 = f64x2.add(s2, f64x2.mul(c, c));
    s3 = f64x2.add(s3, f64x2.mul(d, d));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + off(i));
    r += v * v;
  }
  return r;
}

/**
 * out[t] = sumSquares(n_t, x_t) for each of `count` arrays listed in `list` as (x_t, n_t) int32 pairs;
 * out is f64. One call for a network's tensors instead of one each (a W2 step's 12 sums).
 */
export function sumSquaresEach(count: i32, list: usize, out: usize): void {
  for (let t = 0; t < count; t++) {
    const entry = list + (<usize>t << 3);
    store<f64>(out + (<usize>t << 3), sumSquares(load<i32>(entry, 4), <usize>load<i32>(entry)));
  }
}

/** Σ |x| in f64, same scheme as sumSquares. */
export function sumAbs(n: i32, x: usize): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = f32x4.abs(v128.load(x + off(i)));
    const w = f32x4.abs(v128.load(x + off(i), 16));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(w));
    s3 = f64x2.add(s3, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 2, 3)));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) r += <f64>Mathf.abs(load<f32>(x + off(i)));
  return r;
}

/**
 * Inverted-dropout mask from the engine's xoshiro128** stream (src/engine/util/rng.ts), draw for
 * draw: out[i] = (u_i < keepProb ? scale : 0) with u_i = next()/2³², the decisions of
 * `rng.uniform() < p` in JavaScript. The 4-word state at `state` is read and advanced in place,
 * so the caller's Rng continues as if it had drawn the n numbers itself. Scalar: the stream is
 * sequential; the gain over JavaScript is the absence of per-draw call and boxing overhead.
 */
export function dropoutMask(n: i32, keepProb: f64, scale: f32, state: usize, out: usize): void {
  // next/2³² < p ⟺ next < p·2³² ⟺ next < ⌈p·2³²⌉ for an integer next (p·2³² is exact in f64): the
  // same decisions as the f64 comparison, without a conversion per draw.
  const thr: u64 = keepProb <= 0 ? 0 : <u64>Math.ceil(Math.min(keepProb, 1) * 4294967296.0);
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    const result = rotl<u32>(s1 * 5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    store<f32>(out + off(i), <u64>result < thr ? scale : 0);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** out row r = src row idx[r] (rows of `features` floats; idx: int32 row numbers). memory.copy per row. */
export function gatherRows(rows: i32, features: i32, src: usize, idx: usize, out: usize): void {
  const bytes = off(features);
  for (let r = 0; r < rows; r++) {
    memory.copy(out + <usize>r * bytes, src + <usize>load<i32>(idx + off(r)) * bytes, bytes);
  }
}

/**
 * Coded rows through a table: out[r·features + j] = table[j·256 + codes[idx[r]·features + j]]
 * (codes: one byte a value; table: 256 float32 values a feature). A byte load, a table load and a
 * store per value, ≈ 1.5 ns (a memory.copy gather of float32 rows is ≈ 10× faster per value; in
 * blocks of 16 features, to keep the block's table in L1, measured slower).
 */
export function gatherCoded(rows: i32, features: i32, codes: usize, idx: usize, table: usize, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const src = codes + <usize>load<i32>(idx + off(r)) * <usize>features;
    const dst = out + off(r * features);
    for (let j = 0; j < features; j++) {
      store<f32>(dst + off(j), load<f32>(table + off((j << 8) | <i32>load<u8>(src + <usize>j))));
    }
  }
}
