import * as assert from 'node:assert/strict';
import { describeRun, formatNumber, formatPercent, parsePositive, statusBarText, tooltipLines } from '../../src/extension/runs/format';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { runInfo } from './helpers';
import { distinctRunLabels } from '../../src/shared/run-labels';

describe('host: run text', () => {
  const view = emptyRunView('20260101-120000-moons', '/r');
  applyEvent(view, { type: 'runInfo', info: runInfo('20260101-120000-moons', '/r') });
  applyEvent(view, { type: 'state', state: 'running', iteration: 0, epoch: 0 });
  applyEvent(view, { type: 'metrics', firstIteration: 1, costs: [0.9, 0.5, 0.234], learningRate: 0.1, epoch: 12 });
  applyEvent(view, { type: 'epoch', summary: { epoch: 12, iteration: 3, trainCost: 0.3, trainError: 0.05, devCost: 0.31, devError: 0.041, learningRate: 0.1, seconds: 1 } });

  it('describes a run as "epoch 12 · cost 0.234 · dev 4.1%"', () => {
    assert.equal(describeRun(view), 'epoch 12 · cost 0.234 · dev 4.1%');
    assert.equal(statusBarText(view), '$(sync~spin) GL epoch 12 · 0.234');
    assert.ok(tooltipLines(view, true)[0].includes('running (live)'));
  });

  it('formats non-finite values visibly', () => {
    assert.equal(formatNumber(Number.NaN), 'NaN');
    assert.equal(formatNumber(Number.POSITIVE_INFINITY), '∞');
    assert.equal(formatNumber(null), '–');
    assert.equal(formatNumber(0.00012), '1.20e-4');
    assert.equal(formatNumber(123.456), '123.5');
    assert.equal(formatPercent(0.5), '50.0%');
  });

  it('parses a learning rate typed by a person', () => {
    assert.equal(parsePositive('0.01'), 0.01);
    assert.equal(parsePositive(' 3e-4 '), 3e-4);
    assert.equal(parsePositive('.5'), 0.5);
    for (const bad of ['', '0', '-1', 'abc', '1e999', 'NaN', 'Infinity', '0x10', '1,5']) assert.equal(parsePositive(bad), undefined, bad);
  });

  describe('labels that tell runs apart (tab titles, Runs tree rows)', () => {
    const local = (y: number, mo: number, d: number, h: number, mi: number, se: number): string => new Date(y, mo - 1, d, h, mi, se).toISOString();
    const run = (runId: string, name: string, startedAt?: string) => {
      const v = emptyRunView(runId, `/r/${runId}`);
      if (startedAt) applyEvent(v, { type: 'runInfo', info: runInfo(runId, `/r/${runId}`, { name, startedAt }) });
      return v;
    };

    it('a unique name alone; repeated names get their start time', () => {
      const labels = distinctRunLabels([
        run('a', 'moons', local(2026, 12, 3, 8, 35, 1)),
        run('b', 'moons', local(2026, 12, 3, 9, 2, 40)),
        run('c', 'cancer', local(2026, 12, 3, 9, 3, 0)),
      ]);
      assert.deepEqual([...labels.entries()].sort(), [['a', 'moons · 08:35:01'], ['b', 'moons · 09:02:40'], ['c', 'cancer']]);
    });

    it('the date where the repeats started on different days; the folder stamp where there is no runInfo yet', () => {
      const labels = distinctRunLabels([run('20261202-235959-moons', 'moons'), run('x', 'moons', local(2026, 12, 3, 0, 0, 5))]);
      assert.equal(labels.get('20261202-235959-moons'), 'moons · 2026-12-02 23:59:59');
      assert.equal(labels.get('x'), 'moons · 2026-12-03 00:00:05');
    });

    it('runs started in the same second are numbered in start order, never the same label', () => {
      const t = local(2026, 12, 3, 8, 0, 0);
      const labels = distinctRunLabels([run('r2', 'moons', t), run('r1', 'moons', t), run('r3', 'moons', local(2026, 12, 3, 8, 0, 1))]);
      assert.equal(labels.get('r1'), 'moons · 08:00:00 #1');
      assert.equal(labels.get('r2'), 'moons · 08:00:00 #2');
      assert.equal(labels.get('r3'), 'moons · 08:00:01');
      assert.equal(new Set(labels.values()).size, 3);
    });
  });
});
