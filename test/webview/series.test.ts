import assert from 'node:assert/strict';
import {
  costLine, debiasedEwa, epochOfIteration, errorSeries, formatNumber, layerSeries, learningRateSteps,
  smoothedCost,
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

  describe('series out of a RunView', () => {
    const view = foldAll(sampleRunEvents());

    it('learning rate steps reach the current iteration and include the manual changes', () => {
      const s = learningRateSteps(view);
      assert.equal(s.xs[0], 1);
      assert.equal(s.xs[s.xs.length - 1], view.iteration);
      const at = (it: number): number => s.ys[s.xs.filter((x) => x <= it).length - 1];
      assert.equal(at(1), 0.01);
      assert.equal(at(1351), 0.003);
      assert.equal(at(4000), 0.001);
      assert.equal(s.ys[s.ys.length - 1], view.learningRate);
    });

    it('layer series has one series per layer with the NaN kept', () => {
      const g = layerSeries(view, 'gradNorm');
      assert.deepEqual(g.map((s) => s.layer), ['L1', 'L2', 'L3']);
      assert.ok(view.layers);
      assert.equal(g[0].xs.length, view.layers.size);
      assert.ok(g[2].ys.some((y) => Number.isNaN(y)) || g[2].bad.length > 0, 'the NaN gradient is kept');
    });

    it('maps iterations to epochs', () => {
      assert.equal(epochOfIteration(view, 150), 1);
      assert.equal(epochOfIteration(view, 4500), 30);
      assert.ok(epochOfIteration(view, 151) > 1 && epochOfIteration(view, 151) < 2);
    });

    it('draws the cost with its NaN as a marker, never as a point', () => {
      const c = costLine(view, 400);
      assert.ok(c.xs.length <= 400 && c.xs.length > 0);
      assert.ok(c.ys.every((y) => Number.isFinite(y)));
      assert.ok(c.bad.length > 0 && c.bad.every((b) => Number.isNaN(b.value)));
      const e = smoothedCost(view, 0.9);
      assert.equal(e.xs.length, e.ys.length);
    });

    it('error series has one point per epoch for train and dev', () => {
      const e = errorSeries(view);
      assert.equal(e.train.xs.length, 30);
      assert.equal(e.dev.xs.length, 30);
      assert.equal(e.dev.ys[29], view.lastEpoch?.devError);
    });

    it('formats numbers for the UI', () => {
      assert.equal(formatNumber(0.012345), '0.0123');
      assert.equal(formatNumber(1.5e-7), '1.50e-7');
      assert.equal(formatNumber(Number.NaN), 'NaN');
      assert.equal(formatNumber(null), '—');
    });
  });
});
