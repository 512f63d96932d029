import assert from 'node:assert/strict';
import { applyZScore, fitZScore, generateDataset, normalizeRows, splitDataset } from '../../../src/engine/data';
import type { Dataset } from '../../../src/engine/data';
import { Rng } from '../../../src/engine/util/rng';

function columnMean(ds: Dataset<Float64Array>, j: number): number {
  let s = 0;
  for (let i = 0; i < ds.count; i++) s += ds.x[i * ds.features + j];
  return s / ds.count;
}

function columnStd(ds: Dataset<Float64Array>, j: number): number {
  const mu = columnMean(ds, j);
  let s = 0;
  for (let i = 0; i < ds.count; i++) s += (ds.x[i * ds.features + j] - mu) ** 2;
  return Math.sqrt(s / ds.count);
}

function table(rows: number[][]): Dataset<Float64Array> {
  return {
    name: 't',
    task: 'regression',
    count: rows.length,
    features: rows[0].length,
    x: Float64Array.from(rows.flat()),
    y: new Float64Array(rows.length),
    targets: 1,
    classes: [],
  };
}

describe('data/normalize', () => {
  it('fits population mean and std per feature (numpy x.mean(0), x.std(0))', () => {
    const stats = fitZScore(table([[1, 10], [2, 20], [3, 60]]));
    assert.deepEqual(stats.mean, [2, 30]);
    assert.ok(Math.abs(stats.std[0] - Math.sqrt(2 / 3)) < 1e-15);
    assert.ok(Math.abs(stats.std[1] - 21.602468994692867) < 1e-12);
  });

  it('a constant feature gets std 1, so it is centred and not divided by zero', () => {
    const stats = fitZScore(table([[5, 1], [5, 2], [5, 3]]));
    assert.equal(stats.std[0], 1);
    const out = applyZScore(table([[5, 1], [6, 2]]), stats);
    assert.deepEqual([out.x[0], out.x[2]], [0, 1]);
    // 0.1 added three times is not exactly constant in floats; still "zero up to rounding".
    assert.equal(fitZScore(table([[0.1 + 0.2], [0.3], [0.30000000000000004]])).std[0], 1);
  });

  it('is fitted on train only: train becomes mean 0 / std 1, dev keeps its own offset', () => {
    const ds = generateDataset('gaussian', { samples: 600, seed: 2 });
    const { train, dev } = splitDataset(ds, { train: 0.5, dev: 0.5, test: 0 }, new Rng(1));
    const stats = fitZScore(train);
    const t = applyZScore(train, stats);
    const d = applyZScore(dev, stats);
    for (let j = 0; j < 2; j++) {
      assert.ok(Math.abs(columnMean(t, j)) < 1e-12);
      assert.ok(Math.abs(columnStd(t, j) - 1) < 1e-12);
      // Dev is transformed with train's μ, σ, not its own: its mean is (μ_dev − μ_train)/σ_train.
      const expected = (columnMean(dev, j) - stats.mean[j]) / stats.std[j];
      assert.ok(Math.abs(columnMean(d, j) - expected) < 1e-12);
      assert.notEqual(columnMean(d, j), 0);
      assert.ok(Math.abs(columnMean(d, j)) > 1e-6);
    }
  });

  it('returns a new data set, leaves the input untouched and keeps stats JSON-serialisable', () => {
    const ds = table([[1, 2], [3, 4]]);
    const stats = fitZScore(ds);
    const out = applyZScore(ds, stats);
    assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(out.x), [-1, -1, 1, 1]);
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats);
  });

  it('normalizeRows applies the same transform to raw points in place and checks the width', () => {
    const stats = { mean: [1, 2], std: [2, 4] };
    const grid = Float32Array.from([3, 6, 1, 2]);
    normalizeRows(grid, 2, stats);
    assert.deepEqual(Array.from(grid), [1, 1, 0, 0]);
    assert.throws(() => normalizeRows(new Float64Array(3), 3, stats, 'dev'), /stats are for 2 features, dev has 3/);
  });
});
