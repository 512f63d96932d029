import assert from 'node:assert/strict';
import {
  DataError,
  alignClasses,
  chiSquareSurvival,
  compareLabelDistributions,
  generateDataset,
  labelDistribution,
  loadBuiltin,
  splitDataset,
  splitSizes,
  subset,
} from '../../../src/engine/data';
import type { Dataset } from '../../../src/engine/data';
import { Rng } from '../../../src/engine/util/rng';

/** m samples, feature = row index (so rows can be traced), labels from `label(i)`. */
function traced(m: number, classes: string[], label: (i: number) => number): Dataset<Float64Array> {
  return {
    name: 'traced',
    task: classes.length > 2 ? 'multiclass' : 'binary',
    count: m,
    features: 1,
    x: Float64Array.from({ length: m }, (_, i) => i),
    y: Float64Array.from({ length: m }, (_, i) => label(i)),
    targets: 1,
    classes,
  };
}

function rowIds(ds: Dataset<Float64Array>): number[] {
  return Array.from(ds.x);
}

describe('data/split', () => {
  it('sizes follow the ratios exactly and sum to the count (largest remainder)', () => {
    assert.deepEqual(splitSizes(1000, [0.6, 0.2, 0.2]), [600, 200, 200]);
    assert.deepEqual(splitSizes(1797, [0.98, 0.01, 0.01]), [1761, 18, 18]);
    assert.deepEqual(splitSizes(10, [0.7, 0.15, 0.15]), [7, 2, 1]);
    assert.deepEqual(splitSizes(3, [0.98, 0.01, 0.01]), [1, 1, 1]);
    assert.deepEqual(splitSizes(2, [0.98, 0.01, 0.01]), [2, 0, 0]);
    assert.deepEqual(splitSizes(50, [0.8, 0.2, 0]), [40, 10, 0]);
  });

  it('splits are disjoint, cover every row, and copy rows intact', () => {
    const ds = traced(101, ['0', '1'], (i) => i % 2);
    const s = splitDataset(ds, { train: 0.6, dev: 0.2, test: 0.2 }, new Rng(1));
    assert.deepEqual([s.train.count, s.dev.count, s.test.count], [61, 20, 20]);
    const all = [...rowIds(s.train), ...rowIds(s.dev), ...rowIds(s.test)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 101 }, (_, i) => i));
    for (const part of [s.train, s.dev, s.test]) {
      for (let i = 0; i < part.count; i++) assert.equal(part.y[i], part.x[i] % 2);
    }
    assert.deepEqual(Array.from(s.indices.dev), rowIds(s.dev));
    assert.equal(s.dev.name, 'traced (dev)');
  });

  it('is seeded: same seed → same split, other seed → another', () => {
    const ds = generateDataset('moons', { samples: 200, seed: 1 });
    const ratios = { train: 0.6, dev: 0.2, test: 0.2 };
    const a = splitDataset(ds, ratios, new Rng(5));
    const b = splitDataset(ds, ratios, new Rng(5));
    const c = splitDataset(ds, ratios, new Rng(6));
    assert.deepEqual(a.indices, b.indices);
    assert.notDeepEqual(a.indices.train, c.indices.train);
  });

  it('rejects ratios that do not sum to 1 or are negative', () => {
    const ds = traced(10, ['0', '1'], (i) => i % 2);
    assert.throws(() => splitDataset(ds, { train: 0.6, dev: 0.2, test: 0.1 }, new Rng(1)), /sum to 1, got 0\.9/);
    assert.throws(() => splitDataset(ds, { train: 1.2, dev: -0.2, test: 0 }, new Rng(1)), /≥ 0/);
    splitDataset(ds, { train: 0.7, dev: 0.1, test: 0.2 }, new Rng(1)); // 0.7+0.1+0.2 ≠ 1 in floats, within 1e-9
  });

  it('stratified: every split keeps the class proportions (±1 per class)', () => {
    // 10% / 30% / 60% classes, sorted by class so an unstratified prefix would be lopsided.
    const ds = traced(1000, ['a', 'b', 'c'], (i) => (i < 100 ? 0 : i < 400 ? 1 : 2));
    const s = splitDataset(ds, { train: 0.6, dev: 0.2, test: 0.2 }, new Rng(3), { stratify: true });
    assert.deepEqual([s.train.count, s.dev.count, s.test.count], [600, 200, 200]);
    const expect = (n: number): number[] => [0.1 * n, 0.3 * n, 0.6 * n];
    for (const part of [s.train, s.dev, s.test]) {
      const got = labelDistribution(part).counts;
      expect(part.count).forEach((e, k) => assert.ok(Math.abs(got[k] - e) <= 1, `${part.name}: ${got} vs ${expect(part.count)}`));
    }
    const all = [...rowIds(s.train), ...rowIds(s.dev), ...rowIds(s.test)].sort((a, b) => a - b);
    assert.equal(new Set(all).size, 1000);
  });

  it('stratified keeps a rare class in small dev/test splits where a plain split may not', () => {
    const ds = traced(200, ['common', 'rare'], (i) => (i % 20 === 0 ? 1 : 0));
    for (let seed = 0; seed < 20; seed++) {
      const s = splitDataset(ds, { train: 0.8, dev: 0.1, test: 0.1 }, new Rng(seed), { stratify: true });
      assert.deepEqual(labelDistribution(s.dev).counts, [19, 1], `seed ${seed}`);
      assert.deepEqual(labelDistribution(s.test).counts, [19, 1], `seed ${seed}`);
    }
  });

  it('stratify is ignored for regression', () => {
    const ds: Dataset<Float64Array> = { ...traced(20, [], () => 0), task: 'regression', y: Float64Array.from({ length: 20 }, (_, i) => i / 3) };
    const s = splitDataset(ds, { train: 0.5, dev: 0.25, test: 0.25 }, new Rng(1), { stratify: true });
    assert.deepEqual([s.train.count, s.dev.count, s.test.count], [10, 5, 5]);
    for (let i = 0; i < s.dev.count; i++) assert.equal(s.dev.y[i], s.dev.x[i] / 3);
  });

  it('subset copies rows in order and rejects rows out of range', () => {
    const ds = loadBuiltin('digits');
    const sub = subset(ds, [5, 0]);
    assert.equal(sub.count, 2);
    assert.deepEqual(Array.from(sub.x.subarray(0, 64)), Array.from(ds.x.subarray(5 * 64, 6 * 64)));
    assert.deepEqual(Array.from(sub.y), [ds.y[5], ds.y[0]]);
    assert.deepEqual(sub.imageShape, [8, 8]);
    sub.x[0] = 99;
    assert.notEqual(ds.x[5 * 64], 99);
    assert.throws(() => subset(ds, [1797]), /row 1797 is outside 0\.\.1796/);
  });
});

