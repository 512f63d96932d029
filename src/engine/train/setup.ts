import { checkResources } from './resources';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { RunInfo, Snapshot } from '../../shared/protocol';
import { createBackend, TsBackend, type Backend } from '../backend';
import { applyZScore, type Dataset } from '../data';
import { denseFeatures, isCoded } from '../data/features';
import { INFERENCE } from '../model/layers/layer';
import type { LossKind } from '../model/losses';
import { Network, type NetworkSpec } from '../model/network';
import { initOutputBias } from '../model/output-bias';
import { createOptimizer, type Optimizer } from '../optim';
import { Rng } from '../util/rng';
import { BatchGatherer, decodesOnce } from './batches';
import { batchSource, type BatchSource } from './batch-source';
import { prepareData, type PreparedData } from './prepare-data';
import { ConfigError } from '../config/errors';

export interface RunSetup {
  config: ExperimentConfig;
  configPath?: string;
  mode: 'train' | 'overfitBatch';
  backend: Backend;
  data: PreparedData;
  spec: NetworkSpec;
  net: Network;
  optimizer: Optimizer;
  batchSize: number;
  rngs: { shuffle: Rng; dropout: Rng; augment: Rng };
  trainGatherer: BatchGatherer;
  /** Every split has one; an empty split's holds nothing (capacity 0). */
  devGatherer: BatchGatherer;
  testGatherer: BatchGatherer;
  /**
   * The training rows a normal run's epochs are measured on (ascending; diagnostics.trainEvalRows),
   * or null for all of them.
   */
  trainSample: Int32Array | null;
  /** What the loop trains on: the training set, or Overfit One Batch's fixed batch (decided here, from `mode`). */
  batches: BatchSource;
  boundaryMap: (() => Snapshot['boundary']) | null;
  modelFile: () => unknown;
}

/** Rows evaluated per forward pass; bounds buffer memory independently of the data set size. */
const EVAL_CHUNK = 512;

/** Output layer and loss from the task: binary → sigmoid+BCE, multiclass → softmax+CE, regression → linear+MSE. */
export function outputFor(config: ExperimentConfig, train: Dataset): { loss: LossKind; outputs: number } {
  const out = config.model.output;
  const classes = train.classes.length;
  if (train.task === 'regression') {
    if (out !== 'auto' && out !== 'linear') {
      throw new ConfigError([{ path: '/model/output', message: `"${out}" needs class labels, but the data has regression targets; use "linear" or "auto"`, kind: 'semantic' }]);
    }
    return { loss: 'mse', outputs: train.targets };
  }
  if (out === 'linear') {
    throw new ConfigError([{ path: '/model/output', message: 'a linear output (MSE) needs regression targets, but the data has class labels; use "auto"', kind: 'semantic' }]);
  }
  if (out === 'sigmoid' && classes > 2) {
    throw new ConfigError([{ path: '/model/output', message: `sigmoid handles 2 classes, the data has ${classes}; use "softmax" or "auto"`, kind: 'semantic' }]);
  }
  if (out === 'softmax' || (out === 'auto' && classes > 2)) return { loss: 'softmaxCe', outputs: classes };
  return { loss: 'sigmoidBce', outputs: 1 };
}

export function networkSpec(config: ExperimentConfig, train: Dataset): NetworkSpec {
  const { loss, outputs } = outputFor(config, train);
  const m = config.model;
  return {
    inputs: train.features, hidden: m.hidden, outputs, loss,
    leakyReluSlope: m.leakyReluSlope, batchNormMomentum: m.batchNormMomentum, batchNormEpsilon: m.batchNormEpsilon,
  };
}

