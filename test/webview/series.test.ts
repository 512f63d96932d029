import assert from 'node:assert/strict';
import {
  CSV_HEADER, debiasedEwa, decimate, decimateIndices, epochOfIteration, formatNumber, layerSeries,
  learningRateAt, learningRateSteps, toCsv,
} from '../../src/shared/series';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import type { RunView } from '../../src/shared/run-view';
import { sampleRunEvents } from '../../scripts/webview-dev/sample-run';

function close(a: number, b: number, tol = 1e-12): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
}

function foldAll(events: ReturnType<typeof sampleRunEvents>): RunView {
  const v = emptyRunView('', '');
  for (const e of events) applyEvent(v, e);
  return v;
}

describe('webview/series', () => {
  describe('debiasedEwa', () => {
    it('matches a hand computation with bias correction', () => {
      const b = 0.6;
      const out = debiasedEwa([1, 2, 3], b);
      // last₁ = 0.4·1 = 0.4 → 0.4 / (1 − 0.6) = 1
      close(out[0], 1);
      // last₂ = 0.4·0.6 + 0.4·2 = 1.04 → 1.04 / (1 − 0.36) = 1.625
      close(out[1], 1.625);
      // last₃ = 1.04·0.6 + 0.4·3 = 1.824 → 1.824 / (1 − 0.216) = 2.326530612…
      close(out[2], 1.824 / 0.784);
    });

    it('passes NaN/Inf through without folding them in', () => {
      const b = 0.5;
      const out = debiasedEwa([4, Number.NaN, Infinity, 2, -Infinity], b);
      close(out[0], 4);
      assert.ok(Number.isNaN(out[1]));
      assert.equal(out[2], Infinity);
      // second finite value: last = 0.5·(0.5·4) + 0.5·2 = 2 → 2 / (1 − 0.25) = 8/3
      close(out[3], 8 / 3);
      assert.equal(out[4], -Infinity);
    });

    it('is the identity at β = 0 and keeps a constant series constant', () => {
      assert.deepEqual(debiasedEwa([3, 1, 2], 0), [3, 1, 2]);
      for (const y of debiasedEwa(new Array<number>(500).fill(0.7), 0.999)) close(y, 0.7, 1e-9);
    });
  });

  describe('decimate', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = Array.from({ length: n }, (_, i) => Math.sin(i / 500) + 0.001 * (i % 7));
    ys[123] = 50; // a spike
    ys[54_321] = -50; // a dip
    ys[7_000] = Number.NaN;
    ys[60_000] = Infinity;
    ys[90_000] = -Infinity;

    it('keeps at most maxPoints, the first and last point and the extremes', () => {
      const d = decimate(xs, ys, 2000);
      assert.ok(d.xs.length <= 2000, `${d.xs.length} points`);
      assert.ok(d.xs.length >= 1500, 'uses most of its budget');
      assert.equal(d.xs[0], 1);
      assert.equal(d.xs[d.xs.length - 1], n);
      assert.ok(d.ys.includes(50));
      assert.ok(d.ys.includes(-50));
      for (let i = 1; i < d.xs.length; i++) assert.ok(d.xs[i] > d.xs[i - 1], 'x strictly increasing');
    });

    it('never drops a non-finite point', () => {
      const d = decimate(xs, ys, 2000);
      assert.ok(d.xs.includes(7_001) && Number.isNaN(d.ys[d.xs.indexOf(7_001)]));
      assert.equal(d.ys[d.xs.indexOf(60_001)], Infinity);
      assert.equal(d.ys[d.xs.indexOf(90_001)], -Infinity);
    });

    it('still fits the budget when many values are non-finite', () => {
      const bad = ys.map((y, i) => (i % 3 === 0 ? Number.NaN : i % 3 === 1 ? Infinity : y));
      const idx = decimateIndices(bad, 500);
      assert.ok(idx.length <= 500, `${idx.length} points`);
      assert.ok(idx.some((i) => Number.isNaN(bad[i])) && idx.some((i) => bad[i] === Infinity));
    });

    it('returns short series whole', () => {
      assert.deepEqual(decimate([1, 2, 3], [3, Number.NaN, 1], 2000), { xs: [1, 2, 3], ys: [3, Number.NaN, 1] });
    });
  });

  describe('series out of a RunView', () => {
    const view = foldAll(sampleRunEvents());

    it('learning rate steps reach the current iteration and include the manual changes', () => {
      const s = learningRateSteps(view);
      assert.equal(s.xs[0], 1);
      assert.equal(s.xs[s.xs.length - 1], view.iteration);
      assert.equal(learningRateAt(view, 1), 0.01);
      assert.equal(learningRateAt(view, 1351), 0.003);
      assert.equal(learningRateAt(view, 4000), 0.001);
    });

    it('layer series has one series per layer with the NaN kept', () => {
      const g = layerSeries(view, 'gradNorm');
      assert.deepEqual(g.map((s) => s.layer), ['L1', 'L2', 'L3']);
      assert.equal(g[0].xs.length, view.layerStats.length);
      assert.ok(g[2].ys.some((y) => Number.isNaN(y)));
    });

    it('maps iterations to epochs', () => {
      assert.equal(epochOfIteration(view, 1), 1);
      assert.equal(epochOfIteration(view, 150), 1);
      assert.equal(epochOfIteration(view, 151), 2);
      assert.equal(epochOfIteration(view, 4500), 30);
    });

    it('formats numbers for the UI', () => {
      assert.equal(formatNumber(0.012345), '0.0123');
      assert.equal(formatNumber(1.5e-7), '1.50e-7');
      assert.equal(formatNumber(Number.NaN), 'NaN');
      assert.equal(formatNumber(null), '—');
    });
  });

  describe('toCsv', () => {
    it('has the header and a row per iteration, epoch and test evaluation', () => {
      const view = foldAll(sampleRunEvents());
      const lines = toCsv(view).trimEnd().split('\n');
      assert.equal(lines[0], CSV_HEADER.join(','));
      const rows = lines.slice(1).map((l) => l.split(','));
      for (const r of rows) assert.equal(r.length, CSV_HEADER.length);
      const kinds = (k: string): string[][] => rows.filter((r) => r[0] === k);
      assert.equal(kinds('iteration').length, view.costs.length);
      assert.equal(kinds('epoch').length, 30);
      assert.equal(kinds('test').length, 2);
      assert.equal(rows.length, view.costs.length + 32);
      const first = kinds('iteration')[0];
      assert.deepEqual(first.slice(0, 3), ['iteration', '1', '1']);
      assert.equal(Number(first[3]), view.costs[0]);
      assert.equal(first[4], '0.01');
      assert.ok(kinds('iteration').some((r) => r[3] === 'NaN'), 'the NaN cost is written as NaN');
      const lastEpoch = kinds('epoch')[29];
      assert.equal(lastEpoch[2], '30');
      assert.equal(Number(lastEpoch[8]), view.epochs[29].devError);
      assert.equal(kinds('test')[1][11], '2');
    });

    it('writes an empty view as the header alone', () => {
      assert.equal(toCsv(emptyRunView('r', '/tmp/r')), CSV_HEADER.join(',') + '\n');
    });
  });
});
