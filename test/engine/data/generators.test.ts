import assert from 'node:assert/strict';
import { GENERATED_KINDS, generateDataset, labelDistribution } from '../../../src/engine/data';
import type { Dataset } from '../../../src/engine/data';

function rowsOf(ds: Dataset<Float64Array>, cls: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < ds.count; i++) if (ds.y[i] === cls) out.push([ds.x[2 * i], ds.x[2 * i + 1]]);
  return out;
}

describe('data/generators', () => {
  for (const kind of GENERATED_KINDS) {
    describe(kind, () => {
      it('is deterministic by seed and changes with the seed', () => {
        const a = generateDataset(kind, { samples: 101, noise: 0.1, seed: 7 });
        const b = generateDataset(kind, { samples: 101, noise: 0.1, seed: 7 });
        const c = generateDataset(kind, { samples: 101, noise: 0.1, seed: 8 });
        assert.deepEqual(a.x, b.x);
        assert.deepEqual(a.y, b.y);
        assert.notDeepEqual(a.x, c.x);
      });

      it('has the right shape, balanced classes and finite values', () => {
        const ds = generateDataset(kind, { samples: 301, seed: 3 });
        const classes = kind === 'spiral' ? 3 : 2;
        assert.equal(ds.count, 301);
        assert.equal(ds.features, 2);
        assert.equal(ds.x.length, 602);
        assert.equal(ds.y.length, 301);
        assert.equal(ds.targets, 1);
        assert.equal(ds.task, classes === 2 ? 'binary' : 'multiclass');
        assert.deepEqual(ds.classes, Array.from({ length: classes }, (_, c) => String(c)));
        const counts = labelDistribution(ds).counts;
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `unbalanced: ${counts}`);
        assert.ok(ds.x.every(Number.isFinite));
      });

      it('is shuffled (the first tenth is not all one class)', () => {
        const ds = generateDataset(kind, { samples: 300, seed: 1 });
        assert.ok(new Set(ds.y.subarray(0, 30)).size > 1);
      });
    });
  }

  it('moons with noise 0 are sklearn make_moons exactly (outer at y ≥ 0, inner at y ≤ 0.5)', () => {
    const ds = generateDataset('moons', { samples: 200, noise: 0, seed: 1 });
    for (const [x, y] of rowsOf(ds, 0)) assert.ok(Math.abs(x * x + y * y - 1) < 1e-12 && y >= 0);
    for (const [x, y] of rowsOf(ds, 1)) assert.ok(Math.abs((x - 1) ** 2 + (y - 0.5) ** 2 - 1) < 1e-12 && y <= 0.5);
    const xs0 = rowsOf(ds, 0).map((p) => p[0]);
    const xs1 = rowsOf(ds, 1).map((p) => p[0]);
    assert.deepEqual([Math.min(...xs0), Math.max(...xs0)], [-1, 1]);
    assert.deepEqual([Math.min(...xs1), Math.max(...xs1)], [0, 2]);
  });

  it('circles with noise 0 lie on radii 1 and 0.5 (factor 0.5)', () => {
    const ds = generateDataset('circles', { samples: 100, noise: 0, seed: 2 });
    for (const [x, y] of rowsOf(ds, 0)) assert.ok(Math.abs(Math.hypot(x, y) - 1) < 1e-12);
    for (const [x, y] of rowsOf(ds, 1)) assert.ok(Math.abs(Math.hypot(x, y) - 0.5) < 1e-12);
  });

  it('xor with noise 0 labels by sign agreement with a margin around the axes', () => {
    const ds = generateDataset('xor', { samples: 200, noise: 0, seed: 4 });
    for (const [x, y] of rowsOf(ds, 0)) assert.ok(x * y >= 0.01);
    for (const [x, y] of rowsOf(ds, 1)) assert.ok(x * y <= -0.01);
  });

  it('gaussian blobs are centred at (−1,−1) and (1,1) with std = noise', () => {
    const ds = generateDataset('gaussian', { samples: 4000, noise: 0.3, seed: 5 });
    for (const [cls, centre] of [[0, -1], [1, 1]]) {
      const xs = rowsOf(ds, cls).map((p) => p[0]);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      assert.ok(Math.abs(mean - centre) < 0.03, `mean ${mean}`);
      assert.ok(Math.abs(std - 0.3) < 0.02, `std ${std}`);
    }
  });

  it('spiral with noise 0 follows r = linspace(0,1), points within the unit disc', () => {
    const ds = generateDataset('spiral', { samples: 300, noise: 0, seed: 1 });
    const radii = rowsOf(ds, 2).map(([x, y]) => Math.hypot(x, y)).sort((a, b) => a - b);
    assert.equal(radii.length, 100);
    assert.ok(Math.abs(radii[0]) < 1e-12 && Math.abs(radii[99] - 1) < 1e-12);
    assert.ok(Math.abs(radii[50] - 50 / 99) < 1e-12);
  });

  it('flower with noise 0 lies on the rose r = 4 sin 4t, the classes on opposite petals', () => {
    const ds = generateDataset('flower', { samples: 400, noise: 0, seed: 1 });
    // A point r·(sin t, cos t) is also −r·(sin(t−π), cos(t−π)), and sin 4t has period π/2, so with
    // t' = t mod π class 0 (t ∈ [0, 3.12]) lies on r = 4 sin 4t' and class 1 (t ∈ [3.12, 6.24])
    // on r = −4 sin 4t', the other petals.
    for (const cls of [0, 1]) {
      const sign = cls === 0 ? 1 : -1;
      for (const [x, y] of rowsOf(ds, cls)) {
        if (Math.hypot(x, y) < 1e-6) continue;
        const angle = Math.atan2(x, y);
        const t = angle < 0 ? angle + Math.PI : angle;
        const r = x * Math.sin(t) + y * Math.cos(t);
        // Class 1's first few t ∈ [3.12, π) are not shifted by the mod, so they keep the + sign.
        const s = cls === 1 && t >= 3.12 - 1e-9 ? 1 : sign;
        assert.ok(Math.abs(r - s * 4 * Math.sin(4 * t)) < 1e-9, `class ${cls} point (${x}, ${y})`);
      }
    }
  });

  it('uses the default noise and samples when not given, and rejects bad options', () => {
    assert.equal(generateDataset('moons').count, 400);
    assert.throws(() => generateDataset('spiral', { samples: 2 }), /samples must be an integer ≥ 3/);
    assert.throws(() => generateDataset('moons', { noise: -1 }), /noise must be/);
  });
});
