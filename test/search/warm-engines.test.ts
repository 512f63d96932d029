/**
 * Warm engines (ForkLauncher): a search's cleanly ended trial hands its `dist/engine.js` process to
 * the next trial. A trial there must compute exactly what it computes in a fresh process, and
 * killing, crashing or stopping one trial must not reach another.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent, RunSummary } from '../../src/shared/protocol';
import { ForkLauncher, type TrialExit, type TrialHandle, type TrialStart } from '../../src/engine/search/launcher';
import { processAlive } from '../../src/engine/util/process';
import { DIST, ensureBuilt, until } from './helpers';

const ENGINE = path.join(DIST, 'engine.js');

/** A seeded moons trial; `variant` changes what the network computes. */
function trialConfig(variant: 'relu' | 'tanhBatchNormDropout', epochs = 6): Record<string, unknown> {
  const hidden = variant === 'relu'
    ? [{ units: 12, activation: 'relu' }, { units: 12, activation: 'relu' }]
    : [{ units: 20, activation: 'tanh', batchNorm: true, keepProb: 0.8 }, { units: 7, activation: 'tanh' }];
  return {
    name: `warm-${variant}`, seed: variant === 'relu' ? 7 : 11,
    data: { source: 'moons', samples: 300, noise: 0.25 },
    model: { hidden },
    training: { epochs, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, threads: 1 },
    diagnostics: { layerStatsEvery: 5, snapshotEvery: 2 },
  };
}

interface Ran {
  handle: TrialHandle;
  events: EngineEvent[];
  exit: Promise<TrialExit>;
}

function launch(launcher: ForkLauncher, start: TrialStart): Ran {
  const handle = launcher.launch(start);
  const events: EngineEvent[] = [];
  handle.onEvent((e) => events.push(e));
  const exit = new Promise<TrialExit>((resolve) => handle.onExit(resolve));
  return { handle, events, exit };
}

const summaryOf = (r: Ran): RunSummary | undefined => r.events.flatMap((e) => (e.type === 'summary' ? [e.summary] : []))[0];

/**
 * What a seeded run computed, without the timings: every cost, the epoch and layer lines, the
 * verdicts (their Bayes error too), snapshots and flags, the model, the final summary.
 */
function results(runDir: string): { costs: string; iterations: number; epochs: unknown[]; events: unknown[]; model: unknown; final: unknown; best: unknown } {
  const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  const epochs = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ seconds: _s, ...rest }) => rest);
  const events = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.type === 'verdict' || e.type === 'snapshot' || e.type === 'flag')
    .map(({ time: _t, ...rest }) => rest);
  const final = summary.final && { ...summary.final, seconds: 0 };
  return {
    costs: fs.readFileSync(path.join(runDir, 'costs.f64')).toString('hex'),
    iterations: summary.iterations,
    epochs,
    events,
    model: JSON.parse(fs.readFileSync(path.join(runDir, 'model.json'), 'utf8')),
    final,
    best: summary.best,
  };
}

