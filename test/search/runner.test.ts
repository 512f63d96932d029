/**
 * The search logic with fake trials (test/search/fake-launcher.ts): rounds and coarse-to-fine
 * boxes, the parallel limit, median stopping, live control, failures, search.json consistency.
 * The same runner with real engine processes is tested in search.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/shared/config';
import { validateSearchCommand, SEARCH_PROTOCOL_VERSION, type SearchEvent } from '../../src/shared/search-protocol';
import { ConfigError } from '../../src/engine/config/errors';
import { SearchRunner } from '../../src/engine/search/runner';
import { boxOf, insideBox } from '../../src/engine/search/sampling';
import { readSearchFile } from '../../src/engine/search/search-store';
import { FakeLauncher, type FakeOptions } from './fake-launcher';
import { assertConsistent, sleep, until } from './helpers';

const LR = 'training.optimizer.learningRate';

/** Best near lr = 1e-2; worse the further away (in decades); improves with epochs. */
const bowl: FakeOptions['metric'] = (c: ExperimentConfig, epoch: number) => {
  const lr = c.training.optimizer.learningRate;
  return 0.05 + 0.1 * Math.abs(Math.log10(lr) + 2) + 0.3 * Math.exp(-epoch / 2);
};

function experiment(search: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fake', seed: 7,
    data: { source: 'moons', samples: 200 },
    model: { hidden: [{ units: 8 }, { units: 8 }] },
    training: { epochs: 6, optimizer: { type: 'momentum', learningRate: 0.01, beta: 0.9 } },
    search: { space: { [LR]: { log: [1e-5, 1] } }, trials: 6, parallel: 2, ...search },
    ...extra,
  };
}

