// Batch normalisation over a rows×cols batch, per column. Statistics and the normalisation run in
// f64 (f64x2, 4 columns per step as two pairs) with the reference's operation order, so the results
// are the reference's to the bit: f32 inputs are exact in f64, sums go over rows in order, and each
// output is rounded to f32 once. Cost is O(rows·cols) at half the f32x4 width; on W3-sized layers
// (128×256) that is tens of microseconds, ~2 % of a step, so the host splits big ones by columns
// over the threads: columns are independent, so any split gives the same bits.
// `ld` is the row stride in elements (= the full batch's columns; cols may be a slice of them).

@inline function off(i: i32): usize {
  return <usize>i << 2;
}

@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Rounds two f64x2 to one f32x4 (lanes a0 a1 b0 b1). */
@inline function demote2(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

export function batchNormTrainForward(rows: i32, cols: i32, ld: i32, z: usize, gamma: usize, beta: usize, epsilon: f64,
  mean: usize, variance: usize, invStd: usize, zHat: usize, out: usize): void {
  const step = off(ld);
  const r = <f64>rows;
  const rv = f64x2.splat(r);
  const ev = f64x2.splat(epsilon);
  const one = f64x2.splat(1);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let p = z + off(j);
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p);
      s0 = f64x2.add(s0, lo(v));
      s1 = f64x2.add(s1, hi(v));
      p += step;
    }
    const mu0 = f64x2.div(s0, rv), mu1 = f64x2.div(s1, rv);
    let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
    p = z + off(j);
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p);
      const d0 = f64x2.sub(lo(v), mu0), d1 = f64x2.sub(hi(v), mu1);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0));
      q1 = f64x2.add(q1, f64x2.mul(d1, d1));
      p += step;
    }
    const v0 = f64x2.div(q0, rv), v1 = f64x2.div(q1, rv);
    const inv0 = f64x2.div(one, f64x2.sqrt(f64x2.add(v0, ev)));
    const inv1 = f64x2.div(one, f64x2.sqrt(f64x2.add(v1, ev)));
    v128.store(mean + off(j), demote2(mu0, mu1));
    v128.store(variance + off(j), demote2(v0, v1));
    v128.store(invStd + off(j), demote2(inv0, inv1));
    const gv = v128.load(gamma + off(j)), bv = v128.load(beta + off(j));
    const g0 = lo(gv), g1 = hi(gv), b0 = lo(bv), b1 = hi(bv);
    for (let i = 0; i < rows; i++) {
      const o = off(i * ld + j);
      const v = v128.load(z + o);
      const h0 = f64x2.mul(f64x2.sub(lo(v), mu0), inv0);
      const h1 = f64x2.mul(f64x2.sub(hi(v), mu1), inv1);
      v128.store(zHat + o, demote2(h0, h1));
      v128.store(out + o, demote2(f64x2.add(f64x2.mul(g0, h0), b0), f64x2.add(f64x2.mul(g1, h1), b1)));
    }
  }
  for (; j < cols; j++) {
    let s: f64 = 0;
    for (let i = 0; i < rows; i++) s += <f64>load<f32>(z + off(i * ld + j));
    const mu = s / r;
    let q: f64 = 0;
    for (let i = 0; i < rows; i++) {
      const d = <f64>load<f32>(z + off(i * ld + j)) - mu;
      q += d * d;
    }
    const v = q / r;
    const inv = 1 / Math.sqrt(v + epsilon);
    store<f32>(mean + off(j), <f32>mu);
    store<f32>(variance + off(j), <f32>v);
    store<f32>(invStd + off(j), <f32>inv);
    const g = <f64>load<f32>(gamma + off(j)), b = <f64>load<f32>(beta + off(j));
    for (let i = 0; i < rows; i++) {
      const o = off(i * ld + j);
      const h = (<f64>load<f32>(z + o) - mu) * inv;
      store<f32>(zHat + o, <f32>h);
      store<f32>(out + o, <f32>(g * h + b));
    }
  }
}

