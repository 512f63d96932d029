/**
 * The host's SearchManager: the start handshake and its failure (a config error with its location,
 * no search left behind), an interrupted search process, past searches found in the runs folder
 * (finished, stopped, interrupted, run by another process), trials as runs (fed by the search's
 * forwarded engine events, subscribed while shown). Then the real thing: dist/search.js forked by the
 * manager, a trial killed while the others finish, search.json consistent, no process left behind,
 * and stop → resume across two managers (a window reload).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEARCH_PROTOCOL_VERSION, type SearchCommand, type SearchEvent, type SearchFile, type TrialRecord } from '../../src/shared/search-protocol';
import { Emitter } from '../../src/extension/runs/emitter';
import type { EngineExit } from '../../src/extension/runs/engine-process';
import { loadRunFolder } from '../../src/extension/runs/run-folder';
import { RunManager } from '../../src/extension/runs/run-manager';
import { SearchManager, type Search } from '../../src/extension/search/search-manager';
import { SearchProcess, type SearchHandle } from '../../src/extension/search/search-process';
import { until } from '../search/helpers';
import { readSearchFile } from '../../src/engine/search/search-store';
import { assertConsistent, DIST, ensureBuilt } from '../search/helpers';
import { runInfo, tempDir, writeRunFolder } from './helpers';

class FakeSearch implements SearchHandle {
  readonly pid = 4242;
  exited = false;
  readonly sent: SearchCommand[] = [];
  private readonly events = new Emitter<SearchEvent>();
  private readonly exits = new Emitter<EngineExit>();
  private readonly output = new Emitter<string>();
  send(command: SearchCommand): boolean {
    this.sent.push(command);
    return true;
  }
  onEvent(l: (e: SearchEvent) => void): { dispose(): void } { return this.events.event(l); }
  onExit(l: (e: EngineExit) => void): { dispose(): void } { return this.exits.event(l); }
  onStderr(l: (t: string) => void): { dispose(): void } { return this.output.event(l); }
  kill(): void { this.exit({ code: null, signal: 'SIGKILL' }); }
  emit(e: SearchEvent): void { this.events.fire(e); }
  exit(x: EngineExit): void {
    if (this.exited) return;
    this.exited = true;
    this.exits.fire(x);
  }
}

function trialRecord(id: number, extra: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id, name: `trial-${String(id).padStart(3, '0')}`, round: 0, values: { 'training.optimizer.learningRate': 10 ** -id }, coords: { 'training.optimizer.learningRate': -id },
    state: 'queued', metric: null, metricName: 'devError', curve: [], epoch: 0, epochs: 5, runDir: null, best: false, attempts: 0, ...extra,
  };
}

function searchFile(dir: string, extra: Partial<SearchFile> = {}): SearchFile {
  return {
    version: 1, name: 'moons', configPath: '/ws/moons.nn.json', createdAt: 't', updatedAt: 't', state: 'finished', seed: 1, metric: 'devError', mode: 'min',
    trialsPerRound: 2, rounds: 1, keepTop: 5, parallel: 2, epochsPerTrial: 5, earlyTermination: { type: 'none', graceEpochs: 5 },
    space: [{ path: 'training.optimizer.learningRate', scale: 'log', low: -4, high: 0, min: 1e-4, max: 1 }],
    roundBoxes: [{ index: 0, box: { 'training.optimizer.learningRate': { low: -4, high: 0 } }, basedOn: [] }],
    trials: [trialRecord(1, { state: 'finished', metric: 0.1, epoch: 5, runDir: path.join(dir, 'trial-001'), best: true }), trialRecord(2, { state: 'finished', metric: 'NaN' as unknown as number, epoch: 5, runDir: path.join(dir, 'trial-002') })],
    bestTrial: 1, experiment: {}, ...extra,
  };
}

const info = (dir: string): Extract<SearchEvent, { type: 'searchInfo' }> => ({
  type: 'searchInfo', dir, name: 'moons', configPath: '/ws/moons.nn.json', space: [], trials: 2, rounds: 1, parallel: 2, metric: 'devError', mode: 'min', epochsPerTrial: 5, resumed: false,
});

describe('host: SearchManager (fake search process)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fakes: FakeSearch[];
  let manager: SearchManager;
  let alivePids: Set<number>;
  let runs: RunManager;
  beforeEach(() => {
    tmp = tempDir('gl-search-mgr-');
    fakes = [];
    alivePids = new Set();
    runs = new RunManager({ runsDir: () => tmp.dir, spawn: () => { throw new Error('no engines here'); } });
    manager = new SearchManager({
      runs,
      runsDir: () => tmp.dir,
      spawn: () => {
        const f = new FakeSearch();
        fakes.push(f);
        return f;
      },
      processAlive: (pid) => alivePids.has(pid),
    });
  });
  afterEach(() => tmp.cleanup());

  it('queues the start until hello, resolves ready with the folder, keeps a Run per trial', async () => {
    const search = manager.start('/ws/moons.nn.json');
    const f = fakes[0];
    // The first command goes out at once (the channel buffers it); later ones wait for hello.
    assert.deepEqual(f.sent, [{ type: 'start', configPath: '/ws/moons.nn.json', runsDir: tmp.dir }]);
    assert.ok(manager.send(search, { type: 'stop' }));
    assert.equal(f.sent.length, 1, 'queued until hello');
    assert.ok(search.live);
    assert.equal(manager.list().length, 1);
    f.emit({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: f.pid });
    assert.deepEqual(f.sent.map((c) => c.type), ['start', 'stop']);
    const dir = path.join(tmp.dir, '20260101-000000-moons-search');
    f.emit(info(dir));
    assert.equal(await search.ready, dir);
    assert.equal(search.view.state, 'running');
    f.emit({ type: 'trial', change: 'added', trial: trialRecord(2) });
    f.emit({ type: 'trial', change: 'added', trial: trialRecord(1) });
    f.emit({ type: 'trial', change: 'started', trial: trialRecord(1, { state: 'running', runDir: path.join(dir, 'trial-001'), attempts: 1 }) });
    assert.deepEqual(search.view.trials.map((t) => [t.id, t.state]), [[1, 'running'], [2, 'queued']]);
    const runs = manager.trialRunsOf(search);
    assert.deepEqual(runs.map((r) => r.id), ['20260101-000000-moons-search/trial-001', '20260101-000000-moons-search/trial-002']);
    assert.equal(manager.trialOf(runs[0])?.trial.id, 1);
    assert.equal(manager.findTrialRun(path.join(dir, 'trial-001')), runs[0]);
    assert.equal(manager.findTrialRun('20260101-000000-moons-search/trial-002'), runs[1]);
    assert.equal(runs[0].view.state, 'starting', 'until its engine reports');
    assert.ok(manager.send(search, { type: 'killTrial', id: 1 }));
    assert.deepEqual(f.sent[f.sent.length - 1], { type: 'killTrial', id: 1 });
    f.emit({ type: 'finished', state: 'finished', best: null, dir });
    f.exit({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!search.live);
    assert.equal(search.view.state, 'finished');
    assert.equal(search.view.live, false);
  });

  it('a config error: reported with its location, ready rejects, no search left behind', async () => {
    const errors: unknown[] = [];
    manager.onSearchError((e) => errors.push(e));
    const search = manager.start('/ws/bad.nn.json');
    const f = fakes[0];
    f.emit({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: f.pid });
    f.emit({ type: 'error', fatal: true, code: 'config', message: '/ws/bad.nn.json:7:7 unknown config path', file: '/ws/bad.nn.json', line: 7, column: 7, path: '/search/space/x' });
    f.exit({ code: 2, signal: null });
    await assert.rejects(search.ready, /unknown config path/);
    assert.equal(errors.length, 1);
    assert.deepEqual((errors[0] as { error: { line: number; column: number } }).error.line, 7);
    assert.equal((errors[0] as { configPath: string }).configPath, '/ws/bad.nn.json');
    assert.equal(manager.list().length, 0);
  });

  it('a search process that dies mid-search: its search shows as stopped (interrupted) from search.json', async () => {
    const dir = path.join(tmp.dir, '20260101-000000-moons-search');
    fs.mkdirSync(dir);
    const search = manager.start('/ws/moons.nn.json');
    const f = fakes[0];
    f.emit({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: f.pid });
    f.emit(info(dir));
    await search.ready;
    fs.writeFileSync(path.join(dir, 'search.json'), JSON.stringify(searchFile(dir, { state: 'running', trials: [trialRecord(1, { state: 'running', runDir: path.join(dir, 'trial-001') }), trialRecord(2)] })));
    let replaced = 0;
    manager.onDidReplaceSearch(() => replaced++);
    f.exit({ code: null, signal: 'SIGKILL' });
    // The exit is handled on a later turn (the folder is re-read): a fixed 30 ms wait failed on a loaded machine.
    await until(() => search.view.state !== 'running', 5000);
    assert.equal(search.view.state, 'stopped');
    assert.match(search.view.stateReason ?? '', /Interrupted.*SIGKILL.*Resume/);
    assert.equal(replaced, 1, 're-read from search.json');
    assert.equal(search.view.trials.length, 2);
    // Resume forks a new process with the folder.
    manager.resume(search);
    const g = fakes[1];
    g.emit({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: 5 });
    assert.deepEqual(g.sent, [{ type: 'resume', searchDir: dir, addTrials: undefined }]);
    assert.equal(search.view.state, 'starting');
    g.emit({ ...info(dir), resumed: true });
    assert.equal(await search.ready, dir);
    assert.equal(search.view.state, 'running');
  });

  it('finds past searches in the runs folder: finished, stopped, interrupted, run by another process', async () => {
    const mk = (name: string, extra: Partial<SearchFile>, pid?: number): string => {
      const dir = path.join(tmp.dir, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'search.json'), JSON.stringify(searchFile(dir, extra)));
      if (pid) fs.writeFileSync(path.join(dir, 'search.pid'), `${pid}\n`);
      return dir;
    };
    mk('20260101-000001-a-search', { state: 'finished' });
    mk('20260101-000002-b-search', { state: 'stopped' });
    mk('20260101-000003-c-search', { state: 'running' }, 999_999);
    mk('20260101-000004-d-search', { state: 'running' }, 777);
    alivePids.add(777);
    writeRunFolder(tmp.dir, '20260101-000005-plain-run', { iterations: 8 });
    fs.mkdirSync(path.join(tmp.dir, 'not-a-search'));
    await manager.refresh();
    const got = manager.list().map((s) => [path.basename(s.dir), s.view.state, s.view.live, s.view.external]);
    assert.deepEqual(got, [
      ['20260101-000004-d-search', 'running', false, true],
      ['20260101-000003-c-search', 'stopped', false, false],
      ['20260101-000002-b-search', 'stopped', false, false],
      ['20260101-000001-a-search', 'finished', false, false],
    ]);
    const c = manager.get(path.join(tmp.dir, '20260101-000003-c-search'))!;
    assert.match(c.view.stateReason ?? '', /Interrupted/);
    const a = manager.get(path.join(tmp.dir, '20260101-000001-a-search'))!;
    assert.ok(Number.isNaN(a.view.trials[1].metric!), 'NaN metrics read back as numbers');
    assert.equal(manager.trialRunsOf(a).length, 2);
    // The other process ended (its pid is gone): the next refresh says interrupted.
    alivePids.delete(777);
    await manager.refresh();
    assert.equal(manager.get(path.join(tmp.dir, '20260101-000004-d-search'))!.view.state, 'stopped');
    // A deleted folder disappears.
    fs.rmSync(path.join(tmp.dir, '20260101-000002-b-search'), { recursive: true });
    await manager.refresh();
    assert.equal(manager.list().length, 3);
  });

  /** A search that started, announced its folder and started trial 1 (whose run is returned). */
  async function startedTrial(): Promise<{ f: FakeSearch; runDir: string; run: ReturnType<SearchManager['trialRunsOf']>[number] }> {
    const search = manager.start('/ws/moons.nn.json');
    const f = fakes[0];
    f.emit({ type: 'hello', protocolVersion: SEARCH_PROTOCOL_VERSION, pid: f.pid });
    const dir = path.join(tmp.dir, '20260101-000000-moons-search');
    f.emit(info(dir));
    await search.ready;
    const runDir = path.join(dir, 'trial-001');
    f.emit({ type: 'trial', change: 'started', trial: trialRecord(1, { state: 'running', runDir, attempts: 1 }) });
    return { f, runDir, run: manager.trialRunsOf(search)[0] };
  }

  it('a trial is a run: forwarded engine events fold into it, commands go through the search, watching subscribes', async () => {
    const { f, runDir, run } = await startedTrial();
    assert.equal(run.view.runId, run.id, 'a webview given the run\'s view matches its events by this id (regression)');
    assert.ok(run.live);
    assert.ok(runs.list().includes(run), 'listed by the one RunManager');
    assert.equal(run.state, 'starting');
    f.emit({ type: 'trialEvent', id: 1, event: { type: 'runInfo', info: runInfo('trial-001', runDir) } });
    f.emit({ type: 'trialEvent', id: 1, event: { type: 'state', state: 'running', iteration: 0, epoch: 0 } });
    // What an unwatched trial gets: telemetry without its per-point chunks, events riding along.
    f.emit({ type: 'trialEvent', id: 1, event: { type: 'telemetry', iteration: 40, epoch: 2, learningRate: 0.1, lastEpoch: { epoch: 2, iteration: 40, trainCost: 0.3, trainError: 0.1, devCost: 0.4, devError: 0.2, learningRate: 0.1, seconds: 1 }, events: [{ type: 'checkpoint', iteration: 40, epoch: 2, path: 'x' }] } });
    assert.equal(run.id, '20260101-000000-moons-search/trial-001');
    assert.equal(run.state, 'running');
    assert.equal(run.view.iteration, 40);
    assert.equal(run.view.lastEpoch?.devError, 0.2);
    assert.equal(run.view.lastCheckpoint?.iteration, 40);
    // Watching subscribes the trial (the search sends its whole run, then all telemetry).
    const sub = runs.watch(run);
    assert.deepEqual(f.sent.at(-1), { type: 'subscribe', id: 1, on: true });
    assert.ok(runs.send(run, { type: 'pause' }));
    assert.deepEqual(f.sent.at(-1), { type: 'pauseTrial', id: 1 });
    assert.ok(runs.send(run, { type: 'setLearningRate', value: 0.01 }));
    assert.deepEqual(f.sent.at(-1), { type: 'trialCommand', id: 1, command: { type: 'setLearningRate', value: 0.01 } });
    sub.dispose();
    assert.deepEqual(f.sent.at(-1), { type: 'subscribe', id: 1, on: false });
    // The trial ends: its run is no longer live and says why.
    f.emit({ type: 'trial', change: 'updated', trial: trialRecord(1, { state: 'killed', runDir, attempts: 1, epoch: 2 }) });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(run.live, false);
    assert.equal(run.state, 'stopped');
    assert.match(run.view.stateReason ?? '', /Killed/);
  });

  it('a trial that ends before its engine announced the run stays listed (not dropped like a failed start)', async () => {
    const { f, runDir, run } = await startedTrial();
    f.emit({ type: 'trial', change: 'updated', trial: trialRecord(1, { state: 'failed', runDir, attempts: 1, error: 'data file not found' }) });
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(runs.list().includes(run));
    assert.equal(run.state, 'crashed');
    assert.match(run.view.stateReason ?? '', /data file not found/);
  });
});

