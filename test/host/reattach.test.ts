/**
 * A window reload does not stop a run: the engine (forked attachable) loses its IPC parent, keeps
 * training, and a new RunManager (the reloaded window) finds it through engine.json, reattaches
 * over the socket, gets its history and can stop it cleanly.
 */
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AttachedEngine } from '../../src/extension/runs/attached-engine';
import { RunManager } from '../../src/extension/runs/run-manager';
import { DIST, ensureBuilt } from '../search/helpers';
import { tempDir } from './helpers';

const until = async (what: string, check: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('host: reattach to an engine that outlived its window', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => ensureBuilt());
  beforeEach(() => { tmp = tempDir('gl-reattach-'); });
  afterEach(() => tmp.cleanup());

  it('keeps training without its host, is found by the next window with its history, and stops cleanly', async () => {
    const config = path.join(tmp.dir, 'long.nn.json');
    fs.writeFileSync(config, JSON.stringify({ name: 'long', seed: 1, data: { source: 'moons', samples: 2000 }, training: { epochs: 100000, batchSize: 8 } }));
    const runsDir = path.join(tmp.dir, 'runs');
    const child = fork(path.join(DIST, 'engine.js'), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let runDir = '';
    child.on('message', (m: { type: string; info?: { runDir: string } }) => { if (m.type === 'runInfo') runDir = m.info!.runDir; });
    child.send({ v: 2, type: 'start', configPath: config, runsDir, attachable: true });
    await until('engine.json', () => !!runDir && fs.existsSync(path.join(runDir, 'engine.json')));
    const costs = (): number => fs.statSync(path.join(runDir, 'costs.f64')).size / 8;
    await until('training', () => costs() > 100);
    child.disconnect(); // the window went away
    const atDetach = costs();
    await until('training on without a host', () => costs() > atDetach + 1000);

    const runs = new RunManager({ runsDir: () => runsDir, spawn: () => { throw new Error('no fork in this test'); }, attach: (d) => AttachedEngine.connect(d, () => undefined) });
    await runs.refresh();
    const run = runs.list()[0];
    assert.ok(run?.live, 'reattached');
    assert.equal(run.source?.kind, 'attached');
    await until('its history and live points', () => run.state === 'running' && run.view.iterations.count > atDetach);
    await runs.stop(run, 10_000);
    assert.equal(run.state, 'stopped');
    assert.equal(run.outcome?.crashed, false);
    assert.ok(fs.existsSync(path.join(runDir, 'summary.json')));
    assert.ok(!fs.existsSync(path.join(runDir, 'engine.json')), 'engine.json removed when the engine exits');
    await runs.dispose();
  });
});
