import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BREAST_CANCER_FEATURES, builtinDataDir, labelDistribution, loadBuiltin } from '../../../src/engine/data';

describe('data/builtin', () => {
  it('finds the shipped data folder at the package root', () => {
    assert.equal(builtinDataDir(), resolve(__dirname, '../../../data'));
    assert.ok(existsSync(join(builtinDataDir(), 'README.md')));
  });

  it('digits: 1797 × 64 pixels in [0, 1], 8×8 images, 10 classes with sklearn’s histogram', () => {
    const ds = loadBuiltin('digits');
    assert.equal(ds.count, 1797);
    assert.equal(ds.features, 64);
    assert.equal(ds.x.length, 1797 * 64);
    assert.equal(ds.task, 'multiclass');
    assert.deepEqual(ds.imageShape, [8, 8]);
    assert.deepEqual(ds.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(labelDistribution(ds).counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert.equal(Math.min(...ds.x), 0);
    assert.equal(Math.max(...ds.x), 1);
    // First row of the file: 0,0,5,13,9,1,0,0,… label 0 (pixels divided by 16).
    assert.deepEqual(Array.from(ds.x.subarray(0, 4)), [0, 0, 5 / 16, 13 / 16]);
    assert.equal(ds.y[0], 0);
  });

  it('breast-cancer: 569 × 30, binary malignant/benign = 212/357, named features in file order', () => {
    const ds = loadBuiltin('breast-cancer');
    assert.equal(ds.count, 569);
    assert.equal(ds.features, 30);
    assert.equal(ds.task, 'binary');
    assert.deepEqual(ds.classes, ['malignant', 'benign']);
    assert.deepEqual(labelDistribution(ds).counts, [212, 357]);
    assert.deepEqual(ds.featureNames, [...BREAST_CANCER_FEATURES]);
    assert.equal(ds.featureNames?.[0], 'mean radius');
    assert.equal(ds.featureNames?.[10], 'radius error');
    assert.equal(ds.featureNames?.[29], 'worst fractal dimension');
    // First data row: 17.99,10.38,122.8,1001,… label 0 (malignant).
    assert.deepEqual(Array.from(ds.x.subarray(0, 4)), [17.99, 10.38, 122.8, 1001]);
    assert.equal(ds.y[0], 0);
    assert.equal(ds.imageShape, undefined);
  });
});
