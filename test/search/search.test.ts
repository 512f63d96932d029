/**
 * Real searches: every trial is a forked `dist/engine.js` training moons, as with the CLI and the
 * extension. (`npm test` builds dist/ first; alone, `ensureBuilt` does.)
 */
import * as assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunInfo, RunSummary } from '../../src/shared/protocol';
import { SEARCH_PROTOCOL_VERSION, type SearchCommand, type SearchEvent } from '../../src/shared/search-protocol';
import { loadExperiment, resolveConfig } from '../../src/engine/config/validate';
import { exportBest } from '../../src/engine/search/export';
import { SearchRunner } from '../../src/engine/search/runner';
import { readSearchFile } from '../../src/engine/search/search-store';
import { assertConsistent, DIST, ensureBuilt, LR, moonsSearch, until } from './helpers';

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

describe('search with real engine processes', function () {
  this.timeout(60000);
  let dir: string;
  const write = (json: unknown, name = 'exp.nn.json'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    return file;
  };

  before(ensureBuilt);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-search-'));
  });

  it('8 trials × 8 epochs on moons, 2 at once: finishes, consistent search.json, best clearly beats worst; exportBest', async () => {
    const configPath = write(moonsSearch({}));
    const started = Date.now();
    const runner = SearchRunner.create({ configPath, runsDir: path.join(dir, 'runs') });
    let running = 0;
    let maxRunning = 0;
    runner.on('progress', (p) => {
      running = p.running;
      maxRunning = Math.max(maxRunning, running);
    });
    const result = await runner.run();
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.state, 'finished');
    assert.equal(maxRunning, 2);
    const file = readSearchFile(result.dir);
    assertConsistent(file);
    assert.equal(file.trials.length, 8);
    for (const t of file.trials) {
      assert.equal(t.state, 'finished', `${t.name}: ${t.error ?? ''}`);
      assert.equal(t.epoch, 8);
      const summary = readJson<RunSummary>(path.join(t.runDir!, 'summary.json'));
      assert.equal(summary.state, 'finished');
      assert.equal(t.metric, summary.final!.devError, 'the metric is the final dev error');
      const config = readJson<{ training: { epochs: number; optimizer: { learningRate: number } }; search?: unknown }>(path.join(t.runDir!, 'config.json'));
      assert.equal(config.training.optimizer.learningRate, t.values[LR]);
      assert.equal(config.training.epochs, 8, 'epochsPerTrial');
      assert.equal(config.search, undefined);
    }
    const metrics = file.trials.map((t) => t.metric!);
    const best = Math.min(...metrics);
    const worst = Math.max(...metrics);
    assert.equal(file.trials.find((t) => t.id === file.bestTrial)!.metric, best);
    assert.ok(worst - best > 0.3, `best ${best} vs worst ${worst}`);
    console.log(`      (8 trials in ${seconds.toFixed(1)} s; dev error best ${best.toFixed(3)}, worst ${worst.toFixed(3)})`);

    // The best config as a new experiment file: the original + the best values, no search block.
    const out = path.join(dir, 'exported', 'best.nn.json');
    const exported = exportBest(result.dir, out);
    const bestTrial = file.trials.find((t) => t.best)!;
    assert.equal(exported.trial.id, bestTrial.id);
    const json = readJson<Record<string, unknown>>(out);
    assert.equal(json.search, undefined);
    const config = resolveConfig(json, out);
    assert.equal(config.training.optimizer.learningRate, bestTrial.values[LR]);
    assert.equal((json.training as { epochs: number }).epochs, 8, 'the epochs the trial ran (epochsPerTrial), not the file\'s 100');
    assert.equal(config.name, 'moons-search-best');
    assert.deepEqual(loadExperiment(out), config);
  });

  it('kill a trial mid-run: it is marked killed, the others continue and finish', async () => {
    const configPath = write(moonsSearch({ trials: 3, epochsPerTrial: 3000 }, { batchSize: 16 }));
    const runner = SearchRunner.create({ configPath, runsDir: path.join(dir, 'runs') });
    const done = runner.run();
    await until(() => (runner.trial(1)?.epoch ?? 0) >= 2, 30000);
    assert.equal(runner.trial(1)!.state, 'running');
    assert.equal(runner.killTrial(1), true);
    const result = await done;
    const states = result.trials.map((t) => t.state);
    assert.deepEqual(states, ['killed', 'finished', 'finished']);
    const killed = result.trials[0];
    assert.ok(killed.epoch >= 2 && killed.epoch < 3000, `killed at epoch ${killed.epoch}`);
    assert.equal(readJson<RunSummary>(path.join(killed.runDir!, 'summary.json')).state, 'stopped', 'its run folder was closed cleanly');
    for (const t of result.trials.slice(1)) assert.equal(t.epoch, 3000);
    assert.notEqual(result.best?.id, 1, 'a killed trial is never the best');
    assertConsistent(readSearchFile(result.dir));
  });

  it('panda mode: a running trial takes a learning rate and a gradient check through the search, and says so', async () => {
    const configPath = write(moonsSearch({ trials: 1, parallel: 1, epochsPerTrial: 5000 }, { batchSize: 16 }));
    const runner = SearchRunner.create({ configPath, runsDir: path.join(dir, 'runs') });
    const done = runner.run();
    await until(() => (runner.trial(1)?.epoch ?? 0) >= 2, 30000);
    assert.equal(runner.trialCommand(1, { type: 'setLearningRate', value: 0.0042 }), true);
    assert.equal(runner.trialCommand(1, { type: 'gradientCheck', requestId: 'panda' }), true);
    const runDir = runner.trial(1)!.runDir!;
    const events = (): string => fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
    await until(() => /"type":"gradientCheck"/.test(events()) && /"source":"user"/.test(events()), 30000);
    assert.match(runner.trial(1)!.note ?? '', /learning rate set by hand to 0.0042/);
    assert.match(readSearchFile(runner.dir).trials[0].note ?? '', /0.0042/);
    runner.killTrial(1);
    await done;
    assert.equal(runner.trialCommand(1, { type: 'step', iterations: 1 }), false, 'an ended trial has no engine');
  });

  it('resume an interrupted search: stopped trials continue from their checkpoints, a lost one reruns from scratch', async () => {
    // Trials long enough (~1–2 s each) that both can be caught mid-run however fast the engine is.
    const EPOCHS = 1500;
    const configPath = write(moonsSearch({ trials: 5, epochsPerTrial: EPOCHS }, { batchSize: 16 }));
    const first = SearchRunner.create({ configPath, runsDir: path.join(dir, 'runs') });
    const firstDone = first.run();
    // Hold trials 1 and 2 a few epochs in (pausing makes the interruption point certain), then stop.
    for (const id of [1, 2]) {
      await until(() => (first.trial(id)?.epoch ?? 0) >= 3, 30000);
      first.pauseTrial(id);
    }
    await until(() => first.trial(1)!.state === 'paused' && first.trial(2)!.state === 'paused', 30000);
    const stopped = await first.stop();
    assert.equal(await firstDone, stopped);
    assert.equal(stopped.state, 'stopped');
    let file = readSearchFile(stopped.dir);
    assertConsistent(file);
    assert.equal(file.state, 'stopped');
    assert.ok(file.trials.every((t) => t.state === 'stopped'), file.trials.map((t) => t.state).join());
    const atStop = file.trials.map((t) => t.epoch);
    assert.ok(atStop[0] >= 3 && atStop[0] < EPOCHS && atStop[1] >= 3 && atStop[1] < EPOCHS, String(atStop));
    assert.equal(file.trials[4].runDir, null, 'trial 5 never started');

    // Pretend trial 2 was lost in a crash: marked running, no checkpoint to resume from.
    file.trials[1].state = 'running';
    fs.rmSync(path.join(file.trials[1].runDir!, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(stopped.dir, 'search.json'), JSON.stringify(file));

    const second = SearchRunner.resume(stopped.dir);
    assert.ok(second.snapshot().trials.every((t) => t.state === 'queued'));
    const result = await second.run();
    assert.equal(result.state, 'finished');
    file = readSearchFile(stopped.dir);
    assertConsistent(file);
    assert.equal(file.trials.length, 5);
    assert.ok(file.trials.every((t) => t.state === 'finished' && t.epoch === EPOCHS && t.curve.length === EPOCHS));
    const [t1, t2] = file.trials;
    assert.equal(t1.attempts, 2);
    assert.equal(t1.runDir, path.join(stopped.dir, 'trial-001'), 'resumed in place');
    assert.equal(readJson<RunInfo>(path.join(t1.runDir!, 'run.json')).resumedFrom?.epoch, atStop[0], 'from its checkpoint');
    assert.equal(t2.runDir, path.join(stopped.dir, 'trial-002-2'), 'rerun from scratch in a fresh folder');
    assert.equal(readJson<RunInfo>(path.join(t2.runDir!, 'run.json')).resumedFrom, undefined);
  });

  it('dist/search.js over IPC: start, pause and kill a trial, add trials, finish; then exportBest in a new process', async () => {
    // Trials long enough (~1 s) that pause and kill land while one runs, however fast the engine is.
    const configPath = write(moonsSearch({ trials: 3, epochsPerTrial: 1500 }, { batchSize: 16 }));
    const child = fork(path.join(DIST, 'search.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const events: SearchEvent[] = [];
    child.on('message', (m: unknown) => {
      const e = m as SearchEvent & { v: number };
      assert.equal(e.v, SEARCH_PROTOCOL_VERSION);
      events.push(e);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const send = (c: SearchCommand): void => {
      child.send({ v: SEARCH_PROTOCOL_VERSION, ...c });
    };
    const of = <T extends SearchEvent['type']>(type: T) => events.filter((e): e is Extract<SearchEvent, { type: T }> => e.type === type);
    await until(() => of('hello').length === 1);
    send({ type: 'start', configPath, runsDir: path.join(dir, 'runs') });
    await until(() => of('searchInfo').length === 1);
    const info = of('searchInfo')[0];
    assert.equal(info.parallel, 2);
    assert.deepEqual(info.space, [{ path: LR, scale: 'log', min: 1e-5, max: 1, low: -5, high: 0 }]);
    await until(() => of('trial').some((e) => e.trial.id === 1 && e.change === 'started'));
    send({ type: 'pauseTrial', id: 1 });
    await until(() => of('trial').some((e) => e.trial.id === 1 && e.trial.state === 'paused'));
    send({ type: 'killTrial', id: 1 });
    send({ type: 'addTrials', count: 2 });
    assert.equal(await exited, 0);
    const finished = of('finished')[0];
    assert.equal(finished.state, 'finished');
    const last = new Map<number, string>();
    for (const e of of('trial')) last.set(e.trial.id, e.trial.state);
    assert.deepEqual([...last].sort((a, b) => a[0] - b[0]), [[1, 'killed'], [2, 'finished'], [3, 'finished'], [4, 'finished'], [5, 'finished']]);
    const progress = of('progress');
    const lastProgress = progress[progress.length - 1];
    assert.deepEqual({ ...lastProgress, best: null, budget: null }, { type: 'progress', v: SEARCH_PROTOCOL_VERSION, done: 5, running: 0, queued: 0, paused: 0, total: 5, round: 0, best: null, budget: null });
    assert.equal(lastProgress.budget.randomEpochs, 5 * 1500, 'every trial at full length');
    assert.ok(lastProgress.budget.epochs < lastProgress.budget.randomEpochs, 'the killed trial trained less');

    const exporter = fork(path.join(DIST, 'search.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const got: SearchEvent[] = [];
    exporter.on('message', (m: unknown) => got.push(m as SearchEvent));
    const out = path.join(dir, 'best.nn.json');
    exporter.send({ v: SEARCH_PROTOCOL_VERSION, type: 'exportBest', searchDir: finished.dir, outFile: out });
    assert.equal(await new Promise((r) => exporter.on('exit', r)), 0);
    const exported = got.find((e): e is Extract<SearchEvent, { type: 'exported' }> => e.type === 'exported');
    assert.equal(exported?.trialId, finished.best!.id);
    assert.equal(resolveConfig(readJson(out)).training.optimizer.learningRate, finished.best!.values[LR]);
  });

  it('the CLI: Ctrl-C stops cleanly and prints how to resume; --resume finishes it; --export-best writes the config', async function () {
    if (process.platform === 'win32') this.skip();
    const configPath = write(moonsSearch({ trials: 4, epochsPerTrial: 1000 }, { batchSize: 16 }));
    const runs = path.join(dir, 'runs');
    const cli = (args: string[]) => spawn(process.execPath, [path.join(DIST, 'cli.js'), 'search', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (p: ReturnType<typeof cli>) => {
      let out = '';
      p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
      return { text: () => out, code: new Promise<number | null>((r) => p.on('exit', (c) => r(c))) };
    };
    const first = cli([configPath, '--runs', runs]);
    const a = collect(first);
    await until(() => /search folder: /.test(a.text()), 20000);
    const searchDir = /search folder: (.+)/.exec(a.text())![1].trim();
    // search.json is rewritten at once when a trial starts: interrupt while the first ones train.
    await until(() => readSearchFile(searchDir).trials.some((t) => t.state === 'running'), 20000);
    first.kill('SIGINT');
    assert.equal(await a.code, 0, a.text());
    assert.match(a.text(), /stopping the search/);
    assert.match(a.text(), /continue it with:\n {2}gradient-lab search --resume \S+/);
    const stopped = readSearchFile(searchDir);
    assert.equal(stopped.state, 'stopped');
    assertConsistent(stopped);
    assert.ok(stopped.trials.some((t) => t.state === 'stopped' && t.runDir !== null), JSON.stringify(stopped.trials.map((t) => [t.state, t.epoch, t.runDir !== null])) + a.text());

    const out = path.join(dir, 'best.nn.json');
    const second = collect(cli(['--resume', searchDir, '--export-best', out]));
    assert.equal(await second.code, 0, second.text());
    assert.match(second.text(), /search finished: 4 finished/);
    assert.match(second.text(), /★ {2}trial-00\d/);
    assert.match(second.text(), /best config \(trial-00\d\) written to /);
    const done = readSearchFile(searchDir);
    assert.ok(done.trials.every((t) => t.state === 'finished'));
    assert.equal(resolveConfig(readJson(out)).training.optimizer.learningRate, done.trials.find((t) => t.best)!.values[LR]);
  });
  it('the CLI with asha: trials wait at their rung exactly, the promoted ones resume from their checkpoints; --json says so', async () => {
    // One at a time: the arrival order at the rungs, hence the whole search, is the same every run.
    const configPath = write(moonsSearch({ trials: 9, parallel: 1, epochsPerTrial: 9, earlyTermination: { type: 'asha', eta: 3, minEpochs: 1 } }));
    const runs = path.join(dir, 'runs');
    const child = spawn(process.execPath, [path.join(DIST, 'cli.js'), 'search', configPath, '--runs', runs, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    assert.equal(await new Promise((r) => child.on('exit', r)), 0, out);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as SearchEvent);
    const logs = events.filter((e): e is Extract<SearchEvent, { type: 'log' }> => e.type === 'log').map((e) => e.message);
    assert.ok(logs.some((m) => /^trial-\d+ paused at rung 1 \(epoch 1\)/.test(m)), logs.join('\n'));
    assert.ok(logs.some((m) => /^trial-\d+ promoted past rung \d \(epoch \d\)/.test(m)), logs.join('\n'));
    const info = events.find((e): e is Extract<SearchEvent, { type: 'searchInfo' }> => e.type === 'searchInfo')!;
    assert.deepEqual(info.earlyTermination, { type: 'asha', graceEpochs: 5, eta: 3, minEpochs: 1 });
    const finished = events.find((e): e is Extract<SearchEvent, { type: 'finished' }> => e.type === 'finished')!;
    const file = readSearchFile(finished.dir);
    assertConsistent(file);
    // A trial that waited at a rung and was promoted later: a second engine continued its run folder.
    const resumed = file.trials.filter((t) => t.attempts >= 2 && (t.promotions ?? []).length > 0);
    assert.ok(resumed.length > 0, JSON.stringify(file.trials.map((t) => [t.name, t.state, t.epoch, t.attempts])));
    for (const t of resumed) {
      const events = fs.readFileSync(path.join(t.runDir!, 'events.jsonl'), 'utf8');
      assert.match(events, /"resumedFrom":\{[^}]*"epoch":[13]/, `${t.name} resumed from its rung's checkpoint`);
      assert.equal(t.curve.length, t.epoch);
    }
    for (const t of file.trials.filter((x) => x.state === 'pruned')) {
      assert.ok([1, 3].includes(t.epoch), `${t.name} stopped at epoch ${t.epoch}: a rung, not later`);
      const summary = readJson<RunSummary>(path.join(t.runDir!, 'summary.json'));
      assert.equal(summary.epochs, t.epoch, 'the engine stopped exactly at the rung');
    }
    const best = file.trials.find((t) => t.best)!;
    assert.equal(best.state, 'finished');
    assert.equal(best.epoch, 9);
    assert.ok(file.budget!.epochs < file.budget!.randomEpochs / 2, `${file.budget!.epochs} of ${file.budget!.randomEpochs} epochs`);
  });
});
