/** sumSquaresOf: one kernel call for a fixed list of arrays, each sum the bits of sumSquares. */
import assert from 'node:assert/strict';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { Rng } from '../../../src/engine/util/rng';
import { suiteBackends } from './wasm-helpers';

describe('Backend.sumSquaresOf', function () {
  const backends = suiteBackends();

  it('gives sumSquares of each array, bit for bit, and follows their current values', () => {
    const rng = new Rng(5);
    for (const be of [...backends.slice(0, 1), new TsBackend('float32'), new TsBackend('float64')]) {
      const arrays = [1, 3, 8, 17, 256, 2001, 0].map((n) => {
        const a = be.alloc(n);
        for (let i = 0; i < n; i++) a[i] = rng.normal() * 10 ** rng.range(-20, 15);
        return a;
      });
      const sums = be.sumSquaresOf(arrays);
      for (let round = 0; round < 2; round++) {
        const got = Array.from(sums());
        assert.deepEqual(got, arrays.map((a) => be.sumSquares(a.length, a)), `${be.name} round ${round}`);
        arrays[4][7] = Number.NaN;
      }
      assert.ok(Number.isNaN(sums()[4]), 'a NaN propagates');
    }
  });
});
