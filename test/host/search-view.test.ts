/**
 * The host-side model of a hyperparameter search: search events folded into a SearchView
 * (src/shared/search-view.ts) give what the search itself wrote to search.json; snapshot + throttled
 * deltas through the SearchChannel give the webview exactly the host's view (also when it opens or
 * reloads mid-search); compaction never changes the result; formatting and the scatter axes.
 * The event streams come from the real SearchRunner with fake trials (test/search/fake-launcher).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/shared/config';
import type { SearchDimension, SearchEvent } from '../../src/shared/search-protocol';
import {
  applySearchEvent, compactSearchEvents, countTrials, describeBox, dimensionLabels, emptySearchView, formatMetric,
  formatSearchValue, searchViewFromFile, shownTrialState, type SearchView, type SearchViewEvent,
} from '../../src/shared/search-view';
import type { HostToWebview } from '../../src/shared/webview-protocol';
import { decodeNonFinite } from '../../src/shared/nonfinite';
import { SearchRunner } from '../../src/engine/search/runner';
import { readSearchFile } from '../../src/engine/search/search-store';
import { SearchChannel } from '../../src/extension/search/search-channel';
import { betaTick, boxRanges, integerTicks, jitter, planAxis, xOf } from '../../webview/search/axes';
import { FakeLauncher } from '../search/fake-launcher';
import { until } from '../search/helpers';
import { FakeClock } from './helpers';

const LR = 'training.optimizer.learningRate';
const B1 = 'training.optimizer.beta1';
const ACT = 'model.hidden[*].activation';

/** Best near lr = 1e-2; worse the further away; improves with epochs; NaN for the largest rates. */
const bowl = (c: ExperimentConfig, epoch: number): number => {
  const lr = c.training.optimizer.learningRate;
  if (lr > 0.5) return Number.NaN;
  return 0.05 + 0.1 * Math.abs(Math.log10(lr) + 2) + 0.3 * Math.exp(-epoch / 2);
};

function experiment(search: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'fold', seed: 5,
    data: { source: 'moons', samples: 200 },
    model: { hidden: [{ units: 8, activation: 'relu' }] },
    training: { epochs: 6, optimizer: { type: 'adam', learningRate: 0.01 } },
    search: {
      space: { [LR]: { log: [1e-4, 1] }, [B1]: { oneMinusLog: [0.9, 0.999] }, [ACT]: { choice: ['relu', 'tanh'] } },
      trials: 6, parallel: 2, rounds: 2, keepTop: 3, ...search,
    },
  };
}

/** Runs a fake search to its end with some live control; returns every event, in order, and the folder. */
async function recordSearch(): Promise<{ events: SearchEvent[]; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-search-view-'));
  const configPath = path.join(dir, 'exp.nn.json');
  fs.writeFileSync(configPath, JSON.stringify(experiment({})));
  const runner = SearchRunner.create({
    configPath, runsDir: path.join(dir, 'runs'), launcher: new FakeLauncher({ metric: bowl, epochMs: 3 }), writeThrottleMs: 10, eventThrottleMs: 5,
  });
  const events: SearchEvent[] = [];
  runner.onAny((e) => events.push(structuredClone(e)));
  const done = runner.run();
  await until(() => events.some((e) => e.type === 'trial' && e.trial.id === 1 && e.trial.epoch >= 2));
  runner.killTrial(1);
  runner.addTrials(2);
  await done;
  return { events, dir: runner.dir };
}

