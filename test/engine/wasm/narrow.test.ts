/**
 * Narrow outputs (1–3 columns, a course network's 20→3 and 3→1 layers) take vectorised paths in
 * gemmSmall (four rows per vector) and addRowVector (the bias repeated in period-12 vectors).
 * They must give the bits of the plain float32 loops, s = fl(s + fl(a·b)) for p = 0, 1, … and
 * fl(x + b): checked here against exactly that, computed with Math.fround.
 */
import assert from 'node:assert/strict';
import { Rng } from '../../../src/engine/util/rng';
import { fillUniform, scalarGemm, suiteBackends } from './wasm-helpers';

describe('WasmBackend narrow gemmSmall and addRowVector: the scalar loop\'s bits', function () {
  const backends = suiteBackends();

  it('gemm NN/TN, beta 0 and 1, m around multiples of 4, n with 1–3 tail columns', () => {
    const rng = new Rng(11);
    for (const be of backends.filter((_, i) => i % 2 === 0)) {
      for (const m of [1, 3, 4, 5, 8, 11, 211]) for (const n of [1, 2, 3, 6, 7]) for (const k of [1, 2, 3, 4, 5, 7, 8, 20, 21]) for (const tA of [false, true]) for (const beta of [0, 1] as const) {
        const a = fillUniform(be.alloc(m * k), rng, -2, 2);
        const b = fillUniform(be.alloc(k * n), rng, -2, 2);
        const c = fillUniform(be.alloc(m * n), rng, -2, 2);
        const want = scalarGemm(tA, false, m, n, k, a, b, beta, c);
        be.gemm(tA, false, m, n, k, a, b, beta, c);
        // The FMA build fuses the 4-column blocks and the packed kernel (beyond 24,576 multiply-adds);
        // the small path's tail is plain in both builds.
        if (be.variant !== 'simd128' && m * n * k > 24_576) continue;
        const from = be.variant === 'simd128' ? 0 : n & ~3;
        const cols = (x: Float32Array): number[] => Array.from(x).filter((_, e) => e % n >= from);
        assert.deepEqual(cols(c), cols(want), `${be.variant} m=${m} n=${n} k=${k} transA=${tA} beta=${beta}`);
      }
    }
  });

  it('gemm NT with k < 4 (dX of a 1–3 output layer, via Bᵀ and the NN path): the scalar loop\'s bits, also past the small-path size', () => {
    const rng = new Rng(13);
    for (const be of backends) {
      for (const m of [1, 3, 4, 5, 211, 1000]) for (const n of [1, 3, 4, 7, 16, 20, 33]) for (const k of [1, 2, 3]) for (const beta of [0, 1] as const) {
        const a = fillUniform(be.alloc(m * k), rng, -2, 2);
        const b = fillUniform(be.alloc(n * k), rng, -2, 2);
        const c = fillUniform(be.alloc(m * n), rng, -2, 2);
        const want = scalarGemm(false, true, m, n, k, a, b, beta, c);
        be.gemm(false, true, m, n, k, a, b, beta, c);
        // The FMA build keeps its own paths (its packed kernel fuses): checked where those are plain.
        if (be.variant !== 'simd128' && (m * n * k > 2048 || k > 1)) continue;
        assert.deepEqual(c, want, `${be.variant} m=${m} n=${n} k=${k} beta=${beta}`);
      }
    }
  });

  it('addRowVector with 1, 2, 3 columns, out of place and in place, writes nothing past the matrix', () => {
    const rng = new Rng(12);
    const be = backends[0];
    for (const rows of [1, 2, 3, 4, 5, 13, 211]) for (const cols of [1, 2, 3]) {
      const x = be.alloc(rows * cols); const bias = be.alloc(cols); const out = be.alloc(rows * cols + 4).fill(7);
      for (let i = 0; i < x.length; i++) x[i] = rng.range(-3, 3);
      for (let i = 0; i < cols; i++) bias[i] = rng.range(-3, 3);
      const want = Float32Array.from(x, (v, e) => Math.fround(v + bias[e % cols]));
      be.addRowVector(rows, cols, x, bias, out);
      assert.deepEqual(out.subarray(0, rows * cols), want, `rows=${rows} cols=${cols}`);
      assert.deepEqual(Array.from(out.subarray(rows * cols)), [7, 7, 7, 7]);
      be.addRowVector(rows, cols, x, bias, x);
      assert.deepEqual(x, want);
    }
  });
});
