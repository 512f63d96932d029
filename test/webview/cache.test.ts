import assert from 'node:assert/strict';
import { EwaCache, LayerSeriesCache } from '../../webview/charts/cache';
import { debiasedEwa, layerSeries } from '../../src/shared/series';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { sampleRunEvents } from '../../scripts/webview-dev/sample-run';

describe('webview/incremental caches', () => {
  it('EwaCache extended batch by batch equals debiasedEwa over the whole series', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i) + (i === 500 ? Number.NaN : 0));
    const cache = new EwaCache();
    const grow: number[] = [];
    for (let i = 0; i < values.length; i += 37) {
      grow.push(...values.slice(i, i + 37));
      cache.get(grow, 0.9, 'run');
    }
    assert.deepEqual(cache.get(grow, 0.9, 'run'), debiasedEwa(values, 0.9));
    assert.equal(cache.nonFinite, 1);
    assert.deepEqual(cache.get(grow, 0.5, 'run'), debiasedEwa(values, 0.5), 'a new β starts over');
    const rewritten = grow.slice(0, 10).map((y) => y + 1);
    assert.deepEqual(cache.get(rewritten, 0.5, 'run#2'), debiasedEwa(rewritten, 0.5), 'a new key starts over');
  });

  it('LayerSeriesCache extended as samples arrive equals layerSeries', () => {
    const view = emptyRunView('', '');
    const cache = new LayerSeriesCache('gradNorm');
    const events = sampleRunEvents({ epochs: 6 });
    for (let i = 0; i < events.length; i += 50) {
      for (const e of events.slice(i, i + 50)) applyEvent(view, e);
      cache.get(view, 'k');
    }
    const want = layerSeries(view, 'gradNorm');
    assert.deepEqual(cache.get(view, 'k').map((l) => ({ ...l })), want);
  });
});
