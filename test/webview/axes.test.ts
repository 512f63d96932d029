/** Readable axes: the log floor six decades below the robust maximum, robust linear extents, NaN/Inf counted. */
import assert from 'node:assert/strict';
import { axisNote, clampPoints, countNonFinite, fitLinearAxis, fitLogAxis, nonFiniteOfLines, quantile } from '../../webview/charts/axes';
import { layerSeries } from '../../src/shared/series';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { sampleRunEvents } from '../../scripts/webview-dev/sample-run';

describe('webview/charts/axes', () => {
  it('quantile interpolates between sorted values', () => {
    assert.equal(quantile([0, 10], 0.5), 5);
    assert.equal(quantile([1, 2, 3, 4, 5], 0.95), 4.8);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('a converged run: the log axis stops six decades below the robust maximum, not at 1e-45', () => {
    // Gradients that fall from ~1 to 1e-45 as the cost converges (the 1e-45 … 1e3 axis).
    const ys = Array.from({ length: 100 }, (_, i) => 10 ** (-i * 0.45));
    const axis = fitLogAxis([ys]);
    const robust = quantile([...ys].sort((a, b) => a - b), 0.95); // ≈ 1e-2
    assert.equal(axis.max, 10);
    assert.ok(Math.abs(Math.log10(axis.min) - (Math.floor(Math.log10(robust)) - 6)) < 1e-9, `floor ${axis.min}`);
    assert.equal(axis.below, ys.filter((y) => y < axis.min).length);
    assert.ok(axis.below > 50);
  });

  it('data spanning less than six decades keeps its own range; one spike does not move the floor', () => {
    const axis = fitLogAxis([[2e-3, 5e-3, 1e-2], [3e-3]]);
    assert.equal(axis.min, 1e-3);
    assert.equal(axis.max, 0.1);
    assert.equal(axis.below, 0);
    const spiky = Array.from({ length: 40 }, () => 1e-3);
    spiky[20] = 1e8;
    const s = fitLogAxis([spiky]);
    assert.equal(s.max, 1e9, 'the spike is in view');
    assert.equal(s.min, 1e-3, 'the floor follows the typical values, not the spike');
  });

  it('zeros and negatives are below the log floor; NaN and ±Inf are counted, not used', () => {
    const axis = fitLogAxis([[0, 1e-2, NaN, Infinity, -Infinity, 1e-1, -1]]);
    assert.equal(axis.below, 2);
    assert.deepEqual(axis.nonFinite, { nan: 1, posInf: 1, negInf: 1 });
    assert.equal(axis.min, 1e-2);
    assert.deepEqual(fitLogAxis([[0, 0]], [1e-4, 1]).min, 1e-4, 'nothing positive: the fallback');
  });

  it('robust linear extents: the 5th–95th percentile, padded, outliers counted; off by default', () => {
    const ys = Array.from({ length: 101 }, (_, i) => i / 100); // 0 … 1
    ys.push(1000);
    const all = fitLinearAxis([ys], false);
    assert.ok(all.max > 1000 && all.min < 0);
    assert.equal(all.outside, 0);
    const robust = fitLinearAxis([ys], true);
    const lo = quantile([...ys].sort((a, b) => a - b), 0.05);
    const hi = quantile([...ys].sort((a, b) => a - b), 0.95);
    assert.ok(Math.abs(robust.min - (lo - 0.05 * (hi - lo))) < 1e-12);
    assert.ok(Math.abs(robust.max - (hi + 0.05 * (hi - lo))) < 1e-12);
    assert.ok(robust.outside >= 1 && robust.outside <= 6, `${robust.outside}`);
    const flat = fitLinearAxis([[3, 3, 3]], true);
    assert.ok(flat.min < 3 && flat.max > 3);
  });

  it('points beyond the axis are drawn at its edge and reported; non-finite ones pass through', () => {
    const { points, clamped } = clampPoints([{ x: 1, y: 5 }, { x: 2, y: -1 }, { x: 3, y: NaN }, { x: 4, y: 0.5 }], { min: 0, max: 1 });
    assert.deepEqual(points.map((p) => p.y), [1, 0, NaN, 0.5]);
    assert.deepEqual(clamped, [{ x: 1, kind: 'above' }, { x: 2, kind: 'below' }]);
  });

  it('the note says what was not drawn in place', () => {
    assert.equal(axisNote({}), '');
    assert.equal(axisNote({ below: 3, floor: 1e-9, nonFinite: countNonFinite([[NaN, Infinity]]) }),
      '▽ 3 values below 1e-9 drawn at the floor · ▲ 1 NaN · ▲ 1 +∞');
    assert.equal(axisNote({ outside: 1 }), '◇ 1 outlier drawn at the edge');
  });

  it('a NaN gradient norm in a bucket with finite samples is counted in the axis note (the bucket mean skips it)', () => {
    const view = emptyRunView('r', '');
    for (const e of sampleRunEvents()) applyEvent(view, e);
    const series = layerSeries(view, 'gradNorm');
    assert.equal(countNonFinite(series.map((s) => s.ys)).nan, 0, 'the means have no NaN: counting them missed it');
    assert.equal(nonFiniteOfLines(series).nan, 1);
    assert.match(axisNote({ nonFinite: nonFiniteOfLines(series) }), /▲ 1 NaN/);
  });
});