export async function createRunSetup(config: ExperimentConfig, options: { configPath?: string; mode?: 'train' | 'overfitBatch'; backend?: Backend } = {}): Promise<RunSetup> {
  const baseDir = options.configPath ? path.dirname(path.resolve(options.configPath)) : process.cwd();
  const t = config.training;
  const backend = options.backend ?? await createBackend({ prefer: t.backend, dtype: t.dtype, threads: t.threads });
  let data: PreparedData;
  try {
    // IDX bytes are read straight into backend memory, where the batches decode them: one copy of the file.
    data = prepareData(config, baseDir, { allocCodes: (length) => backend.allocCodes(length) });
  } catch (e) {
    if (!options.backend) backend.dispose();
    throw e;
  }
  const mode = options.mode ?? 'train';
  const batchSize = t.batchSize <= 0 || t.batchSize >= data.train.count ? data.train.count : t.batchSize;
  const root = new Rng(config.seed);
  const rngs = { init: root.fork(), shuffle: root.fork(), dropout: root.fork(), augment: root.fork() };
  // Forked after the others, so they draw what they drew before the sample existed.
  const trainSample = sampleRows(data.train.count, config.diagnostics.trainEvalRows, data.dev.count, root.fork());
  const spec = networkSpec(config, data.train);
  const capacity = Math.max(batchSize, Math.min(EVAL_CHUNK, Math.max(data.train.count, data.dev.count, data.test.count)));
  // Rows each gatherer keeps in backend memory: the whole float set, or a range buffer for coded rows (decoded per batch).
  const stored = (ds: Dataset, decodeOnce = false): number => (ds.count === 0 ? 0
    : isCoded(ds.x) && !(decodeOnce && decodesOnce(ds, backend)) ? capacity : ds.count);
  const rows = stored(data.train, true) + stored(data.dev) + stored(data.test);
  try {
    checkResources(config, spec, capacity, rows, backend);
  } catch (e) {
    if (!options.backend) backend.dispose();
    throw e;
  }
  const net = new Network(backend, spec, capacity, rngs.dropout);
  net.initialize(config.model.init, config.model.initScale, rngs.init);
  if (net.params().some((p) => !p.value.every(Number.isFinite))) {
    if (!options.backend) backend.dispose();
    throw new ConfigError([{ path: '/model/initScale', kind: 'semantic',
      message: `initScale ${config.model.initScale} makes the initial weights overflow to Inf in ${backend.dtype}; use a scale near 0.01 … 10` }]);
  }
  if (config.model.outputBias === 'prior') initOutputBias(net, data.train);
  const optimizer = createOptimizer(backend, t.optimizer);
  const gatherer = (ds: Dataset): BatchGatherer => new BatchGatherer(backend, ds, ds.count > 0 ? capacity : 0);
  const trainGatherer = new BatchGatherer(backend, data.train, capacity, { decodeOnce: true });
  const setup: RunSetup = {
    config, configPath: options.configPath, mode, backend, data, spec, net, optimizer, batchSize,
    rngs: { shuffle: rngs.shuffle, dropout: rngs.dropout, augment: rngs.augment },
    trainGatherer, devGatherer: gatherer(data.dev), testGatherer: gatherer(data.test), trainSample,
    batches: batchSource({ mode, config, train: data.train, batchSize, gatherer: trainGatherer, shuffle: rngs.shuffle, augment: rngs.augment, sample: trainSample }),
    boundaryMap: null,
    modelFile: () => modelFile(setup),
  };
  if (data.train.features === 2 && data.train.task !== 'regression') setup.boundaryMap = boundaryMapper(setup);
  return setup;
}

/**
 * The fixed sample of training rows an epoch's train cost and error are measured on: `rows` of
 * them, or the dev set's count if larger (train and dev then carry the same sampling error, which
 * is what the bias/variance verdict compares), ascending; null (all rows) when that is the whole set
 * or `rows` is 0. An error rate p measured on n rows has standard error √(p(1−p)/n): ≤ 1.1 points at
 * n = 2,000, against the verdict's 2-point threshold.
 */
export function sampleRows(count: number, rows: number, devCount: number, rng: Rng): Int32Array | null {
  const n = rows > 0 ? Math.max(rows, devCount) : count;
  if (n >= count) return null;
  return rng.permutation(count).slice(0, n).sort();
}

/** A float64 TypeScript copy of the run's network, for gradient checks on the current weights. */
export function float64Copy(setup: RunSetup): { net: Network; gatherer: (ds: Dataset, rows: number) => BatchGatherer } {
  const backend = new TsBackend('float64');
  const gcBatch = setup.config.diagnostics.gradientCheck.batchSize;
  const capacity = Math.max(1, gcBatch > 0 ? Math.min(gcBatch, setup.data.train.count) : setup.data.train.count);
  const net = new Network(backend, setup.spec, capacity, new Rng(0));
  return { net, gatherer: (ds, rows) => new BatchGatherer(backend, ds, rows) };
}

