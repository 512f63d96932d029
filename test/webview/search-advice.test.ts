/**
 * "What to do next" (src/shared/search-advice.ts) on hand-made searches: a boundary warning when
 * the best trials sit at an edge (and none when they sit inside), the infeasible share and where
 * the diverged trials are, whether more trials would help, and the next round's box.
 */
import * as assert from 'node:assert/strict';
import type { SearchDimension, TrialRecord } from '../../src/shared/search-protocol';
import { adviseSearch, boundaryWarnings, type AdviceInput } from '../../src/shared/search-advice';
import { boxOf } from '../../src/shared/search-ranking';

const SPACE: SearchDimension[] = [
  { path: 'training.optimizer.learningRate', scale: 'log', low: -4, high: -1, min: 1e-4, max: 0.1 },
  { path: 'training.optimizer.beta1', scale: 'oneMinusLog', low: -2, high: -1, min: 0.9, max: 0.99 },
  { path: 'model.hidden[*].keepProb', scale: 'uniform', low: 0.5, high: 1, min: 0.5, max: 1 },
  { path: 'model.hidden[*].activation', scale: 'choice', low: 0, high: 1, choices: ['relu', 'tanh'] },
];
const [LR, B1, KEEP, ACT] = SPACE.map((d) => d.path);

let nextId = 1;
function trial(coords: Record<string, number>, metric: number | null, extra: Partial<TrialRecord> = {}): TrialRecord {
  const id = nextId++;
  return {
    id, name: `trial-${id}`, round: 0, values: {}, coords: { [LR]: -2.5, [B1]: -1.5, [KEEP]: 0.75, [ACT]: 0, ...coords }, state: 'finished',
    metric, metricName: 'devError', curve: metric === null ? [] : [metric], epoch: 1, epochs: 1, runDir: `/runs/t${id}`, best: false, attempts: 1, ...extra,
  };
}

function input(trials: TrialRecord[], extra: Partial<AdviceInput> = {}): AdviceInput {
  return { space: SPACE, trials, mode: 'min', metric: 'devError', keepTop: 3, earlyTermination: { type: 'none', graceEpochs: 5 }, epochsPerTrial: 1, trialsPerRound: 10, ...extra };
}

/** Ten trials whose dev error falls as lr rises: the best three at the top decade's upper tenth. */
function edgeSearch(): TrialRecord[] {
  nextId = 1;
  const lrs = [-1.05, -1.1, -1.2, -1.6, -2.0, -2.4, -2.8, -3.2, -3.6, -3.9];
  return lrs.map((lr, i) => trial({ [LR]: lr, [B1]: -1.1 - 0.08 * i, [KEEP]: 0.55 + 0.045 * i, [ACT]: i % 2 }, 0.05 + 0.02 * i));
}

