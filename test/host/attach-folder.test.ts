/**
 * RunManager.attachFolder: a run started outside the window (a Python script) is attached to
 * through the reattach path, also when a refresh listed its folder before it had an engine.
 */
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RunManager } from '../../src/extension/runs/run-manager';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { FakeEngine, runInfo, summary, tempDir, writeRunFolder } from './helpers';

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('host: RunManager.attachFolder (runs started outside the window)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  function manager(engines: FakeEngine[]): RunManager {
    return new RunManager({
      runsDir: () => tmp.dir,
      spawn: () => { throw new Error('not forked'); },
      attach: async (runDir) => {
        if (!runDir.endsWith('py-run')) return null;
        const e = new FakeEngine(process.pid);
        engines.push(e);
        return e;
      },
      stopTimeoutMs: 200,
    });
  }

  it('attaches to a folder first listed without an engine, keeping one Run, with the folder replayed', async () => {
    const engines: FakeEngine[] = [];
    const runs = manager(engines);
    const dir = writeRunFolder(tmp.dir, 'py-run', { iterations: 8, checkpoint: false });
    await runs.refresh();
    const listed = runs.list().find((r) => r.runDir === dir);
    assert.ok(listed && !listed.live, 'listed as a past (crashed) run');
    assert.equal(engines.length, 0);

    writeFileSync(path.join(dir, 'engine.json'), JSON.stringify({ pid: process.pid, endpoint: '/nowhere', token: 't', startedAt: 'now' }));
    const run = await runs.attachFolder(dir);
    assert.equal(run, listed, 'the same Run');
    assert.ok(run.live);
    assert.equal(engines.length, 1);
    assert.equal(run.view.iterations.count, 8, 'the folder replayed');
    assert.equal(runs.activeRun, run);
    engines[0].emit({ type: 'hello', protocolVersion: 2, pid: process.pid });
    engines[0].emit({ type: 'runInfo', info: runInfo('py-run', dir, { backend: 'pytorch' }) });
    engines[0].emit({ type: 'metrics', firstIteration: 9, costs: [0.5, 0.25], learningRate: 0.1, epoch: 3 });
    assert.equal(run.view.iteration, 10);
    assert.equal(run.view.iterations.count, 10);
    assert.equal(runs.list().filter((r) => r.runDir === dir).length, 1);
  });

  it('is null when the folder is not in the runs folder or its engine cannot be reached', async () => {
    const runs = manager([]);
    assert.equal(await runs.attachFolder(path.join(tmp.dir, 'missing')), null);
    const other = writeRunFolder(tmp.dir, 'other', { iterations: 4 });
    assert.equal(await runs.attachFolder(other), null);
  });
});

describe('host: RunManager.refresh after a reload (an engine still training)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  /** Every engine.json is reachable: a FakeEngine answers. */
  const attachingManager = (engines: FakeEngine[]): RunManager => new RunManager({
    runsDir: () => tmp.dir,
    spawn: () => { throw new Error('not forked'); },
    attach: async () => {
      const e = new FakeEngine(process.pid);
      engines.push(e);
      return e;
    },
  });

  const withEngineJson = (dir: string): string => {
    writeFileSync(path.join(dir, 'engine.json'), JSON.stringify({ pid: process.pid, endpoint: '/nowhere', token: 't', startedAt: 'now' }));
    return dir;
  };

  it('connects first and takes the engine\'s history instead of replaying the folder', async () => {
    const engines: FakeEngine[] = [];
    const runs = attachingManager(engines);
    const dir = withEngineJson(writeRunFolder(tmp.dir, 'live', { iterations: 8 }));
    await runs.refresh();
    const run = runs.list().find((r) => r.runDir === dir);
    assert.ok(run?.live, 'reattached');
    assert.equal(engines.length, 1);
    assert.equal(run.loaded, false);
    assert.equal(run.view.iterations.count, 0, 'the folder is not replayed: the engine sends the run');
    engines[0].emit({ type: 'hello', protocolVersion: 2, pid: process.pid });
    engines[0].emit({ type: 'runInfo', info: runInfo('live', dir) });
    const history = emptyRunView('live', dir);
    applyEvent(history, { type: 'metrics', firstIteration: 1, costs: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2], learningRate: 0.1, epoch: 3 });
    engines[0].emit({ type: 'history', view: history });
    assert.equal(run.loaded, true);
    assert.equal(run.view.iterations.count, 9);
    await runs.dispose();
  });

  it('a reattached engine that sent its summary is stopped, not crashed, though its process was still exiting', async () => {
    const engines: FakeEngine[] = [];
    const runs = attachingManager(engines);
    const dir = withEngineJson(writeRunFolder(tmp.dir, 'stopping', { iterations: 8 }));
    await runs.refresh();
    const run = runs.list().find((r) => r.runDir === dir);
    assert.ok(run?.live);
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: process.pid });
    e.emit({ type: 'runInfo', info: runInfo('stopping', dir) });
    e.emit({ type: 'state', state: 'stopped', iteration: 8, epoch: 2 });
    e.emit({ type: 'summary', summary: summary('stopped', 8) });
    // The link closed while the process was still alive (AttachedEngine calls that DETACHED).
    e.exit(null, 'DETACHED');
    await until(() => !run.live);
    assert.equal(run.state, 'stopped');
    assert.equal(run.outcome?.crashed, false);
    await runs.dispose();
  });

  it('replays the folder when its engine cannot be reached', async () => {
    const runs = new RunManager({ runsDir: () => tmp.dir, spawn: () => { throw new Error('not forked'); }, attach: async () => null });
    const dir = withEngineJson(writeRunFolder(tmp.dir, 'gone', { iterations: 8 }));
    await runs.refresh();
    const run = runs.list().find((r) => r.runDir === dir);
    assert.ok(run && !run.live);
    assert.equal(run.view.iterations.count, 8, 'the folder replayed');
    await runs.dispose();
  });
});
