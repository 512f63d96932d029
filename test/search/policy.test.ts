/**
 * The search policy on small hand-made traces (no processes): median stopping, ASHA's
 * pause-and-promote compared with Optuna's SuccessiveHalvingPruner, the settling of rungs when
 * nothing else can reach them, promotion by hand, Hyperband's brackets, and the coarse-to-fine box.
 */
import * as assert from 'node:assert/strict';
import type { EarlyTerminationConfig } from '../../src/shared/config';
import type { SearchDimension, TrialState } from '../../src/shared/search-protocol';
import { bracketCount, rungPlan } from '../../src/shared/search-rungs';
import {
  boxRanking, bracketFor, decide, medianStop, nextRoundBox, rungsPassed, type Decision, type SearchTraces, type TrialTrace,
} from '../../src/engine/search/policy';

type Trace = TrialTrace & { state: TrialState; curve: (number | null)[]; promotions: { rung: number; epoch: number; by: 'policy' | 'user'; at: string }[] };

function trace(id: number, curve: (number | null)[], extra: Partial<Trace> = {}): Trace {
  return {
    id, round: 0, state: 'running', metric: curve.length ? curve[curve.length - 1] : null, metricName: 'devError',
    curve: [...curve], epoch: curve.length, epochs: 9, coords: { lr: -id }, promotions: [], ...extra,
  };
}

const ASHA: EarlyTerminationConfig = { type: 'asha', graceEpochs: 5, eta: 3, minEpochs: 1 };

function traces(trials: Trace[], rule: EarlyTerminationConfig = ASHA, epochsPerTrial = 9): SearchTraces {
  return { mode: 'min', rule, epochsPerTrial, trials };
}

/** Carries decisions out on the traces as the runner does (pause: no process, promote: back to the queue). */
function apply(trials: Trace[], decisions: Decision[]): void {
  for (const d of decisions) {
    const t = trials.find((x) => x.id === d.trial)!;
    if (d.type === 'stop') {
      t.state = 'pruned';
      delete t.pausedAtRung;
    } else if (d.type === 'pause') {
      t.state = 'paused';
      t.pausedAtRung = d.rung;
    } else {
      t.promotions.push({ rung: d.rung, epoch: d.epoch, by: d.by, at: '' });
      if (d.resume) {
        delete t.pausedAtRung;
        t.state = 'queued';
      }
    }
  }
}

/** The trial reports one more epoch with this value; returns the policy's decisions (applied). */
function report(trials: Trace[], id: number, value: number | null, rule = ASHA): Decision[] {
  const t = trials.find((x) => x.id === id)!;
  t.state = 'running';
  t.curve.push(value);
  t.epoch = t.curve.length;
  t.metric = value;
  const out = decide(traces(trials, rule), { type: 'epoch', trial: id });
  apply(trials, out);
  return out;
}

const summary = (ds: Decision[]): string[] => ds.map((d) => `${d.type} ${d.trial}${d.type === 'promote' ? (d.resume ? ' resume' : ' on') : ''}`);

/**
 * Optuna's rule, from optuna/pruners/_successive_halving.py `_is_trial_promotable_to_next_rung`
 * (minimize): with n competing values at the rung (the trial's own included), the trial goes on
 * when its value is ≤ the ⌊n/η⌋-th smallest; when ⌊n/η⌋ = 0 Optuna, which "does not support
 * suspending or resuming ongoing trials", promotes the trial if it is the best so far.
 */
function optunaPromotes(value: number, competing: number[], eta: number): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  if (idx === -1) idx = 0;
  return value <= [...competing].sort((a, b) => a - b)[idx];
}