describe('search advice', () => {
  it('warns when the best trials sit at an edge, and proposes a wider range', () => {
    const advice = adviseSearch(input(edgeSearch()));
    assert.deepEqual(advice.boundaries.map((b) => [b.path, b.edge, b.count, b.of]), [[LR, 'high', 3, 3]]);
    const item = advice.items.find((i) => i.kind === 'boundary')!;
    assert.equal(item.severity, 'warning');
    assert.equal(item.message, 'The best trials sit at the upper edge of learningRate (3 of the 3 best in the outer 10 % of 1.00e-4 … 1.00e-1): widen the range, e.g. to [1.00e-4, 3.16e0].');
    // The next box: the runner's box of the best 3, with the warned edge pushed out.
    const box = boxOf(SPACE, advice.nextBox!.basedOn.map((id) => edgeSearch().find((t) => t.id === id)!.coords));
    assert.deepEqual(advice.nextBox!.basedOn, [1, 2, 3]);
    assert.deepEqual(advice.nextBox!.widened, [LR]);
    assert.deepEqual(advice.nextBox!.box[LR], { low: -1.2, high: 0.5 });
    assert.deepEqual(advice.nextBox!.box[B1], box[B1]);
    assert.match(adviseSearch(input(edgeSearch(), { roundsLeft: 0 })).items.find((i) => i.kind === 'nextBox')!.message, /^For another round \(no more are planned\): sample in /);
    assert.match(advice.items.find((i) => i.kind === 'nextBox')!.message, /^Next round: sample in learningRate \[6\.31e-2, 3\.16e0\] · beta1 \[0\.9206, 0\.9450\] · keepProb \[0\.55, 0\.64\] · activation ∈ \{relu, tanh\} \(widened: learningRate\), the box of trials 1, 2, 3\.$/);
  });

  it('β near 1 is the upper edge of 1 − β on a log scale; a probability already at 1 cannot be widened', () => {
    nextId = 1;
    const trials = [0, 1, 2, 3, 4, 5].map((i) => trial({ [B1]: -1.98 + 0.2 * i * (i > 2 ? 1 : 0), [KEEP]: i > 2 ? 0.6 : 1 }, 0.1 + 0.01 * i));
    const b = boundaryWarnings(SPACE, trials.slice(0, 3));
    assert.deepEqual(b.map((x) => [x.path, x.edge, x.widened]), [[B1, 'high', { low: -2.5, high: -1 }], [KEEP, 'high', null]]);
    const advice = adviseSearch(input(trials));
    assert.ok(advice.items.some((i) => /upper edge of beta1 \(3 of the 3 best in the outer 10 % of 0\.900 … 0\.9900\): widen the range, e\.g\. to \[0\.900, 0\.99684\]/.test(i.message)), advice.items.map((i) => i.message).join('\n'));
    assert.ok(advice.items.some((i) => /upper edge of keepProb .*it is already at the largest value it can take/.test(i.message)));
  });

  it('no boundary warning when the best trials sit inside the ranges (healthy search)', () => {
    nextId = 1;
    const trials = Array.from({ length: 12 }, (_, i) => {
      const lr = -3.8 + 0.25 * i;
      return trial({ [LR]: lr, [B1]: -1.9 + 0.07 * i, [KEEP]: 0.52 + 0.04 * i }, 0.05 + 0.1 * Math.abs(lr + 2.5));
    });
    const advice = adviseSearch(input(trials));
    assert.deepEqual(advice.boundaries, []);
    assert.ok(!advice.items.some((i) => i.kind === 'boundary' || i.kind === 'infeasible'));
    assert.ok(advice.items.some((i) => i.kind === 'nextBox'));
  });

  it('the share of infeasible trials, and where the diverged ones are', () => {
    const trials = edgeSearch().map((t) => ({ ...t, coords: { ...t.coords }, metric: t.metric }));
    // The three largest learning rates diverged.
    for (const t of trials.slice(0, 3)) {
      t.diverged = true;
      t.note = 'diverged (NaN/Inf) at iteration 3, epoch 0; stopped by the search';
    }
    trials[9].state = 'failed';
    trials[9].metric = null;
    const item = adviseSearch(input(trials)).items.find((i) => i.kind === 'infeasible')!;
    assert.equal(item.severity, 'warning');
    assert.equal(item.message, '4 of 10 trials (40 %) were infeasible: 3 diverged (NaN/Inf), 1 failed. Every diverged trial has learningRate ≥ 6.31e-2 (0 of the 6 others do): lower the upper bound of its range.');
    // One NaN metric in twenty is worth a note, not a warning.
    nextId = 1;
    const few = Array.from({ length: 20 }, (_, i) => trial({ [LR]: -3 + 0.1 * i }, i === 5 ? Number.NaN : 0.1 + 0.01 * i));
    const note = adviseSearch(input(few)).items.find((i) => i.kind === 'infeasible')!;
    assert.equal(note.severity, 'info');
    assert.match(note.message, /^1 of 20 trials \(5 %\) were infeasible: 1 diverged \(NaN\/Inf\)\.$/);
    assert.equal(adviseSearch(input(edgeSearch())).items.find((i) => i.kind === 'infeasible'), undefined, 'none: no item');
  });

  it('whether more trials would help: a flat top says no, a best that stands out or came late says yes', () => {
    nextId = 1;
    // Twenty trials, the best five within 0.1 % while the rest spread over 20 %.
    const flat = Array.from({ length: 20 }, (_, i) => trial({ [LR]: -3.5 + 0.1 * i }, i < 5 ? 0.05 + 0.0002 * ((i * 3) % 5) : 0.1 + 0.02 * (i - 5)));
    const no = adviseSearch(input(flat)).items.find((i) => i.kind === 'moreTrials')!;
    assert.match(no.message, /^More trials in this box are unlikely to help much: the 2 best are within 0\.02% of each other \(best 5\.00%\) while the trials spread over 18\.0%; 10 more trials in this box beat it with probability 33 %\. Zoom in/);
    nextId = 1;
    const standout = Array.from({ length: 20 }, (_, i) => trial({ [LR]: -3.5 + 0.1 * i }, i === 7 ? 0.01 : 0.1 + 0.005 * i));
    assert.match(adviseSearch(input(standout)).items.find((i) => i.kind === 'moreTrials')!.message, /^More trials are likely to help: the best \(1\.00%\) stands 9\.\d+% ahead of the next, against a spread of/);
    nextId = 1;
    const lateFlat = flat.map((t, i) => ({ ...t, id: 20 - i }));
    assert.match(adviseSearch(input(lateFlat)).items.find((i) => i.kind === 'moreTrials')!.message, /^More trials are likely to help: the best \(5\.00%\) came late, trial 2\d of 20/);
    assert.match(adviseSearch(input(flat.slice(0, 3))).items.find((i) => i.kind === 'moreTrials')!.message, /3 finished trials: too few to tell/);
  });

  it('with ASHA the pruned trials that got furthest fill the box, as the runner does', () => {
    nextId = 1;
    const asha = { type: 'asha' as const, graceEpochs: 0, eta: 3, minEpochs: 1 };
    const trials = [
      trial({ [LR]: -2 }, 0.1, { curve: [0.3, 0.2, 0.1], epoch: 3, epochs: 9 }),
      trial({ [LR]: -3 }, 0.2, { state: 'pruned', curve: [0.25, 0.2, 0.2], epoch: 3, epochs: 9 }),
      trial({ [LR]: -2.5 }, 0.3, { state: 'pruned', curve: [0.3], epoch: 1, epochs: 9 }),
      trial({ [LR]: -3.9 }, 0.5, { state: 'pruned', curve: [0.5], epoch: 1, epochs: 9 }),
    ];
    const advice = adviseSearch(input(trials, { earlyTermination: asha, epochsPerTrial: 9 }));
    assert.deepEqual(advice.nextBox!.basedOn, [1, 2, 3]);
    assert.deepEqual(advice.nextBox!.box[LR], { low: -3, high: -2 });
  });
});