describe('host: search view model (fold, snapshot + deltas)', function () {
  this.timeout(20000);
  let recorded: { events: SearchEvent[]; dir: string };

  before(async () => {
    recorded = await recordSearch();
  });

  it('folding the search events gives what the search wrote to search.json', () => {
    const view = emptySearchView('');
    for (const e of recorded.events) applySearchEvent(view, e);
    const file = readSearchFile(recorded.dir);
    assert.equal(view.dir, recorded.dir);
    assert.equal(view.state, 'finished');
    assert.equal(view.state, file.state);
    assert.equal(view.roundBoxes.length, 2);
    assert.deepEqual(view.roundBoxes, file.roundBoxes);
    assert.deepEqual(view.space, file.space);
    assert.equal(view.bestTrial, file.bestTrial);
    assert.ok(view.bestTrial !== null);
    // Every trial record as the file has it (NaN metrics included: compare through the same JSON form).
    const norm = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
    assert.deepEqual(norm(view.trials.map((t) => ({ ...t, best: t.id === file.bestTrial }))), norm(file.trials));
    assert.equal(view.trials.length, 14, '2 rounds × 6 + 2 added');
    assert.deepEqual(view.trials.map((t) => t.id), [...view.trials.map((t) => t.id)].sort((a, b) => a - b), 'ordered by id');
    assert.equal(view.trials.find((t) => t.id === 1)?.state, 'killed');
    const c = countTrials(view.trials);
    assert.equal(c.done, 14);
    assert.equal(c.byState.killed, 1);
    assert.equal(view.progress?.done, 14);
  });

  it('a search read back from search.json is the folded view', () => {
    const folded = emptySearchView('');
    for (const e of recorded.events) applySearchEvent(folded, e);
    const file = readSearchFile(recorded.dir);
    const fromFile = searchViewFromFile(file, recorded.dir, { state: 'finished', live: false });
    assert.deepEqual(fromFile.roundBoxes, folded.roundBoxes);
    assert.equal(fromFile.bestTrial, folded.bestTrial);
    assert.equal(fromFile.trials.length, folded.trials.length);
    assert.deepEqual(fromFile.trials.map((t) => [t.id, t.state, t.epoch]), folded.trials.map((t) => [t.id, t.state, t.epoch]));
    assert.deepEqual(
      { done: fromFile.progress?.done, total: fromFile.progress?.total, best: fromFile.progress?.best?.id },
      { done: folded.progress?.done, total: folded.progress?.total, best: folded.progress?.best?.id },
    );
  });

  it('compaction drops only what a later event supersedes: same view, fewer events', () => {
    const events: SearchViewEvent[] = [{ type: 'status', state: 'starting', live: true }, ...recorded.events, { type: 'status', state: 'finished', live: false }];
    let seed = 17;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const all = emptySearchView('');
      const compacted = emptySearchView('');
      let dropped = 0;
      for (let i = 0; i < events.length;) {
        const n = 1 + Math.floor(rand() * 40);
        const batch = events.slice(i, i + n);
        i += n;
        for (const e of batch) applySearchEvent(all, e);
        const c = compactSearchEvents(batch);
        dropped += batch.length - c.length;
        for (const e of c) applySearchEvent(compacted, e);
      }
      assert.deepEqual(compacted, all);
      assert.ok(dropped > 0);
    }
  });

  it('snapshot + throttled deltas equal the host view, when the view opens mid-search and when it reloads', () => {
    const clock = new FakeClock();
    const host = emptySearchView('');
    host.live = true;
    let web: SearchView | null = null;
    const postTimes: number[] = [];
    let snapshots = 0;
    const receive = (raw: unknown): void => {
      // Through JSON, as VS Code's postMessage does (NaN metrics travel encoded).
      const msg = decodeNonFinite(JSON.parse(JSON.stringify(raw))) as HostToWebview;
      if (msg.type === 'searchEvents') postTimes.push(clock.now());
      if (msg.type === 'searchSnapshot') {
        web = msg.view;
        snapshots++;
      } else if (msg.type === 'searchEvents') {
        assert.ok(web, 'deltas after a snapshot');
        assert.equal(msg.dir, host.dir);
        for (const e of msg.events) applySearchEvent(web, e);
      }
    };
    const channel = new SearchChannel({ post: receive, snapshot: () => ({ type: 'searchSnapshot', view: host }), dir: () => host.dir, ratePerSecond: 60, clock });
    const events = recorded.events;
    events.forEach((e, i) => {
      applySearchEvent(host, e);
      channel.event(e);
      if (i === 10) channel.onReady(); // opened after the search started
      if (i === Math.floor(events.length / 2)) {
        channel.reset(); // hidden and reloaded
        channel.onReady();
      }
      clock.advance(7);
    });
    const end: SearchViewEvent = { type: 'status', state: 'finished', live: false };
    applySearchEvent(host, end);
    channel.event(end);
    clock.advance(200);
    channel.flushNow();
    assert.equal(snapshots, 2);
    const norm = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
    assert.deepEqual(norm(web), norm(host));
    assert.ok(host.trials.some((t) => t.metric !== null && Number.isNaN(t.metric)), 'a NaN metric travelled');
    assert.ok(channel.stats.events < channel.stats.eventsIn, 'batches were compacted');
    // ≤ 10 posts in any second, whatever the refresh-rate setting says.
    for (let i = 0; i < postTimes.length; i++) {
      const inWindow = postTimes.filter((t) => t >= postTimes[i] && t < postTimes[i] + 1000).length;
      assert.ok(inWindow <= 10, `${inWindow} delta posts within a second`);
    }
  });

  it('shows running trials of a search whose process is gone as stopped', () => {
    const view = emptySearchView('/runs/s');
    applySearchEvent(view, { type: 'status', state: 'stopped', live: false, reason: 'Interrupted' });
    const t = { id: 1, name: 'trial-001', round: 0, values: {}, coords: {}, state: 'running' as const, metric: null, metricName: 'devError' as const, curve: [], epoch: 1, epochs: 5, runDir: '/x', best: false, attempts: 1 };
    assert.equal(shownTrialState(view, t), 'stopped');
    applySearchEvent(view, { type: 'status', state: 'running', live: true });
    assert.equal(shownTrialState(view, t), 'running');
    applySearchEvent(view, { type: 'status', state: 'running', live: false, external: true });
    assert.equal(shownTrialState(view, t), 'running', 'run by another process');
  });
});

