/**
 * The learning-rate range test (Smith 2017, fastai's `lr_find`): train for `steps` mini-batches
 * with the learning rate rising exponentially from `start` to `end`, smooth the losses with the
 * debiased EWA, stop once the smoothed loss exceeds `divergeFactor` × its best, then put every
 * piece of state back (weights, batch-norm running averages, optimizer slots and step count, the
 * dropout RNG), so a run it interrupts continues bit for bit as if it had never happened.
 */
import { LR_FIND_DEFAULTS, type LrFindOptions, type LrFindResult } from '../../shared/diagnosis';
import { debiasedEwa } from '../../shared/series';
import type { Dataset } from '../data/dataset';
import type { ForwardMode } from '../model/layers/layer';
import type { Network } from '../model/network';
import type { Regularization } from '../model/regularization';
import type { Optimizer } from '../optim';
import type { BatchGatherer } from '../train/batches';
import { Rng } from '../util/rng';
import { suggestLearningRate } from './lr-suggestion';

/** What the sweep trains: a run's own network and optimizer (restored afterwards), or a probe's. */
export interface SweepTarget {
  net: Network;
  optimizer: Optimizer;
  train: Dataset;
  gatherer: BatchGatherer;
  batchSize: number;
  regularization: Regularization;
  /** The generator the network's dropout layers draw from. */
  dropoutRng: Rng;
  seed: number;
}

export interface SweepContext {
  from: LrFindResult['from'];
  iteration: number;
  currentLr: number;
}

const TRAIN_MODE: ForwardMode = { training: true, dropout: true, updateRunningStats: true };
/** Mixed into the seed for the sweep's own batch order, so it never draws from the run's shuffle stream. */
const SWEEP_SEED = 0x1f1d;

/** Fills the defaults in and rejects what cannot be swept (the message names the option). */
export function lrFindOptions(partial: Partial<LrFindOptions> = {}): LrFindOptions {
  const o = { ...LR_FIND_DEFAULTS, ...partial };
  const positive = (name: keyof LrFindOptions): void => {
    if (!(Number.isFinite(o[name]) && o[name] > 0)) throw new RangeError(`learning-rate range test: ${name} must be a positive number`);
  };
  (['start', 'end', 'steps', 'divergeFactor'] as const).forEach(positive);
  if (!(o.end > o.start)) throw new RangeError('learning-rate range test: end must be larger than start');
  if (!(Number.isInteger(o.steps) && o.steps >= 5 && o.steps <= 10_000)) throw new RangeError('learning-rate range test: steps must be an integer in 5…10000');
  if (!(o.beta >= 0 && o.beta < 1)) throw new RangeError('learning-rate range test: beta must be in [0, 1)');
  if (!(o.divergeFactor > 1)) throw new RangeError('learning-rate range test: divergeFactor must be > 1');
  return o;
}

/** lr_i = start·(end/start)^(i/(steps−1)). */
export function sweepRates(o: LrFindOptions): number[] {
  return Array.from({ length: o.steps }, (_, i) => o.start * (o.end / o.start) ** (i / (o.steps - 1)));
}

export function lrRangeTest(target: SweepTarget, partial: Partial<LrFindOptions>, context: SweepContext): LrFindResult {
  const options = lrFindOptions(partial);
  const started = Date.now();
  const { net, optimizer } = target;
  const savedNet = net.exportState();
  const savedOptimizer = optimizer.exportState();
  const savedDropout = target.dropoutRng.state();
  try {
    const curve = sweep(target, options);
    const s = suggestLearningRate(curve.lrs, curve.losses, curve.smoothed);
    return {
      from: context.from, iteration: context.iteration, options, optimizer: optimizer.type, batchSize: target.batchSize,
      currentLr: context.currentLr, ...curve, ...s, seconds: (Date.now() - started) / 1000,
    };
  } finally {
    net.importState(savedNet);
    optimizer.restoreInPlace(savedOptimizer);
    target.dropoutRng.restore(savedDropout);
  }
}

/** loss[i] is the next mini-batch's loss after the update at lrs[i]. */
function sweep(target: SweepTarget, o: LrFindOptions): Pick<LrFindResult, 'lrs' | 'losses' | 'smoothed' | 'stop'> {
  const { net, optimizer, train, gatherer, regularization } = target;
  const rates = sweepRates(o);
  const rng = new Rng((target.seed ^ SWEEP_SEED) >>> 0);
  const rows = Math.min(target.batchSize, train.count);
  let order = rng.permutation(train.count);
  let position = 0;
  const nextCost = (): number => {
    if (position + rows > train.count) {
      order = rng.permutation(train.count);
      position = 0;
    }
    const batch = gatherer.gather(order, position, rows);
    position += rows;
    return net.costAndGradients(batch.x, batch.y, rows, TRAIN_MODE, regularization, true).cost;
  };

  const lrs: number[] = [];
  const losses: number[] = [];
  let best = Infinity;
  let stop: LrFindResult['stop'] = 'end';
  let cost = nextCost();
  for (const lr of rates) {
    if (!Number.isFinite(cost)) {
      stop = 'nonFinite';
      break;
    }
    optimizer.update(net.params(), lr);
    cost = nextCost();
    lrs.push(lr);
    losses.push(cost);
    if (!Number.isFinite(cost)) {
      stop = 'nonFinite';
      break;
    }
    const smooth = debiasedEwa(losses, o.beta)[losses.length - 1];
    best = Math.min(best, smooth);
    if (smooth > o.divergeFactor * best) {
      stop = 'diverged';
      break;
    }
  }
  return { lrs, losses, smoothed: debiasedEwa(losses, o.beta), stop };
}
