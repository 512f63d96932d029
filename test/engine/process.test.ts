/**
 * The engine as the extension uses it: a real `child_process.fork` of dist/engine.js, typed
 * versioned messages over IPC. (`npm test` builds dist/ first.)
 */
import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../src/shared/protocol';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';
import { columnIndex, envelope } from '../../src/shared/buckets';
import { readFloat64 } from '../../src/engine/run/run-folder';

const ENGINE = path.join(__dirname, '..', '..', 'dist', 'engine.js');

class Engine {
  readonly child: ChildProcess;
  readonly events: EngineEvent[] = [];
  /** What a host makes of the events: the one fold, as the extension does. */
  readonly view = emptyRunView('', '');
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor() {
    this.child = fork(ENGINE, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (m: unknown) => {
      const e = m as EngineEvent & { v: number };
      assert.equal(e.v, PROTOCOL_VERSION);
      this.events.push(e);
      applyEvent(this.view, e);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  send(c: EngineCommand): void {
    this.child.send({ v: PROTOCOL_VERSION, ...c });
  }

  /** Events of a type, also those riding inside telemetry (flags, verdicts, the newest checkpoint). */
  of<T extends EngineEvent['type']>(type: T): Extract<EngineEvent, { type: T }>[] {
    const all = this.events.flatMap((e) => (e.type === 'telemetry' ? [e, ...(e.events ?? [])] : [e]));
    return all.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }

  iterations(): number {
    return this.view.iterations.count > 0 ? this.view.iterations.x1[this.view.iterations.size - 1] : 0;
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

function writeExperiment(dir: string, json: unknown, name = 'exp.nn.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  return file;
}

const LONG_RUN = {
  name: 'ipc', seed: 2,
  data: { source: 'moons', samples: 400, noise: 0.2 },
  model: { hidden: [{ units: 16 }, { units: 16 }] },
  training: { epochs: 100000, batchSize: 16, optimizer: { type: 'gd', learningRate: 0.05 }, backend: 'ts', checkpointEvery: 1 },
};

describe('engine child process (IPC)', function () {
  this.timeout(60000);
  let dir: string;
  const engines: Engine[] = [];
  const spawn = (): Engine => {
    const e = new Engine();
    engines.push(e);
    return e;
  };

  before(() => {
    assert.ok(fs.existsSync(ENGINE), 'dist/engine.js exists (npm test builds it)');
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-ipc-'));
  });
  afterEach(() => {
    for (const e of engines.splice(0)) if (e.child.exitCode === null) e.child.kill('SIGKILL');
  });

  it('start, pause, step, set learning rate, resume, gradient check, test, stop', async () => {
    const engine = spawn();
    const config = writeExperiment(dir, LONG_RUN);
    engine.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    await engine.until('iterations', () => engine.iterations() > 50);
    // hello comes once the run exists (runInfo first): from then on every command is taken.
    assert.ok(engine.events.findIndex((e) => e.type === 'runInfo') < engine.events.findIndex((e) => e.type === 'hello'));
    const info = engine.of('runInfo')[0].info;
    assert.ok(fs.existsSync(path.join(info.runDir, 'costs.f64')));

    engine.send({ type: 'pause' });
    await engine.until('paused', () => engine.of('state').some((s) => s.state === 'paused'));
    const atPause = engine.iterations();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(engine.iterations(), atPause, 'no iterations while paused');

    engine.send({ type: 'step', iterations: 7 });
    await engine.until('7 steps', () => engine.iterations() === atPause + 7);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engine.iterations(), atPause + 7, 'exactly 7 iterations');

    engine.send({ type: 'setLearningRate', value: 0.0123 });
    await engine.until('lr event', () => engine.of('learningRate').some((l) => l.source === 'user'));
    engine.send({ type: 'gradientCheck', requestId: 'x' });
    await engine.until('gradient check', () => engine.of('gradientCheck').length === 1);
    assert.ok(engine.of('gradientCheck')[0].report.difference < 1e-6);
    engine.send({ type: 'evaluateTest' });
    await engine.until('test result', () => engine.of('testResult').length === 1);

    const beforeResume = engine.iterations();
    engine.send({ type: 'resume' });
    await engine.until('running again', () => engine.iterations() > beforeResume + 20);
    const lr = envelope(engine.view.iterations, columnIndex(engine.view.iterations, 'lr'));
    assert.ok(lr.xs.length > 0 && lr.xs.every((x, i) => x <= beforeResume || lr.ys[i] === 0.0123), 'next iterations use the new rate');
    // Telemetry is bounded: a few dozen messages a second, not one per iteration.
    assert.ok(engine.of('telemetry').length < engine.iterations() / 5, `${engine.of('telemetry').length} telemetry messages for ${engine.iterations()} iterations`);

    engine.send({ type: 'stop' });
    const exit = await engine.exited;
    assert.equal(exit.code, 0);
    const summary = engine.of('summary')[0].summary;
    assert.equal(summary.state, 'stopped');
    assert.ok(fs.existsSync(path.join(info.runDir, 'summary.json')));
    const events = fs.readFileSync(path.join(info.runDir, 'events.jsonl'), 'utf8');
    assert.match(events, /"type":"learningRate".*"source":"user"/);
  });

  it('SIGKILL keeps the files; resumeFromCheckpoint continues the iteration count', async () => {
    const first = spawn();
    const config = writeExperiment(dir, LONG_RUN);
    first.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    await first.until('a few epochs', () => (first.view.lastCheckpoint?.epoch ?? 0) >= 3);
    const runDir = first.of('runInfo')[0].info.runDir;
    first.child.kill('SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const checkpoint = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'latest.json'), 'utf8')) as { iteration: number };
    assert.ok(checkpoint.iteration > 0);

    const second = spawn();
    second.send({ type: 'resumeFromCheckpoint', runDir });
    await second.until('telemetry after resume', () => second.of('telemetry').some((t) => t.iterations));
    // The run as recorded up to the checkpoint comes first, whole, then the new points continue it.
    const history = second.of('history')[0].view;
    assert.equal(history.iterations.count, checkpoint.iteration, 'history up to the checkpoint');
    const firstChunk = second.of('telemetry').find((t) => t.iterations)!.iterations!;
    assert.equal(firstChunk.x0[0], checkpoint.iteration + 1, 'numbering continues from the checkpoint');
    assert.equal(second.of('runInfo')[0].info.resumedFrom?.iteration, checkpoint.iteration);
    second.send({ type: 'stop' });
    assert.equal((await second.exited).code, 0);
    const summary = second.of('summary')[0].summary;
    assert.equal(readFloat64(path.join(runDir, 'costs.f64')).length, summary.iterations, 'one continuous cost column, no zig-zag');
    assert.equal(second.iterations(), summary.iterations);
  });

  it('a config error is reported with its JSON path, line and column; the engine exits 2', async () => {
    const engine = spawn();
    const config = writeExperiment(dir, '{\n  "data": { "source": "moons" },\n  "training": { "optimizer": { "type": "adam", "learningRate": -1 } }\n}\n');
    engine.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    const exit = await engine.exited;
    assert.equal(exit.code, 2);
    const error = engine.of('error')[0].error;
    assert.equal(error.code, 'config');
    assert.equal(error.path, '/training/optimizer/learningRate');
    assert.equal(error.line, 3);
    assert.ok(error.column! > 1);
  });

  it('a missing CSV file is a data error naming the file', async () => {
    const engine = spawn();
    const config = writeExperiment(dir, { data: { source: { csv: 'nope.csv' } } });
    engine.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    assert.equal((await engine.exited).code, 2);
    const error = engine.of('error')[0].error;
    assert.equal(error.code, 'data');
    assert.match(error.message, /nope\.csv/);
  });

  it('says hello only once it takes commands: sent after hello, a stop right away is obeyed', async () => {
    const engine = spawn();
    const config = writeExperiment(dir, { ...LONG_RUN, data: { source: 'digits' } });
    engine.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    await engine.until('hello', () => engine.of('hello').length === 1);
    engine.send({ type: 'pause' });
    engine.send({ type: 'stop' });
    const exit = await engine.exited;
    assert.equal(exit.code, 0);
    assert.equal(engine.of('summary')[0].summary.state, 'stopped');
    assert.equal(engine.of('error').length, 0);
  });

  it('answers snapshot with the whole run, bounded (what a reattached window gets)', async () => {
    const engine = spawn();
    engine.send({ type: 'start', configPath: writeExperiment(dir, LONG_RUN), runsDir: path.join(dir, 'runs') });
    await engine.until('iterations', () => engine.iterations() > 500, 60000);
    engine.send({ type: 'snapshot' });
    await engine.until('history', () => engine.of('history').length === 1);
    const h = engine.of('history')[0].view;
    assert.ok(h.iterations.count >= 500 && h.iterations.size <= h.iterations.capacity);
    assert.ok(h.info?.runId);
    engine.send({ type: 'stop' });
    assert.equal((await engine.exited).code, 0);
  });

  it('ignores malformed and wrong-version commands with a warning', async () => {
    const engine = spawn();
    engine.child.send({ v: 99, type: 'start' });
    engine.child.send({ v: PROTOCOL_VERSION, type: 'launchMissiles' });
    engine.child.send({ v: PROTOCOL_VERSION, type: 'step', iterations: -3 });
    engine.child.send({ v: PROTOCOL_VERSION, type: 'pauseAt', epoch: 0 });
    await engine.until('four warnings', () => engine.of('log').filter((l) => l.level === 'warning').length === 4);
    assert.equal(engine.of('runInfo').length, 0);
    engine.send({ type: 'shutdown' });
    assert.equal((await engine.exited).code, 0);
  });
});
