import type { ExperimentConfig } from '../../shared/config';
import type { EpochSummary } from '../../shared/protocol';
import { augmentBatch } from '../data/augment';
import type { Dataset } from '../data/dataset';
import { subset } from '../data/subset';
import type { ForwardMode } from '../model/layers/layer';
import type { Network } from '../model/network';
import type { Rng } from '../util/rng';
import type { Batch, BatchGatherer } from './batches';
import { evaluate, type Evaluation } from './evaluate';
import { fmt } from './format';

export const TRAIN_MODE: ForwardMode = { training: true, dropout: true, updateRunningStats: true };

/**
 * What the loop trains on, decided once from the run's mode, so the loop never asks which mode
 * it is in:
 * - a normal run trains on the training set, reshuffled every epoch, augmented, regularised, with
 *   dropout, for `training.epochs`; every epoch is also measured on dev and steers the schedule's
 *   plateau rule and early stopping;
 * - Overfit One Batch trains the model alone (no augmentation, regularisation or dropout) on the
 *   training set's first batch in stored order, one iteration an epoch, for
 *   `training.overfitBatch.iterations`; it watches that batch only, ends once the batch is learnt
 *   and says in the summary whether it was.
 */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  /** Epochs to run. */
  readonly epochs: number;
  readonly regularization: { l2: number; l1: number };
  readonly forwardMode: ForwardMode;
  /**
   * The rows trained on are the whole training set: an epoch is measured on dev too (so a snapshot
   * can reuse that evaluation's predictions) and steers the run (plateau schedule, early stopping).
   */
  readonly wholeSet: boolean;
  /** The next epoch's row order (drawn once per epoch: a checkpoint keeps it until the epoch ends). */
  order(): Int32Array;
  /** Batch `index` of an epoch in `order`, as trained on. */
  batch(order: Int32Array, index: number): Batch;
  /** Inference over the rows trained on (the training set's fixed sample when it has one). */
  evaluate(net: Network, wantPredictions?: boolean): Evaluation;
  /** The loop (re)starts with these weights (Overfit One Batch measures its reference cost). */
  start(net: Network): void;
  /** The source's own goal is met before its budget (Overfit One Batch: the batch is learnt). */
  reached(last: EpochSummary | null): boolean;
  /**
   * The summary's reason when the source judges the run itself (Overfit One Batch), else
   * undefined: `final`'s numbers, judged on `last` (the last epoch since the loop started, or the final evaluation when none ran, as `reached`).
   */
  verdict(final: EpochSummary, last: EpochSummary | null, iterations: number): string | undefined;
}

export interface BatchSourceInputs {
  mode: 'train' | 'overfitBatch';
  config: ExperimentConfig;
  train: Dataset;
  batchSize: number;
  /** The training set's gatherer; Overfit One Batch's batch is the set's first rows, so it serves that too. */
  gatherer: BatchGatherer;
  shuffle: Rng;
  augment: Rng;
  /** The training rows an epoch is measured on, or null for all (RunSetup.trainSample). */
  sample: Int32Array | null;
}

export function batchSource(inputs: BatchSourceInputs): BatchSource {
  return inputs.mode === 'overfitBatch' ? new OverfitOneBatch(inputs) : new TrainingSet(inputs);
}

class TrainingSet implements BatchSource {
  readonly batchesPerEpoch: number;
  readonly epochs: number;
  readonly regularization: { l2: number; l1: number };
  readonly forwardMode = TRAIN_MODE;
  readonly wholeSet = true;

  constructor(private readonly inputs: BatchSourceInputs) {
    this.batchesPerEpoch = Math.ceil(inputs.train.count / inputs.batchSize);
    this.epochs = inputs.config.training.epochs;
    this.regularization = inputs.config.training.regularization;
  }

  order(): Int32Array {
    return this.inputs.shuffle.permutation(this.inputs.train.count);
  }

  batch(order: Int32Array, index: number): Batch {
    const { train, batchSize, gatherer, config } = this.inputs;
    const start = index * batchSize;
    const batch = gatherer.gather(order, start, Math.min(batchSize, train.count - start));
    const a = config.data.augment;
    if (a.jitter !== 0 || a.shift !== 0 || a.rotate !== 0) {
      augmentBatch(batch.x, batch.rows, train.features, a, this.inputs.augment, train.imageShape);
    }
    return batch;
  }

  evaluate(net: Network, wantPredictions = false): Evaluation {
    return evaluate(net, this.inputs.train, this.inputs.gatherer, wantPredictions, this.inputs.sample);
  }

  start(): void { /* nothing to measure */ }

  reached(): boolean {
    return false;
  }

  verdict(): undefined {
    return undefined;
  }
}

class OverfitOneBatch implements BatchSource {
  readonly batchesPerEpoch = 1;
  readonly epochs: number;
  readonly regularization = { l2: 0, l1: 0 };
  readonly forwardMode: ForwardMode = { ...TRAIN_MODE, dropout: false };
  readonly wholeSet = false;
  private readonly rows: Dataset;
  private readonly bar: ExperimentConfig['training']['overfitBatch'];
  /** The batch's cost when the loop (re)started: the reference of the relative bar. */
  private startCost: number | null = null;

  constructor(private readonly inputs: BatchSourceInputs) {
    this.rows = subset(inputs.train, identity(inputs.batchSize));
    this.bar = inputs.config.training.overfitBatch;
    this.epochs = this.bar.iterations;
  }

  order(): Int32Array {
    return identity(this.rows.count);
  }

  batch(order: Int32Array): Batch {
    return this.inputs.gatherer.gather(order, 0, this.rows.count);
  }

  evaluate(net: Network, wantPredictions = false): Evaluation {
    return evaluate(net, this.rows, this.inputs.gatherer, wantPredictions);
  }

  start(net: Network): void {
    this.startCost = this.evaluate(net).cost;
  }

  /** No error left (classification), or the cost a small fraction of where it started. */
  reached(last: EpochSummary | null): boolean {
    if (last === null) return false;
    const start = this.startCost;
    return (this.rows.task !== 'regression' && last.trainError === 0)
      || (start !== null && start > 0 && last.trainCost < this.bar.relativeCost * start);
  }

  verdict(final: EpochSummary, last: EpochSummary | null, iterations: number): string {
    const start = this.startCost;
    const relative = start !== null && start > 0 ? ` (${fmt(final.trainCost / start)}× its initial ${fmt(start)})` : '';
    const errors = final.trainError === 0 ? '0 errors' : `error ${fmt(final.trainError)}`;
    return this.reached(last)
      ? `overfit one batch: ${errors} and cost ${fmt(final.trainCost)}${relative} on the batch at iteration ${iterations} — the model and pipeline can learn`
      : `could not overfit one batch in ${iterations} iterations (error ${fmt(final.trainError)}, cost ${fmt(final.trainCost)}${relative}; `
        + `the bar is 0 errors or cost < ${this.bar.relativeCost}× the initial cost within training.overfitBatch.iterations = ${this.bar.iterations}): check labels, learning rate and capacity`;
  }
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