export function batchNormBackward(rows: i32, cols: i32, ld: i32, dOut: usize, zHat: usize, gamma: usize, invStd: usize,
  dGamma: usize, dBeta: usize, dz: usize): void {
  const step = off(ld);
  const r = <f64>rows;
  const rv = f64x2.splat(r);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let db0 = f64x2.splat(0), db1 = f64x2.splat(0), dg0 = f64x2.splat(0), dg1 = f64x2.splat(0);
    let o: usize = off(j);
    for (let i = 0; i < rows; i++) {
      const d = v128.load(dOut + o), h = v128.load(zHat + o);
      const d0 = lo(d), d1 = hi(d);
      db0 = f64x2.add(db0, d0);
      db1 = f64x2.add(db1, d1);
      dg0 = f64x2.add(dg0, f64x2.mul(d0, lo(h)));
      dg1 = f64x2.add(dg1, f64x2.mul(d1, hi(h)));
      o += step;
    }
    v128.store(dBeta + off(j), demote2(db0, db1));
    v128.store(dGamma + off(j), demote2(dg0, dg1));
    const gv = v128.load(gamma + off(j)), iv = v128.load(invStd + off(j));
    const sc0 = f64x2.div(f64x2.mul(lo(gv), lo(iv)), rv);
    const sc1 = f64x2.div(f64x2.mul(hi(gv), hi(iv)), rv);
    o = off(j);
    for (let i = 0; i < rows; i++) {
      const d = v128.load(dOut + o), h = v128.load(zHat + o);
      const t0 = f64x2.sub(f64x2.sub(f64x2.mul(rv, lo(d)), db0), f64x2.mul(lo(h), dg0));
      const t1 = f64x2.sub(f64x2.sub(f64x2.mul(rv, hi(d)), db1), f64x2.mul(hi(h), dg1));
      v128.store(dz + o, demote2(f64x2.mul(sc0, t0), f64x2.mul(sc1, t1)));
      o += step;
    }
  }
  for (; j < cols; j++) {
    let db: f64 = 0, dg: f64 = 0;
    for (let i = 0; i < rows; i++) {
      const o = off(i * ld + j);
      const d = <f64>load<f32>(dOut + o);
      db += d;
      dg += d * <f64>load<f32>(zHat + o);
    }
    store<f32>(dBeta + off(j), <f32>db);
    store<f32>(dGamma + off(j), <f32>dg);
    const sc = (<f64>load<f32>(gamma + off(j)) * <f64>load<f32>(invStd + off(j))) / r;
    for (let i = 0; i < rows; i++) {
      const o = off(i * ld + j);
      store<f32>(dz + o, <f32>(sc * (r * <f64>load<f32>(dOut + o) - db - <f64>load<f32>(zHat + o) * dg)));
    }
  }
}

export function batchNormInferForward(rows: i32, cols: i32, z: usize, gamma: usize, beta: usize,
  runningMean: usize, runningVar: usize, epsilon: f64, out: usize): void {
  const ev = f64x2.splat(epsilon);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const gv = v128.load(gamma + off(j)), bv = v128.load(beta + off(j));
    const mv = v128.load(runningMean + off(j)), vv = v128.load(runningVar + off(j));
    const sc0 = f64x2.div(lo(gv), f64x2.sqrt(f64x2.add(lo(vv), ev)));
    const sc1 = f64x2.div(hi(gv), f64x2.sqrt(f64x2.add(hi(vv), ev)));
    const sh0 = f64x2.sub(lo(bv), f64x2.mul(lo(mv), sc0));
    const sh1 = f64x2.sub(hi(bv), f64x2.mul(hi(mv), sc1));
    for (let i = 0; i < rows; i++) {
      const o = off(i * cols + j);
      const v = v128.load(z + o);
      v128.store(out + o, demote2(f64x2.add(f64x2.mul(lo(v), sc0), sh0), f64x2.add(f64x2.mul(hi(v), sc1), sh1)));
    }
  }
  for (; j < cols; j++) {
    const sc = <f64>load<f32>(gamma + off(j)) / Math.sqrt(<f64>load<f32>(runningVar + off(j)) + epsilon);
    const sh = <f64>load<f32>(beta + off(j)) - <f64>load<f32>(runningMean + off(j)) * sc;
    for (let i = 0; i < rows; i++) {
      const o = off(i * cols + j);
      store<f32>(out + o, <f32>(<f64>load<f32>(z + o) * sc + sh));
    }
  }
}
