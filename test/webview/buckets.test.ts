import assert from 'node:assert/strict';
import {
  appendChunk, appendPoint, appendValues, badCount, bucketStat, cloneBuckets, createBuckets, debiasedEwaBuckets,
  envelope, lastFiniteValue, lastValue, lastX, reviveBuckets, type Buckets,
} from '../../src/shared/buckets';
import { debiasedEwa } from '../../src/shared/series';
import { Rng } from '../../src/engine/util/rng';

function noisy(n: number, seed = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => 1 / (1 + i / 100) + 0.1 * rng.normal());
}

/** Checks the invariants every series keeps, whatever was folded in. */
function assertWellFormed(b: Buckets, points: number): void {
  assert.ok(b.size <= b.capacity, `size ${b.size} ≤ capacity ${b.capacity}`);
  assert.equal(b.count, points);
  let total = 0;
  for (let i = 0; i < b.size; i++) {
    total += b.points[i];
    assert.ok(b.x0[i] <= b.x1[i]);
    if (i > 0) assert.ok(b.x0[i] > b.x1[i - 1], `bucket ${i} starts after bucket ${i - 1} ends`);
  }
  assert.equal(total, points);
}

describe('bounded bucket series', () => {
  it('keeps every point while it fits, and draws exactly them', () => {
    const b = createBuckets(['cost'], 16);
    const ys = noisy(16);
    appendValues(b, 1, ys);
    assertWellFormed(b, 16);
    assert.equal(b.width, 1);
    const e = envelope(b, 0);
    assert.deepEqual(e.xs, ys.map((_, i) => i + 1));
    assert.deepEqual(e.ys, ys);
  });

  it('stays within its capacity for any length, keeping the global extremes and their x', () => {
    for (const n of [17, 1000, 12_345, 100_000]) {
      const b = createBuckets(['cost'], 64);
      const ys = noisy(n, n);
      ys[Math.floor(n / 3)] = 50; // a spike that must survive decimation
      appendValues(b, 1, ys);
      assertWellFormed(b, n);
      const e = envelope(b, 0);
      assert.ok(e.xs.length <= 2 * b.capacity);
      assert.equal(Math.max(...e.ys), 50);
      assert.equal(e.xs[e.ys.indexOf(50)], Math.floor(n / 3) + 1);
      assert.equal(Math.min(...e.ys), Math.min(...ys));
      assert.equal(lastFiniteValue(b, 0), ys[n - 1]);
      assert.equal(lastX(b), n);
      // Buckets have equal width but for the last one.
      for (let i = 0; i < b.size - 1; i++) assert.equal(b.points[i], b.width);
    }
  });

  it('folds pre-aggregated chunks to the same buckets as the points one by one', () => {
    const ys = noisy(50_000, 7);
    const direct = createBuckets(['cost'], 128);
    appendValues(direct, 1, ys);
    // The engine's way: a chunk per flush, each a small series of its own.
    const viaChunks = createBuckets(['cost'], 128);
    let at = 0;
    const rng = new Rng(3);
    while (at < ys.length) {
      const k = Math.min(ys.length - at, 1 + Math.floor(rng.uniform() * 700));
      const chunk = createBuckets(['cost'], 16);
      appendValues(chunk, at + 1, ys.slice(at, at + k));
      appendChunk(viaChunks, cloneBuckets(chunk));
      at += k;
    }
    assertWellFormed(viaChunks, ys.length);
    const a = envelope(direct, 0);
    const c = envelope(viaChunks, 0);
    assert.equal(Math.max(...c.ys), Math.max(...a.ys));
    assert.equal(Math.min(...c.ys), Math.min(...a.ys));
    const total = (b: Buckets): number => {
      let s = 0;
      for (let i = 0; i < b.size; i++) {
        const st = bucketStat(b, i, 0);
        s += st.mean * st.n;
      }
      return s;
    };
    assert.ok(Math.abs(total(direct) - total(viaChunks)) < 1e-6 * Math.abs(total(direct)));
  });

  it('a chunk coarser than the series coarsens the series first: no wide buckets among narrow ones', () => {
    const series = createBuckets(['cost'], 64);
    appendValues(series, 1, noisy(10));
    assert.equal(series.width, 1);
    const chunk = createBuckets(['cost'], 8);
    appendValues(chunk, 11, noisy(60, 2)); // 8 buckets: width 8
    assert.equal(chunk.width, 8);
    appendChunk(series, chunk);
    assertWellFormed(series, 70);
    assert.ok(series.width >= chunk.width, `width ${series.width}`);
    for (let i = 0; i < series.size; i++) assert.ok(series.points[i] <= series.width, `bucket ${i}: ${series.points[i]} points, width ${series.width}`);
  });

  it('smooths exactly like TensorBoard while buckets hold one point each', () => {
    const ys = noisy(500, 11);
    const b = createBuckets(['cost'], 512);
    appendValues(b, 1, ys);
    const exact = debiasedEwa(ys, 0.9);
    const got = debiasedEwaBuckets(b, 0, 0.9);
    assert.equal(got.ys.length, 500);
    got.ys.forEach((y, i) => assert.ok(Math.abs(y - exact[i]) < 1e-12, `${i}: ${y} vs ${exact[i]}`));
  });

  it('smooths wide buckets close to the exact curve (a slowly moving cost)', () => {
    const ys = Array.from({ length: 100_000 }, (_, i) => 2 * Math.exp(-i / 20_000) + 0.05 * Math.sin(i));
    const b = createBuckets(['cost'], 256);
    appendValues(b, 1, ys);
    const exact = debiasedEwa(ys, 0.999);
    const got = debiasedEwaBuckets(b, 0, 0.999);
    for (let j = 0; j < got.xs.length; j++) {
      const e = exact[got.xs[j] - 1];
      assert.ok(Math.abs(got.ys[j] - e) < 0.01 * Math.abs(e), `x ${got.xs[j]}: ${got.ys[j]} vs ${e}`);
    }
  });

  it('counts and locates non-finite values instead of dropping them', () => {
    const b = createBuckets(['cost'], 8);
    const ys = noisy(100, 2);
    ys[40] = Number.NaN;
    ys[41] = Number.POSITIVE_INFINITY;
    ys[90] = Number.NEGATIVE_INFINITY;
    appendValues(b, 1, ys);
    assert.equal(badCount(b, 0), 3);
    const e = envelope(b, 0);
    assert.deepEqual(e.bad.map((m) => m.x), [41, 91]);
    assert.ok(Number.isNaN(e.bad[0].value));
    assert.equal(e.bad[1].value, Number.NEGATIVE_INFINITY);
    assert.ok(e.ys.every(Number.isFinite));
  });

  it('skips unmeasured columns (null) without counting them as non-finite', () => {
    const b = createBuckets(['train', 'dev'], 4);
    appendPoint(b, 1, [0.5, null]);
    appendPoint(b, 2, [0.4, 0.45]);
    appendPoint(b, 3, [0.3, null]);
    assert.equal(badCount(b, 1), 0);
    assert.deepEqual(envelope(b, 1).xs, [2]);
    assert.deepEqual(lastValue(b, 1), { value: 0.45, x: 2 });
    assert.deepEqual(lastValue(b, 0), { value: 0.3, x: 3 });
  });

  it('survives JSON and structured clone (what IPC and postMessage do to it)', () => {
    const b = createBuckets(['cost', 'lr'], 32);
    for (let i = 1; i <= 1000; i++) appendPoint(b, i, [1 / i, i < 500 ? 0.1 : Number.NaN]);
    const viaClone = reviveBuckets(structuredClone(cloneBuckets(b)));
    const json = JSON.parse(JSON.stringify(cloneBuckets(b), (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v))) as Buckets;
    for (const copy of [viaClone]) {
      assert.deepEqual(envelope(copy, 0), envelope(b, 0));
      assert.equal(badCount(copy, 1), 501);
      appendPoint(copy, 1001, [0.001, 0.1]);
      assert.equal(copy.count, 1001);
    }
    assert.equal(json.size, b.size);
  });
});
