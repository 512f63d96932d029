import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineProcess } from '../../src/extension/runs/engine-process';
import { RunManager, type Run } from '../../src/extension/runs/run-manager';
import { columnIndex, means } from '../../src/shared/buckets';
import { applyEvent, emptyRunView, type RunView } from '../../src/shared/run-view';
import { alive, FakeEngine, runInfo, summary, tempDir, writeRunFolder } from './helpers';

function costs(view: RunView): number[] {
  return means(view.iterations, columnIndex(view.iterations, 'cost')).ys;
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('host: RunManager (fake engine)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let engines: FakeEngine[];
  let runs: RunManager;
  beforeEach(() => {
    tmp = tempDir();
    engines = [];
    runs = new RunManager({ runsDir: () => tmp.dir, spawn: () => { const e = new FakeEngine(); engines.push(e); return e; }, stopTimeoutMs: 200 });
  });
  afterEach(async () => {
    await runs.stopAll(100);
    await runs.dispose();
    tmp.cleanup();
  });

  it('queues the start command until hello, re-keys the run on runInfo and folds events', async () => {
    const changes: number[] = [];
    runs.onDidChangeRuns(() => changes.push(runs.list().length));
    const seen: string[] = [];
    runs.onEvent(({ event }) => seen.push(event.type));
    const run = runs.start({ configPath: '/ws/moons.nn.json' });
    assert.ok(run.pending);
    assert.match(run.id, /^#\d+$/, 'a window-local id until the engine names the run');
    assert.equal(runs.activeRun, run);
    const e = engines[0];
    // The first command goes out at once (the channel buffers it); later ones wait for hello.
    assert.ok(runs.send(run, { type: 'pause' }));
    assert.equal(e.sent.length, 1);
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    assert.deepEqual(e.sent.map((c) => c.type), ['start', 'pause']);
    e.sent.pop();
    assert.deepEqual(e.sent, [{ type: 'start', configPath: '/ws/moons.nn.json', runsDir: tmp.dir, mode: 'train', paused: undefined, attachable: true }]);
    const dir = path.join(tmp.dir, '20260101-000000-moons');
    e.emit({ type: 'runInfo', info: runInfo('20260101-000000-moons', dir) });
    await run.ready;
    assert.equal(run.id, '20260101-000000-moons');
    assert.equal(runs.get('20260101-000000-moons'), run);
    e.emit({ type: 'state', state: 'running', iteration: 0, epoch: 0 });
    e.emit({ type: 'metrics', firstIteration: 1, costs: [0.7, 0.6], learningRate: 0.1, epoch: 1 });
    assert.equal(run.state, 'running');
    assert.deepEqual(costs(run.view), [0.7, 0.6]);
    assert.deepEqual(seen, ['runInfo', 'state', 'metrics']);
    assert.ok(runs.send(run, { type: 'pause' }));
    assert.deepEqual(e.sent.at(-1), { type: 'pause' });
    assert.ok(changes.length >= 2);
  });

  it('a process that dies before runInfo drops the placeholder and reports the engine error', async () => {
    const errors: string[] = [];
    runs.onEngineError(({ error, configPath }) => errors.push(`${error.code}:${error.line}:${configPath}`));
    const run = runs.start({ configPath: '/ws/bad.nn.json' });
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'error', fatal: true, error: { code: 'config', message: 'learningRate must be > 0', line: 5, column: 3 } });
    e.exit(2);
    await assert.rejects(run.ready, /learningRate must be > 0/);
    assert.deepEqual(errors, ['config:5:/ws/bad.nn.json']);
    assert.equal(runs.list().length, 0);
    assert.equal(runs.activeRun, undefined);
  });

  it('SIGKILL marks a live run crashed with the reason; it becomes resumable when a checkpoint exists', async () => {
    const dir = writeRunFolder(tmp.dir, '20260101-000000-moons', { iterations: 8 });
    const run = runs.start({ configPath: '/ws/moons.nn.json' });
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'runInfo', info: runInfo('20260101-000000-moons', dir) });
    e.emit({ type: 'state', state: 'running', iteration: 0, epoch: 0 });
    // Ten iterations trained, the last checkpoint is at 8: the resumed engine continues from 9.
    e.emit({ type: 'metrics', firstIteration: 1, costs: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], learningRate: 0.1, epoch: 3 });
    const ended = new Promise<Run>((r) => runs.onRunEnded(r));
    e.exit(null, 'SIGKILL');
    const r = await ended;
    assert.equal(r, run);
    assert.equal(run.live, false);
    assert.equal(run.state, 'crashed');
    assert.match(run.view.stateReason ?? '', /SIGKILL/);
    assert.equal(run.outcome?.crashed, true);
    assert.equal(run.resumable, true);

    // Resume: a fresh engine gets resumeFromCheckpoint with the same folder; the run object stays.
    await runs.resumeFromCheckpoint(run);
    const e2 = engines[1];
    assert.equal(run.live, true);
    assert.equal(run.state, 'starting');
    e2.emit({ type: 'hello', protocolVersion: 2, pid: e2.pid });
    assert.deepEqual(e2.sent, [{ type: 'resumeFromCheckpoint', runDir: dir, paused: undefined, attachable: true }]);
    e2.emit({ type: 'runInfo', info: runInfo('20260101-000000-moons', dir, { resumedFrom: { iteration: 8, epoch: 2 } }) });
    // The resumed engine sends the run as recorded up to its checkpoint, then trains on from 9:
    // iterations 9 and 10 of the crashed engine are replaced, no zig-zag.
    const history = emptyRunView('20260101-000000-moons', dir);
    applyEvent(history, { type: 'metrics', firstIteration: 1, costs: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], learningRate: 0.1, epoch: 2 });
    e2.emit({ type: 'history', view: history });
    e2.emit({ type: 'metrics', firstIteration: 9, costs: [0.05], learningRate: 0.1, epoch: 3 });
    await run.ready;
    assert.equal(run.view.iteration, 9);
    assert.equal(costs(run.view).length, 9);
    assert.equal(costs(run.view)[8], 0.05);
    assert.equal(runs.list().filter((x) => x.runDir === dir).length, 1);
  });

  it('Stop sends stop and waits; a clean exit after the summary is "stopped", not a crash', async () => {
    const run = runs.start({ configPath: '/ws/a.nn.json' });
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'runInfo', info: runInfo('r', path.join(tmp.dir, 'r')) });
    const stopped = runs.stop(run);
    assert.deepEqual(e.sent.at(-1), { type: 'stop' });
    e.emit({ type: 'summary', summary: summary('stopped', 4) });
    e.exit(0);
    await stopped;
    assert.equal(run.state, 'stopped');
    assert.equal(run.outcome?.crashed, false);
  });

  it('Stop kills an engine that does not exit in time (no orphan)', async () => {
    const run = runs.start({ configPath: '/ws/a.nn.json' });
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'runInfo', info: runInfo('r', path.join(tmp.dir, 'r')) });
    const t0 = Date.now();
    await runs.stop(run, 150);
    assert.ok(Date.now() - t0 >= 140);
    assert.deepEqual(e.killed, ['SIGKILL']);
    assert.equal(run.state, 'stopped');
    assert.match(run.view.stateReason ?? '', /did not exit/);
  });

  it('refresh discovers past runs (cheap header for finished, replay for interrupted) and drops vanished ones', async () => {
    writeRunFolder(tmp.dir, '20260101-000000-done', { iterations: 8, summary: summary('finished', 8, { final: { epoch: 2, iteration: 8, trainCost: 0.2, trainError: 0.1, devCost: 0.3, devError: 0.15, learningRate: 0.1, seconds: 1 } }) });
    writeRunFolder(tmp.dir, '20260102-000000-cut', { iterations: 6 });
    await Promise.all([runs.refresh(), runs.refresh()]);
    const [cut, done] = runs.list();
    assert.equal(cut.id, '20260102-000000-cut');
    assert.equal(cut.state, 'crashed');
    assert.equal(cut.loaded, true);
    assert.equal(cut.resumable, true);
    assert.equal(done.state, 'finished');
    assert.equal(done.loaded, false);
    assert.equal(done.resumable, false);
    assert.equal(done.view.summary?.final?.devError, 0.15);
    const full = await runs.load(done);
    assert.equal(full.iterations.count, 8);
    assert.equal(done.loaded, true);
    // Idempotent, also when called concurrently (a restored dashboard and activation both refresh).
    await Promise.all([runs.refresh(), runs.refresh(), runs.refresh()]);
    assert.equal(runs.list().length, 2);
  });

  it('dispose lets live engines go on (a reload reattaches); stopAll stops them and kills those that hang', async () => {
    const a = runs.start({ configPath: '/ws/a.nn.json' });
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'runInfo', info: runInfo('a', path.join(tmp.dir, 'a')) });
    await runs.stopAll(100);
    assert.ok(e.sent.some((c) => c.type === 'stop'));
    assert.deepEqual(e.killed, ['SIGKILL']);
    assert.equal(a.live, false);
    assert.equal(a.state, 'stopped');

    const b = runs.start({ configPath: '/ws/b.nn.json' });
    const e2 = engines[1];
    e2.emit({ type: 'hello', protocolVersion: 2, pid: e2.pid });
    e2.emit({ type: 'runInfo', info: runInfo('b', path.join(tmp.dir, 'b')) });
    await runs.dispose();
    assert.ok(!e2.sent.some((c) => c.type === 'stop'), 'nothing is stopped when the window goes away');
    assert.deepEqual(e2.killed, []);
    assert.equal(b.state, 'starting');
  });

  it('a resumed run shows starting until its engine reports, and ready waits for the new runInfo', async () => {
    const dir = writeRunFolder(tmp.dir, '20260101-000000-moons', { iterations: 8 });
    await runs.refresh();
    const run = runs.get('20260101-000000-moons');
    assert.ok(run && run.state === 'crashed');
    await runs.resumeFromCheckpoint(run);
    assert.equal(run.state, 'starting');
    let ready = false;
    void run.ready.then(() => { ready = true; });
    await tick();
    assert.equal(ready, false, 'not ready before the resumed engine announced the run');
    const e = engines[0];
    e.emit({ type: 'hello', protocolVersion: 2, pid: e.pid });
    e.emit({ type: 'runInfo', info: runInfo('20260101-000000-moons', dir, { resumedFrom: { iteration: 8, epoch: 2 } }) });
    await run.ready;
    e.emit({ type: 'state', state: 'running', iteration: 8, epoch: 2 });
    assert.equal(run.state, 'running');
  });
});

