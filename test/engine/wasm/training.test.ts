import assert from 'node:assert/strict';
import type { Backend } from '../../../src/engine/backend/backend';
import { TsBackend } from '../../../src/engine/backend/ts-backend';
import { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import type { Dataset } from '../../../src/engine/data/dataset';
import { Network, type NetworkSpec } from '../../../src/engine/model/network';
import { createOptimizer } from '../../../src/engine/optim';
import { BatchGatherer } from '../../../src/engine/train/batches';
import { Rng } from '../../../src/engine/util/rng';
import { skipWithoutWasm } from './wasm-helpers';

const MODE = { training: true, dropout: true, updateRunningStats: true };

/** A 20-feature, 4-class problem that a small network learns in a few dozen steps. */
function data(count: number): Dataset {
  const rng = new Rng(99);
  const features = 20;
  const x = new Float64Array(count * features);
  const y = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s0 = 0;
    let s1 = 0;
    for (let f = 0; f < features; f++) {
      const v = rng.normal();
      x[i * features + f] = v;
      if (f < 10) s0 += v;
      else s1 += v;
    }
    y[i] = (s0 > 0 ? 1 : 0) + (s1 > 0 ? 2 : 0);
  }
  return { name: 'quadrants', task: 'multiclass', count, features, x, y, targets: 1, classes: ['a', 'b', 'c', 'd'] };
}

const SPEC: NetworkSpec = {
  inputs: 20, outputs: 4, loss: 'softmaxCe', leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5,
  hidden: [
    { units: 300, activation: 'relu', keepProb: 0.9, batchNorm: true },
    { units: 37, activation: 'tanh', keepProb: 1, batchNorm: false },
  ],
};

/** The engine's training step (as Trainer.trainStep) for `steps` mini-batches; returns the costs. */
function train(backend: Backend, steps: number): number[] {
  // Batch 128 and 300 units: every product but the last layer's is big enough to run threaded.
  const ds = data(1280);
  const rng = new Rng(5);
  const batch = 128;
  const net = new Network(backend, SPEC, batch, rng.fork());
  net.initialize('he', 0.01, rng.fork());
  const opt = createOptimizer(backend, { type: 'adam', learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const gatherer = new BatchGatherer(backend, ds, batch);
  const shuffle = rng.fork();
  const costs: number[] = [];
  let perm = shuffle.permutation(ds.count);
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % ds.count;
    if (start === 0 && s > 0) perm = shuffle.permutation(ds.count);
    const b = gatherer.gather(perm, start, batch);
    const { cost } = net.costAndGradients(b.x, b.y, batch, MODE, { l2: 1e-3, l1: 1e-4 }, true);
    opt.update(net.params(), 3e-3);
    costs.push(cost);
  }
  return costs;
}

describe('WasmBackend in a full training run', function () {
  this.timeout(60_000);
  before(function () {
    skipWithoutWasm(this);
  });

  for (const relaxedSimd of ['off', 'on'] as const) {
    it(`follows the TypeScript float32 loss curve within float32 tolerance, and learns (relaxed SIMD ${relaxedSimd})`,
      async () => {
        const steps = 60;
        const ref = train(new TsBackend('float32'), steps);
        const be = await WasmBackend.create({ threads: 2, relaxedSimd });
        const got = train(be, steps);
        be.dispose();
        // Measured: ≤ 3e-7 relative over the 60 steps; rounding differences may grow, hence the margin.
        for (let s = 0; s < steps; s++) {
          assert.ok(Math.abs(got[s] - ref[s]) <= 1e-4 * Math.abs(ref[s]), `step ${s}: ${got[s]} vs ${ref[s]}`);
        }
        assert.ok(ref[steps - 1] < 0.6 * ref[0], `the network learns (${ref[0]} → ${ref[steps - 1]})`);
      });

    it(`is bit-reproducible for a seed, on 1 thread and across thread counts (relaxed SIMD ${relaxedSimd})`,
      async () => {
        const runs: number[][] = [];
        for (const threads of [1, 1, 2]) {
          const be = await WasmBackend.create({ threads, relaxedSimd });
          runs.push(train(be, 30));
          be.dispose();
        }
        assert.deepEqual(runs[1], runs[0]);
        // The kernels' summation order does not depend on the partition: 2 threads give the same bits.
        assert.deepEqual(runs[2], runs[0]);
      });
  }
});
