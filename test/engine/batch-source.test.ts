/**
 * What the loop trains on, per mode, without the loop: batch count and budget, row order, the
 * rows a batch holds, augmentation, regularisation and dropout, and Overfit One Batch's bar.
 */
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../src/engine/config/validate';
import type { EpochSummary } from '../../src/shared/protocol';
import { createRunSetup, type RunSetup } from '../../src/engine/train/setup';
import { subset } from '../../src/engine/data/subset';
import { BatchGatherer } from '../../src/engine/train/batches';
import { evaluate } from '../../src/engine/train/evaluate';
import { denseFeatures } from '../../src/engine/data/features';

function experiment(overrides: { data?: Record<string, unknown>; training?: Record<string, unknown> } = {}): unknown {
  return {
    name: 'batch-source', seed: 5,
    data: { source: 'moons', samples: 100, noise: 0.2, split: { train: 1, dev: 0, test: 0 }, normalize: 'none', ...overrides.data },
    model: { hidden: [{ units: 4, keepProb: 0.5 }] },
    training: { epochs: 7, batchSize: 30, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts', dtype: 'float64',
      regularization: { l2: 0.01, l1: 0.001 }, overfitBatch: { iterations: 40, relativeCost: 0.1 }, ...overrides.training },
  };
}

async function setupOf(mode: 'train' | 'overfitBatch', overrides?: Parameters<typeof experiment>[0]): Promise<RunSetup> {
  return createRunSetup(resolveConfig(experiment(overrides)), { mode });
}

/** Row r of the training set's features. */
function row(setup: RunSetup, r: number): number[] {
  const { x, count, features: f } = setup.data.train;
  return Array.from(denseFeatures(x, count, f).subarray(r * f, (r + 1) * f));
}

function batchRows(x: ArrayLike<number>, rows: number, features: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: features }, (_, c) => x[r * features + c]));
}

function epoch(trainCost: number, trainError: number): EpochSummary {
  return { epoch: 1, iteration: 1, trainCost, trainError, devCost: null, devError: null, learningRate: 0.01, seconds: 0 };
}

describe('batch source', () => {
  describe('a normal run: the training set', () => {
    it('ceil(rows / batch size) batches an epoch for training.epochs, regularised, with dropout, steering on dev', async () => {
      const setup = await setupOf('train');
      const s = setup.batches;
      assert.equal(s.batchesPerEpoch, 4, '100 rows in batches of 30');
      assert.equal(s.epochs, 7);
      assert.deepEqual(s.regularization, { l2: 0.01, l1: 0.001 });
      assert.equal(s.forwardMode.dropout, true);
      assert.equal(s.wholeSet, true);
    });

    it('a fresh shuffle every epoch; a batch holds the rows of its slice of the order, the last one the rest', async () => {
      const setup = await setupOf('train');
      const s = setup.batches;
      const first = s.order();
      const second = s.order();
      assert.notDeepEqual(Array.from(first), Array.from(second));
      assert.deepEqual([...first].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i), 'a permutation');
      const f = setup.data.train.features;
      const b1 = s.batch(first, 1);
      assert.equal(b1.rows, 30);
      assert.deepEqual(batchRows(b1.x, 30, f), Array.from(first.subarray(30, 60), (r) => row(setup, r)));
      assert.equal(s.batch(first, 3).rows, 10);
    });

    it('augments the batch when the config asks (fresh noise each time), and only then', async () => {
      const jitter = await setupOf('train', { data: { augment: { jitter: 0.5, shift: 0, rotate: 0 } } });
      const order = jitter.batches.order();
      const f = jitter.data.train.features;
      const a = batchRows(jitter.batches.batch(order, 0).x, 30, f);
      assert.notDeepEqual(a, Array.from(order.subarray(0, 30), (r) => row(jitter, r)));
      assert.notDeepEqual(batchRows(jitter.batches.batch(order, 0).x, 30, f), a);
    });
  });

  it('every split has a gatherer; an empty split\'s holds nothing', async () => {
    const setup = await setupOf('train');
    assert.equal(setup.data.dev.count, 0);
    assert.equal(setup.devGatherer.capacity, 0);
    assert.equal(setup.testGatherer.capacity, 0);
    assert.deepEqual(evaluate(setup.net, setup.data.test, setup.testGatherer), { cost: 0, error: 0, predictions: undefined });
    const split = await setupOf('train', { data: { split: { train: 0.6, dev: 0.2, test: 0.2 } } });
    assert.equal(split.devGatherer.capacity, split.trainGatherer.capacity);
  });

  describe('Overfit One Batch', () => {
    it('one batch an epoch for training.overfitBatch.iterations; no regularisation, no dropout, no dev', async () => {
      const s = (await setupOf('overfitBatch')).batches;
      assert.equal(s.batchesPerEpoch, 1);
      assert.equal(s.epochs, 40);
      assert.deepEqual(s.regularization, { l2: 0, l1: 0 });
      assert.equal(s.forwardMode.dropout, false);
      assert.equal(s.forwardMode.training, true);
      assert.equal(s.wholeSet, false);
    });

    it('the training set\'s first batch in stored order, never augmented', async () => {
      const setup = await setupOf('overfitBatch', { data: { augment: { jitter: 0.5, shift: 0, rotate: 0 } } });
      const s = setup.batches;
      const order = s.order();
      assert.deepEqual(Array.from(order), Array.from({ length: 30 }, (_, i) => i));
      assert.deepEqual(Array.from(s.order()), Array.from(order), 'the same every epoch');
      const b = s.batch(order, 0);
      assert.equal(b.rows, 30);
      assert.deepEqual(batchRows(b.x, 30, setup.data.train.features), Array.from({ length: 30 }, (_, r) => row(setup, r)));
    });

    it('evaluates the batch only', async () => {
      const setup = await setupOf('overfitBatch');
      const batch = setup.batches.evaluate(setup.net, true);
      const first30 = subset(setup.data.train, Array.from({ length: 30 }, (_, i) => i));
      assert.deepEqual(batch, evaluate(setup.net, first30, new BatchGatherer(setup.backend, first30, 30), true));
      assert.notEqual(batch.cost, evaluate(setup.net, setup.data.train, setup.trainGatherer).cost);
    });

    it('is reached at 0 errors (classification) or at cost < relativeCost × the cost it started from', async () => {
      const setup = await setupOf('overfitBatch');
      const s = setup.batches;
      s.start(setup.net);
      const start = s.evaluate(setup.net).cost;
      assert.equal(s.reached(null), false);
      assert.equal(s.reached(epoch(start, 0)), true);
      assert.equal(s.reached(epoch(0.11 * start, 0.2)), false);
      assert.equal(s.reached(epoch(0.09 * start, 0.2)), true);
      assert.match(s.verdict(epoch(start, 0), epoch(start, 0), 12) ?? '', /^overfit one batch: 0 errors .* at iteration 12 — the model and pipeline can learn$/);
      assert.match(s.verdict(epoch(start, 0.5), epoch(start, 0.5), 40) ?? '',
        /^could not overfit one batch in 40 iterations \(error 0\.5000, .*1\.000× its initial.*cost < 0\.1× the initial cost within training\.overfitBatch\.iterations = 40\)/);
    });

    it('a normal run has no goal of its own and no verdict', async () => {
      const s = (await setupOf('train')).batches;
      assert.equal(s.reached(epoch(0, 0)), false);
      assert.equal(s.verdict(epoch(0, 0), epoch(0, 0), 3), undefined);
    });
  });
});
