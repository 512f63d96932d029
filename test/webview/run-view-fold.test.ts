import assert from 'node:assert/strict';
import { applyEvent, emptyRunView, reviveRunView } from '../../src/shared/run-view';
import type { RunView } from '../../src/shared/run-view';
import type { EngineEvent } from '../../src/shared/protocol';
import { sampleRunEvents } from '../../scripts/webview-dev/sample-run';
import { decodeNonFinite, encodeNonFinite, fromJson, toJson } from '../../src/shared/nonfinite';
import { appendPoint, badCount, columnIndex, means } from '../../src/shared/buckets';

/** The per-iteration costs a view holds (exact while each bucket holds one iteration). */
function costs(view: RunView): number[] {
  return means(view.iterations, columnIndex(view.iterations, 'cost')).ys;
}

/** What crosses postMessage: a structured clone (JSON is close enough for these plain objects, bar NaN). */
function clone(view: RunView): RunView {
  return structuredClone(view);
}

function fold(events: readonly EngineEvent[], view = emptyRunView('', '')): RunView {
  for (const e of events) applyEvent(view, e);
  return view;
}

describe('webview/applyEvent folding', () => {
  const events = sampleRunEvents();

  it('snapshot + deltas gives the same view as all events, wherever the snapshot is cut', () => {
    const all = fold(events);
    for (const cut of [0, 1, 3, 57, Math.floor(events.length / 2), events.length - 2, events.length]) {
      const snapshot = clone(fold(events.slice(0, cut)));
      const view = fold(events.slice(cut), snapshot);
      assert.deepEqual(view, all, `cut at ${cut}`);
    }
  });

  it('deltas delivered in several posts give the same view as one post', () => {
    const all = fold(events);
    const view = emptyRunView('', '');
    for (let i = 0; i < events.length; i += 37) fold(events.slice(i, i + 37), view);
    assert.deepEqual(view, all);
  });

  it('a resumed run that re-sends metrics from its checkpoint does not zig-zag', () => {
    const view = fold([
      { type: 'metrics', firstIteration: 1, costs: [5, 4, 3, 2], learningRate: 0.1, epoch: 1 },
      { type: 'metrics', firstIteration: 3, costs: [3.5, 2.5, 1.5], learningRate: 0.1, epoch: 1 },
    ]);
    assert.deepEqual(costs(view), [5, 4, 3, 2, 1.5]);
    assert.equal(view.iteration, 5);
  });

  it('keeps the NaN cost, the manual LR changes and the last state', () => {
    const view = fold(events);
    assert.ok(badCount(view.iterations, columnIndex(view.iterations, 'cost')) > 0, 'the NaN cost is kept');
    assert.deepEqual(view.learningRateChanges.map((c) => [c.iteration, c.to]), [[1350, 0.003], [3150, 0.001]]);
    assert.equal(view.state, 'finished');
    assert.equal(view.tests.length, 2);
    assert.equal(view.gradientChecks[0].band, 'bug');
  });
});

describe('webview/NaN across postMessage and JSON', () => {
  it('encodeNonFinite + structured clone (what postMessage does) + decodeNonFinite keeps NaN, ±Infinity and the buckets', () => {
    const view = fold(sampleRunEvents());
    appendPoint(view.iterations, view.iteration + 1, [Infinity, 0.1]);
    appendPoint(view.iterations, view.iteration + 2, [-Infinity, 0.1]);
    const before = structuredClone(view);
    const wire = structuredClone(encodeNonFinite({ type: 'snapshot', view })) as unknown;
    const back = decodeNonFinite(wire) as { type: string; view: RunView };
    assert.deepEqual(reviveRunView(back.view), reviveRunView(view));
    assert.deepEqual(view, before, 'the original is untouched');
    assert.deepEqual(decodeNonFinite({ a: [1, { $nf: 'NaN' }, null] }), { a: [1, Number.NaN, null] });
  });

  it('toJson + fromJson (the socket and the run folder) + reviveRunView gives the same view', () => {
    const view = fold(sampleRunEvents());
    const back = reviveRunView(fromJson(toJson(view)) as RunView);
    assert.deepEqual(back, reviveRunView(view));
    assert.ok(back.iterations.badValue instanceof Float64Array);
  });
});

describe('webview/a view keeps its id', () => {
  it('runInfo and history of a search trial do not rename the view the host and the webview know it by (regression: a held trial\'s dashboard went blank)', () => {
    const view = emptyRunView('20260101-000000-s-search/trial-006', '');
    const events = sampleRunEvents();
    const info = events.find((e): e is Extract<EngineEvent, { type: 'runInfo' }> => e.type === 'runInfo')!;
    applyEvent(view, { type: 'runInfo', info: { ...info.info, runId: 'trial-006' } });
    assert.equal(view.runId, '20260101-000000-s-search/trial-006');
    const engineView = fold(events);
    engineView.runId = 'trial-006';
    applyEvent(view, { type: 'history', view: structuredClone(engineView) });
    assert.equal(view.runId, '20260101-000000-s-search/trial-006');
    assert.equal(view.iteration, engineView.iteration);
    const fresh = emptyRunView('', '');
    applyEvent(fresh, { type: 'runInfo', info: { ...info.info, runId: 'r-1' } });
    assert.equal(fresh.runId, 'r-1', 'a new run takes the engine\'s id');
  });
});
