/**
 * Regularisation sanity (CS231n's "babysitting"): raising λ must raise the training loss. From the
 * same initial weights and batches, the cost at initialisation must grow by exactly the penalty
 * λ/(2m)·Σ‖W‖² (L2) or λ/m·Σ|W| (L1), and after a short training the strongly regularised model
 * must have smaller weights and a higher training (data) loss.
 */
import type { Regularization } from '../../model/regularization';
import { MEASURE, Probe, withoutDropout } from '../probe';
import type { Check, CheckOutcome } from './context';
import { fmt } from './context';

export const REGULARIZATION_ITERATIONS = 200;

export const regularizationCheck: Check = {
  id: 'regularization',
  title: 'Regularisation raises the training loss',
  run({ setup }): CheckOutcome {
    const { data, config } = setup;
    const configured = config.training.regularization;
    const kind: keyof Regularization = configured.l1 > 0 && configured.l2 === 0 ? 'l1' : 'l2';
    const noDropout = withoutDropout(config);
    const base: Regularization = { l2: 0, l1: 0 };
    // λ_hi makes the penalty at initialisation as large as the data loss itself (or 10× the file's λ, if larger).
    const probe0 = new Probe(setup, { config: noDropout, regularization: base });
    const m = Math.min(setup.batchSize, data.train.count);
    const size = weightSize(probe0, kind);
    const { cost: initial } = probe0.forwardRows(data.train, m);
    const lambda = Math.max(10 * configured[kind], size > 0 ? (kind === 'l2' ? 2 : 1) * m * Math.max(initial, 1e-3) / size : 1);
    const high: Regularization = { ...base, [kind]: lambda };
    const probe1 = new Probe(setup, { config: noDropout, regularization: high });

    const penaltyBefore = costAt(probe1, high, m) - costAt(probe0, base, m);
    const expected = kind === 'l2' ? (lambda / (2 * m)) * size : (lambda / m) * size;
    probe0.train(data.train, REGULARIZATION_ITERATIONS);
    probe1.train(data.train, REGULARIZATION_ITERATIONS);
    const loss0 = probe0.evaluate(data.train).cost;
    const loss1 = probe1.evaluate(data.train).cost;
    const w0 = weightSize(probe0, 'l2');
    const w1 = weightSize(probe1, 'l2');
    const name = kind === 'l2' ? 'L2' : 'L1';
    const values = { lambda, penalty: penaltyBefore, expectedPenalty: expected, lossWithout: loss0, lossWith: loss1, weights2Without: w0, weights2With: w1 };
    const measured = `${name} λ = ${fmt(lambda)}: cost at init +${fmt(penaltyBefore)} (expected +${fmt(expected)}); after ${REGULARIZATION_ITERATIONS} iterations training loss ${fmt(loss0)} → ${fmt(loss1)}, Σ‖W‖² ${fmt(w0)} → ${fmt(w1)}`;
    const threshold = 'pass when the penalty adds what its formula says, the weights shrink and the training (data) loss rises';
    const penaltyRight = Math.abs(penaltyBefore - expected) <= 1e-6 * Math.max(1, expected) + 1e-4 * expected;
    if (size === 0) {
      return { status: 'skip', measured: 'every weight is 0 at initialisation: there is nothing to regularise yet', threshold, values, remedy: '' };
    }
    if (!penaltyRight || !(w1 < w0)) {
      return { status: 'fail', measured, threshold, values,
        remedy: `The ${name} term does not act as its formula says (${!penaltyRight ? 'the cost' : 'the weights'}): the regularisation is not wired into the ${!penaltyRight ? 'cost' : 'gradients'}.` };
    }
    if (!(loss1 > loss0)) {
      return { status: 'warn', measured, threshold, values,
        remedy: 'Strong regularisation shrank the weights but did not raise the training loss: the model is far from fitting the data yet (or the loss does not depend on the weights\' scale).' };
    }
    return { status: 'pass', measured, threshold, values, remedy: '' };
  },
};

/** Σ‖W‖²_F (l2) or Σ|W| (l1) over the weight matrices (what L2/L1 penalise). */
function weightSize(probe: Probe, kind: keyof Regularization): number {
  const backend = probe.setup.backend;
  let s = 0;
  for (const p of probe.net.params()) {
    if (!p.regularized) continue;
    s += kind === 'l2' ? backend.sumSquares(p.value.length, p.value) : backend.sumAbs(p.value.length, p.value);
  }
  return s;
}

function costAt(probe: Probe, reg: Regularization, rows: number): number {
  const batch = probe.gatherer(probe.setup.data.train).range(0, rows);
  return probe.net.costAndGradients(batch.x, batch.y, rows, MEASURE, reg, false).cost;
}
