import assert from 'node:assert/strict';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { Rng } from '../../../src/engine/util/rng';
import { fillUniform, label, relErr, sameBits, suiteBackends } from './wasm-helpers';

const TOL = 1e-5;
const FORMS: [boolean, boolean, string][] = [
  [false, false, 'NN'], [true, false, 'TN'], [false, true, 'NT'], [true, true, 'TT'],
];
/** Edge sizes: below, at and around the 5×8 tile and the 128-row block (the list). */
const EDGE = [1, 3, 5, 7, 127, 129];
/**
 * Larger shapes that take the packed, multi-threaded path: k across one and several k blocks
 * (≤ 256 each), m > n (row split) and m ≤ n (column split), sizes off every block multiple.
 */
const BIG: [number, number, number][] = [
  [129, 131, 300], [300, 77, 513], [1000, 9, 40], [5, 1000, 100], [133, 260, 1030], [64, 64, 64], [8, 8, 4096],
  [121, 241, 119], [241, 1031, 40], // around the 120-row A block and the 1024-column B block
];

describe('WasmBackend gemm vs TsBackend(float32)', function () {
  const backends = suiteBackends();
  /** Per backend, three arenas reused (as subarrays) by every case: the arena allocator never frees. */
  let pools: Float32Array[][] = [];
  const POOL = 300_000;
  const ts = new TsBackend('float32');

  before(() => {
    pools = backends.map((b) => [b.alloc(POOL), b.alloc(POOL), b.alloc(POOL)]);
  });

  /** Runs one case on every backend (1 and 2 threads) against the reference. */
  function check(tA: boolean, tB: boolean, m: number, n: number, k: number, beta: 0 | 1, seed: number): void {
    const rng = new Rng(seed);
    const a = fillUniform(new Float32Array(m * k), rng);
    const b = fillUniform(new Float32Array(k * n), rng);
    const c0 = fillUniform(new Float32Array(m * n), rng);
    const ref = Float32Array.from(c0);
    ts.gemm(tA, tB, m, n, k, a, b, beta, ref);
    const results: Float32Array[] = [];
    for (let bi = 0; bi < backends.length; bi++) {
      const be = backends[bi];
      const [pa, pb, pc] = pools[bi];
      const wa = pa.subarray(0, m * k);
      const wb = pb.subarray(0, k * n);
      const wc = pc.subarray(0, m * n);
      wa.set(a);
      wb.set(b);
      if (beta === 1) wc.set(c0);
      else wc.fill(NaN); // beta 0 must overwrite, never read, C
      be.gemm(tA, tB, m, n, k, wa, wb, beta, wc);
      const e = relErr(wc, ref);
      assert.ok(e <= TOL, `${label(be)} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} m=${m} n=${n} k=${k} beta=${beta}: ` +
        `relative error ${e}`);
      results.push(Float32Array.from(wc));
    }
    // The partition never changes an element's summation order: 1 and 2 threads of a build agree
    // to the bit (backends come in 1T/2T pairs per build).
    for (let i = 0; i + 1 < results.length; i += 2) {
      assert.ok(sameBits(results[i], results[i + 1]), `${label(backends[i])} and 2T differ for m=${m} n=${n} k=${k}`);
    }
  }

  for (const [tA, tB, name] of FORMS) {
    it(`${name}: every combination of edge sizes 1,3,5,7,127,129, beta 0 and 1`, function () {
      this.timeout(120_000);
      let seed = 1;
      for (const m of EDGE) for (const n of EDGE) for (const k of EDGE) {
        for (const beta of [0, 1] as const) check(tA, tB, m, n, k, beta, seed++);
      }
    });

    it(`${name}: larger shapes on the packed, threaded path`, function () {
      this.timeout(120_000);
      let seed = 1000;
      for (const [m, n, k] of BIG) for (const beta of [0, 1] as const) check(tA, tB, m, n, k, beta, seed++);
    });
  }

  it('k = 0 gives beta·C', () => {
    for (const be of backends) {
      const a = be.alloc(0);
      const b = be.alloc(0);
      const c = be.alloc(6).fill(2);
      be.gemm(false, false, 2, 3, 0, a, b, 1, c);
      assert.deepEqual(Array.from(c), [2, 2, 2, 2, 2, 2]);
      be.gemm(false, false, 2, 3, 0, a, b, 0, c);
      assert.deepEqual(Array.from(c), [0, 0, 0, 0, 0, 0]);
      // Also on the packed path (m·n large enough to leave the small kernel).
      const big = be.alloc(300 * 300).fill(NaN);
      be.gemm(false, false, 300, 300, 0, a, b, 0, big);
      assert.ok(big.every((v) => v === 0));
    }
  });

  it('the W1 shapes in all three backprop forms', function () {
    this.timeout(60_000);
    let seed = 5000;
    // Z = X·W, dW = Xᵀ·dZ, dX = dZ·Wᵀ for 784-256-128-10 at batch 128.
    for (const [i, o] of [[784, 256], [256, 128], [128, 10]]) {
      check(false, false, 128, o, i, 0, seed++);
      check(true, false, i, o, 128, 0, seed++);
      check(false, true, 128, i, o, 0, seed++);
    }
  });

  it('is deterministic: the same inputs twice give the same bits', () => {
    const rng = new Rng(7);
    for (const be of backends) {
      for (const [m, n, k] of [[128, 256, 784], [33, 17, 9], [200, 300, 260]]) {
        const a = fillUniform(be.alloc(m * k), rng);
        const b = fillUniform(be.alloc(k * n), rng);
        const c1 = be.alloc(m * n);
        const c2 = be.alloc(m * n);
        for (const [tA, tB] of FORMS) {
          be.gemm(tA, tB, m, n, k, a, b, 0, c1);
          be.gemm(tA, tB, m, n, k, a, b, 0, c2);
          assert.ok(sameBits(c1, c2), `${label(be)} m=${m} n=${n} k=${k}`);
        }
      }
    }
  });
});