export function runInfo(setup: RunSetup, runId: string, runDir: string, resumedFrom?: RunInfo['resumedFrom']): RunInfo {
  const { data, config, backend } = setup;
  return {
    runId, runDir, name: config.name, configPath: setup.configPath, config, backend: backend.name, threads: backend.threads,
    dtype: backend.dtype, task: data.train.task, classes: data.train.classes, features: data.train.features,
    counts: { train: data.train.count, dev: data.dev.count, test: data.test.count },
    ...(setup.trainSample && setup.mode === 'train' ? { trainEvalRows: setup.trainSample.length } : {}),
    rows: data.provenance,
    parameters: setup.net.parameterCount(),
    layers: setup.net.blocks.map((b, i) => {
      const h = config.model.hidden[i];
      return { label: b.label, units: b.dense.outFeatures, activation: h?.activation ?? setup.spec.loss,
        batchNorm: h?.batchNorm ?? false, keepProb: h?.keepProb ?? 1 };
    }),
    iterationsPerEpoch: setup.batches.batchesPerEpoch,
    mode: setup.mode, startedAt: new Date().toISOString(), resumedFrom,
  };
}

/** The trained model as plain JSON: enough for another tool to run inference. */
function modelFile(setup: RunSetup): unknown {
  const { net, config, data, spec } = setup;
  return {
    format: 'gradient-lab-model', version: 1, name: config.name,
    inputs: spec.inputs, outputs: spec.outputs, loss: spec.loss, task: data.train.task, classes: data.train.classes,
    featureNames: data.train.featureNames, normalization: data.normalization,
    layers: config.model.hidden.map((h) => ({ units: h.units, activation: h.activation, batchNorm: h.batchNorm, keepProb: h.keepProb })),
    batchNorm: { momentum: spec.batchNormMomentum, epsilon: spec.batchNormEpsilon }, leakyReluSlope: spec.leakyReluSlope,
    ...net.exportState(),
  };
}

const GRID = 40;

/**
 * P(class 1) or the predicted class on a GRID×GRID lattice over the raw training data's range,
 * with a sample of the training and of the dev points to draw on it.
 * The lattice and its buffers are built once; each snapshot is one inference pass over it.
 */
function boundaryMapper(setup: RunSetup): () => Snapshot['boundary'] {
  const { data, net, trainGatherer } = setup;
  const raw = data.rawTrain;
  const rawX = denseFeatures(raw.x, raw.count, 2);
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (let i = 0; i < raw.count; i++) {
    xMin = Math.min(xMin, rawX[2 * i]); xMax = Math.max(xMax, rawX[2 * i]);
    yMin = Math.min(yMin, rawX[2 * i + 1]); yMax = Math.max(yMax, rawX[2 * i + 1]);
  }
  const padX = (xMax - xMin) * 0.05 || 1;
  const padY = (yMax - yMin) * 0.05 || 1;
  xMin -= padX; xMax += padX; yMin -= padY; yMax += padY;
  let grid: Dataset<Float64Array> = {
    name: 'grid', task: raw.task, count: GRID * GRID, features: 2, targets: 1, classes: raw.classes,
    x: new Float64Array(GRID * GRID * 2), y: new Float64Array(GRID * GRID),
  };
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      grid.x[2 * (r * GRID + c)] = xMin + (c / (GRID - 1)) * (xMax - xMin);
      grid.x[2 * (r * GRID + c) + 1] = yMin + (r / (GRID - 1)) * (yMax - yMin);
    }
  }
  if (data.normalization) grid = applyZScore(grid, data.normalization);
  const gatherer = new BatchGatherer(setup.backend, grid, trainGatherer.capacity);
  const binary = setup.spec.loss === 'sigmoidBce';
  // At most 400 points a set: enough to see the shape, little to send every snapshot.
  const sample = (ds: Dataset): { x: number; y: number; label: number }[] => {
    const step = Math.max(1, Math.ceil(ds.count / 400));
    const out: { x: number; y: number; label: number }[] = [];
    const x = denseFeatures(ds.x, ds.count, 2);
    for (let i = 0; i < ds.count; i += step) out.push({ x: x[2 * i], y: x[2 * i + 1], label: ds.y[i] });
    return out;
  };
  const points = sample(raw);
  const devPoints = sample(data.rawDev);
  const counts = { train: raw.count, dev: data.rawDev.count };

  return () => {
    const values: number[] = [];
    const probs: number[] = [];
    for (let start = 0; start < grid.count; start += gatherer.capacity) {
      const rows = Math.min(gatherer.capacity, grid.count - start);
      const logits = net.forward(gatherer.range(start, rows).x, rows, INFERENCE);
      for (let i = 0; i < rows; i++) {
        if (binary) {
          net.loss.probabilities(logits, i, probs);
          values.push(Number(probs[0].toFixed(4)));
        } else {
          values.push(net.loss.predictClass(logits, i));
        }
      }
    }
    return { xMin, xMax, yMin, yMax, resolution: GRID, values, kind: binary ? 'probability' : 'class', points, devPoints, counts };
  };
}
