/**
 * The search view's component logic without a DOM: parallel-coordinates axes (log, 1 − β, int,
 * choice bands, metric), brushing and its filter, axis reordering, the persisted state; the
 * curves of every trial with their rung markers; the importance/advice models; the CSV export.
 */
import assert from 'node:assert/strict';
import type { SearchDimension, TrialRecord, TrialState } from '../../src/shared/search-protocol';
import { trialsCsv } from '../../src/shared/search-csv';
import { emptySearchView, type SearchView } from '../../src/shared/search-view';
import { rungEpochs, trialCurves } from '../../webview/search/curves-model';
import { adviceItems, importanceModel, resultsKey } from '../../webview/search/insight-model';
import {
  brushBetween, brushedTrials, coordAt, coordOf, describeBrush, emptyParallelState, METRIC_AXIS, moveAxis, orderedAxes,
  parallelAxes, parseParallelState, positionOf, setBrush,
} from '../../webview/search/parallel-model';

const SPACE: SearchDimension[] = [
  { path: 'training.optimizer.learningRate', scale: 'log', low: -4, high: -1, min: 1e-4, max: 0.1 },
  { path: 'training.optimizer.beta1', scale: 'oneMinusLog', low: -3, high: -1, min: 0.9, max: 0.999 },
  { path: 'model.hidden[*].units', scale: 'int', low: 4, high: 64, min: 4, max: 64 },
  { path: 'model.hidden[*].activation', scale: 'choice', low: 0, high: 2, choices: ['relu', 'tanh', 'leakyRelu'] },
];
const [LR, B1, UNITS, ACT] = SPACE.map((d) => d.path);

function trial(id: number, coords: Record<string, number>, metric: number | null, state: TrialState = 'finished', extra: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id, name: `trial-${String(id).padStart(3, '0')}`, round: 0, values: { [LR]: 10 ** coords[LR], [B1]: 1 - 10 ** coords[B1], [UNITS]: coords[UNITS], [ACT]: ['relu', 'tanh', 'leakyRelu'][coords[ACT]] },
    coords, state, metric, metricName: 'devError', curve: metric === null ? [] : [0.5, metric], epoch: metric === null ? 0 : 2, epochs: 2, runDir: `/s/trial-${id}`, best: false, attempts: 1, ...extra,
  };
}

function search(trials: TrialRecord[], extra: Partial<SearchView> = {}): SearchView {
  const v = emptySearchView('/runs/s1', 's1');
  v.live = true;
  v.state = 'running';
  v.space = SPACE;
  v.trials = trials;
  v.epochsPerTrial = 2;
  return Object.assign(v, extra);
}

const TRIALS = [
  trial(1, { [LR]: -3.5, [B1]: -1.2, [UNITS]: 8, [ACT]: 0 }, 0.3),
  trial(2, { [LR]: -2.2, [B1]: -2.8, [UNITS]: 60, [ACT]: 1 }, 0.05),
  trial(3, { [LR]: -1.5, [B1]: -2.0, [UNITS]: 32, [ACT]: 2 }, 0.12),
  trial(4, { [LR]: -2.0, [B1]: -1.6, [UNITS]: 20, [ACT]: 1 }, null, 'queued'),
];

