import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError, denseFeatures, loadIdx, writeIdx } from '../../../src/engine/data';
import { tempFolder } from './tmp';

const tmp = tempFolder('idx');
after(() => tmp.remove());

/** Three 2×3 images whose pixels are 0, 51, 102, … so scaling is easy to check. */
function sample(): { images: Uint8Array; labels: Uint8Array; rows: number; cols: number } {
  const images = Uint8Array.from({ length: 18 }, (_, i) => (i * 51) % 256);
  return { images, labels: Uint8Array.from([7, 0, 3]), rows: 2, cols: 3 };
}

function throwsData(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('data/idx', () => {
  it('round-trips through writeIdx: shape, [0,1] pixels, labels as digit classes', () => {
    const images = tmp.write('img-idx3-ubyte', '');
    const labels = tmp.write('lbl-idx1-ubyte', '');
    writeIdx(images, labels, sample());
    const bytes = readFileSync(images);
    assert.equal(bytes.readUInt32BE(0), 0x00000803);
    assert.deepEqual([bytes.readUInt32BE(4), bytes.readUInt32BE(8), bytes.readUInt32BE(12)], [3, 2, 3]);
    const ds = loadIdx(images, labels);
    assert.equal(ds.count, 3);
    assert.equal(ds.features, 6);
    assert.deepEqual(ds.imageShape, [2, 3]);
    assert.deepEqual(Array.from(denseFeatures(ds.x, ds.count, ds.features)), Array.from(sample().images, (v) => v / 255));
    assert.deepEqual(ds.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.deepEqual(Array.from(ds.y), [7, 0, 3]);
    assert.equal(ds.task, 'multiclass');
  });

  it('reads gzipped files (detected by content) the same as plain ones', () => {
    const images = join(tmp.dir, 'img.gz');
    const labels = join(tmp.dir, 'lbl.gz');
    writeIdx(images, labels, sample());
    assert.equal(gunzipSync(readFileSync(images)).readUInt32BE(0), 0x00000803);
    const ds = loadIdx(images, labels);
    assert.deepEqual(Array.from(ds.y), [7, 0, 3]);
    assert.deepEqual(Array.from(denseFeatures(ds.x, ds.count, ds.features)), Array.from(sample().images, (v) => v / 255));
  });

  it('labels beyond 0..9 become their distinct values in numeric order', () => {
    const images = join(tmp.dir, 'i2');
    const labels = join(tmp.dir, 'l2');
    writeIdx(images, labels, { ...sample(), labels: Uint8Array.from([200, 12, 200]) });
    const ds = loadIdx(images, labels);
    assert.deepEqual(ds.classes, ['12', '200']);
    assert.deepEqual(Array.from(ds.y), [1, 0, 1]);
    assert.equal(ds.task, 'binary');
  });

  it('wrong magic names the file and spots swapped paths', () => {
    const images = join(tmp.dir, 'i3');
    const labels = join(tmp.dir, 'l3');
    writeIdx(images, labels, sample());
    throwsData(() => loadIdx(labels, images), labels, /not an IDX images file: magic number 0x00000801, expected 0x00000803 \(this looks like an IDX labels file: swapped paths\?\)/);
    const junk = tmp.write('junk', 'hello world, not idx');
    throwsData(() => loadIdx(junk, labels), junk, /magic number 0x68656c6c, expected 0x00000803$/);
  });

  it('truncated data and a count mismatch are errors naming the file', () => {
    const images = join(tmp.dir, 'i4');
    const labels = join(tmp.dir, 'l4');
    writeIdx(images, labels, sample());
    writeFileSync(images, readFileSync(images).subarray(0, 16 + 17));
    throwsData(() => loadIdx(images, labels), images, /truncated: the header promises 3×2×3 = 18 bytes of images, the file has 17/);
    writeFileSync(images, readFileSync(images).subarray(0, 10));
    throwsData(() => loadIdx(images, labels), images, /truncated: 10 bytes, the header alone needs 16/);
    writeIdx(images, labels, { ...sample(), labels: Uint8Array.from([1, 2]) });
    throwsData(() => loadIdx(images, labels), labels, /holds 2 labels but .*i4 holds 3 images/);
  });

  it('a missing file is a DataError with the path', () => {
    throwsData(() => loadIdx(join(tmp.dir, 'nope'), join(tmp.dir, 'nope2')), join(tmp.dir, 'nope'), /file not found \(looked at .*nope\)/);
  });

  it('writeIdx rejects pixels that are not whole images', () => {
    assert.throws(() => writeIdx(join(tmp.dir, 'a'), join(tmp.dir, 'b'), { ...sample(), rows: 4 }), /not a whole number of 4×3 images/);
  });
});