describe('host: EngineProcess + RunManager with a real child process', function () {
  this.timeout(20000);
  const fakeEngine = path.join(__dirname, 'fixtures', 'fake-engine.js');
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  const manager = (mode: string, stopTimeoutMs = 5000): RunManager => new RunManager({
    runsDir: () => tmp.dir,
    spawn: () => new EngineProcess({ enginePath: fakeEngine, env: { FAKE_ENGINE_MODE: mode } }),
    stopTimeoutMs,
  });

  it('forks, talks the protocol (pause, step, learning rate), and stops cleanly', async () => {
    const runs = manager('normal');
    const run = runs.start({ configPath: '/ws/x.nn.json' });
    await run.ready;
    const pid = run.source?.pid;
    assert.ok(alive(pid));
    await tick(60);
    assert.ok(run.view.iterations.count > 0, 'metrics arrive');
    runs.send(run, { type: 'pause' });
    await tick(50);
    assert.equal(run.state, 'paused');
    const n = run.view.iterations.count;
    await tick(100);
    assert.equal(run.view.iterations.count, n, 'no iterations while paused');
    runs.send(run, { type: 'step', iterations: 3 });
    runs.send(run, { type: 'setLearningRate', value: 0.05 });
    await tick(50);
    assert.equal(run.view.iterations.count, n + 3);
    assert.equal(run.view.learningRateChanges.at(-1)?.to, 0.05);
    await runs.stop(run);
    assert.equal(run.state, 'stopped');
    assert.equal(run.outcome?.crashed, false);
    assert.ok(!alive(pid));
    await runs.dispose();
  });

  it('a real SIGKILL is classified as a crash', async () => {
    const runs = manager('normal');
    const run = runs.start({ configPath: '/ws/x.nn.json' });
    await run.ready;
    await runs.kill(run);
    assert.equal(run.state, 'crashed');
    assert.match(run.view.stateReason ?? '', /SIGKILL/);
    await runs.dispose();
  });

  it('a non-zero exit is a crash; a config error before runInfo rejects ready', async () => {
    const crashing = manager('crash');
    const run = crashing.start({ configPath: '/ws/x.nn.json' });
    await run.ready;
    await new Promise<void>((r) => crashing.onRunEnded(() => r()));
    assert.equal(run.state, 'crashed');
    assert.match(run.view.stateReason ?? '', /code 3/);
    await crashing.dispose();

    const bad = manager('badConfig');
    const errs: number[] = [];
    bad.onEngineError(({ error }) => errs.push(error.line ?? -1));
    const b = bad.start({ configPath: '/ws/x.nn.json' });
    await assert.rejects(b.ready, /bad learningRate/);
    assert.deepEqual(errs, [3]);
    assert.equal(bad.list().length, 0);
    await bad.dispose();
  });

  it('a hanging engine is killed 5 s… (here 300 ms) after Stop; stopAll leaves no process behind', async () => {
    const runs = manager('hang', 300);
    const run = runs.start({ configPath: '/ws/x.nn.json' });
    await run.ready;
    const pid = run.source?.pid;
    await runs.stop(run);
    assert.equal(run.state, 'stopped');
    assert.ok(!alive(pid));

    const other = runs.start({ configPath: '/ws/y.nn.json' });
    await other.ready;
    const pid2 = other.source?.pid;
    await runs.stopAll(300);
    await runs.dispose();
    assert.ok(!alive(pid2), 'no orphan after stopAll');
  });

  it('resumes a crashed run from its checkpoint', async () => {
    const dir = writeRunFolder(tmp.dir, 'fake-run', { iterations: 5 });
    writeFileSync(path.join(dir, 'checkpoints', 'latest.json'), '{}');
    const runs = manager('normal');
    await runs.refresh();
    const run = runs.get('fake-run');
    assert.ok(run && run.resumable && run.state === 'crashed');
    await runs.resumeFromCheckpoint(run, { paused: true });
    await run.ready;
    await tick(30);
    assert.equal(run.state, 'paused');
    assert.equal(run.view.info?.resumedFrom?.iteration, 5);
    runs.send(run, { type: 'step', iterations: 2 });
    await tick(50);
    assert.equal(run.view.iteration, 7, 'the iteration count continues');
    assert.ok(existsSync(path.join(dir, 'metrics.jsonl')));
    await runs.dispose();
  });
});
