import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { discoverRunFolders, interruptedState, parseJsonLines, readRunHeader, replayRunFolder } from '../../src/extension/runs/run-folder';
import { summary, tempDir, writeRunFolder } from './helpers';

describe('host: run folder replay', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('replays metrics and events of a finished run into the same RunView the live path builds', async () => {
    const dir = writeRunFolder(tmp.dir, '20260101-120000-moons', { iterations: 12, lrChangeAt: 6, summary: summary('finished', 12) });
    const view = await replayRunFolder(dir);
    assert.equal(view.runId, '20260101-120000-moons');
    assert.equal(view.runDir, dir);
    assert.equal(view.state, 'finished');
    assert.equal(view.firstIteration, 1);
    assert.equal(view.costs.length, 12);
    assert.equal(view.costs[0], 1);
    assert.equal(view.costs[11], 1 / 12);
    assert.equal(view.iteration, 12);
    assert.deepEqual(view.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.equal(view.layerStats.length, 3);
    // The manual change is recorded and the learning-rate steps are in iteration order.
    assert.equal(view.learningRateChanges.length, 1);
    assert.deepEqual(view.learningRateChanges[0], { iteration: 6, epoch: 2, from: 0.1, to: 0.01, source: 'user' });
    assert.deepEqual(view.learningRates, [[1, 0.1], [7, 0.01]]);
    assert.ok(view.summary);
    assert.equal(view.lastCheckpoint?.iteration, 12);
    assert.equal(view.info?.name, 'moons');
  });

  it('marks a run without summary.json as crashed (or stopped when it was paused), resumable with a checkpoint', async () => {
    const crashed = await replayRunFolder(writeRunFolder(tmp.dir, 'a', { iterations: 5 }));
    assert.equal(crashed.state, 'crashed');
    assert.match(crashed.stateReason ?? '', /interrupted/i);
    assert.match(crashed.stateReason ?? '', /resumed/);
    const paused = await replayRunFolder(writeRunFolder(tmp.dir, 'b', { iterations: 5, lastState: 'paused' }));
    assert.equal(paused.state, 'stopped');
    const noCheckpoint = await replayRunFolder(writeRunFolder(tmp.dir, 'c', { iterations: 2, checkpoint: false }));
    assert.equal(noCheckpoint.state, 'crashed');
    assert.match(noCheckpoint.stateReason ?? '', /No checkpoint/);
  });

  it('skips a torn last line and turns "NaN"/"Infinity" strings back into numbers', async () => {
    const dir = writeRunFolder(tmp.dir, 'torn', { iterations: 8, tornLastLine: true, nanAt: 3 });
    const view = await replayRunFolder(dir);
    assert.equal(view.costs.length, 8);
    assert.ok(Number.isNaN(view.costs[2]));
    assert.equal(view.layerStats[0].layers[0].gradNorm, Number.POSITIVE_INFINITY);
  });

  it('continues the iteration count after a resume (metrics truncated to the checkpoint, runInfo.resumedFrom)', async () => {
    const dir = writeRunFolder(tmp.dir, 'resumed', { iterations: 8 });
    // The engine resumed from iteration 8 and trained 4 more, then finished.
    const info = JSON.parse(JSON.stringify({ type: 'runInfo', info: { ...(await readRunHeader(dir)).info, resumedFrom: { iteration: 8, epoch: 2 } } }));
    appendFileSync(path.join(dir, 'events.jsonl'), JSON.stringify(info) + '\n');
    for (let i = 9; i <= 12; i++) appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ kind: 'iter', iteration: i, epoch: 3, cost: 0.01, lr: 0.1 }) + '\n');
    const view = await replayRunFolder(dir);
    assert.equal(view.costs.length, 12);
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
