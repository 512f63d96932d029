/** Three steps of each optimizer and the LR schedules against the numpy reference. */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import type { Param } from '../../src/engine/model/layers/layer';
import { createOptimizer } from '../../src/engine/optim';
import { createLearningRate, decayFactor } from '../../src/engine/optim/schedules';
import type { LrDecayConfig, OptimizerConfig } from '../../src/shared/config';
import { assertClose, fixture, tolerance } from './helpers';

type OptCase = {
  name: string; optimizer: 'gd' | 'momentum' | 'rmsprop' | 'adam'; learningRate: number; beta?: number; beta1?: number;
  beta2?: number; epsilon?: number; w0: number[]; gradients: number[][];
  expected: { weights: number[][]; v?: number[][]; s?: number[][]; m?: number[][] };
};

function configFor(c: OptCase): OptimizerConfig {
  const lr = c.learningRate;
  switch (c.optimizer) {
    case 'gd': return { type: 'gd', learningRate: lr };
    case 'momentum': return { type: 'momentum', learningRate: lr, beta: c.beta! };
    case 'rmsprop': return { type: 'rmsprop', learningRate: lr, beta2: c.beta2!, epsilon: c.epsilon! };
    case 'adam': return { type: 'adam', learningRate: lr, beta1: c.beta1!, beta2: c.beta2!, epsilon: c.epsilon! };
  }
}

describe('optimizers vs numpy (3 steps, float64)', () => {
  for (const c of fixture<OptCase>('optimizers').cases) {
    it(c.name, () => {
      const backend = new TsBackend('float64');
      const n = c.w0.length;
      const param: Param = { name: 'W', shape: [1, n], regularized: true, value: Float64Array.from(c.w0), grad: new Float64Array(n) };
      const opt = createOptimizer(backend, configFor(c));
      c.gradients.forEach((g, step) => {
        param.grad.set(g);
        opt.update([param], c.learningRate);
        assertClose(param.value, c.expected.weights[step], tolerance('float64'), `w after step ${step + 1}`);
        const state = opt.exportState();
        for (const slot of ['v', 's', 'm'] as const) {
          const expected = c.expected[slot];
          // Adam's "v" is its second moment; momentum's "v" is its velocity: both are the slot named v.
          if (expected && state.slots[slot]) assertClose(state.slots[slot][0], expected[step], tolerance('float64'), `${slot} after step ${step + 1}`);
        }
      });
    });
  }

  it('state round-trips through a checkpoint and continues identically', () => {
    const backend = new TsBackend('float64');
    const make = (): Param => ({ name: 'W', shape: [1, 3], regularized: true, value: Float64Array.from([1, -2, 3]), grad: new Float64Array(3) });
    const config: OptimizerConfig = { type: 'adam', learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const a = make();
    const optA = createOptimizer(backend, config);
    a.grad.set([0.5, -0.1, 0.2]);
    optA.update([a], 0.1);
    const b = { ...make(), value: Float64Array.from(a.value) };
    const optB = createOptimizer(backend, config);
    optB.importState(JSON.parse(JSON.stringify(optA.exportState())));
    a.grad.set([0.3, 0.3, -0.3]);
    b.grad.set([0.3, 0.3, -0.3]);
    optA.update([a], 0.1);
    optB.update([b], 0.1);
    assert.deepEqual(Array.from(b.value), Array.from(a.value));
  });
});

describe('learning-rate schedules vs numpy', () => {
  type SchedCase = { name: string; schedule: LrDecayConfig['type']; alpha0: number; rate?: number; every?: number; k?: number; epochs: number[]; expected: { learningRates: number[] } };
  for (const c of fixture<SchedCase>('schedules').cases) {
    it(c.name, () => {
      const decay = { type: c.schedule, rate: c.rate, every: c.every, k: c.k } as LrDecayConfig;
      const lr = createLearningRate(c.alpha0, decay, { epochs: 11, iterationsPerEpoch: 3 });
      assertClose(c.epochs.map((e) => lr.at({ epoch: e, iteration: 3 * e })), c.expected.learningRates, tolerance('float64'), 'lr');
    });
  }

  it('a mid-run override continues the schedule from the new value', () => {
    const decay = { type: 'inverseTime', rate: 1, every: 1 } as const;
    const lr = createLearningRate(0.1, decay, { epochs: 10, iterationsPerEpoch: 1 });
    const at = (epoch: number): { epoch: number; iteration: number } => ({ epoch, iteration: epoch });
    lr.override(0.02, at(4)); // at epoch 4 the schedule said 0.1/5 = 0.02·… → now exactly 0.02
    assert.equal(lr.at(at(4)), 0.02);
    assert.ok(Math.abs(lr.at(at(9)) - 0.02 * decayFactor(decay, 9) / decayFactor(decay, 4)) < 1e-15);
  });
});
