import assert from 'node:assert/strict';
import { augmentBatch, transformImage } from '../../../src/engine/data';
import { Rng } from '../../../src/engine/util/rng';

/** A 5×5 image with a single lit pixel at (r, c). */
function dot(r: number, c: number, value = 1): Float64Array {
  const img = new Float64Array(25);
  img[r * 5 + c] = value;
  return img;
}

function litPixels(img: ArrayLike<number>, w: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < img.length; i++) if (img[i] !== 0) out.push([Math.floor(i / w), i % w, img[i]]);
  return out;
}

describe('data/augment', () => {
  it('zero spec is the identity and draws nothing from the rng', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i * 0.37);
    const before = x.slice();
    const rng = new Rng(1);
    const state = rng.state();
    augmentBatch(x, 2, 25, { jitter: 0, shift: 0, rotate: 0 }, rng, [5, 5]);
    augmentBatch(x, 2, 25, {}, rng);
    assert.deepEqual(x, before);
    assert.deepEqual(rng.state(), state);
  });

  it('transformImage: integer shifts move pixels exactly, with zero fill', () => {
    const out = new Float64Array(25);
    transformImage(dot(2, 2, 0.7), out, 5, 5, 1, 0, 0);
    assert.deepEqual(litPixels(out, 5), [[2, 3, 0.7]]);
    transformImage(dot(2, 2, 0.7), out, 5, 5, -1, 1, 0);
    assert.deepEqual(litPixels(out, 5), [[3, 1, 0.7]]);
    transformImage(dot(0, 4), out, 5, 5, 1, 0, 0); // pushed off the right edge
    assert.deepEqual(litPixels(out, 5), []);
  });

  it('transformImage: 90° turns counter-clockwise as displayed; 45° splits mass bilinearly', () => {
    const out = new Float64Array(25);
    transformImage(dot(0, 4), out, 5, 5, 0, 0, Math.PI / 2); // top-right → top-left
    assert.deepEqual(litPixels(out, 5), [[0, 0, 1]]);
    transformImage(dot(2, 4), out, 5, 5, 0, 0, Math.PI / 2); // right-middle → top-middle
    assert.deepEqual(litPixels(out, 5), [[0, 2, 1]]);
    transformImage(dot(2, 2), out, 5, 5, 0, 0, 0.3); // the centre maps to itself
    assert.equal(out[12], 1);
    const ones = new Float64Array(25).fill(1);
    transformImage(ones, out, 5, 5, 0, 0, Math.PI / 4);
    assert.ok(Math.abs(out[12] - 1) < 1e-12, 'interior of a constant image stays 1');
    assert.ok(out[0] < 1, 'corners read zero fill');
  });

  it('shift 1 with a fixed rng moves each image by the drawn (dx, dy) ∈ {−1,0,1}²', () => {
    const rows = 8;
    const x = new Float64Array(rows * 25);
    for (let r = 0; r < rows; r++) x.set(dot(2, 2, 0.5), r * 25);
    augmentBatch(x, rows, 25, { shift: 1 }, new Rng(42), [5, 5]);
    const replay = new Rng(42);
    let moved = 0;
    for (let r = 0; r < rows; r++) {
      const dx = replay.int(3) - 1;
      const dy = replay.int(3) - 1;
      assert.deepEqual(litPixels(x.subarray(r * 25, (r + 1) * 25), 5), [[2 + dy, 2 + dx, 0.5]], `image ${r}`);
      if (dx !== 0 || dy !== 0) moved++;
    }
    assert.ok(moved > 0, 'with 8 images some must move');
  });

  it('rotation draws an angle in [−rotate, rotate] and is the same for the same seed', () => {
    const make = (): Float32Array => Float32Array.from({ length: 2 * 25 }, (_, i) => (i % 7) / 7);
    const a = make();
    const b = make();
    augmentBatch(a, 2, 25, { rotate: 15 }, new Rng(9), [5, 5]);
    augmentBatch(b, 2, 25, { rotate: 15 }, new Rng(9), [5, 5]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, make());
    const replay = new Rng(9);
    const degrees = replay.range(-15, 15);
    const expected = new Float32Array(25);
    transformImage(make().subarray(0, 25), expected, 5, 5, 0, 0, (degrees * Math.PI) / 180);
    assert.deepEqual(a.subarray(0, 25), expected);
  });

  it('jitter adds N(0, jitter²) noise to every value', () => {
    const x = new Float64Array(20000);
    augmentBatch(x, 10000, 2, { jitter: 0.05 }, new Rng(3));
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
    assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.05) < 0.002, `std ${std}`);
  });

  it('checks that the image shape matches the features', () => {
    assert.throws(() => augmentBatch(new Float64Array(24), 1, 24, { shift: 1 }, new Rng(1), [5, 5]), /5×5 does not match 24/);
  });
});