describe('data/distribution', () => {
  it('labelDistribution counts and normalises', () => {
    const d = labelDistribution(traced(8, ['x', 'y', 'z'], (i) => (i < 4 ? 0 : i < 6 ? 1 : 2)));
    assert.deepEqual(d.counts, [4, 2, 2]);
    assert.deepEqual(d.fractions, [0.5, 0.25, 0.25]);
    assert.equal(d.total, 8);
  });

  it('chi-square survival matches tables', () => {
    assert.ok(Math.abs(chiSquareSurvival(3.841458820694124, 1) - 0.05) < 1e-10);
    assert.ok(Math.abs(chiSquareSurvival(9.210340371976182, 2) - 0.01) < 1e-10);
    assert.ok(Math.abs(chiSquareSurvival(21.665994333461924, 9) - 0.01) < 1e-9);
    assert.ok(Math.abs(chiSquareSurvival(1, 10) - 0.9998278843700441) < 1e-10);
    assert.equal(chiSquareSurvival(0, 3), 1);
  });

  it('same distributions → no warning; clearly different → a warning naming the classes', () => {
    const dev = traced(400, ['cat', 'dog'], (i) => i % 2);
    const sameish = traced(400, ['cat', 'dog'], (i) => (i % 50 < 21 ? 0 : 1)); // 42/58: TV 0.08
    assert.equal(compareLabelDistributions(dev, sameish), null);
    const skewed = traced(400, ['cat', 'dog'], (i) => (i % 5 === 0 ? 0 : 1)); // 20/80: TV 0.3
    const warning = compareLabelDistributions(dev, skewed);
    assert.ok(warning);
    assert.match(warning, /total variation 0\.30/);
    assert.match(warning, /'cat' 50\.0% vs 20\.0%/);
    assert.match(warning, /same distribution/);
  });

  it('does not warn when a large difference is plausibly sampling noise (tiny sets)', () => {
    const dev = traced(6, ['a', 'b'], (i) => (i < 3 ? 0 : 1));
    const test = traced(6, ['a', 'b'], (i) => (i < 5 ? 0 : 1)); // TV 0.33 but χ² p ≈ 0.22 (scipy)
    assert.equal(compareLabelDistributions(dev, test), null);
  });

  it('matches classes by name across separately loaded sets', () => {
    const dev = traced(300, ['a', 'b'], (i) => i % 2);
    const sameButReordered = traced(300, ['b', 'a'], (i) => (i + 1) % 2);
    assert.equal(compareLabelDistributions(dev, sameButReordered), null);
    const onlyB = traced(300, ['b'], () => 0);
    assert.match(compareLabelDistributions(dev, onlyB) ?? '', /'a' 50\.0% vs 0\.0%/);
  });

  it('alignClasses re-indexes by name and rejects unseen classes', () => {
    const test = traced(4, ['b', 'c'], (i) => i % 2);
    const aligned = alignClasses(test, ['a', 'b', 'c']);
    assert.deepEqual(Array.from(aligned.y), [1, 2, 1, 2]);
    assert.deepEqual(aligned.classes, ['a', 'b', 'c']);
    assert.equal(aligned.task, 'multiclass');
    assert.throws(() => alignClasses(test, ['a', 'b']), (e: unknown) => e instanceof DataError && /class 'c', which the training set does not have/.test(e.message));
  });
});
