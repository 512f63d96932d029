/**
 * gatherCoded (coded rows decoded through a table) on the WebAssembly backend: the bits of the
 * TypeScript backend's loop, its argument checks, and that a coded data set's gatherer keeps one
 * byte a value in backend memory (a float32 copy of the rows would be 4).
 */
import assert from 'node:assert/strict';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import type { CodedFeatures, Dataset } from '../../../src/engine/data';
import { BatchGatherer, DECODE_ONCE_BYTES, decodesOnce } from '../../../src/engine/train/batches';
import { Rng } from '../../../src/engine/util/rng';
import { suiteBackends } from './wasm-helpers';

describe('WasmBackend gatherCoded', function () {
  const backends = suiteBackends();

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

  it('a training gatherer asked to decode once gives the per-batch decode\'s batches and ranges, bit for bit; above the budget it keeps bytes', () => {
    const be = backends[0];
    const rng = new Rng(31);
    const count = 300;
    const features = 784;
    const codes = be.allocCodes(count * features);
    for (let i = 0; i < codes.length; i++) codes[i] = rng.int(256);
    const table = new Float64Array(256 * features);
    for (let i = 0; i < table.length; i++) table[i] = rng.normal();
    const rows = rng.permutation(count).subarray(0, 250);
    const ds: Dataset = { name: 'split', task: 'multiclass', count: 250, features, x: { codes, table, rows }, y: Float64Array.from({ length: 250 }, () => rng.int(3)), targets: 1, classes: ['0', '1', '2'] };
    assert.ok(decodesOnce(ds, be));
    const perBatch = new BatchGatherer(be, ds, 64);
    const before = be.memoryUsage().used;
    const once = new BatchGatherer(be, ds, 64, { decodeOnce: true });
    assert.ok(be.memoryUsage().used - before >= 4 * 250 * features, 'holds the float32 rows');
    const order = rng.permutation(250);
    for (let start = 0; start < 250; start += 64) {
      const n = Math.min(64, 250 - start);
      const a = once.gather(order, start, n);
      const b = perBatch.gather(order, start, n);
      assert.deepEqual(Array.from(a.x), Array.from(b.x), `gather at ${start}`);
      assert.deepEqual(Array.from(a.y), Array.from(b.y));
      assert.deepEqual(Array.from(once.range(start, n).x), Array.from(perBatch.range(start, n).x), `range at ${start}`);
    }
    const big: Dataset = { ...ds, count: Math.floor(DECODE_ONCE_BYTES / (4 * features)) + 1 };
    assert.ok(!decodesOnce(big, be), 'a float copy over the budget stays bytes');
  });
});
