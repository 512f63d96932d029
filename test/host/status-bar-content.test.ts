import * as assert from 'node:assert/strict';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { emptySearchView } from '../../src/shared/search-view';
import type { TrialRecord, TrialState } from '../../src/shared/search-protocol';
import { Run } from '../../src/extension/runs/run-manager';
import { Search } from '../../src/extension/search/search-manager';
import { statusBarContent } from '../../src/extension/ui/status-bar-content';
import { runInfo } from './helpers';

function liveRun(id: string): Run {
  const view = emptyRunView(id, `/runs/${id}`);
  applyEvent(view, { type: 'runInfo', info: runInfo(id, `/runs/${id}`) });
  applyEvent(view, { type: 'state', state: 'running', iteration: 0, epoch: 0 });
  applyEvent(view, { type: 'metrics', firstIteration: 1, costs: [0.5], learningRate: 0.1, epoch: 3 });
  const run = new Run(view, true);
  run.live = true;
  return run;
}

function trial(id: number, state: TrialState, metric: number | null): TrialRecord {
  return {
    id, name: `trial-00${id}`, round: 0, values: { 'training.optimizer.learningRate': 0.01 }, coords: {}, state, metric,
    metricName: 'devError', curve: [], epoch: 4, epochs: 10, runDir: `/runs/search/trial-00${id}`, best: false, attempts: 1,
  };
}

function search(live: boolean, trials: TrialRecord[]): Search {
  const view = emptySearchView('/runs/search', 'lr-search');
  view.state = live ? 'running' : 'stopped';
  view.live = live;
  view.space = [{ path: 'training.optimizer.learningRate', scale: 'log', low: -4, high: 0, min: 1e-4, max: 1 }];
  view.trials = trials;
  view.bestTrial = trials.find((t) => t.state === 'finished')?.id ?? null;
  const s = new Search(view);
  // A stand-in for the process session: `live` means this window drives the search.
  if (live) s.session = {} as NonNullable<Search['session']>;
  return s;
}

describe('host: status bar content', () => {
  const running = trial(2, 'running', 0.0412);
  const s = search(true, [trial(1, 'finished', 0.031), running, trial(3, 'queued', null)]);
  const trialRun = new Run(emptyRunView('trial-002', running.runDir!), false);

  it('a run this window trains comes first', () => {
    const run = liveRun('20260101-120000-moons');
    const c = statusBarContent({ active: run, activeTrial: undefined, liveSearches: [s] });
    assert.equal(c?.text, '$(sync~spin) GL epoch 3 · 0.5');
    assert.deepEqual(c?.command, { command: 'gradientLab.openDashboard', arguments: [run.id] });
  });

  it('a selected trial that trains shows its epoch and metric, and opens its dashboard', () => {
    const c = statusBarContent({ active: trialRun, activeTrial: { search: s, trial: running }, liveSearches: [s] });
    assert.equal(c?.text, '$(sync~spin) GL trial-002 epoch 4/10 · 4.12%');
    assert.ok(c?.tooltip.includes('lr-search trial-002 — running'));
    assert.deepEqual(c?.command, { command: 'gradientLab.openDashboard', arguments: [trialRun] });
  });

  it('otherwise a running search shows its progress and best trial, and opens the search view', () => {
    const ended = new Run(emptyRunView('20260101-110000-old', '/runs/old'), true);
    ended.view.state = 'finished';
    for (const active of [undefined, ended]) {
      const c = statusBarContent({ active, activeTrial: undefined, liveSearches: [s] });
      assert.equal(c?.text, '$(search) GL search 1/3 · best 3.10%');
      assert.deepEqual(c?.command, { command: 'gradientLab.openSearch', arguments: ['/runs/search'] });
    }
    const done = trial(1, 'finished', 0.031);
    const c = statusBarContent({ active: trialRun, activeTrial: { search: s, trial: done }, liveSearches: [s] });
    assert.equal(c?.text, '$(search) GL search 1/3 · best 3.10%', 'a finished trial gives way to its running search');
  });

  it('with nothing running: the selected trial or run as it ended; nothing without a selection', () => {
    const past = search(false, [running]);
    const c = statusBarContent({ active: trialRun, activeTrial: { search: past, trial: running }, liveSearches: [] });
    assert.equal(c?.text, '$(circle-slash) GL trial-002 epoch 4/10 · 4.12%', 'a trial left running by a stopped search shows stopped');
    assert.equal(statusBarContent({ active: undefined, activeTrial: undefined, liveSearches: [] }), undefined);
  });

  it('a crashed run is marked as an error', () => {
    const run = liveRun('20260101-130000-x');
    run.live = false;
    run.view.state = 'crashed';
    assert.equal(statusBarContent({ active: run, activeTrial: undefined, liveSearches: [] })?.background, 'error');
  });
});