describe('search policy', () => {
  describe('median stopping (moved from the runner, same rule)', () => {
    const rule: EarlyTerminationConfig = { type: 'median', graceEpochs: 2 };
    it('stops a trial whose best so far is worse than the median running average of ≥ 3 completed trials', () => {
      const done = [trace(1, [0.5, 0.3, 0.2, 0.1], { state: 'finished' }), trace(2, [0.4, 0.2, 0.2, 0.2], { state: 'finished' }),
        trace(3, [0.6, 0.5, 0.4, 0.4], { state: 'pruned' })];
      // Running averages at epoch 2: 0.4, 0.3, 0.55 → median 0.4.
      const behind = trace(4, [0.6, 0.45], { epochs: 4 });
      const ahead = trace(5, [0.6, 0.35], { epochs: 4 });
      const s = traces([...done, behind, ahead], rule);
      assert.match(medianStop(s, behind) ?? '', /pruned at epoch 2: its best devError so far \(0\.45\) is worse than the median \(0\.4\) of the running averages of 3 completed trials/);
      assert.equal(medianStop(s, ahead), null);
      assert.deepEqual(decide(s, { type: 'epoch', trial: 4 }).map((d) => d.type), ['stop']);
      assert.deepEqual(decide(s, { type: 'epoch', trial: 5 }), []);
    });

    it('waits for the grace epochs, 3 completed trials, and never stops at the last epoch', () => {
      const done = [trace(1, [0.1, 0.1, 0.1], { state: 'finished' }), trace(2, [0.1, 0.1, 0.1], { state: 'finished' })];
      const t = trace(4, [0.9, 0.9], { epochs: 3 });
      assert.equal(medianStop(traces([...done, t], rule), t), null, 'only 2 completed trials');
      const three = [...done, trace(3, [0.1, 0.1, 0.1], { state: 'finished' })];
      assert.ok(medianStop(traces([...three, t], rule), t));
      assert.equal(medianStop(traces([...three, trace(5, [0.9])], rule), trace(5, [0.9])), null, 'epoch 1 < graceEpochs 2');
      const last = trace(6, [0.9, 0.9, 0.9], { epochs: 3 });
      assert.equal(medianStop(traces([...three, last], rule), last), null, 'the last epoch');
    });
  });

  describe('rungs', () => {
    it('are minEpochs·η^k below maxEpochs; Hyperband bracket b starts at minEpochs·η^b', () => {
      assert.deepEqual(rungPlan(ASHA, 9)!.brackets, [[1, 3]]);
      assert.deepEqual(rungPlan({ ...ASHA, minEpochs: 3 }, 30)!.brackets, [[3, 9, 27]]);
      assert.deepEqual(rungPlan({ type: 'asha', graceEpochs: 5, eta: 3 }, 30)!.brackets, [[5, 15]], 'graceEpochs is the first rung without minEpochs');
      assert.deepEqual(rungPlan({ ...ASHA, maxEpochs: 5 }, 30)!.brackets, [[1, 3]]);
      // Optuna HyperbandPruner: n_brackets = floor(log_η(max/min)) + 1 = floor(log_3 27) + 1 = 4.
      assert.equal(bracketCount(1, 27, 3), 4);
      assert.equal(bracketCount(3, 30, 3), 3);
      assert.deepEqual(rungPlan({ ...ASHA, type: 'hyperband' }, 27)!.brackets, [[1, 3, 9], [3, 9], [9], []]);
      assert.deepEqual(rungPlan({ ...ASHA, type: 'hyperband', brackets: 2 }, 27)!.brackets, [[1, 3, 9], [3, 9]]);
      assert.equal(rungPlan({ type: 'median', graceEpochs: 3 }, 9), null);
    });
  });

  describe('ASHA: pause at a rung, promote when the ranking changes', () => {
    it('agrees with Optuna for every arrival once n ≥ η, pauses where Optuna must prune, and promotes a paused trial later', () => {
      // Nine trials reach rung 1 (epoch 1) one after the other with these dev errors.
      const values = [0.5, 0.3, 0.4, 0.1, 0.35, 0.2, 0.25, 0.45, 0.6];
      const trials = values.map((_, i) => trace(i + 1, [], { state: 'queued' }));
      const log: string[][] = [];
      values.forEach((v, i) => {
        const competing = values.slice(0, i + 1);
        const ours = report(trials, i + 1, v);
        const goesOn = ours.some((d) => d.type === 'promote' && d.trial === i + 1);
        if (competing.length >= 3) assert.equal(goesOn, optunaPromotes(v, competing, 3), `arrival ${i + 1} (n=${competing.length}) as Optuna`);
        log.push(summary(ours));
      });
      assert.deepEqual(log, [
        ['pause 1'], // n=1, ⌊1/3⌋ = 0: nobody goes on yet. Optuna promotes it (it cannot pause).
        ['pause 2'], // n=2: Optuna promotes it (best so far); we wait for a third trial.
        ['promote 2 resume', 'pause 3'], // n=3: top 1 is trial 2 (0.3), paused: it resumes; 3 (0.4) waits. Optuna prunes 3.
        ['promote 4 on'], // n=4: 0.1 is the top 1.
        ['pause 5'], // n=5, top 1 = trial 4.
        ['promote 6 on'], // n=6, top 2 = {4: 0.1, 6: 0.2}.
        ['pause 7'], // n=7, 0.25 is third: Optuna prunes it for good.
        ['pause 8'],
        ['promote 7 resume', 'pause 9'], // n=9, top 3 = {4, 6, 7}: trial 7 is promoted after all.
      ]);
      assert.deepEqual(trials.map((t) => t.state), ['paused', 'queued', 'paused', 'running', 'paused', 'running', 'queued', 'paused', 'paused']);
      assert.deepEqual(trials.map(rungsPassed), [0, 1, 0, 1, 0, 1, 1, 0, 0]);
    });

    it('ranks within the rung by the value at the rung epoch, and decides a rung it jumped over (the engine ran on before it stopped)', () => {
      const trials = [trace(1, [0.2, 0.2, 0.2], { promotions: [{ rung: 0, epoch: 1, by: 'policy', at: '' }] }),
        trace(2, [0.3, 0.25, 0.1], { state: 'finished', promotions: [{ rung: 0, epoch: 1, by: 'policy', at: '' }, { rung: 1, epoch: 3, by: 'policy', at: '' }] }),
        trace(3, [0.5, 0.5, 0.5], { state: 'pruned' })];
      // Trial 4 reports epoch 4 but was never judged at rung 1 (epoch 1) nor rung 2 (epoch 3).
      const t4 = trace(4, [0.01, 0.3, 0.01, 0.01]);
      const ds = decide(traces([...trials, t4]), { type: 'epoch', trial: 4 });
      // Rung 1 (epoch 1): values 0.2, 0.3, 0.5, 0.01 → top ⌊4/3⌋ = 1 is trial 4: goes on. Rung 2 (epoch 3):
      // trials 1, 2, 3, 4 have 0.2, 0.1, 0.5, 0.01 → top 1 is trial 4 again.
      assert.deepEqual(ds.map((d) => [d.type, d.trial, d.type === 'stop' ? -1 : d.rung]), [['promote', 4, 0], ['promote', 4, 1]]);
    });

    it('prunes at once on NaN at a rung (as Optuna), and says nothing between rungs or about trials on their way to a pause', () => {
      const trials = [trace(1, [0.2], { state: 'paused', pausedAtRung: 0 }), trace(2, [0.3], { state: 'paused', pausedAtRung: 0 })];
      assert.deepEqual(summary(decide(traces([...trials, trace(3, [Number.NaN])]), { type: 'epoch', trial: 3 })), ['stop 3']);
      const between = trace(4, [0.1, 0.1], { promotions: [{ rung: 0, epoch: 1, by: 'policy', at: '' }] });
      assert.deepEqual(decide(traces([...trials, between]), { type: 'epoch', trial: 4 }), [], 'epoch 2: no rung');
      const pausing = trace(5, [0.9, 0.9], { pausedAtRung: 0 });
      assert.deepEqual(decide(traces([...trials, pausing]), { type: 'epoch', trial: 5 }), []);
    });

    it('settles the rungs when nothing else can reach them: a small search still trains its best trial to the end', () => {
      // Two trials only: ⌊2/3⌋ = 0, so both wait at rung 1.
      const trials = [trace(1, [], { state: 'queued' }), trace(2, [], { state: 'queued' })];
      assert.deepEqual(summary(report(trials, 1, 0.4)), ['pause 1']);
      assert.deepEqual(summary(report(trials, 2, 0.3)), ['pause 2']);
      let idle = decide(traces(trials), { type: 'idle' });
      assert.deepEqual(summary(idle), ['stop 1', 'promote 2 resume'], 'max(1, ⌊2/3⌋) = 1 goes on, the other is pruned');
      assert.match((idle[0] as { reason: string }).reason, /pruned at rung 1 \(epoch 1\): not in the top 1 of the 2 trials that reached rung 1 \(epoch 1\), and no other trial can reach it now/);
      apply(trials, idle);
      report(trials, 2, 0.3);
      assert.deepEqual(summary(report(trials, 2, 0.2)), ['pause 2'], 'alone at rung 2 (epoch 3)');
      idle = decide(traces(trials), { type: 'idle' });
      assert.deepEqual(summary(idle), ['promote 2 resume']);
      apply(trials, idle);
      for (let e = 4; e <= 9; e++) assert.deepEqual(report(trials, 2, 0.1), [], `epoch ${e}: past the last rung`);
    });

    it('keeps a rung open while a trial promoted from a lower rung may still reach it', () => {
      const trials = [
        trace(1, [0.1], { state: 'paused', pausedAtRung: 0 }),
        trace(2, [0.5], { state: 'pruned' }),
        trace(3, [0.2, 0.2, 0.3], { state: 'paused', pausedAtRung: 1, promotions: [{ rung: 0, epoch: 1, by: 'policy', at: '' }] }),
      ];
      assert.deepEqual(summary(decide(traces(trials), { type: 'idle' })), ['promote 1 resume'], 'rung 2 waits for trial 1');
    });

    it('promotes by hand only a trial waiting at a rung', () => {
      const trials = [trace(1, [0.4], { state: 'paused', pausedAtRung: 0 }), trace(2, [0.4], { state: 'paused' }), trace(3, [0.4])];
      const ds = decide(traces(trials), { type: 'promote', trial: 1 });
      assert.deepEqual(ds, [{ type: 'promote', trial: 1, rung: 0, epoch: 1, by: 'user', resume: true, reason: 'promoted by hand past rung 1 (epoch 1)' }]);
      assert.deepEqual(decide(traces(trials), { type: 'promote', trial: 2 }), [], 'paused by the user, not at a rung');
      assert.deepEqual(decide(traces(trials), { type: 'promote', trial: 3 }), []);
      assert.deepEqual(decide(traces(trials, { type: 'none', graceEpochs: 0 }), { type: 'promote', trial: 1 }), []);
    });
  });

  describe('Hyperband', () => {
    const HB: EarlyTerminationConfig = { type: 'hyperband', graceEpochs: 0, eta: 3, minEpochs: 1 };
    it('puts trials in brackets from the seed, with Optuna\'s weights ⌈B·η^s/(s+1)⌉', () => {
      const plan = rungPlan(HB, 27)!;
      // B = 4: shares 27, 12, 6, 4 of 49 (Optuna HyperbandPruner._calculate_trial_allocation_budget).
      const counts = [0, 0, 0, 0];
      for (let id = 1; id <= 4900; id++) counts[bracketFor(7, id, plan)!]++;
      [27, 12, 6, 4].forEach((share, b) => {
        const expected = (4900 * share) / 49;
        assert.ok(Math.abs(counts[b] - expected) < 4 * Math.sqrt(expected), `bracket ${b}: ${counts[b]} vs ${expected}`);
      });
      assert.equal(bracketFor(7, 12, plan), bracketFor(7, 12, plan), 'deterministic');
      assert.notDeepEqual(Array.from({ length: 40 }, (_, i) => bracketFor(7, i + 1, plan)), Array.from({ length: 40 }, (_, i) => bracketFor(8, i + 1, plan)), 'depends on the seed');
      assert.equal(bracketFor(7, 1, rungPlan(ASHA, 27)), 0);
      assert.equal(bracketFor(7, 1, null), undefined);
    });

    it('a trial competes only with its bracket, at its bracket\'s rungs', () => {
      // Bracket 0 rungs at 1, 3, 9; bracket 1 at 3, 9 (27 epochs).
      const trials = [
        trace(1, [0.1, 0.1, 0.1], { bracket: 0, state: 'finished', epochs: 27 }), trace(2, [0.1, 0.1, 0.1], { bracket: 0, state: 'finished', epochs: 27 }),
        trace(3, [0.1, 0.1, 0.1], { bracket: 0, state: 'finished', epochs: 27 }),
        trace(4, [0.9, 0.9], { bracket: 1, epochs: 27 }), trace(5, [0.8, 0.8, 0.8], { bracket: 1, state: 'paused', pausedAtRung: 0, epochs: 27 }),
      ];
      const s = traces(trials, HB, 27);
      assert.deepEqual(decide(s, { type: 'epoch', trial: 4 }), [], 'bracket 1 has no rung at epoch 2 (nor at 1)');
      trials[3].curve.push(0.7);
      trials[3].epoch = 3;
      // At epoch 3 trial 4 (0.7) meets only trial 5 (0.8) of its bracket: ⌊2/3⌋ = 0, it waits; bracket 0's better trials do not count.
      assert.deepEqual(summary(decide(s, { type: 'epoch', trial: 4 })), ['pause 4']);
    });
  });

  describe('coarse to fine', () => {
    const space: SearchDimension[] = [{ path: 'lr', scale: 'log', low: -5, high: 0, min: 1e-5, max: 1 }];
    it('the box spans the best keepTop finished trials; with ASHA the pruned ones that got furthest fill in', () => {
      const trials = [
        trace(1, [0.3, 0.3, 0.2], { state: 'finished', metric: 0.2, coords: { lr: -1 } }),
        trace(2, [0.5], { state: 'pruned', coords: { lr: -4 } }),
        trace(3, [0.2, 0.2, 0.15], { state: 'pruned', coords: { lr: -2 } }),
        trace(4, [0.1], { state: 'pruned', coords: { lr: -3 } }),
        trace(5, [0.4, 0.3, 0.1], { state: 'finished', metric: 0.1, coords: { lr: -1.5 } }),
        trace(6, [0.05, 0.05], { state: 'killed', coords: { lr: -4.5 } }),
      ];
      // Finished first (5, 1), then pruned by the furthest rung reached (3 reached epoch 3), then by their value there (4 before 2).
      assert.deepEqual(boxRanking(trials, traces(trials), 0).map((t) => t.id), [5, 1, 3, 4, 2]);
      const next = nextRoundBox(space, traces(trials), 1, 3, { lr: { low: -5, high: 0 } });
      assert.deepEqual(next, { box: { lr: { low: -2, high: -1 } }, basedOn: [5, 1, 3], reused: false });
      const median = traces(trials, { type: 'median', graceEpochs: 1 });
      assert.deepEqual(boxRanking(trials, median, 0).map((t) => t.id), [5, 1], 'median-pruned trials never span a box');
      const none = nextRoundBox(space, traces([trials[5]]), 1, 3, { lr: { low: -3, high: -1 } });
      assert.deepEqual(none, { box: { lr: { low: -3, high: -1 } }, basedOn: [], reused: true });
    });
  });
});