describe('warm engines: search trials reuse engine processes', function () {
  this.timeout(60000);
  let dir: string;
  const launchers: ForkLauncher[] = [];
  const open = (reuse: boolean): ForkLauncher => {
    const l = new ForkLauncher(ENGINE, { reuse });
    launchers.push(l);
    return l;
  };
  const start = (name: string, config: unknown): TrialStart => {
    const runDir = path.join(dir, name);
    fs.mkdirSync(runDir);
    return { type: 'start', config, runDir };
  };

  before(ensureBuilt);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-warm-'));
  });
  afterEach(() => {
    for (const l of launchers.splice(0)) l.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a seeded trial in a reused process computes bit for bit what it computes in a fresh one', async () => {
    const warm = open(true);
    const first = launch(warm, start('first', trialConfig('tanhBatchNormDropout')));
    assert.deepEqual(await first.exit, { code: 0, signal: null, stderr: '' });
    assert.equal(summaryOf(first)?.state, 'finished');
    assert.equal(warm.idleCount, 1, 'the process went back to the pool');
    const reused = launch(warm, start('reused', trialConfig('relu')));
    assert.equal(reused.handle.pid, first.handle.pid, 'the second trial ran in the first one\'s process');
    assert.equal((await reused.exit).code, 0);

    const fresh = launch(open(false), start('fresh', trialConfig('relu')));
    assert.notEqual(fresh.handle.pid, first.handle.pid);
    assert.equal((await fresh.exit).code, 0);
    assert.equal(summaryOf(fresh)?.state, 'finished');

    const a = results(path.join(dir, 'reused'));
    const b = results(path.join(dir, 'fresh'));
    assert.ok(a.epochs.length > 6, 'epoch summaries and layer samples');
    assert.equal(a.costs.length, 2 * 8 * a.iterations, 'every iteration\'s cost is there');
    assert.ok(a.iterations >= 6 * 5);
    assert.ok(a.events.some((e) => (e as { type: string }).type === 'verdict'));
    assert.deepEqual(a, b);
  });

  it('a killed trial takes its process with it; the trial beside it and the next one are not touched', async () => {
    const warm = open(true);
    const long = launch(warm, start('long', trialConfig('relu', 100_000)));
    const other = launch(warm, start('other', trialConfig('tanhBatchNormDropout')));
    await until(() => long.events.some((e) => e.type === 'telemetry' && e.epoch >= 1));
    long.handle.kill();
    const killed = await long.exit;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal((await other.exit).code, 0);
    assert.equal(summaryOf(other)?.state, 'finished');
    assert.equal(warm.idleCount, 1, 'only the cleanly ended process is warm');
    const next = launch(warm, start('next', trialConfig('relu')));
    assert.equal(next.handle.pid, other.handle.pid);
    assert.equal((await next.exit).code, 0);
    const again = launch(warm, start('again', trialConfig('relu')));
    assert.notEqual(again.handle.pid, long.handle.pid, 'a new process replaces the killed one');
    assert.equal((await again.exit).code, 0);
  });

  it('a stopped trial\'s process is reused; its late commands and kill do not reach the next trial', async () => {
    const warm = open(true);
    const stopped = launch(warm, start('stopped', trialConfig('relu', 100_000)));
    await until(() => stopped.events.some((e) => e.type === 'telemetry' && e.epoch >= 1));
    stopped.handle.send({ type: 'stop' });
    assert.equal((await stopped.exit).code, 0);
    assert.equal(summaryOf(stopped)?.state, 'stopped');
    const next = launch(warm, start('next', trialConfig('relu', 100_000)));
    assert.equal(next.handle.pid, stopped.handle.pid);
    stopped.handle.send({ type: 'pause' });
    stopped.handle.kill();
    await until(() => next.events.some((e) => e.type === 'telemetry' && e.epoch >= 2));
    assert.ok(!next.events.some((e) => e.type === 'state' && e.state === 'paused'), 'the old trial\'s pause did not reach it');
    assert.ok(!next.events.some((e) => e.type === 'error'), 'no complaint about the old trial\'s commands');
    next.handle.send({ type: 'stop' });
    assert.equal((await next.exit).code, 0);
    assert.equal(summaryOf(next)?.state, 'stopped');
  });

  it('a trial that fails to start ends its process; an idle process leaves when the search lets it go', async () => {
    const warm = open(true);
    const bad = launch(warm, start('bad', { ...trialConfig('relu'), model: { hidden: 'many' } }));
    const failed = await bad.exit;
    assert.equal(failed.code, 2);
    assert.ok(bad.events.some((e) => e.type === 'error' && e.fatal && e.error.code === 'config'));
    assert.equal(warm.idleCount, 0);
    const ok = launch(warm, start('ok', trialConfig('relu')));
    assert.notEqual(ok.handle.pid, bad.handle.pid);
    assert.equal((await ok.exit).code, 0);
    assert.equal(warm.idleCount, 1);
    const pid = ok.handle.pid!;
    warm.dispose();
    await until(() => !processAlive(pid));
  });

  it('GRADIENT_LAB_SEARCH_ENGINES=fresh: one process per trial', async () => {
    const saved = process.env.GRADIENT_LAB_SEARCH_ENGINES;
    process.env.GRADIENT_LAB_SEARCH_ENGINES = 'fresh';
    let launcher: ForkLauncher;
    try {
      launcher = new ForkLauncher(ENGINE);
      launchers.push(launcher);
    } finally {
      if (saved === undefined) delete process.env.GRADIENT_LAB_SEARCH_ENGINES;
      else process.env.GRADIENT_LAB_SEARCH_ENGINES = saved;
    }
    const one = launch(launcher, start('one', trialConfig('relu', 2)));
    assert.equal((await one.exit).code, 0);
    assert.equal(launcher.idleCount, 0);
    await until(() => !processAlive(one.handle.pid!));
    const two = launch(launcher, start('two', trialConfig('relu', 2)));
    assert.notEqual(two.handle.pid, one.handle.pid);
    assert.equal((await two.exit).code, 0);
  });
});

