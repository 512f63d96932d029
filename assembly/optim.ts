// Fused optimizer updates: one pass over w, g and the state arrays, f32x4 with a lane-wise tail.
// Hyperparameters arrive as f32 (the arrays are f32); results match the f64-evaluated reference
// within a few ulp per element. 1 − β comes from the host, computed in f64: in f32, 1 − f32(0.999)
// would carry f32(0.999)'s rounding error magnified 1000× (1.3e-5 relative).

import { loadPartial, storePartial } from './vmath';

@inline function off(i: i32): usize {
  return <usize>i << 2;
}

/** v = β·v + (1−β)·g; w −= lr·v. */
export function momentumUpdate(n: i32, w: usize, g: usize, v: usize, lr: f32, beta: f32, oneMinusBeta: f32): void {
  const b = f32x4.splat(beta), b1 = f32x4.splat(oneMinusBeta), l = f32x4.splat(lr);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = off(i);
    const vn = f32x4.add(f32x4.mul(b, v128.load(v + o)), f32x4.mul(b1, v128.load(g + o)));
    v128.store(v + o, vn);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(l, vn)));
  }
  const t = n - n4;
  if (t) {
    const o = off(n4);
    const vn = f32x4.add(f32x4.mul(b, loadPartial(v + o, t)), f32x4.mul(b1, loadPartial(g + o, t)));
    storePartial(v + o, vn, t);
    storePartial(w + o, f32x4.sub(loadPartial(w + o, t), f32x4.mul(l, vn)), t);
  }
}

/** s = β2·s + (1−β2)·g²; w −= lr·g/(√s + ε). */
export function rmspropUpdate(n: i32, w: usize, g: usize, s: usize, lr: f32, beta2: f32, oneMinusBeta2: f32,
  epsilon: f32): void {
  const b = f32x4.splat(beta2), b1 = f32x4.splat(oneMinusBeta2), l = f32x4.splat(lr), e = f32x4.splat(epsilon);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = off(i);
    const gv = v128.load(g + o);
    const sn = f32x4.add(f32x4.mul(b, v128.load(s + o)), f32x4.mul(f32x4.mul(b1, gv), gv));
    v128.store(s + o, sn);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(l, gv), f32x4.add(f32x4.sqrt(sn), e))));
  }
  const t = n - n4;
  if (t) {
    const o = off(n4);
    const gv = loadPartial(g + o, t);
    const sn = f32x4.add(f32x4.mul(b, loadPartial(s + o, t)), f32x4.mul(f32x4.mul(b1, gv), gv));
    storePartial(s + o, sn, t);
    storePartial(w + o, f32x4.sub(loadPartial(w + o, t), f32x4.div(f32x4.mul(l, gv), f32x4.add(f32x4.sqrt(sn), e))), t);
  }
}

/**
 * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr·(m/bc1)/(√(v/bc2) + ε).
 * The divisions by bc1, bc2 become multiplies by host-computed reciprocals (one div + one sqrt per
 * 4 weights remain).
 */
export function adamUpdate(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, epsilon: f32, invBc1: f32, invBc2: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const lrv = f32x4.splat(lr), e = f32x4.splat(epsilon), i1 = f32x4.splat(invBc1), i2 = f32x4.splat(invBc2);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = off(i);
    const gv = v128.load(g + o);
    const mn = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gv));
    const vn = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(c2, gv), gv));
    v128.store(m + o, mn);
    v128.store(v + o, vn);
    const step = f32x4.div(f32x4.mul(lrv, f32x4.mul(mn, i1)), f32x4.add(f32x4.sqrt(f32x4.mul(vn, i2)), e));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  const t = n - n4;
  if (t) {
    const o = off(n4);
    const gv = loadPartial(g + o, t);
    const mn = f32x4.add(f32x4.mul(b1, loadPartial(m + o, t)), f32x4.mul(c1, gv));
    const vn = f32x4.add(f32x4.mul(b2, loadPartial(v + o, t)), f32x4.mul(f32x4.mul(c2, gv), gv));
    storePartial(m + o, mn, t);
    storePartial(v + o, vn, t);
    const step = f32x4.div(f32x4.mul(lrv, f32x4.mul(mn, i1)), f32x4.add(f32x4.sqrt(f32x4.mul(vn, i2)), e));
    storePartial(w + o, f32x4.sub(loadPartial(w + o, t), step), t);
  }
}
