import assert from 'node:assert/strict';
import { parseSort, sortTrials } from '../../webview/search/sort';
import { emptySearchView } from '../../src/shared/search-view';
import type { TrialRecord, TrialState } from '../../src/shared/search-protocol';

function trial(id: number, state: TrialState, metric: number | null, lr = id / 10): TrialRecord {
  return {
    id, name: `trial-${String(id).padStart(3, '0')}`, round: 0, values: { 'optimizer.learningRate': lr },
    coords: { 'optimizer.learningRate': Math.log10(lr) }, state, metric, metricName: 'devError',
    curve: [], epoch: 1, epochs: 5, runDir: null, best: false, attempts: 1,
  };
}

describe('webview/search table order', () => {
  const view = emptySearchView('/runs/search-1');
  view.live = true;
  const trials = [
    trial(1, 'killed', 0.01), // stopped early on a lucky epoch: better than any finished trial
    trial(2, 'finished', 0.05),
    trial(3, 'finished', 0.03),
    trial(4, 'queued', null),
    trial(5, 'running', 0.02),
    trial(6, 'finished', Number.NaN),
  ];
  const ids = (ts: TrialRecord[]): number[] => ts.map((t) => t.id);

  it('by metric: finished trials first (the best trial on top), then partial metrics, then none', () => {
    assert.deepEqual(ids(sortTrials(view, trials, { key: 'metric', desc: false })), [3, 2, 1, 5, 4, 6]);
  });

  it('reversed by metric: the tiers stay, each reversed', () => {
    assert.deepEqual(ids(sortTrials(view, trials, { key: 'metric', desc: true })), [2, 3, 5, 1, 4, 6]);
  });

  it('in a stopped search a running trial shows as stopped, still in the partial tier', () => {
    const stopped = { ...view, live: false, state: 'stopped' as const };
    assert.deepEqual(ids(sortTrials(stopped, trials, { key: 'metric', desc: false })), [3, 2, 1, 5, 4, 6]);
  });

  it('other columns: values in order, missing values last, ties by id', () => {
    assert.deepEqual(ids(sortTrials(view, trials, { key: 'dim:optimizer.learningRate', desc: true })), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(ids(sortTrials(view, trials, { key: 'state', desc: false })), [5, 4, 2, 3, 6, 1]);
    assert.deepEqual(ids(sortTrials(view, trials, { key: 'round', desc: true })), [1, 2, 3, 4, 5, 6]);
  });

  it('the order kept in the webview state comes back when the view is shown again; anything else is refused', () => {
    assert.deepEqual(parseSort({ key: 'metric', desc: true }), { key: 'metric', desc: true });
    assert.deepEqual(parseSort({ key: 'dim:optimizer.learningRate', desc: false }), { key: 'dim:optimizer.learningRate', desc: false });
    for (const bad of [undefined, null, 'metric', { key: 'nope', desc: true }, { key: 'metric' }, { key: 3, desc: false }]) assert.equal(parseSort(bad), null);
  });
});