describe('search runner (fake trials)', function () {
  this.timeout(20000);
  let dir: string;
  const write = (json: unknown): string => {
    const file = path.join(dir, 'exp.nn.json');
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    return file;
  };
  const create = (json: unknown, launcher: FakeLauncher, extra: { trials?: number; parallel?: number } = {}): SearchRunner =>
    SearchRunner.create({ configPath: write(json), runsDir: path.join(dir, 'runs'), launcher, writeThrottleMs: 20, eventThrottleMs: 10, ...extra });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-search-fake-'));
  });

  it('runs every trial at most `parallel` at once and writes a consistent search.json', async () => {
    const launcher = new FakeLauncher({ metric: bowl });
    const runner = create(experiment({ trials: 7, parallel: 3 }), launcher);
    const events: SearchEvent[] = [];
    runner.onAny((e) => events.push(e));
    assert.equal(path.basename(path.dirname(runner.dir)), 'runs');
    assert.match(path.basename(runner.dir), /^\d{8}-\d{6}-fake-search$/);
    const queued = readSearchFile(runner.dir);
    assert.equal(queued.trials.length, 7);
    assert.ok(queued.trials.every((t) => t.state === 'queued'));

    const result = await runner.run();
    assert.equal(result.state, 'finished');
    assert.equal(launcher.maxLive, 3);
    const file = readSearchFile(runner.dir);
    assert.equal(file.state, 'finished');
    assert.equal(file.parallel, 3);
    assert.equal(file.trials.length, 7);
    for (const t of file.trials) {
      assert.equal(t.state, 'finished');
      assert.equal(t.epoch, 6);
      assert.equal(t.curve.length, 6);
      assert.equal(t.runDir, path.join(runner.dir, t.name));
      assert.ok(fs.statSync(t.runDir!).isDirectory());
      assert.equal(t.metric, bowl({ training: { optimizer: { learningRate: t.values[LR] } } } as unknown as ExperimentConfig, 6));
    }
    const best = file.trials.reduce((a, b) => (b.metric! < a.metric! ? b : a));
    assert.equal(file.bestTrial, best.id);
    assert.deepEqual(file.trials.filter((t) => t.best).map((t) => t.id), [best.id]);
    assert.equal(result.best?.id, best.id);

    // Events: info first, every trial added, started and finished once, progress ends at 7/7, then finished.
    assert.equal(events[0].type, 'searchInfo');
    const changes = (c: string) => events.filter((e) => e.type === 'trial' && e.change === c).length;
    assert.equal(changes('added'), 7);
    assert.equal(changes('started'), 7);
    assert.equal(changes('finished'), 7);
    const progress = events.filter((e): e is Extract<SearchEvent, { type: 'progress' }> => e.type === 'progress');
    assert.deepEqual({ ...progress[progress.length - 1], best: null }, {
      type: 'progress', done: 7, running: 0, queued: 0, paused: 0, total: 7, round: 0, best: null, budget: { epochs: 42, randomEpochs: 42 },
    });
    assert.equal(events[events.length - 1].type, 'finished');
    // The trial's config: sampled value, the experiment's seed, no search block, threads split.
    const cfg = launcher.started[0].config;
    assert.equal(cfg.search, undefined);
    assert.equal(cfg.seed, 7);
    assert.equal(cfg.name, 'fake-trial-001');
  });

  it('coarse-to-fine: round 2 samples inside the sampling-space box of the best keepTop trials of round 1', async () => {
    const launcher = new FakeLauncher({ metric: bowl });
    const json = experiment({
      space: { [LR]: { log: [1e-5, 1] }, 'training.optimizer.beta': { oneMinusLog: [0.9, 0.999] }, 'model.hidden[*].units': { int: [2, 40] }, 'model.hidden[*].activation': { choice: ['relu', 'tanh', 'sigmoid'] } },
      trials: 10, rounds: 2, keepTop: 3, parallel: 4, epochsPerTrial: 3,
    });
    const runner = create(json, launcher);
    const rounds: Extract<SearchEvent, { type: 'round' }>[] = [];
    runner.on('round', (e) => rounds.push(e));
    await runner.run();
    const file = readSearchFile(runner.dir);
    assert.equal(file.trials.length, 20);
    assert.equal(file.roundBoxes.length, 2);
    assert.deepEqual(rounds.map((r) => r.index), [0, 1]);
    const first = file.trials.filter((t) => t.round === 0).sort((a, b) => a.metric! - b.metric! || a.id - b.id);
    const top = first.slice(0, 3);
    assert.deepEqual(file.roundBoxes[1].basedOn, top.map((t) => t.id));
    const box = boxOf(file.space, top.map((t) => t.coords));
    assert.deepEqual(file.roundBoxes[1].box, box);
    const lrBox = box[LR] as { low: number; high: number };
    assert.ok(lrBox.high - lrBox.low < 5, 'the box is smaller than the space');
    for (const t of file.trials.filter((x) => x.round === 1)) {
      assert.ok(insideBox(file.space, box, t.coords), `${t.name} lies inside the box`);
      assert.ok(Math.log10(t.values[LR] as number) >= lrBox.low - 1e-9 && Math.log10(t.values[LR] as number) <= lrBox.high + 1e-9);
      assert.equal(t.epochs, 3, 'epochsPerTrial overrides training.epochs');
    }
    assert.equal(launcher.started[0].config.training.epochs, 3);
    // Zooming in helps: round 2's median beats round 1's.
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    assert.ok(median(file.trials.filter((t) => t.round === 1).map((t) => t.metric!)) < median(first.map((t) => t.metric!)));
  });

  it('is deterministic: the same file gives the same trial values', async () => {
    const plan = async (): Promise<unknown[]> => {
      const runner = create(experiment({ trials: 6, rounds: 2, keepTop: 2 }), new FakeLauncher({ metric: bowl }));
      await runner.run();
      return readSearchFile(runner.dir).trials.map((t) => t.values);
    };
    assert.deepEqual(await plan(), await plan());
    const seeded = create(experiment({ trials: 6, seed: 99 }), new FakeLauncher({ metric: bowl }));
    const other = readSearchFile(seeded.dir).trials.map((t) => t.values);
    await seeded.stop();
    assert.notDeepEqual(other, (await plan()).slice(0, 6));
  });

  it('median stopping prunes trials behind the completed ones (off by default)', async () => {
    const slowBad: FakeOptions['metric'] = (c, epoch) => bowl(c, epoch);
    const launcher = new FakeLauncher({ metric: slowBad, epochMs: 3 });
    const runner = create(experiment({ trials: 12, parallel: 2, epochsPerTrial: 10, earlyTermination: { type: 'median', graceEpochs: 2 } }), launcher);
    await runner.run();
    const file = readSearchFile(runner.dir);
    const pruned = file.trials.filter((t) => t.state === 'pruned');
    const finished = file.trials.filter((t) => t.state === 'finished');
    assert.ok(pruned.length > 0, 'some trials were pruned');
    assert.ok(finished.length >= 3);
    for (const t of pruned) {
      assert.ok(t.epoch >= 2 && t.epoch < 10, `${t.name} pruned at epoch ${t.epoch}`);
      assert.match(t.note ?? '', /worse than the median/);
    }
    assert.ok(file.trials.find((t) => t.id === file.bestTrial)!.state === 'finished');

    const off = create(experiment({ trials: 6, epochsPerTrial: 10 }), new FakeLauncher({ metric: slowBad }));
    await off.run();
    assert.ok(readSearchFile(off.dir).trials.every((t) => t.state === 'finished'), 'no pruning without earlyTermination');
  });

  it('pause / resume / kill single trials, hold queued ones, add trials while running', async () => {
    const launcher = new FakeLauncher({ metric: bowl, epochMs: 15 });
    const runner = create(experiment({ trials: 3, parallel: 1, epochsPerTrial: 8 }), launcher);
    const done = runner.run();
    assert.equal(runner.pauseTrial(3), true, 'a queued trial can be held back');
    assert.equal(runner.trial(3)!.state, 'paused');
    await until(() => runner.trial(1)!.state === 'running' && runner.trial(1)!.epoch >= 1);
    assert.equal(runner.pauseTrial(1), true);
    await until(() => runner.trial(1)!.state === 'paused');
    const at = runner.trial(1)!.epoch;
    await sleep(80);
    assert.equal(runner.trial(1)!.epoch, at, 'no epochs while paused');
    assert.equal(runner.trial(2)!.state, 'queued', 'a paused trial keeps its slot');
    assert.equal(runner.resumeTrial(1), true);
    await until(() => runner.trial(1)!.epoch > at);
    const added = runner.addTrials(2);
    assert.deepEqual(added.map((t) => [t.id, t.round, t.state]), [[4, 0, 'queued'], [5, 0, 'queued']]);
    await until(() => runner.trial(2)!.state === 'running');
    assert.equal(runner.killTrial(2), true);
    assert.equal(runner.killTrial(4), true, 'a queued trial can be killed too');
    await until(() => runner.trial(5)!.state === 'running');
    assert.equal(runner.resumeTrial(3), true, 'release the held trial');
    const result = await done;
    const states = Object.fromEntries(result.trials.map((t) => [t.id, t.state]));
    assert.deepEqual(states, { 1: 'finished', 2: 'killed', 3: 'finished', 4: 'killed', 5: 'finished' });
    assert.equal(result.trials.find((t) => t.id === 4)!.runDir, null, 'a trial killed in the queue never ran');
    assert.equal(launcher.maxLive, 1);
    assert.throws(() => runner.addTrials(1), /resume it to add trials/);
  });

  it('stop(): running trials stop cleanly, queued ones are marked stopped, search.json says so', async () => {
    const launcher = new FakeLauncher({ metric: bowl, epochMs: 20 });
    const runner = create(experiment({ trials: 5, parallel: 2, epochsPerTrial: 50, rounds: 2 }), launcher);
    const done = runner.run();
    await until(() => runner.progress().running === 2 && runner.trial(1)!.epoch >= 1);
    const result = await runner.stop();
    assert.equal(await done, result);
    assert.equal(result.state, 'stopped');
    const file = readSearchFile(runner.dir);
    assert.equal(file.state, 'stopped');
    assert.deepEqual(file.trials.map((t) => t.state), ['stopped', 'stopped', 'stopped', 'stopped', 'stopped']);
    assert.ok(launcher.started.every((t) => t.commands.includes('stop')));
    assert.equal(file.roundBoxes.length, 1, 'round 2 never opened');
    assertConsistent(file);
    assert.equal(fs.existsSync(path.join(runner.dir, 'search.pid')), false, 'the lock is released');
    fs.writeFileSync(path.join(runner.dir, 'search.pid'), String(process.ppid));
    assert.throws(() => SearchRunner.resume(runner.dir, { launcher }), /is still running \(process \d+\)/);
  });

  it('a diverged trial is stopped and kept with a note; a crashed one fails; the others go on', async () => {
    const launcher = new FakeLauncher({
      metric: bowl,
      behaviour: (c) => (c.training.optimizer.learningRate > 0.1 ? 'diverge' : c.training.optimizer.learningRate < 1e-4 ? 'crash' : 'normal'),
    });
    const runner = create(experiment({ trials: 12, parallel: 3 }), launcher);
    const result = await runner.run();
    const byState = (s: string) => result.trials.filter((t) => t.state === s);
    const diverged = result.trials.filter((t) => (t.values[LR] as number) > 0.1);
    const crashed = result.trials.filter((t) => (t.values[LR] as number) < 1e-4);
    assert.ok(diverged.length > 0 && crashed.length > 0, 'the seed gives both kinds');
    for (const t of diverged) {
      assert.equal(t.state, 'finished');
      assert.match(t.note ?? '', /diverged/);
    }
    for (const t of crashed) {
      assert.equal(t.state, 'failed');
      assert.match(t.error ?? '', /simulated crash/);
    }
    assert.equal(byState('finished').length + byState('failed').length, 12);
  });

  it('rejects a file without a search block or with a bad path, with the location', () => {
    const launcher = new FakeLauncher({ metric: bowl });
    const noSearch = experiment({});
    delete noSearch.search;
    assert.throws(() => create(noSearch, launcher), (e: unknown) => e instanceof ConfigError && /no "search" block/.test(e.message));
    assert.throws(() => create(experiment({ space: { 'training.optimizer.learningrate': { log: [1e-4, 0.1] } } }), launcher),
      (e: unknown) => e instanceof ConfigError && e.issues[0].path === '/search/space/training.optimizer.learningrate' && e.issues[0].line !== undefined);
  });

  it('validates search protocol commands', () => {
    const v = SEARCH_PROTOCOL_VERSION;
    assert.ok(validateSearchCommand({ v, type: 'start', configPath: 'x.nn.json' }).ok);
    assert.ok(validateSearchCommand({ v, type: 'killTrial', id: 3 }).ok);
    assert.ok(validateSearchCommand({ v, type: 'promoteTrial', id: 3 }).ok);
    assert.equal(validateSearchCommand({ v, type: 'promoteTrial' }).ok, false);
    assert.ok(validateSearchCommand({ v, type: 'exportBest', outFile: 'b.nn.json' }).ok);
    assert.match(String((validateSearchCommand({ v: 99, type: 'stop' }) as { reason: string }).reason), /protocol version/);
    assert.equal(validateSearchCommand({ v, type: 'addTrials', count: 0 }).ok, false);
    assert.equal(validateSearchCommand({ v, type: 'pauseTrial' }).ok, false);
    assert.equal(validateSearchCommand({ v, type: 'launch' }).ok, false);
    assert.ok(validateSearchCommand({ v, type: 'trialCommand', id: 2, command: { type: 'setLearningRate', value: 0.01 } }).ok);
    assert.equal(validateSearchCommand({ v, type: 'trialCommand', id: 2, command: { type: 'setLearningRate', value: -1 } }).ok, false);
    assert.equal(validateSearchCommand({ v, type: 'trialCommand', id: 2, command: { type: 'start' } }).ok, false, 'only per-trial commands pass');
    assert.equal(validateSearchCommand({ v, type: 'trialCommand', id: 2 }).ok, false);
  });
});
