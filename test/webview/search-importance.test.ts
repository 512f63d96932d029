/**
 * PED-ANOVA importances (src/shared/search-importance.ts): the same numbers as the independent
 * numpy/scipy reference (test/fixtures/make_ped_anova.py → ped_anova.json), the normal CDF
 * against known values, and on hand-made trial sets the parameter that decides the metric ranks
 * first while the noise parameters stay near zero; too few trials say so.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SearchDimension, TrialRecord } from '../../src/shared/search-protocol';
import { erf, erfc, normalCdfDiff, pedAnova, searchImportance, topTrials, type ImportancePoint } from '../../src/shared/search-importance';

interface FixtureCase {
  name: string;
  mode: 'min' | 'max';
  space: SearchDimension[];
  points: ImportancePoint[];
  top: number;
  divergence: Record<string, number>;
  importance: Record<string, number>;
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ped_anova.json'), 'utf8')) as { cases: FixtureCase[] };

const close = (a: number, b: number, rel: number, what: string): void => {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${what}: ${a} vs ${b}`);
};

/** A deterministic "uniform" sequence in [0, 1) (the golden-ratio sequence, shifted per dimension). */
const seq = (i: number, shift: number): number => ((i + 1) * 0.6180339887498949 + shift) % 1;

const SPACE: SearchDimension[] = [
  { path: 'lr', scale: 'log', low: -4, high: -1, min: 1e-4, max: 0.1 },
  { path: 'beta1', scale: 'oneMinusLog', low: -2, high: -1, min: 0.9, max: 0.99 },
  { path: 'units', scale: 'int', low: 4, high: 64, min: 4, max: 64 },
  { path: 'act', scale: 'choice', low: 0, high: 2, choices: ['relu', 'tanh', 'leakyRelu'] },
];

function trials(n: number, metric: (c: Record<string, number>, i: number) => number): ImportancePoint[] {
  return Array.from({ length: n }, (_, i) => {
    const coords = {
      lr: -4 + 3 * seq(i, 0.1), beta1: -2 + seq(i * 7 + 3, 0.37), units: 4 + Math.floor(61 * seq(i * 13 + 5, 0.71)), act: Math.floor(3 * seq(i * 3 + 1, 0.53)),
    };
    return { coords, value: metric(coords, i) };
  });
}

