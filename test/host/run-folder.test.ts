import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { discoverRunFolders, loadRunFolder, readRunHeader, runCsv } from '../../src/extension/runs/run-folder';
import { CSV_HEADER, interruptedState, parseJsonLines } from '../../src/shared/run-folder';
import { badCount, columnIndex, means } from '../../src/shared/buckets';
import { learningRateSteps } from '../../src/shared/series';
import type { RunView } from '../../src/shared/run-view';
import { summary, tempDir, writeRunFolder } from './helpers';

function costs(view: RunView): number[] {
  return means(view.iterations, columnIndex(view.iterations, 'cost')).ys;
}

describe('host: run folder replay', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  for (const format of [2, 1] as const) {
    it(`replays metrics and events of a finished run into the same RunView the live path builds (format ${format})`, async () => {
      const dir = writeRunFolder(tmp.dir, '20260101-120000-moons', { iterations: 12, lrChangeAt: 6, summary: summary('finished', 12), format });
      const view = await loadRunFolder(dir);
      assert.equal(view.runId, '20260101-120000-moons');
      assert.equal(view.runDir, dir);
      assert.equal(view.state, 'finished');
      assert.equal(view.iterations.count, 12);
      const c = costs(view);
      assert.equal(c[0], 1);
      assert.equal(c[11], 1 / 12);
      assert.equal(view.iteration, 12);
      assert.equal(view.epochs.count, 3);
      assert.equal(view.lastEpoch?.epoch, 3);
      assert.equal(view.layers?.count, 3);
      // The manual change is recorded and the learning-rate steps are in iteration order.
      assert.equal(view.learningRateChanges.length, 1);
      assert.deepEqual(view.learningRateChanges[0], { iteration: 6, epoch: 2, from: 0.1, to: 0.01, source: 'user' });
      const steps = learningRateSteps(view);
      assert.deepEqual(steps.xs.slice(0, 2), [1, 7]);
      assert.deepEqual(steps.ys.slice(0, 2), [0.1, 0.01]);
      assert.equal(view.learningRate, 0.01);
      assert.ok(view.summary);
      assert.equal(view.lastCheckpoint?.iteration, 12);
      assert.equal(view.info?.name, 'moons');
    });

    it(`skips a torn last line and keeps NaN/Infinity as numbers (format ${format})`, async () => {
      const dir = writeRunFolder(tmp.dir, 'torn', { iterations: 8, tornLastLine: true, nanAt: 3, format });
      const view = await loadRunFolder(dir);
      assert.equal(view.iterations.count, 8);
      assert.equal(badCount(view.iterations, columnIndex(view.iterations, 'cost')), 1);
      assert.equal(view.lastLayers?.layers[0].gradNorm, Number.POSITIVE_INFINITY);
    });
  }

  it('marks a run without summary.json as crashed (or stopped when it was paused), resumable with a checkpoint', async () => {
    const crashed = await loadRunFolder(writeRunFolder(tmp.dir, 'a', { iterations: 5 }));
    assert.equal(crashed.state, 'crashed');
    assert.match(crashed.stateReason ?? '', /interrupted/i);
    assert.match(crashed.stateReason ?? '', /resumed/);
    const paused = await loadRunFolder(writeRunFolder(tmp.dir, 'b', { iterations: 5, lastState: 'paused' }));
    assert.equal(paused.state, 'stopped');
    const noCheckpoint = await loadRunFolder(writeRunFolder(tmp.dir, 'c', { iterations: 2, checkpoint: false }));
    assert.equal(noCheckpoint.state, 'crashed');
    assert.match(noCheckpoint.stateReason ?? '', /No checkpoint/);
  });

  it('a string field reading "NaN" or "Infinity" stays a string (only number fields are revived)', async () => {
    const dir = writeRunFolder(tmp.dir, 'NaN', { iterations: 4 });
    const view = await loadRunFolder(dir);
    assert.equal(view.runId, 'NaN');
    assert.equal(typeof view.info?.classes[0], 'string');
  });

  it('continues the iteration count after a resume (runInfo.resumedFrom)', async () => {
    const dir = writeRunFolder(tmp.dir, 'resumed', { iterations: 8 });
    // The engine resumed from iteration 8 and trained 4 more, then stopped without a summary.
    const info = JSON.parse(JSON.stringify({ type: 'runInfo', info: { ...(await readRunHeader(dir)).info, resumedFrom: { iteration: 8, epoch: 2 } } }));
    appendFileSync(path.join(dir, 'events.jsonl'), JSON.stringify(info) + '\n');
    appendFileSync(path.join(dir, 'costs.f64'), Buffer.from(new Float64Array([0.01, 0.01, 0.01, 0.01]).buffer));
    const view = await loadRunFolder(dir);
    assert.equal(view.iterations.count, 12);
    assert.equal(view.iteration, 12);
    assert.equal(view.state, 'crashed');
  });

  it('discovers run folders newest first and reads a cheap header', async () => {
    writeRunFolder(tmp.dir, '20260101-120000-a', { iterations: 4, summary: summary('finished', 4) });
    writeRunFolder(tmp.dir, '20260102-120000-b', { iterations: 4 });
    const found = await discoverRunFolders(tmp.dir);
    assert.deepEqual(found.map((d) => path.basename(d)), ['20260102-120000-b', '20260101-120000-a']);
    const h = await readRunHeader(found[1]);
    assert.equal(h.summary?.state, 'finished');
    assert.equal(h.hasCheckpoint, true);
    assert.equal(h.configPath, '/ws/moons.nn.json');
    assert.deepEqual(await discoverRunFolders(path.join(tmp.dir, 'missing')), []);
  });

  it('exports every iteration and epoch as CSV, lossless, with NaN written as NaN', async () => {
    for (const format of [1, 2] as const) {
      const dir = writeRunFolder(tmp.dir, `csv${format}`, { iterations: 12, lrChangeAt: 6, nanAt: 3, format });
      const lines = (await runCsv(dir)).trimEnd().split('\n');
      assert.equal(lines[0], CSV_HEADER.join(','));
      const rows = lines.slice(1).map((l) => l.split(','));
      for (const r of rows) assert.equal(r.length, CSV_HEADER.length);
      const iters = rows.filter((r) => r[0] === 'iteration');
      assert.equal(iters.length, 12, `format ${format}`);
      assert.deepEqual(iters[0].slice(0, 5), ['iteration', '1', '1', '1', '0.1']);
      assert.equal(iters[2][3], 'NaN');
      assert.equal(iters[6][4], '0.01');
      assert.equal(rows.filter((r) => r[0] === 'epoch').length, 3);
    }
  });

  it('interruptedState keeps terminal states and explains', () => {
    assert.equal(interruptedState('running', true).state, 'crashed');
    assert.equal(interruptedState('starting', false).state, 'crashed');
    assert.equal(interruptedState('paused', true).state, 'stopped');
    assert.equal(interruptedState('finished', true).state, 'finished');
  });

  it('parseJsonLines ignores blank and malformed lines', () => {
    assert.deepEqual(parseJsonLines('{"a":1}\n\nnot json\n[1,2]\n{"b":2}'), [{ a: 1 }, { b: 2 }]);
  });
});
