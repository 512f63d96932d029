import * as assert from 'node:assert/strict';
import { describeRun, formatNumber, formatPercent, parsePositive, statusBarText, tooltipLines } from '../../src/extension/runs/format';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { runInfo } from './helpers';

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
});