describe('parameter importance (PED-ANOVA)', () => {
  it('the normal CDF: erf / erfc against known values, tail differences without cancellation', () => {
    close(erf(0.5), 0.5204998778130465, 1e-14, 'erf 0.5');
    close(erf(1), 0.8427007929497148, 1e-14, 'erf 1');
    close(erf(2.4), 0.999311486103355, 1e-14, 'erf 2.4');
    close(erf(-1.5), -0.9661051464753108, 1e-14, 'erf −1.5');
    close(erfc(2.6), 2.36034416529349e-4, 1e-12, 'erfc 2.6');
    close(erfc(5), 1.5374597944280347e-12, 1e-12, 'erfc 5');
    close(erfc(10), 2.0884875837625446e-45, 1e-12, 'erfc 10');
    // Φ(9) − Φ(8) ≈ 6.22e-16: 1 − 1 in naive arithmetic.
    close(normalCdfDiff(8, 9), 0.5 * (erfc(8 / Math.SQRT2) - erfc(9 / Math.SQRT2)), 1e-12, 'tail');
    assert.ok(normalCdfDiff(8, 9) > 6e-16);
    close(normalCdfDiff(-1, 1), 0.6826894921370859, 1e-14, 'one sigma');
  });

  for (const c of fixture.cases) {
    it(`agrees with the numpy/scipy reference: ${c.name}`, () => {
      const r = pedAnova(c.space, c.points, c.mode, { minTrials: 10 });
      assert.equal(r.status, 'ok');
      if (r.status !== 'ok') return;
      assert.equal(r.top, c.top, 'top trials');
      for (const imp of r.importances) {
        close(imp.divergence, c.divergence[imp.path], 1e-9, `${imp.path} divergence`);
        close(imp.importance, c.importance[imp.path], 1e-9, `${imp.path} importance`);
      }
      const sum = r.importances.reduce((a, b) => a + b.importance, 0);
      close(sum, 1, 1e-12, 'sum');
    });
  }

  it('the parameter that decides the metric ranks first; noise parameters are near zero', () => {
    // The dev error is a bowl in log10 lr around −2.5; beta1, units, act do nothing.
    const points = trials(60, (c) => 0.05 + 0.1 * (c.lr + 2.5) ** 2);
    const r = pedAnova(SPACE, points, 'min');
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.equal(r.importances[0].path, 'lr');
    assert.ok(r.importances[0].importance > 0.8, `lr ${r.importances[0].importance}`);
    for (const i of r.importances.slice(1)) assert.ok(i.importance < 0.08, `${i.path} ${i.importance}`);
    // The same decided by `units` (an integer) instead, maximised.
    const byUnits = pedAnova(SPACE, trials(60, (c) => -Math.abs(c.units - 50)), 'max');
    assert.equal(byUnits.status === 'ok' && byUnits.importances[0].path, 'units');
  });

  it('a choice that decides ranks first once its best choice fills the top', () => {
    // Only tanh trials are good, and the top quantile is wide enough to hold them all.
    const points = trials(45, (c) => (c.act === 1 ? 0.05 : 0.3));
    const r = pedAnova(SPACE, points, 'min', { quantile: 0.3 });
    assert.equal(r.status === 'ok' && r.importances[0].path, 'act');
  });

  it('top trials: the 10 % quantile, at least 5; max flips the order', () => {
    const pts = Array.from({ length: 30 }, (_, i) => ({ coords: {}, value: i }));
    assert.deepEqual(topTrials(pts, 'min', 0.1).map((p) => p.value), [0, 1, 2, 3, 4]);
    assert.deepEqual(topTrials(pts, 'max', 0.1).map((p) => p.value), [25, 26, 27, 28, 29]);
    const many = Array.from({ length: 101 }, (_, i) => ({ coords: {}, value: i }));
    assert.equal(topTrials(many, 'min', 0.1).length, 11);
  });

  it('too few trials to say; all-equal metrics give equal shares; a fixed dimension gets 0', () => {
    assert.deepEqual(pedAnova(SPACE, trials(9, () => 1), 'min'), { status: 'tooFew', trials: 9, needed: 10, importances: [] });
    const flat = pedAnova(SPACE, trials(20, () => 1), 'min');
    assert.ok(flat.status === 'ok' && flat.importances.every((i) => Math.abs(i.importance - 0.25) < 1e-12));
    const fixed: SearchDimension[] = [...SPACE, { path: 'fixed', scale: 'uniform', low: 1, high: 1, min: 1, max: 1 }];
    const withFixed = pedAnova(fixed, trials(30, (c) => c.lr ** 2).map((p) => ({ ...p, coords: { ...p.coords, fixed: 1 } })), 'min');
    assert.ok(withFixed.status === 'ok' && withFixed.importances.find((i) => i.path === 'fixed')!.importance === 0);
  });

  it('over a search: finished trials, or the metric at the latest epoch enough trials reached (ASHA)', () => {
    const record = (i: number, state: TrialRecord['state'], curve: number[]): TrialRecord => ({
      id: i + 1, name: `trial-${i + 1}`, round: 0, values: {}, coords: trials(40, () => 0)[i].coords, state, metric: curve[curve.length - 1],
      metricName: 'devError', curve, epoch: curve.length, epochs: 9, runDir: null, best: false, attempts: 1,
    });
    const all = trials(40, (c) => 0.05 + 0.1 * (c.lr + 2.5) ** 2);
    const finished = all.map((p, i) => record(i, 'finished', [0.5, p.value]));
    assert.deepEqual(searchImportance(SPACE, finished, 'min').basis, { kind: 'final' });
    // ASHA: 4 finished, the rest pruned at epoch 1 or 3: importances from the metric at epoch 3 (12 trials reached it).
    const asha = all.map((p, i) => record(i, i < 4 ? 'finished' : 'pruned', i < 12 ? [p.value, p.value, p.value, ...(i < 4 ? [p.value] : [])] : [p.value]));
    const r = searchImportance(SPACE, asha, 'min');
    assert.deepEqual(r.basis, { kind: 'epoch', epoch: 3 });
    assert.equal(r.result.status === 'ok' && r.result.trials, 12);
    const few = searchImportance(SPACE, finished.slice(0, 6), 'min');
    assert.equal(few.result.status, 'tooFew');
  });
});
