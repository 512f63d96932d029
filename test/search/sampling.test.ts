/** Search sampling: the shape of each distribution, seeding, and coarse-to-fine boxes. */
import * as assert from 'node:assert/strict';
import type { SearchDistribution } from '../../src/shared/config';
import {
  boxOf,
  dimensionOf,
  dimensionsOf,
  fromSamplingSpace,
  fullBox,
  insideBox,
  sampleCoord,
  sampleTrial,
  toSamplingSpace,
  trialRng,
} from '../../src/engine/search/sampling';
import { Rng } from '../../src/engine/util/rng';

function draw(dist: SearchDistribution, n: number, seed = 1): number[] {
  const dim = dimensionOf('x', dist);
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => fromSamplingSpace(dim, sampleCoord(dim, rng)) as number);
}

describe('search sampling', () => {
  it('log [1e-4, 1] puts ~25 % of 4000 samples in each decade', () => {
    const xs = draw({ log: [1e-4, 1] }, 4000);
    assert.ok(xs.every((x) => x >= 1e-4 && x <= 1), 'in range');
    const decades = [0, 0, 0, 0];
    for (const x of xs) decades[Math.min(3, Math.floor(Math.log10(x) + 4))]++;
    for (const [i, c] of decades.entries()) {
      assert.ok(Math.abs(c / 4000 - 0.25) < 0.03, `decade 1e${i - 4}: ${(c / 40).toFixed(1)} %`);
    }
    // A uniform draw would put ~90 % in the top decade: this is what log sampling is for.
  });

  it('oneMinusLog [0.9, 0.999] puts ~half below 0.99', () => {
    const xs = draw({ oneMinusLog: [0.9, 0.999] }, 4000);
    assert.ok(xs.every((x) => x >= 0.9 && x <= 0.999), 'in range');
    const below = xs.filter((x) => x < 0.99).length / xs.length;
    assert.ok(Math.abs(below - 0.5) < 0.03, `${(below * 100).toFixed(1)} % below 0.99`);
    // and ~half of those below 0.99 are below 0.9683 (the geometric midpoint of 1−β in [0.01, 0.1])
    const lowQuarter = xs.filter((x) => x < 1 - Math.pow(10, -1.5)).length / xs.length;
    assert.ok(Math.abs(lowQuarter - 0.25) < 0.03, `${(lowQuarter * 100).toFixed(1)} % below 0.968`);
  });

  it('uniform stays in [a, b] with a flat histogram', () => {
    const xs = draw({ uniform: [0.2, 0.8] }, 4000);
    assert.ok(xs.every((x) => x >= 0.2 && x < 0.8));
    const lowerHalf = xs.filter((x) => x < 0.5).length / xs.length;
    assert.ok(Math.abs(lowerHalf - 0.5) < 0.03);
  });

  it('int [a, b] draws whole numbers with both ends included, evenly', () => {
    const xs = draw({ int: [3, 7] }, 5000);
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 3 && x <= 7));
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [3, 4, 5, 6, 7], 'both bounds are reachable');
    for (const c of counts.values()) assert.ok(Math.abs(c / 5000 - 0.2) < 0.03);
  });

  it('choice covers every value, equally often', () => {
    const dim = dimensionOf('a', { choice: ['relu', 'tanh', 3, true] });
    const rng = new Rng(5);
    const counts = new Map<unknown, number>();
    for (let i = 0; i < 4000; i++) {
      const v = fromSamplingSpace(dim, sampleCoord(dim, rng));
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    assert.deepEqual(new Set(counts.keys()), new Set(['relu', 'tanh', 3, true]));
    for (const c of counts.values()) assert.ok(Math.abs(c / 4000 - 0.25) < 0.03);
  });

  it('maps values to sampling space and back', () => {
    const log = dimensionOf('lr', { log: [1e-4, 1] });
    assert.ok(log.scale === 'log');
    assert.equal(log.min, 1e-4);
    assert.equal(log.max, 1);
    assert.ok(Math.abs(toSamplingSpace(log, 0.001) + 3) < 1e-12);
    const beta = dimensionOf('b', { oneMinusLog: [0.9, 0.999] });
    assert.ok(beta.scale === 'oneMinusLog');
    assert.ok(Math.abs(beta.min - 0.9) < 1e-12 && Math.abs(beta.max - 0.999) < 1e-12);
    assert.ok(Math.abs(toSamplingSpace(beta, 0.99) + 2) < 1e-9);
    assert.ok(Math.abs((fromSamplingSpace(beta, -2) as number) - 0.99) < 1e-12);
    const choice = dimensionOf('c', { choice: ['a', 'b'] });
    assert.equal(toSamplingSpace(choice, 'b'), 1);
    assert.throws(() => toSamplingSpace(choice, 'z'), /not one of the choices/);
  });

  it('is seeded: the same seed gives the same trials, another seed others', () => {
    const dims = dimensionsOf({
      'training.optimizer.learningRate': { log: [1e-5, 1] },
      'training.optimizer.beta1': { oneMinusLog: [0.9, 0.999] },
      'model.hidden[*].units': { int: [4, 64] },
      'model.hidden[*].activation': { choice: ['relu', 'tanh'] },
    });
    const box = fullBox(dims);
    const plan = (seed: number) => Array.from({ length: 10 }, (_, i) => sampleTrial(dims, seed, 0, i, box).values);
    assert.deepEqual(plan(42), plan(42));
    assert.notDeepEqual(plan(42), plan(43));
    // Each trial has its own stream: trial 5 does not depend on trials 0…4 having been drawn.
    assert.deepEqual(sampleTrial(dims, 42, 0, 5, box).values, plan(42)[5]);
    assert.notDeepEqual(trialRng(1, 0, 0).nextUint32(), trialRng(1, 1, 0).nextUint32());
  });

  it('boxes: the bounding box of points in sampling space, and sampling inside it', () => {
    const dims = dimensionsOf({
      lr: { log: [1e-5, 1] },
      beta: { oneMinusLog: [0.9, 0.999] },
      units: { int: [1, 100] },
      act: { choice: ['relu', 'tanh', 'sigmoid'] },
      drop: { uniform: [0.5, 1] },
    });
    const points = [
      { lr: -3.2, beta: -2.5, units: 12, act: 0, drop: 0.7 },
      { lr: -2.1, beta: -1.5, units: 30, act: 2, drop: 0.9 },
      { lr: -2.9, beta: -2.0, units: 18, act: 0, drop: 0.8 },
    ];
    const box = boxOf(dims, points);
    assert.deepEqual(box.lr, { low: -3.2, high: -2.1 });
    assert.deepEqual(box.beta, { low: -2.5, high: -1.5 });
    assert.deepEqual(box.units, { low: 12, high: 30 });
    assert.deepEqual(box.act, { indices: [0, 2] });
    assert.deepEqual(box.drop, { low: 0.7, high: 0.9 });
    for (let i = 0; i < 500; i++) {
      const p = sampleTrial(dims, 9, 1, i, box);
      assert.ok(insideBox(dims, box, p.coords), `sample ${i} inside the box`);
      const v = p.values;
      assert.ok((v.lr as number) >= Math.pow(10, -3.2) * (1 - 1e-12) && (v.lr as number) <= Math.pow(10, -2.1) * (1 + 1e-12));
      assert.ok(['relu', 'sigmoid'].includes(v.act as string));
      assert.ok(Number.isInteger(v.units) && (v.units as number) >= 12 && (v.units as number) <= 30);
    }
    assert.deepEqual(boxOf(dims, []), fullBox(dims), 'no points: the whole space');
    assert.ok(!insideBox(dims, box, { ...points[0], lr: -4 }));
  });
});
