/**
 * Input-independent baseline (Karpathy's recipe): the same short training twice from the same
 * initial weights and batches, once with the real inputs and once with every input set to 0. A
 * model that does not do clearly better with its inputs is not using them: labels shuffled or
 * misaligned with the inputs, inputs lost in the pipeline, or a network that cannot learn yet.
 */
import type { Dataset } from '../../data/dataset';
import { Probe, zeroInputs } from '../probe';
import type { Check, CheckOutcome } from './context';
import { fmt, pct } from './context';

/** Iterations of each of the two trainings. */
export const BASELINE_ITERATIONS = 300;
/** The real-input metric must be below this fraction of the zero-input one. */
export const BASELINE_RATIO = 0.8;

export const inputIndependentCheck: Check = {
  id: 'inputIndependent',
  title: 'Input-independent baseline',
  run({ setup }): CheckOutcome {
    const { data } = setup;
    const regression = data.train.task === 'regression';
    const onDev = data.dev.count > 0;
    const target = onDev ? data.dev : data.train;
    const iterations = BASELINE_ITERATIONS;
    let learned = 0;
    const score = (train: Dataset, evalSet: Dataset): number => {
      const probe = new Probe(setup);
      const before = probe.evaluate(train).cost;
      probe.train(train, iterations);
      const e = probe.evaluate(evalSet);
      learned = 1 - probe.evaluate(train).cost / before;
      return regression ? e.cost : e.error;
    };
    const real = score(data.train, target);
    const realLearned = learned;
    const zero = score(zeroInputs(data.train), zeroInputs(target));
    const metric = regression ? `${onDev ? 'dev' : 'train'} loss` : `${onDev ? 'dev' : 'train'} error`;
    const show = (x: number): string => (regression ? fmt(x) : pct(x));
    const ratio = zero > 0 ? real / zero : real > 0 ? Infinity : 0;
    const values = { real, zeroed: zero, ratio, iterations, trainLossDrop: realLearned };
    const measured = `${metric} ${show(real)} with the inputs vs ${show(zero)} with every input set to 0, after ${iterations} iterations each`;
    const threshold = `pass when the real inputs do clearly better: ${metric} below ${BASELINE_RATIO}× the zero-input one`;
    if (!Number.isFinite(real)) {
      return { status: 'fail', measured, threshold, values, remedy: 'Training on the real inputs diverged: lower the learning rate, normalise the inputs.' };
    }
    if (zero === 0 && real === 0) return { status: 'pass', measured, threshold, values, remedy: '' };
    if (ratio < BASELINE_RATIO) return { status: 'pass', measured, threshold, values, remedy: '' };
    if (realLearned < 0.05) {
      return { status: 'warn', measured, threshold, values,
        remedy: `Inconclusive: with the real inputs the training loss fell by only ${pct(Math.max(0, realLearned))} in ${iterations} iterations, so neither model learned anything yet. The learning rate is probably too low (see the update ratio and the range test).` };
    }
    return {
      status: 'warn', measured, threshold, values,
      remedy: 'The model does no better with its inputs than without them. Check that the labels belong to their inputs '
        + '(not shuffled separately, same order after joins), that the features reach the model (not all constant, the '
        + 'right columns), and, if the other checks show slow learning, the learning rate.',
    };
  },
};