describe('host: SearchManager with the real dist/search.js', function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof tempDir>;
  const children = new Set<number>();
  let watch: ReturnType<typeof setInterval> | undefined;

  /** Records the engines a search process forks (Linux: /proc/<pid>/task/<pid>/children). */
  const trackChildren = (pid: number | undefined): void => {
    if (!pid || process.platform !== 'linux') return;
    watch = setInterval(() => {
      try {
        for (const c of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) if (c) children.add(Number(c));
      } catch {
        // gone
      }
    }, 20);
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return false;
    }
  };

  before(() => ensureBuilt());
  beforeEach(() => {
    tmp = tempDir('gl-search-real-');
    children.clear();
  });
  afterEach(() => {
    if (watch) clearInterval(watch);
    tmp.cleanup();
  });

  const makeManager = (): SearchManager => new SearchManager({
    runs: new RunManager({ runsDir: () => path.join(tmp.dir, 'runs'), spawn: () => { throw new Error('no engines here'); } }),
    runsDir: () => path.join(tmp.dir, 'runs'),
    spawn: () => new SearchProcess({ searchPath: path.join(DIST, 'search.js') }),
  });
  const experiment = (search: Record<string, unknown>, samples = 4000): string => {
    const file = path.join(tmp.dir, 'search.nn.json');
    fs.writeFileSync(file, JSON.stringify({
      name: 'it-search', seed: 3,
      data: { source: 'moons', samples, noise: 0.2 },
      model: { hidden: [{ units: 32, activation: 'relu' }, { units: 32, activation: 'relu' }] },
      training: { epochs: 5, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 }, threads: 1 },
      search: {
        space: { 'training.optimizer.learningRate': { log: [1e-4, 1] }, 'training.optimizer.beta1': { oneMinusLog: [0.9, 0.999] } },
        trials: 6, parallel: 2, epochsPerTrial: 5, ...search,
      },
    }, null, 2));
    return file;
  };
  const until = async (what: string, check: () => boolean, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('start, kill a running trial, the others finish; search.json consistent; a trial followed live; export; no process left', async () => {
    const manager = makeManager();
    const search: Search = manager.start(experiment({}));
    trackChildren(search.pid);
    const dir = await search.ready;
    assert.equal(path.dirname(dir), path.join(tmp.dir, 'runs'));
    await until('a running trial', () => search.view.trials.some((t) => t.state === 'running' && t.epoch < t.epochs));
    const victim = search.view.trials.find((t) => t.state === 'running')!;
    const run = search.trialRuns.get(victim.id)!;
    const shown = manager.runs.watch(run);
    assert.ok(manager.send(search, { type: 'killTrial', id: victim.id }));
    await until('the search to end', () => !search.live, 60_000);
    assert.equal(search.view.state, 'finished');
    const states = search.view.trials.map((t) => t.state);
    assert.equal(states.filter((s) => s === 'killed').length, 1, states.join());
    assert.equal(search.trial(victim.id)?.state, 'killed');
    assert.equal(states.filter((s) => s === 'finished').length, 5, states.join());
    const file = readSearchFile(dir);
    assertConsistent(file);
    assert.deepEqual(file.trials.map((t) => [t.id, t.state, t.metric]), search.view.trials.map((t) => [t.id, t.state, t.metric]));
    assert.equal(file.bestTrial, search.view.bestTrial);
    // The killed trial's run, shown live, ends stopped with the search's reason, its curves whole.
    await until('the shown trial to settle', () => run.view.state === 'stopped');
    assert.match(run.view.stateReason ?? '', /Killed/);
    const replayed = await loadRunFolder(victim.runDir!);
    assert.ok(run.view.iterations.count > 0);
    assert.equal(run.view.iterations.count, replayed.iterations.count, 'every iteration arrived');
    assert.equal(run.view.epochs.count, replayed.epochs.count);
    shown.dispose();
    assert.equal(run.view.runId, run.id, 'unique id across searches');
    assert.match(run.id, /-search\/trial-\d{3}/);
    // Export through a short-lived process (the search process has exited).
    const out = await manager.exportBest(search, path.join(tmp.dir, 'best.nn.json'));
    assert.equal(out.trialId, file.bestTrial);
    assert.ok(!('search' in (JSON.parse(fs.readFileSync(out.outFile, 'utf8')) as object)));
    if (process.platform === 'linux') {
      // Warm engines: the 6 trials share processes (`parallel` of them; the killed trial was stopped
      // cleanly, so its process went on to the next trial).
      assert.ok(children.size >= 2 && children.size < 6, `the search forked engines for its trials and reused them (${children.size})`);
      await until('no engine left', () => [...children].every((p) => !alive(p)), 10_000);
    }
    await manager.dispose();
  });

  it('stop (the window closes) → stopped search; a new manager (the reload) finds it and resumes it to the end', async () => {
    const first = makeManager();
    // Trials of a few seconds, so that the window closes while they train however fast the engine is.
    const search = first.start(experiment({ trials: 4, epochsPerTrial: 400 }, 3000));
    trackChildren(search.pid);
    const dir = await search.ready;
    await until('trials training', () => search.view.trials.filter((t) => t.state === 'running' && t.epoch >= 1).length >= 1);
    const pid = search.pid!;
    await first.dispose(10_000);
    assert.ok(!alive(pid), 'search process gone');
    if (process.platform === 'linux') await until('no engine left', () => [...children].every((p) => !alive(p)), 10_000);
    assert.equal(readSearchFile(dir).state, 'stopped');

    const second = makeManager();
    await second.refresh();
    const again = second.get(dir)!;
    assert.ok(again, 'found in the runs folder');
    assert.equal(again.view.state, 'stopped');
    assert.ok(!again.live);
    second.resume(again);
    assert.equal(await again.ready, dir);
    await until('the resumed search to end', () => !again.live, 60_000);
    assert.equal(again.view.state, 'finished');
    const file = readSearchFile(dir);
    assertConsistent(file);
    assert.ok(file.trials.every((t) => t.state === 'finished' && t.epoch === 400));
    assert.ok(file.trials.some((t) => t.attempts === 2), 'a trial continued from its checkpoint');
    await second.dispose();
  });
});