describe('search view components (no DOM)', () => {
  describe('parallel coordinates', () => {
    const view = search(TRIALS);
    const axes = parallelAxes(view);
    const axis = (key: string) => axes.find((a) => a.key === key)!;

    it('one axis per hyperparameter on its sampling scale, then the metric', () => {
      assert.deepEqual(axes.map((a) => [a.key, a.label, a.kind]), [
        [LR, 'learningRate', 'log'], [B1, 'beta1', 'oneMinusLog'], [UNITS, 'units', 'int'], [ACT, 'activation', 'choice'], [METRIC_AXIS, 'dev error', 'metric'],
      ]);
      // log: decades, bottom to top.
      assert.deepEqual(axis(LR).ticks, [{ at: 0, label: '1e-4' }, { at: 1 / 3, label: '0.001' }, { at: 2 / 3, label: '0.01' }, { at: 1, label: '0.1' }]);
      // 1 − β on a log scale, reversed: β = 0.9 at the bottom, 0.999 at the top.
      assert.equal(axis(B1).reverse, true);
      assert.deepEqual(axis(B1).ticks.map((t) => [t.label, t.at]), [['0.999', 1], ['0.99', 0.5], ['0.9', 0]]);
      // Choices: equal bands, ticks at their middles.
      assert.deepEqual(axis(ACT).ticks, [{ at: 1 / 6, label: 'relu' }, { at: 0.5, label: 'tanh' }, { at: 5 / 6, label: 'leakyRelu' }]);
      assert.equal(positionOf(axis(ACT), 2), 5 / 6);
      // The metric spans the finished values.
      assert.deepEqual([axis(METRIC_AXIS).lo, axis(METRIC_AXIS).hi], [0.05, 0.3]);
      assert.equal(coordOf(axis(METRIC_AXIS), TRIALS[3]), null, 'no metric yet');
      assert.equal(coordOf(axis(LR), TRIALS[0]), -3.5);
    });

    it('positions and coordinates are inverse, the reversed axis too', () => {
      for (const a of axes) {
        for (const p of [0, 0.25, 0.8, 1]) assert.ok(Math.abs(positionOf(a, coordAt(a, p)) - p) < 1e-12, `${a.key} ${p}`);
      }
      assert.equal(positionOf(axis(B1), -3), 1, 'β = 0.999 at the top');
    });

    it('brushing an axis keeps the trials inside; brushes intersect; no brush keeps everything', () => {
      let state = emptyParallelState(view.dir);
      assert.equal(brushedTrials(view, axes, state), null);
      // Drag on learningRate from 10^-2.5 to 10^-1 (positions 0.5 … 1).
      const lr = brushBetween(axis(LR), 0.5, 1)!;
      assert.deepEqual(lr, { lo: -2.5, hi: -1 });
      state = setBrush(state, LR, lr);
      assert.deepEqual([...brushedTrials(view, axes, state)!], [2, 3, 4]);
      // And on the metric: the queued trial (no metric) drops out.
      state = setBrush(state, METRIC_AXIS, brushBetween(axis(METRIC_AXIS), 0, 0.5));
      assert.deepEqual([...brushedTrials(view, axes, state)!], [2, 3]);
      // A choice axis snaps to whole bands: a drag inside the tanh band keeps tanh.
      const tanh = brushBetween(axis(ACT), 0.45, 0.55)!;
      assert.deepEqual(tanh, { lo: 0.5, hi: 1.5 });
      assert.deepEqual([...brushedTrials(view, axes, setBrush(state, ACT, tanh))!], [2]);
      assert.equal(describeBrush(axis(ACT), tanh, view), 'activation ∈ {tanh}');
      assert.equal(describeBrush(axis(LR), lr, view), 'learningRate 3.2e-3 … 1.0e-1');
      assert.equal(describeBrush(axis(B1), { lo: -3, hi: -2 }, view), 'beta1 0.99 … 0.999');
      assert.equal(brushedTrials(view, axes, setBrush(setBrush(state, LR, null), METRIC_AXIS, null)), null, 'cleared');
      assert.equal(brushBetween(axis(LR), 0.3, 0.3), null, 'a click is no brush');
    });

    it('axes can be reordered; the state is plain data that survives a reload, for its own search only', () => {
      let state = emptyParallelState(view.dir);
      state = moveAxis(axes, state, METRIC_AXIS, 0);
      assert.deepEqual(orderedAxes(axes, state).map((a) => a.key), [METRIC_AXIS, LR, B1, UNITS, ACT]);
      state = moveAxis(axes, state, LR, 3);
      assert.deepEqual(orderedAxes(axes, state).map((a) => a.key), [METRIC_AXIS, B1, UNITS, LR, ACT]);
      state = setBrush(state, UNITS, { lo: 10, hi: 40 });
      const restored = parseParallelState(JSON.parse(JSON.stringify(state)), view.dir);
      assert.deepEqual(restored, state);
      assert.equal(parseParallelState(state, '/runs/other'), null, 'another search');
      assert.equal(parseParallelState({ dir: view.dir, order: 'x' }, view.dir), null);
      assert.deepEqual(parseParallelState({ dir: view.dir, order: [1, LR], brushes: { a: { lo: 2, hi: 1 }, b: { lo: 0, hi: 1 } } }, view.dir),
        { dir: view.dir, order: [LR], brushes: { b: { lo: 0, hi: 1 } } }, 'bad entries dropped');
      // An axis that no longer exists is dropped; a new one is appended.
      const fewer = parallelAxes(search(TRIALS, { space: SPACE.slice(1) }));
      assert.deepEqual(orderedAxes(fewer, { ...state, order: [LR, METRIC_AXIS] }).map((a) => a.key), [METRIC_AXIS, B1, UNITS, ACT]);
    });
  });

  describe('curves of every trial', () => {
    const asha = { type: 'asha' as const, graceEpochs: 0, eta: 3, minEpochs: 1 };
    const view = search([
      trial(1, TRIALS[0].coords, 0.2, 'finished', { curve: [0.5, 0.3, 0.25, 0.22, 0.21, 0.2, 0.2, 0.2, 0.2], epoch: 9, epochs: 9 }),
      trial(2, TRIALS[1].coords, 0.4, 'paused', { curve: [0.6, 0.5, 0.4], epoch: 3, epochs: 9, pausedAtRung: 1 }),
      trial(3, TRIALS[2].coords, 0.7, 'pruned', { curve: [0.7], epoch: 1, epochs: 9 }),
      trial(4, TRIALS[3].coords, null, 'running', { curve: [0.5, null, 0.3], epoch: 3, epochs: 9 }),
      trial(5, TRIALS[3].coords, null, 'queued', { curve: [], epoch: 0, epochs: 9 }),
    ], { earlyTermination: asha, epochsPerTrial: 9, bestTrial: 1 });

    it('a series per trial that trained, the best on top; markers where trials wait at a rung or were pruned', () => {
      const curves = trialCurves(view, null);
      assert.deepEqual(curves.map((c) => [c.id, c.kind]), [[3, 'pruned'], [2, 'waiting'], [4, 'running'], [1, 'best']]);
      assert.deepEqual(curves.find((c) => c.id === 2)!.marker, { x: 3, y: 0.4, label: 'trial-002 waits at rung 2 (epoch 3)' });
      assert.deepEqual(curves.find((c) => c.id === 3)!.marker, { x: 1, y: 0.7, label: 'trial-003 pruned at epoch 1' });
      assert.equal(curves.find((c) => c.id === 1)!.marker, null);
      assert.ok(Number.isNaN(curves.find((c) => c.id === 4)!.points[1].y), 'a missing epoch is a gap');
      assert.deepEqual(rungEpochs(view), [1, 3]);
      assert.deepEqual(rungEpochs(search([])), [], 'no rungs without asha/hyperband');
    });

    it('the brush filters the curves too; a stopped search shows its waiting trials as stopped', () => {
      assert.deepEqual(trialCurves(view, new Set([2, 3])).map((c) => c.id), [3, 2]);
      const stopped = { ...view, live: false, state: 'stopped' as const };
      assert.equal(trialCurves(stopped, null).find((c) => c.id === 2)!.kind, 'ended');
    });
  });

  describe('importance, advice, CSV', () => {
    it('importance: too few trials to say, then bars that sum to 100 %', () => {
      assert.match(importanceModel(search(TRIALS)).note, /^Too few trials to say: 3 finished with a dev error, 10 needed\.$/);
      const many = Array.from({ length: 30 }, (_, i) => {
        const lr = -4 + (3 * ((i * 7) % 30)) / 29;
        return trial(i + 1, { [LR]: lr, [B1]: -3 + ((i * 11) % 30) / 15, [UNITS]: 4 + ((i * 13) % 61), [ACT]: i % 3 }, 0.05 + 0.1 * Math.abs(lr + 2.5));
      });
      const m = importanceModel(search(many));
      assert.equal(m.rows[0].label, 'learningRate');
      assert.ok(Math.abs(m.rows.reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
      assert.match(m.note, /^PED-ANOVA over the dev error of 30 finished trials/);
      assert.notEqual(resultsKey(search(many)), resultsKey(search(many.slice(1))));
      assert.ok(adviceItems(search(many)).some((a) => a.kind === 'nextBox'));
    });

    it('CSV: every trial with its values, metric, state, epochs and run folder, quoted where needed', () => {
      const t = trial(7, TRIALS[0].coords, Number.NaN, 'pruned', { note: 'pruned at rung 1 (epoch 1): "late", behind', pausedAtRung: undefined, promotions: [{ rung: 0, epoch: 1, by: 'user', at: '' }] });
      const csv = trialsCsv(search([TRIALS[1], t], { bestTrial: 2 }));
      const lines = csv.split('\r\n');
      assert.equal(lines[0], `trial,id,round,state,${LR},${B1},${UNITS},${ACT},devError,metricName,epoch,epochs,best,bracket,pausedAtRung,promotions,runDir,note,error`);
      assert.equal(lines[1], `trial-002,2,1,finished,${10 ** -2.2},${1 - 10 ** -2.8},60,tanh,0.05,devError,2,2,1,,,,/s/trial-2,,`);
      assert.equal(lines[2], `trial-007,7,1,pruned,${10 ** -3.5},${1 - 10 ** -1.2},8,relu,NaN,devError,2,2,0,,,1@1 by hand,/s/trial-7,"pruned at rung 1 (epoch 1): ""late"", behind",`);
      assert.equal(lines.length, 4, 'a line end after the last row');
    });
  });
});
