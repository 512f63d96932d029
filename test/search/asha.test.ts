/**
 * ASHA and Hyperband carried out by the runner with fake trials (test/search/fake-launcher.ts):
 * trials stop at a rung and wait (state `paused`, no process, a checkpoint kept), are resumed from
 * that checkpoint when promoted by the policy or by hand, are pruned when their rung is settled,
 * and search.json records rungs, promotions and the epoch budget. Stop and resume keep the
 * waiting trials waiting. The same with real engines is in search.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/shared/config';
import type { SearchEvent, TrialRecord } from '../../src/shared/search-protocol';
import { rungPlan, rungsOf } from '../../src/shared/search-rungs';
import { SearchRunner } from '../../src/engine/search/runner';
import { readSearchFile } from '../../src/engine/search/search-store';
import { rungRanking } from '../../src/engine/search/policy';
import { FakeLauncher, type FakeOptions } from './fake-launcher';
import { assertConsistent, until } from './helpers';

const LR = 'training.optimizer.learningRate';

/** Best near lr = 1e-2, improving with epochs. */
const bowl: FakeOptions['metric'] = (c: ExperimentConfig, epoch: number) => {
  const lr = c.training.optimizer.learningRate;
  return 0.05 + 0.1 * Math.abs(Math.log10(lr) + 2) + 0.3 * Math.exp(-epoch / 2);
};

function experiment(search: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'fake-asha', seed: 7,
    data: { source: 'moons', samples: 200 },
    model: { hidden: [{ units: 8 }] },
    training: { epochs: 9, optimizer: { type: 'momentum', learningRate: 0.01, beta: 0.9 } },
    search: { space: { [LR]: { log: [1e-5, 1] } }, trials: 12, parallel: 2, ...search },
  };
}

/** Every trial in the final top ⌊n/η⌋ of a rung went past it (ASHA's promotion rule, checked after the fact). */
function assertTopsPromoted(file: ReturnType<typeof readSearchFile>): void {
  const plan = rungPlan(file.earlyTermination, file.epochsPerTrial)!;
  const traces = { mode: file.mode, rule: file.earlyTermination, epochsPerTrial: file.epochsPerTrial, trials: file.trials };
  plan.brackets.forEach((rungs, bracket) => rungs.forEach((epoch, k) => {
    const ranking = rungRanking(traces, plan, bracket, epoch);
    for (const { trial } of ranking.slice(0, Math.floor(ranking.length / plan.eta))) {
      assert.ok((trial.promotions ?? []).some((p) => p.rung === k), `trial ${trial.id} is in the top ⌊${ranking.length}/${plan.eta}⌋ of bracket ${bracket} rung ${k + 1} and went past it`);
    }
  }));
}

