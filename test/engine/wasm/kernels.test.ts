import assert from 'node:assert/strict';
import type { ActivationKind, AdamHyper } from '../../../src/engine/backend/backend';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import { Rng } from '../../../src/engine/util/rng';
import { fillUniform, relErr, sameBits, skipWithoutWasm, suiteBackends } from './wasm-helpers';

const TOL = 1e-5;
const SIZES = [1, 3, 5, 7, 8, 127, 129, 1000];
const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 3], [127, 129], [129, 7], [128, 256], [32, 16], [5, 1],
  [129, 131], [200, 300]]; // the last two: batch norm split by columns over threads (≥ 16 k elements)
const F32_MIN_NORMAL = 2 ** -126;
const KINDS: ActivationKind[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear'];

describe('WasmBackend elementwise, batch-norm and optimizer kernels vs TsBackend(float32)', function () {
  const backends = suiteBackends();
  const ts = new TsBackend('float32');

  /** A backend array holding a copy of x. */
  function put(be: WasmBackend, x: Float32Array): Float32Array {
    const y = be.alloc(x.length);
    y.set(x);
    return y;
  }

  function near(got: Float32Array, ref: Float32Array, what: string, tol = TOL): void {
    const e = relErr(got, ref);
    assert.ok(e <= tol, `${what}: relative error ${e}`);
  }

  it('addRowVector and sumRows, with out aliasing x', () => {
    const rng = new Rng(1);
    for (const [rows, cols] of SHAPES) {
      const x = fillUniform(new Float32Array(rows * cols), rng);
      const bias = fillUniform(new Float32Array(cols), rng);
      const ref = new Float32Array(rows * cols);
      ts.addRowVector(rows, cols, x, bias, ref);
      const sref = new Float32Array(cols);
      ts.sumRows(rows, cols, x, sref);
      for (const be of backends) {
        const wx = put(be, x);
        const out = be.alloc(rows * cols);
        be.addRowVector(rows, cols, wx, put(be, bias), out);
        near(out, ref, `addRowVector ${rows}×${cols}`);
        be.addRowVector(rows, cols, wx, put(be, bias), wx);
        near(wx, ref, `addRowVector in place ${rows}×${cols}`);
        const s = be.alloc(cols).fill(NaN);
        be.sumRows(rows, cols, put(be, x), s);
        near(s, sref, `sumRows ${rows}×${cols}`);
      }
    }
  });

  it('activation forward and backward, every kind, in place and not', () => {
    const rng = new Rng(2);
    for (const kind of KINDS) {
      for (const n of SIZES) {
        const z = fillUniform(new Float32Array(n), rng, -6, 6);
        if (n > 4) z[0] = 0; // relu's kink: the reference's z > 0 test
        const dA = fillUniform(new Float32Array(n), rng);
        const aRef = new Float32Array(n);
        ts.activationForward(kind, n, z, aRef, 0.01);
        const dRef = new Float32Array(n);
        ts.activationBackward(kind, n, z, aRef, dA, dRef, 0.01);
        for (const be of backends) {
          const wz = put(be, z);
          const a = be.alloc(n);
          be.activationForward(kind, n, wz, a, 0.01);
          near(a, aRef, `${kind} forward n=${n}`);
          const dZ = be.alloc(n);
          be.activationBackward(kind, n, wz, a, put(be, dA), dZ, 0.01);
          near(dZ, dRef, `${kind} backward n=${n}`);
          const wdA = put(be, dA);
          be.activationBackward(kind, n, wz, a, wdA, wdA, 0.01);
          near(wdA, dRef, `${kind} backward in place n=${n}`);
          be.activationForward(kind, n, wz, wz, 0.01);
          near(wz, aRef, `${kind} forward in place n=${n}`);
        }
      }
    }
  });

  it('tanh and sigmoid are within 1e-6 relative of Math.tanh / the exact logistic, elementwise', () => {
    const n = 200_001;
    const z = new Float32Array(n);
    // A dense sweep of [−100, 100] plus tiny magnitudes, where tanh(z) ≈ z must not lose precision.
    for (let i = 0; i < n - 1000; i++) z[i] = -100 + (200 * i) / (n - 1001);
    for (let i = 0; i < 1000; i++) z[n - 1000 + i] = (i % 2 ? -1 : 1) * Math.pow(10, -1 - (i % 37) / 5);
    for (const be of backends) {
      const wz = put(be, z);
      const t = be.alloc(n);
      const s = be.alloc(n);
      be.activationForward('tanh', n, wz, t, 0);
      be.activationForward('sigmoid', n, wz, s, 0);
      let worstT = 0;
      let worstS = 0;
      for (let i = 0; i < n; i++) {
        const rt = Math.fround(Math.tanh(z[i]));
        const rs = Math.fround(1 / (1 + Math.exp(-z[i])));
        if (rt !== 0) worstT = Math.max(worstT, Math.abs(t[i] - rt) / Math.abs(rt));
        // Below 2^−126 (z < −87.3) f32 is subnormal and has no relative precision to speak of:
        // there, one subnormal ulp (2^−149) is the bound.
        if (rs >= F32_MIN_NORMAL) worstS = Math.max(worstS, Math.abs(s[i] - rs) / rs);
        else if (!(Math.abs(s[i] - rs) <= 2 ** -149)) assert.fail(`sigmoid(${z[i]}) = ${s[i]}, exact ${rs}`);
      }
      assert.ok(worstT <= 1e-6, `tanh worst relative error ${worstT}`);
      assert.ok(worstS <= 1e-6, `sigmoid worst relative error ${worstS}`);
      // Saturation and special values.
      const sp = put(be, new Float32Array([Infinity, -Infinity, 100, -100, 0, -0, NaN, 1e-30]));
      const o = be.alloc(8);
      be.activationForward('tanh', 8, sp, o, 0);
      assert.deepEqual(Array.from(o.subarray(0, 5)), [1, -1, 1, -1, 0]);
      assert.ok(Object.is(o[5], -0) && Number.isNaN(o[6]) && o[7] === Math.fround(1e-30), `tanh specials ${Array.from(o)}`);
      be.activationForward('sigmoid', 8, sp, o, 0);
      assert.deepEqual(Array.from(o.subarray(0, 3)), [1, 0, 1]);
      assert.ok(o[3] > 0 && o[3] < 1e-43 && o[4] === 0.5 && Number.isNaN(o[6]), `sigmoid specials ${Array.from(o)}`);
    }
  });

  it('mul, axpy, axpySign (sign(0) = 0), with aliasing', () => {
    const rng = new Rng(3);
    for (const n of SIZES) {
      const x = fillUniform(new Float32Array(n), rng);
      const y = fillUniform(new Float32Array(n), rng);
      if (n > 2) x[1] = 0;
      const mRef = new Float32Array(n);
      ts.mul(n, x, y, mRef);
      const aRef = Float32Array.from(y);
      ts.axpy(n, -0.37, x, aRef);
      const sRef = Float32Array.from(y);
      ts.axpySign(n, 0.25, x, sRef);
      for (const be of backends) {
        const wx = put(be, x);
        const wy = put(be, y);
        const out = be.alloc(n);
        be.mul(n, wx, wy, out);
        near(out, mRef, `mul n=${n}`);
        be.mul(n, wx, wy, wy);
        near(wy, mRef, `mul in place n=${n}`);
        const ay = put(be, y);
        be.axpy(n, -0.37, wx, ay);
        near(ay, aRef, `axpy n=${n}`);
        const sy = put(be, y);
        be.axpySign(n, 0.25, wx, sy);
        near(sy, sRef, `axpySign n=${n}`);
        if (n > 2) assert.equal(sy[1], y[1], 'sign(0) = 0 leaves y unchanged');
      }
    }
  });

  it('sumSquares and sumAbs accumulate in float64', () => {
    const rng = new Rng(4);
    for (const n of [...SIZES, 100_000]) {
      const x = fillUniform(new Float32Array(n), rng, -3, 3);
      const rq = ts.sumSquares(n, x);
      const ra = ts.sumAbs(n, x);
      for (const be of backends) {
        const wx = put(be, x);
        assert.ok(Math.abs(be.sumSquares(n, wx) - rq) <= 1e-12 * rq, `sumSquares n=${n}`);
        assert.ok(Math.abs(be.sumAbs(n, wx) - ra) <= 1e-12 * ra, `sumAbs n=${n}`);
      }
    }
    // 2^24 + 1 ones: an f32 accumulator would stop at 2^24.
    const n = (1 << 24) + 1;
    const be = backends[0];
    const ones = be.alloc(n).fill(1);
    assert.equal(be.sumAbs(n, ones), n);
    assert.equal(be.sumSquares(n, ones), n);
  });

  it('batch norm: train forward, backward and inference', () => {
    const rng = new Rng(5);
    const eps = 1e-5;
    for (const [rows, cols] of SHAPES) {
      if (rows < 2) continue;
      const n = rows * cols;
      const z = fillUniform(new Float32Array(n), rng, -2, 3);
      const gamma = fillUniform(new Float32Array(cols), rng, 0.5, 1.5);
      const beta = fillUniform(new Float32Array(cols), rng);
      const dOut = fillUniform(new Float32Array(n), rng);
      const r = {
        mean: new Float32Array(cols), variance: new Float32Array(cols), invStd: new Float32Array(cols),
        zHat: new Float32Array(n), out: new Float32Array(n), dGamma: new Float32Array(cols),
        dBeta: new Float32Array(cols), dz: new Float32Array(n), inf: new Float32Array(n),
      };
      ts.batchNormTrainForward(rows, cols, z, gamma, beta, eps, r.mean, r.variance, r.invStd, r.zHat, r.out);
      ts.batchNormBackward(rows, cols, dOut, r.zHat, gamma, r.invStd, r.dGamma, r.dBeta, r.dz);
      ts.batchNormInferForward(rows, cols, z, gamma, beta, r.mean, r.variance, eps, r.inf);
      const outs: Record<keyof typeof r, Float32Array>[] = [];
      for (const be of backends) {
        const g = put(be, gamma);
        const w = {
          mean: be.alloc(cols), variance: be.alloc(cols), invStd: be.alloc(cols), zHat: be.alloc(n),
          out: be.alloc(n), dGamma: be.alloc(cols), dBeta: be.alloc(cols), dz: be.alloc(n), inf: be.alloc(n),
        };
        be.batchNormTrainForward(rows, cols, put(be, z), g, put(be, beta), eps, w.mean, w.variance, w.invStd,
          w.zHat, w.out);
        be.batchNormBackward(rows, cols, put(be, dOut), put(be, r.zHat), g, put(be, r.invStd), w.dGamma, w.dBeta,
          w.dz);
        be.batchNormInferForward(rows, cols, put(be, z), g, put(be, beta), put(be, r.mean), put(be, r.variance), eps,
          w.inf);
        for (const key of Object.keys(r) as (keyof typeof r)[]) near(w[key], r[key], `batch norm ${key} ${rows}×${cols}`);
        outs.push(w);
      }
      // Columns are independent: the split over threads changes no bit (1T/2T pairs per build).
      for (let i = 0; i + 1 < outs.length; i += 2) {
        for (const key of ['out', 'zHat', 'dz', 'dGamma'] as const) {
          assert.ok(sameBits(outs[i][key], outs[i + 1][key]), `batch norm ${key} ${rows}×${cols}: 1T ≠ 2T`);
        }
      }
    }
  });

  it('momentum, RMSprop and Adam over several steps', () => {
    const rng = new Rng(6);
    for (const n of SIZES.concat([40_000, 100_003])) {
      const w0 = fillUniform(new Float32Array(n), rng);
      const grads = [0, 1, 2].map(() => fillUniform(new Float32Array(n), rng));
      const ref = { mw: Float32Array.from(w0), v: new Float32Array(n), rw: Float32Array.from(w0), s: new Float32Array(n),
        aw: Float32Array.from(w0), m: new Float32Array(n), av: new Float32Array(n) };
      const hyper = (t: number): AdamHyper => ({
        lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
        biasCorrection1: 1 - 0.9 ** t, biasCorrection2: 1 - 0.999 ** t,
      });
      grads.forEach((g, t) => {
        ts.momentumUpdate(n, ref.mw, g, ref.v, 0.05, 0.9);
        ts.rmspropUpdate(n, ref.rw, g, ref.s, 0.01, 0.9, 1e-8);
        ts.adamUpdate(n, ref.aw, g, ref.m, ref.av, hyper(t + 1));
      });
      for (const be of backends) {
        const w = { mw: put(be, w0), v: be.alloc(n), rw: put(be, w0), s: be.alloc(n), aw: put(be, w0), m: be.alloc(n),
          av: be.alloc(n) };
        grads.forEach((g0, t) => {
          const g = put(be, g0);
          be.momentumUpdate(n, w.mw, g, w.v, 0.05, 0.9);
          be.rmspropUpdate(n, w.rw, g, w.s, 0.01, 0.9, 1e-8);
          be.adamUpdate(n, w.aw, g, w.m, w.av, hyper(t + 1));
        });
        for (const key of Object.keys(ref) as (keyof typeof ref)[]) {
          near(w[key], ref[key], `${key} n=${n} ${be.threads}T`);
        }
      }
    }
  });

  it('the threaded Adam gives the same bits as one thread', () => {
    const rng = new Rng(8);
    const n = 235_146; // W1's parameter count
    const w0 = fillUniform(new Float32Array(n), rng);
    const g0 = fillUniform(new Float32Array(n), rng);
    const out = backends.slice(0, 2).map((be) => {
      const w = put(be, w0);
      const m = be.alloc(n);
      const v = be.alloc(n);
      const g = put(be, g0);
      for (let t = 1; t <= 3; t++) {
        be.adamUpdate(n, w, g, m, v, { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
          biasCorrection1: 1 - 0.9 ** t, biasCorrection2: 1 - 0.999 ** t });
      }
      return w;
    });
    assert.ok(sameBits(out[0], out[1]));
  });
});

describe('WasmBackend.dropoutMask', function () {
  before(function () {
    skipWithoutWasm(this);
  });

  it('draws the same mask and leaves the Rng where the TypeScript loop would', async () => {
    const be = await WasmBackend.create({ threads: 1 });
    for (const [n, p] of [[1, 0.5], [7, 0.8], [40_000, 0.8], [1000, 0.999]] as const) {
      const rng = new Rng(n);
      const ref = new Float32Array(n);
      const copy = Rng.fromState(rng.state());
      for (let i = 0; i < n; i++) ref[i] = copy.uniform() < p ? 1 / p : 0;
      const state = rng.state();
      const mask = be.alloc(n);
      be.dropoutMask(n, p, state, mask);
      rng.restore(state);
      assert.ok(sameBits(mask, ref), `n=${n} p=${p}`);
      assert.deepEqual(rng.state(), copy.state());
    }
    be.dispose();
  });
});

describe('WasmBackend.gatherRows', function () {
  before(function () {
    skipWithoutWasm(this);
  });

  it('copies the indexed rows and rejects rows outside the data', async () => {
    const be = await WasmBackend.create({ threads: 1 });
    const features = 7;
    const src = fillUniform(be.alloc(50 * features), new Rng(3));
    const perm = new Rng(4).permutation(50);
    const out = be.alloc(13 * features);
    be.gatherRows(src, features, perm, 20, 13, out);
    for (let r = 0; r < 13; r++) {
      const i = perm[20 + r];
      assert.deepEqual(Array.from(out.subarray(r * features, (r + 1) * features)),
        Array.from(src.subarray(i * features, (i + 1) * features)));
    }
    assert.throws(() => be.gatherRows(src, features, [50], 0, 1, out), /row 50 outside 0..49/);
    be.dispose();
  });
});
