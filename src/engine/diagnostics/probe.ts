/**
 * Small throw-away trainings for Diagnose: a network of the experiment's shape that starts from
 * the run's exact initial weights (copied from the RunSetup, which initialises them as a run
 * would), with its own optimizer, trained for a few hundred iterations on a chosen data set and
 * configuration variant (regularisation off, dropout off, inputs zeroed …). Nothing here touches
 * a run folder; the RunSetup's own network is only read.
 */
import type { ExperimentConfig } from '../../shared/config';
import type { Dataset } from '../data/dataset';
import type { ForwardMode } from '../model/layers/layer';
import { Network } from '../model/network';
import type { Regularization } from '../model/regularization';
import { createOptimizer, type Optimizer } from '../optim';
import { BatchGatherer } from '../train/batches';
import { evaluate, type Evaluation } from '../train/evaluate';
import { networkSpec, type RunSetup } from '../train/setup';
import { Rng } from '../util/rng';

export const TRAIN: ForwardMode = { training: true, dropout: true, updateRunningStats: true };
/** Training-mode statistics (batch norm on the batch's μ, σ²) without dropout or side effects. */
export const MEASURE: ForwardMode = { training: true, dropout: false, updateRunningStats: false };
/** Rows the probes evaluate per pass (and the most a measuring batch has). */
export const PROBE_CHUNK = 512;

export interface ProbeOptions {
  /** The experiment with the variant's changes (keepProb 1, …); its shape must match the setup's. */
  config?: ExperimentConfig;
  regularization?: Regularization;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

export interface TrainHooks {
  cost?: (iteration: number, cost: number, errors: number) => boolean | void;
  update?: (step: () => void) => void;
}

export class Probe {
  readonly net: Network;
  readonly optimizer: Optimizer;
  readonly config: ExperimentConfig;
  readonly regularization: Regularization;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly dropoutRng: Rng;
  private readonly shuffle: Rng;
  private readonly gatherers = new Map<Dataset, BatchGatherer>();

  constructor(readonly setup: RunSetup, options: ProbeOptions = {}) {
    this.config = options.config ?? setup.config;
    const t = this.config.training;
    this.regularization = options.regularization ?? t.regularization;
    this.batchSize = options.batchSize ?? setup.batchSize;
    this.learningRate = options.learningRate ?? t.optimizer.learningRate;
    const seed = options.seed ?? this.config.seed;
    this.dropoutRng = new Rng((seed ^ 0xd120) >>> 0);
    this.shuffle = new Rng((seed ^ 0x5a1e) >>> 0);
    const capacity = Math.max(this.batchSize, PROBE_CHUNK);
    this.net = new Network(setup.backend, networkSpec(this.config, setup.data.train), capacity, this.dropoutRng);
    this.net.copyFrom(setup.net);
    this.optimizer = createOptimizer(setup.backend, t.optimizer);
  }

  /** A gatherer for `ds` in this probe's backend (made once per data set). */
  gatherer(ds: Dataset): BatchGatherer {
    let g = this.gatherers.get(ds);
    if (!g) {
      g = new BatchGatherer(this.setup.backend, ds, this.net.capacity);
      this.gatherers.set(ds, g);
    }
    return g;
  }

  /**
   * `iterations` mini-batch steps on `ds` (reshuffled every epoch). `hooks.cost` sees each step's
   * cost and errors before its update (returning true stops there); `hooks.update` wraps the
   * optimizer step (the layer statistics measure it). Returns the costs.
   */
  train(ds: Dataset, iterations: number, hooks: TrainHooks = {}): number[] {
    const g = this.gatherer(ds);
    const rows = Math.min(this.batchSize, ds.count);
    const costs: number[] = [];
    let order = this.shuffle.permutation(ds.count);
    let position = 0;
    for (let it = 1; it <= iterations; it++) {
      if (position + rows > ds.count) {
        order = this.shuffle.permutation(ds.count);
        position = 0;
      }
      const batch = g.gather(order, position, rows);
      position += rows;
      const { cost, logits } = this.net.costAndGradients(batch.x, batch.y, rows, TRAIN, this.regularization, true);
      costs.push(cost);
      if (!Number.isFinite(cost)) break;
      const errors = ds.task === 'regression' ? 0 : this.net.loss.countErrors(logits, rows, batch.y);
      if (hooks.cost?.(it, cost, errors)) break;
      const step = (): void => this.optimizer.update(this.net.params(), this.learningRate);
      if (hooks.update) hooks.update(step);
      else step();
    }
    return costs;
  }

  /** Inference-mode loss (data term only) and error over a whole data set. */
  evaluate(ds: Dataset): Evaluation {
    return evaluate(this.net, ds, this.gatherer(ds));
  }

  /** The first min(rows, count) rows of `ds` as one measuring batch (forward only, MEASURE mode). */
  forwardRows(ds: Dataset, rows = PROBE_CHUNK): { cost: number; rows: number } {
    const m = Math.min(rows, ds.count, this.net.capacity);
    const batch = this.gatherer(ds).range(0, m);
    const noReg = { l2: 0, l1: 0 };
    return { cost: this.net.costAndGradients(batch.x, batch.y, m, MEASURE, noReg, false).dataCost, rows: m };
  }
}

/** The experiment with every dropout layer off (keepProb 1): same shapes, deterministic forward. */
export function withoutDropout(config: ExperimentConfig): ExperimentConfig {
  return { ...config, model: { ...config.model, hidden: config.model.hidden.map((h) => ({ ...h, keepProb: 1 })) } };
}

/** A copy of `ds` with every input set to 0 (the input-independent baseline). */
export function zeroInputs(ds: Dataset): Dataset {
  return { ...ds, name: `${ds.name} (inputs zeroed)`, x: new Float64Array(ds.count * ds.features) };
}
