/**
 * Loss at initialisation, regularisation off (Karpathy: "verify loss @ init"; CS231n's first
 * sanity check). A network that knows nothing predicts 1/C for every class: −log(1/C), ln 2 for
 * binary. With the output bias at the class prior it predicts the prior instead, whose entropy is
 * lower on imbalanced data; for regression the mean-predicting network's ½·MSE is ½·Var(y).
 */
import type { Dataset } from '../../data/dataset';
import type { RunSetup } from '../../train/setup';
import { classPrior } from '../../model/output-bias';
import type { Check, CheckOutcome } from './context';
import { fmt } from './context';

/**
 * Initial loss above this multiple of the expected value is a warning. He-initialised output
 * layers start with logits of standard deviation ≈ 1–2, which gives up to ~2× −log(1/C) on its
 * own; far beyond that the network starts confidently wrong.
 */
export const INITIAL_LOSS_RATIO = 2.5;
/** A prior entropy below this fraction of ln C makes the output-bias init worth suggesting. */
const IMBALANCE = 0.8;

export interface ExpectedLoss {
  /** What a network that knows only what its output bias encodes would score. */
  expected: number;
  /** The same with the bias at the prior / target mean (what the fix would give). */
  withPrior: number;
  /** How `expected` is written in messages. */
  label: string;
}

export function expectedInitialLoss(train: Dataset, outputBias: 'zero' | 'prior'): ExpectedLoss {
  if (train.task === 'regression') {
    // ½·Σ_t E[(y_t − c_t)²]: c = 0 with a zero bias (½·E[y²]), c = mean with the prior bias (½·Var y).
    const t = train.targets;
    let second = 0;
    let variance = 0;
    for (let j = 0; j < t; j++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < train.count; i++) {
        const y = train.y[i * t + j];
        s += y;
        s2 += y * y;
      }
      const m = Math.max(1, train.count);
      second += s2 / m;
      variance += s2 / m - (s / m) ** 2;
    }
    return outputBias === 'prior'
      ? { expected: variance / 2, withPrior: variance / 2, label: '½·Var(y)' }
      : { expected: second / 2, withPrior: variance / 2, label: '½·E[y²] (zero output)' };
  }
  const prior = classPrior(train);
  const c = prior.length;
  const entropy = -prior.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
  return outputBias === 'prior'
    ? { expected: entropy, withPrior: entropy, label: 'the class prior\'s entropy' }
    : { expected: Math.log(c), withPrior: entropy, label: c === 2 ? 'ln 2' : `−log(1/${c})` };
}

export const initialLossCheck: Check = {
  id: 'initialLoss',
  title: 'Loss at initialisation',
  run({ setup }): CheckOutcome {
    const { data, config } = setup;
    const { cost, rows } = measureInitialLoss(setup);
    const e = expectedInitialLoss(data.train, config.model.outputBias);
    const ratio = cost / e.expected;
    const measured = `initial loss ${fmt(cost)} on ${rows} training examples (regularisation off) vs ${e.label} = ${fmt(e.expected)} (×${fmt(ratio)})`;
    const threshold = `pass at ≤ ×${INITIAL_LOSS_RATIO} of ${e.label}; non-finite fails`;
    const values = { loss: cost, expected: e.expected, ratio, withPrior: e.withPrior };
    const priorHelps = config.model.outputBias === 'zero' && e.withPrior < IMBALANCE * e.expected;
    const fix = priorHelps ? { label: 'Initialise the output bias to the prior', edits: [{ pointer: '/model/outputBias', value: 'prior' }] } : undefined;
    const biasAdvice = data.train.task === 'regression'
      ? `the targets' mean is far from 0: start the output bias at the target mean (model.outputBias "prior") or standardise the targets`
      : `the classes are imbalanced (prior entropy ${fmt(e.withPrior)} < ${e.label} ${fmt(e.expected)}): start the output bias at the class prior (model.outputBias "prior") so the first iterations do not go into learning the class frequencies`;
    if (!Number.isFinite(cost)) {
      return { status: 'fail', measured, threshold, values, remedy: 'The loss is not finite before any training: check the inputs for NaN/Inf and the initialisation scale.' };
    }
    if (ratio > INITIAL_LOSS_RATIO) {
      const scale = config.model.init === 'random' ? ` (init "random" with initScale ${config.model.initScale})` : '';
      return {
        status: 'warn', measured, threshold, values, fix,
        remedy: priorHelps ? `Too high: ${biasAdvice}.`
          : `Too high: the initial outputs are too large${scale}, so the network starts confidently wrong and the first iterations undo it. `
            + (config.model.init === 'random' || config.model.init === 'zeros'
              ? `Use "he" (ReLU) or "xavier" (tanh) initialisation, or a smaller initScale${data.train.task === 'regression' ? ', or standardise the targets' : ''}.`
              : `Try "xavier" (smaller weights than "he")${config.data.normalize === 'none' ? ', normalise the inputs (data.normalize "zscore")' : ''}${data.train.task === 'regression' ? ', or standardise the targets' : ''}.`),
      };
    }
    if (priorHelps) return { status: 'warn', measured, threshold, values, fix, remedy: `As expected for a zero output bias, but ${biasAdvice}.` };
    return { status: 'pass', measured, threshold, values, remedy: '' };
  },
};

/** The data loss of the initial network on the first training rows, as the trainer's own check does. */
export function measureInitialLoss(setup: RunSetup): { cost: number; rows: number } {
  const { net, data, trainGatherer } = setup;
  const rows = Math.min(trainGatherer.capacity, data.train.count);
  const batch = trainGatherer.range(0, rows);
  const mode = { training: true, dropout: false, updateRunningStats: false };
  return { cost: net.costAndGradients(batch.x, batch.y, rows, mode, { l2: 0, l1: 0 }, false).dataCost, rows };
}
