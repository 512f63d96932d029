/** Compare Runs (issue 11 §7): the x choice, zoom and pan math. */
import assert from 'node:assert/strict';
import { epochX, iterationX, plannedIterations } from '../../webview/charts/compare-x';
import { panBy, zoomAt } from '../../webview/charts/zoom';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { runInfo } from '../host/helpers';
import type { ExperimentConfig } from '../../src/shared/config';

function run(id: string, iterationsPerEpoch: number, epochs: number) {
  const v = emptyRunView(id, `/r/${id}`);
  applyEvent(v, { type: 'runInfo', info: runInfo(id, `/r/${id}`, { iterationsPerEpoch, config: { training: { epochs } } as unknown as ExperimentConfig }) });
  return v;
}

describe('Compare Runs: x as iteration, epoch or progress', () => {
  // A 1,000-iteration run beside a 375,000-iteration one.
  const short = run('short', 10, 100);
  const long = run('long', 375, 1000);

  it('iteration is as recorded; epoch divides by each run\'s iterations per epoch', () => {
    assert.equal(iterationX(long, 'iteration')(37_500), 37_500);
    assert.equal(iterationX(long, 'epoch')(37_500), 100);
    assert.equal(iterationX(short, 'epoch')(1000), 100);
    assert.equal(epochX(long, 'iteration')(100), 37_500);
    assert.equal(epochX(short, 'epoch')(7), 7);
  });

  it('progress puts both runs on 0…1 of their planned length: the short run is not squeezed against the axis', () => {
    assert.equal(plannedIterations(short), 1000);
    assert.equal(plannedIterations(long), 375_000);
    assert.equal(iterationX(short, 'progress')(500), 0.5);
    assert.equal(iterationX(long, 'progress')(187_500), 0.5);
    assert.equal(epochX(long, 'progress')(1000), 1);
    assert.equal(epochX(short, 'progress')(25), 0.25);
  });

  it('a run without a planned length (an attached script) measures progress against what it has done', () => {
    const v = emptyRunView('py', '/r/py');
    applyEvent(v, { type: 'state', state: 'running', iteration: 400, epoch: 4 });
    assert.equal(plannedIterations(v), 400);
    assert.equal(iterationX(v, 'epoch')(200), 2);
  });
});

describe('Compare Runs: zoom and pan of the x axis', () => {
  const all = { min: 0, max: 1000 };

  it('the wheel zooms around the pointer: the value under it stays put', () => {
    const r = zoomAt(all, 250, 0.5, all)!;
    assert.deepEqual(r, { min: 125, max: 625 });
    // 250 was a quarter of the way in, and still is.
    assert.equal((250 - r.min) / (r.max - r.min), 0.25);
  });

  it('zooming out past everything is "show all" (null); zooming in stops at a ten-thousandth', () => {
    assert.equal(zoomAt({ min: 100, max: 900 }, 500, 2, all), null);
    let r = { min: 0, max: 1000 };
    for (let i = 0; i < 100; i++) r = zoomAt(r, 500, 0.5, all)!;
    assert.ok(Math.abs(r.max - r.min - 0.1) < 1e-9, `span ${r.max - r.min}`);
  });

  it('a pan keeps its span and stops at the ends', () => {
    assert.deepEqual(panBy({ min: 100, max: 300 }, 50, all), { min: 150, max: 350 });
    assert.deepEqual(panBy({ min: 100, max: 300 }, -500, all), { min: 0, max: 200 });
    assert.deepEqual(panBy({ min: 700, max: 900 }, 500, all), { min: 800, max: 1000 });
  });
});
