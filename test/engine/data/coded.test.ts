/**
 * IDX pixels stay one byte a value from the file to the batch (coded features). These tests fail if
 * a big copy comes back: the loader's output type, splits that share the codes, z-scoring that only
 * rewrites the 256-entry tables, gatherers that hold bytes; and they pin that every value is the one
 * the float64 path gave (pixel/255, then (x − μ)/σ in float64, then the backend's dtype).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import {
  applyZScore, denseFeatures, fitZScore, isCoded, loadIdx, splitDataset, subset, writeIdx, type Dataset,
} from '../../../src/engine/data';
import { BatchGatherer } from '../../../src/engine/train/batches';
import { Rng } from '../../../src/engine/util/rng';
import { tempFolder } from './tmp';

function pixels(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  const images = Uint8Array.from({ length: count * 12 }, (_, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 255 : rng.int(256)));
  return { images, labels: Uint8Array.from({ length: count }, () => rng.int(10)) };
}

/** The same data set with its values as dense float64 (what every data set was before). */
function dense(ds: Dataset): Dataset<Float64Array> {
  return { ...ds, x: denseFeatures(ds.x, ds.count, ds.features) };
}

describe('data/coded features (IDX)', () => {
  const tmp = tempFolder('coded');
  after(() => tmp.remove());
  const load = (count: number, seed: number): ReturnType<typeof loadIdx> => {
    const images = join(tmp.dir, `img-${count}-${seed}`);
    const labels = join(tmp.dir, `lbl-${count}-${seed}`);
    writeIdx(images, labels, { ...pixels(count, seed), rows: 3, cols: 4 });
    return loadIdx(images, labels);
  };

  it('the loader keeps the file\'s bytes (no float copy) with a 256-entry table a feature: value = pixel/255', () => {
    const ds = load(50, 1);
    assert.ok(isCoded(ds.x), 'IDX pixels are coded, not a Float64Array');
    assert.ok(ds.x.codes instanceof Uint8Array);
    assert.equal(ds.x.codes.length, 50 * 12);
    assert.deepEqual(Array.from(ds.x.codes), Array.from(pixels(50, 1).images));
    assert.equal(ds.x.table.length, 256 * 12);
    for (let j = 0; j < 12; j++) for (let c = 0; c < 256; c++) assert.equal(ds.x.table[j * 256 + c], c / 255);
  });

  it('with allocCodes the pixel bytes go into the array it gives (plain files read straight there, gzipped inflated first)', () => {
    for (const gz of ['', '.gz']) {
      const images = join(tmp.dir, `into${gz}`);
      const labels = join(tmp.dir, `into-labels${gz}`);
      writeIdx(images, labels, { ...pixels(30, 9), rows: 3, cols: 4 });
      const given: Uint8Array[] = [];
      const ds = loadIdx(images, labels, { allocCodes: (n) => { const a = new Uint8Array(n); given.push(a); return a; } });
      assert.equal(given.length, 1, 'one array, for the images only');
      assert.equal(ds.x.codes, given[0]);
      assert.deepEqual(Array.from(ds.x.codes), Array.from(pixels(30, 9).images));
    }
  });

  it('splits and subsets share the codes and keep index lists; z-score rewrites only the tables', () => {
    const ds = load(200, 2);
    const s = splitDataset(ds, { train: 0.6, dev: 0.2, test: 0.2 }, new Rng(3), { stratify: true });
    for (const [part, rows] of [[s.train, s.indices.train], [s.dev, s.indices.dev], [s.test, s.indices.test]] as const) {
      assert.ok(isCoded(part.x));
      assert.equal(part.x.codes, ds.x.codes, 'the split shares the loaded bytes');
      assert.deepEqual(Array.from(part.x.rows!), Array.from(rows));
    }
    const twice = subset(s.dev, [3, 0]);
    assert.equal(twice.x.codes, ds.x.codes);
    assert.deepEqual(Array.from(twice.x.rows!), [s.indices.dev[3], s.indices.dev[0]], 'a subset of a subset composes the lists');
    const z = applyZScore(s.train, fitZScore(s.train));
    assert.equal(z.x.codes, ds.x.codes);
    assert.notEqual(z.x.table, s.train.x.table);
    assert.deepEqual(Array.from(s.train.x.table.subarray(0, 256)), Array.from({ length: 256 }, (_, c) => c / 255), 'the input is untouched');
  });

  it('split, z-score fit and transform give the bits of the float64 path', () => {
    const ds = load(300, 4);
    const coded = splitDataset(ds, { train: 0.8, dev: 0.1, test: 0.1 }, new Rng(5));
    const plain = splitDataset(dense(ds), { train: 0.8, dev: 0.1, test: 0.1 }, new Rng(5));
    for (const k of ['train', 'dev', 'test'] as const) assert.deepEqual(denseFeatures(coded[k].x, coded[k].count, 12), plain[k].x);
    const stats = fitZScore(coded.train);
    assert.deepEqual(stats, fitZScore(plain.train), 'same sums in the same order');
    for (const k of ['train', 'dev', 'test'] as const) {
      const z = applyZScore(coded[k], stats);
      assert.deepEqual(denseFeatures(z.x, z.count, 12), applyZScore(plain[k], stats).x);
    }
  });

  it('gatherers hold bytes and give the batches of the float path, float64 and float32', () => {
    const ds = load(120, 6);
    const { train } = splitDataset(ds, { train: 0.75, dev: 0.25, test: 0 }, new Rng(7));
    const z = applyZScore(train, fitZScore(train));
    const order = new Rng(8).permutation(z.count);
    for (const dtype of ['float64', 'float32'] as const) {
      const backend = new TsBackend(dtype);
      const codedG = new BatchGatherer(backend, z, 32);
      const denseG = new BatchGatherer(backend, dense(z), 32);
      for (let start = 0; start < z.count; start += 32) {
        const rows = Math.min(32, z.count - start);
        const a = codedG.gather(order, start, rows);
        const b = denseG.gather(order, start, rows);
        assert.deepEqual(Array.from(a.x), Array.from(b.x), `${dtype} gather at ${start}`);
        assert.deepEqual(Array.from(a.y), Array.from(b.y));
        assert.deepEqual(Array.from(codedG.range(start, rows).x), Array.from(denseG.range(start, rows).x), `${dtype} range at ${start}`);
      }
      // A range batch survives a gather (its own buffer), as a view of the stored rows does.
      const r = Array.from(codedG.range(0, 8).x);
      const kept = codedG.range(0, 8);
      codedG.gather(order, 40, 32);
      assert.deepEqual(Array.from(kept.x), r);
      assert.throws(() => codedG.range(0, 33), /33 rows, the buffer holds 32/);
      assert.throws(() => codedG.gather([0, z.count], 0, 2), new RegExp(`row ${z.count} outside 0\\.\\.${z.count - 1}`));
    }
  });
});