describe('ASHA and Hyperband in the runner (fake trials)', function () {
  this.timeout(30000);
  let dir: string;
  const create = (json: unknown, launcher: FakeLauncher): SearchRunner => {
    const file = path.join(dir, 'exp.nn.json');
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    return SearchRunner.create({ configPath: file, runsDir: path.join(dir, 'runs'), launcher, writeThrottleMs: 20, eventThrottleMs: 10 });
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-search-asha-'));
  });

  it('ASHA: trials wait at a rung, resume from their checkpoint when promoted, the rest are pruned; search.json records it', async () => {
    const launcher = new FakeLauncher({ metric: bowl, epochMs: 3 });
    const runner = create(experiment({ earlyTermination: { type: 'asha', eta: 3, minEpochs: 1 } }), launcher);
    const logs: string[] = [];
    runner.on('log', (e) => logs.push(e.message));
    let waiting = 0;
    runner.on('trial', (e) => {
      if (e.trial.state === 'paused' && e.trial.pausedAtRung !== undefined) waiting++;
    });
    const result = await runner.run();
    assert.equal(result.state, 'finished');
    const file = readSearchFile(runner.dir);
    assertConsistent(file);
    assert.ok(waiting > 0, 'some trials waited at a rung');
    const byState = (s: TrialRecord['state']): TrialRecord[] => file.trials.filter((t) => t.state === s);
    const finished = byState('finished');
    const pruned = byState('pruned');
    assert.equal(finished.length + pruned.length, 12);
    assert.ok(finished.length >= 1 && finished.length <= 4, `${finished.length} trials trained to the end (12 → 4 → ⌊4/3⌋)`);
    for (const t of finished) {
      assert.equal(t.epoch, 9);
      assert.deepEqual(t.promotions!.map((p) => [p.rung, p.epoch]), [[0, 1], [1, 3]], `${t.name} went past both rungs`);
      assert.equal(t.curve.length, 9);
    }
    for (const t of pruned) {
      assert.match(t.note ?? '', /pruned at rung \d \(epoch [13]\)/);
      assert.equal(t.pausedAtRung, undefined);
      // The engine paused itself at the rung (pauseAt): not one epoch more.
      assert.ok([1, 3].includes(t.epoch), `${t.name} stopped at epoch ${t.epoch}, a rung`);
      assert.equal(t.curve.length, t.epoch);
    }
    // Resumed from their checkpoints, where they had stopped.
    assert.ok(launcher.resumed.length > 0, 'a waiting trial was promoted and resumed');
    for (const r of launcher.resumed) {
      const t = file.trials.find((x) => x.runDir === r.runDir)!;
      assert.ok(r.startEpoch >= 1, `${t.name} resumed at epoch ${r.startEpoch}`);
      assert.ok(t.attempts >= 2);
    }
    assert.ok(logs.some((m) => /paused at rung 1 \(epoch 1\)/.test(m)));
    assert.ok(logs.some((m) => /promoted past rung/.test(m)));
    assertTopsPromoted(file);
    // The budget: far fewer epochs than 12 × 9.
    assert.equal(file.budget!.randomEpochs, 108);
    assert.equal(file.budget!.epochs, file.trials.reduce((n, t) => n + t.epoch, 0));
    assert.ok(file.budget!.epochs < 60, `${file.budget!.epochs} epochs used`);
    assert.equal(file.trials.find((t) => t.best)!.state, 'finished');
    assert.deepEqual(file.earlyTermination, { type: 'asha', graceEpochs: 5, eta: 3, minEpochs: 1 });
    assert.deepEqual(file.rungs, [[1, 3]]);
  });

  it('promote by hand: a trial waiting at a rung goes on at once (before trials that never ran)', async () => {
    const launcher = new FakeLauncher({ metric: bowl, epochMs: 10 });
    const runner = create(experiment({ trials: 6, parallel: 1, earlyTermination: { type: 'asha', eta: 3, minEpochs: 1 } }), launcher);
    const done = runner.run();
    // Trial 1 is alone at rung 1: it waits.
    await until(() => runner.trial(1)!.state === 'paused' && runner.trial(1)!.pausedAtRung === 0);
    assert.equal(runner.trial(1)!.runDir !== null && fs.existsSync(path.join(runner.trial(1)!.runDir!, 'checkpoints', 'latest.json')), true, 'its checkpoint is kept');
    assert.equal(runner.promoteTrial(2), false, 'trial 2 waits at no rung');
    assert.equal(runner.promoteTrial(1), true);
    await until(() => launcher.resumed.length > 0);
    assert.equal(launcher.resumed[0].runDir, runner.trial(1)!.runDir, 'trial 1 resumed next');
    const result = await done;
    const t1 = result.trials.find((t) => t.id === 1)!;
    assert.deepEqual(t1.promotions![0], { ...t1.promotions![0], rung: 0, epoch: 1, by: 'user' });
    // resumeTrial of a trial waiting at a rung is the same as promoting it.
    assertConsistent(readSearchFile(runner.dir));
  });

  it('Hyperband: trials in brackets from the seed, each bracket its own rungs; deterministic with one at a time', async () => {
    const run = async (): Promise<TrialRecord[]> => {
      const launcher = new FakeLauncher({ metric: bowl, epochMs: 1 });
      const runner = create(experiment({ trials: 16, parallel: 1, earlyTermination: { type: 'hyperband', eta: 3, minEpochs: 1 } }), launcher);
      await runner.run();
      const file = readSearchFile(runner.dir);
      assertConsistent(file);
      assertTopsPromoted(file);
      return file.trials;
    };
    const trials = await run();
    const plan = rungPlan({ type: 'hyperband', graceEpochs: 5, eta: 3, minEpochs: 1 }, 9)!;
    assert.deepEqual(plan.brackets, [[1, 3], [3], []]);
    const brackets = new Set(trials.map((t) => t.bracket));
    assert.ok(brackets.size >= 2, `trials in brackets ${[...brackets].join(', ')}`);
    for (const t of trials) {
      const rungs = rungsOf(plan, t.bracket);
      for (const p of t.promotions ?? []) assert.equal(p.epoch, rungs[p.rung], `${t.name}: a rung of bracket ${t.bracket}`);
      if (rungs.length === 0) assert.equal(t.state, 'finished', 'the last bracket trains every trial to the end');
    }
    const again = await run();
    assert.deepEqual(again.map((t) => [t.bracket, t.state, t.epoch, t.metric]), trials.map((t) => [t.bracket, t.state, t.epoch, t.metric]));
  });

  it('stop leaves the waiting trials at their rung; resume keeps them waiting and finishes the search', async () => {
    const launcher = new FakeLauncher({ metric: bowl, epochMs: 15 });
    const runner = create(experiment({ trials: 8, parallel: 2, earlyTermination: { type: 'asha', eta: 3, minEpochs: 1 } }), launcher);
    const done = runner.run();
    await until(() => runner.snapshot().trials.some((t) => t.state === 'paused' && t.pausedAtRung !== undefined));
    const stopped = await runner.stop();
    assert.equal(await done, stopped);
    assert.equal(stopped.state, 'stopped');
    const file = readSearchFile(runner.dir);
    const waiting = file.trials.filter((t) => t.pausedAtRung !== undefined);
    assert.ok(waiting.length > 0);
    assert.ok(waiting.every((t) => t.state === 'paused'), 'still waiting at their rung');
    const events: SearchEvent[] = [];
    const again = SearchRunner.resume(runner.dir, { launcher, writeThrottleMs: 20, eventThrottleMs: 10 });
    again.onAny((e) => events.push(e));
    for (const t of waiting) assert.equal(again.trial(t.id)!.state, 'paused');
    const result = await again.run();
    assert.equal(result.state, 'finished');
    const final = readSearchFile(runner.dir);
    assertConsistent(final);
    assertTopsPromoted(final);
    assert.ok(final.trials.some((t) => t.state === 'finished'));
  });
});
