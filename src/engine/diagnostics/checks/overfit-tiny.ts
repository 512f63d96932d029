/**
 * Overfit a tiny set (Karpathy's "overfit one batch"): ~20 training examples, regularisation and
 * dropout off, full-batch steps with the file's optimizer and learning rate. A model and pipeline
 * that work reach 100 % training accuracy (regression: 1 % of the initial loss); one that cannot
 * even memorise 20 examples has a bug (labels, inputs, loss) or no capacity.
 */
import { subset } from '../../data/subset';
import { Probe, withoutDropout } from '../probe';
import type { Check, CheckOutcome } from './context';
import { fmt, pct } from './context';

export const TINY_SET = 20;
export const OVERFIT_BUDGET = 3000;
/** Regression passes below this fraction of its initial loss; classification at 0 errors. */
const REGRESSION_FLOOR = 0.01;
/** Short of passing, a loss down by at least this fraction is learning (slowly): a warning; less fails. */
const PROGRESS = 0.1;

export const overfitTinyCheck: Check = {
  id: 'overfitTiny',
  title: 'Overfit a tiny set',
  run({ setup }): CheckOutcome {
    const train = setup.data.train;
    const m = Math.min(TINY_SET, train.count);
    const tiny = subset(train, Int32Array.from({ length: m }, (_, i) => i), `${m} training examples`);
    const probe = new Probe(setup, { config: withoutDropout(setup.config), regularization: { l2: 0, l1: 0 }, batchSize: m });
    const regression = train.task === 'regression';
    let first = NaN;
    let last = NaN;
    let lastErrors = m;
    let reachedAt: number | null = null;
    const costs = probe.train(tiny, OVERFIT_BUDGET, { cost: (it, cost, errors) => {
      if (it === 1) first = cost;
      last = cost;
      lastErrors = errors;
      const done = regression ? cost <= REGRESSION_FLOOR * first : errors === 0;
      if (done) reachedAt = it - 1; // the cost is measured before step `it`: `it − 1` updates got here
      return done;
    } });
    const iterations = reachedAt ?? costs.length;
    const progress = 1 - last / first;
    const values = { examples: m, iterations, initialLoss: first, finalLoss: last, trainError: regression ? null : lastErrors / m, budget: OVERFIT_BUDGET };
    const lr = `learning rate ${fmt(probe.learningRate)}`;
    const threshold = regression
      ? `pass when the loss reaches ${pct(REGRESSION_FLOOR)} of its initial value within ${OVERFIT_BUDGET} full-batch iterations; warn when it falls by ≥ ${pct(PROGRESS)}, fail below`
      : `pass at 100 % training accuracy within ${OVERFIT_BUDGET} full-batch iterations; warn when the loss falls by ≥ ${pct(PROGRESS)}, fail below`;
    const result = regression ? `loss ${fmt(first)} → ${fmt(last)}` : `${m - lastErrors}/${m} right, loss ${fmt(first)} → ${fmt(last)}`;
    if (!Number.isFinite(last)) {
      return { status: 'fail', values, threshold, measured: `the loss became ${last} after ${costs.length - 1} iterations (${lr})`,
        remedy: 'Training on 20 examples diverged: lower the learning rate; check the inputs for huge values (normalise them).' };
    }
    if (reachedAt !== null) {
      return { status: 'pass', values, threshold, remedy: '',
        measured: `${m} examples memorised after ${reachedAt} iterations (${result}; ${lr}; no regularisation or dropout)` };
    }
    const measured = `after ${costs.length} iterations: ${result} (${lr}; no regularisation or dropout)`;
    if (progress >= PROGRESS) {
      return { status: 'warn', values, threshold, measured,
        remedy: `The model learns (loss −${pct(progress)}) but did not memorise ${m} examples within the budget: the learning rate is probably low (see the update ratio and the range test), or the network is very small.` };
    }
    return { status: 'fail', values, threshold, measured,
      remedy: 'The model or the data pipeline cannot learn: even 20 examples cannot be memorised. Check that the labels belong to the inputs (same order), that the inputs are not constant, the output/loss for the task, a dead or zero-initialised network, and a learning rate that is not absurdly low.' };
  },
};
