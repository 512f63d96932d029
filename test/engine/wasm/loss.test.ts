/**
 * The sigmoid-BCE loss in WebAssembly (assembly/loss.ts: V8's exp and log1p algorithms in the same
 * double arithmetic) must give the JavaScript loop's bits: the cost of every evaluation and every
 * training step goes through it, and seeded run folders must not change. Every float32 |z| was
 * checked once by scripts/check-bce-kernel.mjs; here, a broad sample and the edge cases.
 */
import assert from 'node:assert/strict';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { Loss } from '../../../src/engine/model/losses';
import { Rng } from '../../../src/engine/util/rng';
import { suiteBackends } from './wasm-helpers';

describe('WasmBackend sigmoid BCE: the JavaScript loop\'s bits', function () {
  const backends = suiteBackends();

  it('cost and dz equal the TypeScript backend\'s (JavaScript Math.exp / Math.log1p) for logits of every scale and the edge cases', () => {
    const rng = new Rng(21);
    const ts = new TsBackend('float32');
    const rows = 1000;
    const ref = new Loss(ts, 'sigmoidBce', 1, rows);
    const specials = [0, -0, Infinity, -Infinity, 1, -1, 0.5, -0.5, 0.34657359027997264, 1.0397, 709.78, -709.78, 745.2, -745.2, 88.7, 103.9, -103.9,
      1e-30, -1e-30, 3.7252902984e-9, 1.4901161193847656e-8, 2 ** -28, 2 ** -29, 2 ** -54, 0.41421356, 0.4142136, -0.2928932, 3.4028234663852886e38, 1.401298464324817e-45];
    for (const be of backends.slice(0, 1)) {
      const loss = new Loss(be, 'sigmoidBce', 1, rows);
      const z = be.alloc(rows);
      const zt = ts.alloc(rows);
      const y = new Float64Array(rows);
      for (let trial = 0; trial < 60; trial++) {
        const scale = [1e-6, 0.01, 1, 5, 30, 100, 800, 1e6][trial % 8];
        const n = trial % 7 === 0 ? 1 + rng.int(rows) : rows;
        for (let i = 0; i < n; i++) {
          z[i] = trial < 2 ? specials[i % specials.length] * (i % 2 ? 1 : -1) : rng.normal() * scale;
          y[i] = trial % 5 === 4 ? rng.uniform() : rng.uniform() < 0.5 ? 0 : 1; // soft targets too
        }
        zt.set(z);
        for (const withGrad of [true, false]) {
          const want = ref.forward(zt.subarray(0, n), n, y.subarray(0, n), withGrad);
          const got = loss.forward(z.subarray(0, n), n, y.subarray(0, n), withGrad);
          assert.ok(Object.is(got.cost, want.cost), `trial ${trial}: cost ${got.cost} vs ${want.cost}`);
          if (withGrad) assert.deepEqual(Array.from(got.dz.subarray(0, n)), Array.from(want.dz.subarray(0, n)), `trial ${trial}: dz`);
        }
      }
    }
  });
});
