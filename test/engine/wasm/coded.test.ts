/**
 * gatherCoded (coded rows decoded through a table) on the WebAssembly backend: the bits of the
 * TypeScript backend's loop, its argument checks, and that a coded data set's gatherer keeps one
 * byte a value in backend memory (a float32 copy of the rows would be 4).
 */
import assert from 'node:assert/strict';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import type { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import type { CodedFeatures, Dataset } from '../../../src/engine/data';
import { BatchGatherer } from '../../../src/engine/train/batches';
import { Rng } from '../../../src/engine/util/rng';
import { makeBackends, skipWithoutWasm } from './wasm-helpers';

describe('WasmBackend gatherCoded', function () {
  let backends: WasmBackend[] = [];
  before(async function () {
    skipWithoutWasm(this);
    backends = await makeBackends();
  });
  after(() => backends.forEach((b) => b.dispose()));

  it('gives the TypeScript backend\'s float32 rows, for any row order and feature count', () => {
    const rng = new Rng(21);
    const ts = new TsBackend('float32');
    for (const be of backends) {
      for (const features of [1, 3, 17, 784]) {
        const count = 40;
        const codes = be.allocCodes(count * features);
        for (let i = 0; i < codes.length; i++) codes[i] = rng.int(256);
        const table = be.alloc(256 * features);
        for (let i = 0; i < table.length; i++) table[i] = rng.range(-3, 3);
        const order = rng.permutation(count);
        const got = be.alloc(25 * features);
        const want = ts.alloc(25 * features);
        be.gatherCoded(codes, features, table, order, 7, 25, got);
        ts.gatherCoded(codes, features, Float32Array.from(table), order, 7, 25, want);
        assert.deepEqual(Array.from(got), Array.from(want), `${be.variant}, ${features} features`);
      }
      assert.throws(() => be.gatherCoded(new Uint8Array(4), 1, be.alloc(256), [0], 0, 1, be.alloc(1)), /codes is not memory of this backend/);
      assert.throws(() => be.gatherCoded(be.allocCodes(4), 1, be.alloc(256), [4], 0, 1, be.alloc(1)), /row 4 outside 0\.\.3/);
    }
  });

  it('a coded data set\'s gatherer holds its rows as bytes in backend memory', () => {
    const be = backends[0];
    const count = 2000;
    const features = 784;
    const x: CodedFeatures = { codes: new Uint8Array(count * features).fill(255), table: new Float64Array(256 * features).fill(0.5) };
    const ds: Dataset = { name: 'coded', task: 'multiclass', count, features, x, y: new Float64Array(count), targets: 1, classes: ['0', '1', '2'] };
    const before = be.memoryUsage().used;
    const g = new BatchGatherer(be, ds, 64);
    const grew = be.memoryUsage().used - before;
    // Codes (1 byte a value), the float32 table, two batch buffers, and alignment.
    const expected = count * features + 4 * 256 * features + 2 * 4 * 64 * features;
    assert.ok(grew <= expected + 4096, `the gatherer took ${grew} bytes, expected ≈ ${expected} (a float32 copy alone is ${4 * count * features})`);
    assert.deepEqual(Array.from(g.gather([1999, 0], 0, 2).x.subarray(0, 3)), [0.5, 0.5, 0.5]);
  });

  it('codes already in backend memory (the run\'s loader puts them there) are read in place, through the rows of a split', () => {
    const be = backends[0];
    const count = 1000;
    const features = 784;
    const codes = be.allocCodes(count * features);
    for (let i = 0; i < count; i++) codes.fill(i % 256, i * features, (i + 1) * features);
    const table = new Float64Array(256 * features);
    for (let i = 0; i < table.length; i++) table[i] = (i & 255) / 255;
    const rows = Int32Array.from({ length: 500 }, (_, i) => 999 - 2 * i);
    const ds: Dataset = { name: 'split', task: 'multiclass', count: 500, features, x: { codes, table, rows }, y: new Float64Array(500), targets: 1, classes: ['0', '1', '2'] };
    assert.ok(be.readsInPlace(codes));
    const before = be.memoryUsage().used;
    const g = new BatchGatherer(be, ds, 64);
    const grew = be.memoryUsage().used - before;
    const expected = 4 * 256 * features + 2 * 4 * 64 * features;
    assert.ok(grew <= expected + 4096, `the gatherer took ${grew} bytes: no copy of the codes expected (${expected})`);
    assert.equal(g.gather([0, 3], 0, 2).x[features], Math.fround((rows[3] % 256) / 255));
    assert.equal(g.range(2, 1).x[5], Math.fround((rows[2] % 256) / 255));
  });
});