describe('host: search value formatting and scatter axes', () => {
  const log: SearchDimension = { path: LR, scale: 'log', low: -4, high: 0, min: 1e-4, max: 1 };
  const beta: SearchDimension = { path: B1, scale: 'oneMinusLog', low: -3, high: -1, min: 0.9, max: 0.999 };
  const units: SearchDimension = { path: 'model.hidden[*].units', scale: 'int', low: 4, high: 64, min: 4, max: 64 };
  const keep: SearchDimension = { path: 'model.hidden[0].keepProb', scale: 'uniform', low: 0.5, high: 1, min: 0.5, max: 1 };
  const act: SearchDimension = { path: ACT, scale: 'choice', low: 0, high: 2, choices: ['relu', 'tanh', 'leakyRelu'] };

  it('formats log values in scientific notation and β with enough digits for 1 − β', () => {
    assert.equal(formatSearchValue(log, 0.039618355326745805), '3.96e-2');
    assert.equal(formatSearchValue(log, 1.0259647412351868e-4), '1.03e-4');
    assert.equal(formatSearchValue(log, 0.5), '5.00e-1');
    assert.equal(formatSearchValue(beta, 0.9477973326668095), '0.9478', '1 − β = 0.0522');
    assert.equal(formatSearchValue(beta, 0.9984779840809005), '0.99848');
    assert.equal(formatSearchValue(units, 29), '29');
    assert.equal(formatSearchValue(keep, 0.73456789), '0.7346');
    assert.equal(formatSearchValue(act, 'tanh'), 'tanh');
    assert.equal(formatSearchValue(log, undefined), '—');
    assert.equal(formatSearchValue(log, Number.NaN), 'NaN');
    assert.equal(formatMetric('devError', 0.02667), '2.67%');
    assert.equal(formatMetric('devError', 0.25), '25.0%');
    assert.equal(formatMetric('devLoss', 0.123456), '0.1235');
    assert.equal(formatMetric('devLoss', Number.NaN), 'NaN');
    assert.equal(formatMetric('devError', null), '—');
  });

  it('names columns by the last path segment, with more of the path where two would clash', () => {
    assert.deepEqual(dimensionLabels([log, beta, units, act]), ['learningRate', 'beta1', 'units', 'activation']);
    const two: SearchDimension[] = [
      { ...units, path: 'model.hidden[0].units' }, { ...units, path: 'model.hidden[1].units' }, log,
    ];
    assert.deepEqual(dimensionLabels(two), ['hidden[0].units', 'hidden[1].units', 'learningRate']);
  });

  it('describes a round box in sampling space', () => {
    const text = describeBox([log, beta, units, act], {
      index: 1, basedOn: [5, 6, 2],
      box: { [LR]: { low: -2.111, high: -1.333 }, [B1]: { low: -1.96, high: -1.17 }, [units.path]: { low: 13, high: 34 }, [ACT]: { indices: [0, 2] } },
    });
    assert.equal(text, 'learningRate 10^[-2.11, -1.33] · beta1 1−10^[-1.96, -1.17] · units [13, 34] · activation ∈ {relu, leakyRelu}');
  });

  it('puts log values on a log axis, 1 − β on a reversed log axis labelled as β, choices by index', () => {
    assert.equal(xOf(log, 0.01), 0.01);
    assert.equal(xOf(log, 0), null);
    assert.ok(Math.abs(xOf(beta, 0.99)! - 0.01) < 1e-12);
    assert.equal(xOf(units, 12), 12);
    const x = xOf(act, 'leakyRelu', 7)!;
    assert.ok(Math.abs(x - 2) <= 0.18 && x !== 2, 'jittered around its index');
    assert.equal(jitter(7), jitter(7), 'deterministic');
    assert.equal(xOf(act, 'gelu'), null);

    const l = planAxis(log, 'learningRate');
    assert.equal(l.type, 'logarithmic');
    assert.ok(l.min < 1e-4 && l.max > 1 && !l.reverse);
    const b = planAxis(beta, 'beta1');
    assert.equal(b.type, 'logarithmic');
    assert.ok(b.reverse, 'β grows to the right');
    assert.ok(b.min < 0.001 && b.max > 0.1);
    assert.deepEqual([0.1, 0.01, 0.001].map((v) => b.tick(v, 2)), ['0.9', '0.99', '0.999']);
    assert.equal(betaTick(0.05, 2), '0.95');
    assert.equal(betaTick(0.03, 2), '', 'only where a log axis labels');
    const c = planAxis(act, 'activation');
    assert.deepEqual([0, 1, 2, 0.5].map((v) => c.tick(v, 0)), ['relu', 'tanh', 'leakyRelu', '']);
    assert.equal(planAxis(units, 'units').type, 'linear');
    assert.deepEqual(planAxis(units, 'units').ticks, [10, 20, 30, 40, 50, 60], 'whole numbers, not the ±0.5 margins');
    assert.deepEqual(c.ticks, [0, 1, 2], 'one tick per choice');
    assert.equal(l.ticks, null);
    assert.deepEqual(integerTicks(1, 5), [1, 2, 3, 4, 5]);
    assert.deepEqual(integerTicks(0, 1000), [0, 200, 400, 600, 800, 1000]);

    assert.deepEqual(boxRanges(log, { low: -3, high: -1 }), [[0.001, 0.1]]);
    assert.deepEqual(boxRanges(beta, { low: -2, high: -1 }), [[0.01, 0.1]], '1 − β from 0.01 to 0.1');
    assert.deepEqual(boxRanges(units, { low: 13, high: 34 }), [[12.5, 34.5]]);
    assert.deepEqual(boxRanges(act, { indices: [0, 2] }), [[-0.45, 0.45], [1.55, 2.45]]);
    assert.deepEqual(boxRanges(keep, undefined), []);
  });
});
