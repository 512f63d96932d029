/**
 * reduceOnPlateau, warmupCosine, oneCycle and clipping by global norm against PyTorch 1.13
 * (test/fixtures/make_torch_fixtures.py), to 1e-12; mid-run overrides; the gradient-norm log.
 */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { CLIPPED_TOO_OFTEN, GradNormLog } from '../../src/engine/diagnostics/grad-norms';
import type { Param } from '../../src/engine/model/layers/layer';
import { clipGradients, gradNormOf } from '../../src/engine/optim/clip';
import { createLearningRate, type SchedulePosition } from '../../src/engine/optim/schedules';
import type { LrDecayConfig } from '../../src/shared/config';
import type { EpochSummary } from '../../src/shared/protocol';
import { assertClose, fixture, flat, type Matrix } from './helpers';

const TOL = { abs: 1e-12, rel: 0 };

type ScheduleCase = {
  name: string; schedule: 'reduceOnPlateau' | 'warmupCosine' | 'oneCycle'; learningRate: number; config: LrDecayConfig;
  epochs?: number; iterationsPerEpoch?: number; monitor?: number[]; overrides: [number, number][];
  expected: { learningRates: number[] };
};

function summary(epoch: number, trainCost: number): EpochSummary {
  return { epoch, iteration: epoch, trainCost, trainError: 0, devCost: null, devError: null, learningRate: 0, seconds: 0 };
}

describe('learning-rate schedules vs PyTorch 1.13', () => {
  for (const c of fixture<ScheduleCase>('schedules_torch').cases) {
    it(c.name, () => {
      const overrides = new Map(c.overrides);
      const rates: number[] = [];
      if (c.schedule === 'reduceOnPlateau') {
        const lr = createLearningRate(c.learningRate, c.config, { epochs: c.monitor!.length, iterationsPerEpoch: 1 });
        c.monitor!.forEach((value, epoch) => {
          const p = { epoch, iteration: epoch };
          if (overrides.has(epoch)) lr.override(overrides.get(epoch)!, p);
          rates.push(lr.at(p));
          lr.observe(summary(epoch + 1, value));
        });
      } else {
        const perEpoch = c.iterationsPerEpoch!;
        const lr = createLearningRate(c.learningRate, c.config, { epochs: c.epochs!, iterationsPerEpoch: perEpoch });
        for (let t = 0; t < c.epochs! * perEpoch; t++) {
          const p = { epoch: Math.floor(t / perEpoch), iteration: t };
          if (overrides.has(t)) lr.override(overrides.get(t)!, p);
          rates.push(lr.at(p));
        }
      }
      assertClose(rates, c.expected.learningRates, TOL, 'lr');
    });
  }
});

describe('schedule edge cases and overrides', () => {
  const at = (iteration: number, perEpoch = 1): SchedulePosition => ({ epoch: Math.floor(iteration / perEpoch), iteration });

  it('oneCycle with a zero-length first phase (pctStart·T = 1) is finite and at its peak there', () => {
    const lr = createLearningRate(0.1, { type: 'oneCycle', div: 25, finalDiv: 1e5, pctStart: 0.25 }, { epochs: 4, iterationsPerEpoch: 1 });
    assert.equal(lr.at(at(0)), 0.1);
    assert.ok(Math.abs(lr.at(at(3)) - 1e-6) < 1e-18);
  });

  it('oneCycle: an override scales the rest of the cycle', () => {
    const config = { type: 'oneCycle', div: 25, finalDiv: 1e5, pctStart: 0.25 } as const;
    const length = { epochs: 10, iterationsPerEpoch: 10 };
    const plain = createLearningRate(0.01, config, length);
    const lr = createLearningRate(0.01, config, length);
    lr.override(0.5 * plain.at(at(40, 10)), at(40, 10));
    for (const t of [40, 60, 99]) assert.ok(Math.abs(lr.at(at(t, 10)) - 0.5 * plain.at(at(t, 10))) < 1e-15, `step ${t}`);
  });

  it('warmupCosine: an override during warmup raises the peak the cosine starts from; epochs convert to iterations', () => {
    const config = { type: 'warmupCosine', warmup: 0.5, warmupUnit: 'epochs', minLr: 0 } as const;
    const lr = createLearningRate(0.1, config, { epochs: 4, iterationsPerEpoch: 10 }); // 5 warmup steps of 40
    assert.ok(Math.abs(lr.at(at(0, 10)) - 0.02) < 1e-15);
    assert.ok(Math.abs(lr.at(at(4, 10)) - 0.1) < 1e-15);
    lr.override(0.04, at(1, 10)); // schedule said 0.04: unchanged
    assert.ok(Math.abs(lr.at(at(5, 10)) - 0.1) < 1e-15);
    lr.override(0.08, at(1, 10)); // twice the warmup's value → the peak doubles
    assert.ok(Math.abs(lr.at(at(5, 10)) - 0.2) < 1e-15);
    assert.ok(lr.at(at(39, 10)) > 0 && lr.at(at(39, 10)) < 1e-3);
  });

  it('warmupCosine: after an override the cosine decays from it to minLr', () => {
    const lr = createLearningRate(0.1, { type: 'warmupCosine', warmup: 0, warmupUnit: 'iterations', minLr: 0.01 }, { epochs: 100, iterationsPerEpoch: 1 });
    lr.override(0.3, at(50));
    assert.equal(lr.at(at(50)), 0.3);
    assert.ok(lr.at(at(51)) < 0.3 && lr.at(at(99)) > 0.01 && lr.at(at(99)) - 0.01 < 2e-4);
  });

  it('reduceOnPlateau ignores epochs without the monitored value and round-trips its state', () => {
    const config = { type: 'reduceOnPlateau', monitor: 'devLoss', factor: 0.5, patience: 2, minDelta: 0, cooldown: 0, minLr: 0 } as const;
    const lr = createLearningRate(0.1, config, { epochs: 10, iterationsPerEpoch: 1 });
    const dev = (epoch: number, devCost: number | null): EpochSummary => ({ ...summary(epoch, 1), devCost });
    assert.equal(lr.observe(dev(1, 1)), null);
    assert.equal(lr.observe(dev(2, null)), null);
    assert.equal(lr.observe(dev(3, 1)), null);
    const copy = createLearningRate(0.1, config, { epochs: 10, iterationsPerEpoch: 1 });
    copy.importState(JSON.parse(JSON.stringify(lr.exportState())));
    assert.deepEqual(copy.observe(dev(4, 1)), { from: 0.1, to: 0.05 });
    assert.deepEqual(lr.observe(dev(4, 1)), { from: 0.1, to: 0.05 });
  });
});

type ClipCase = { name: string; maxNorm: number; gradients: Matrix[]; expected: { totalNorm: number; gradients: Matrix[]; clipped: boolean } };

describe('clipping by global norm vs torch.nn.utils.clip_grad_norm_', () => {
  const backend = new TsBackend('float64');
  for (const c of fixture<ClipCase>('clipping').cases) {
    it(c.name, () => {
      const params: Param[] = c.gradients.map((g, i) => ({
        name: `W${i}`, shape: [g.length, g[0].length], regularized: true,
        value: new Float64Array(g.length * g[0].length), grad: Float64Array.from(flat(g)),
      }));
      const norm = gradNormOf(backend, params)();
      assertClose([norm], [c.expected.totalNorm], { abs: 1e-12, rel: 1e-14 }, 'total norm');
      const coef = clipGradients(params, norm, c.maxNorm);
      assert.equal(coef < 1, c.expected.clipped, 'clipped');
      params.forEach((p, i) => assertClose(p.grad, flat(c.expected.gradients[i]), { abs: 1e-12, rel: 1e-14 }, `grad ${i}`));
    });
  }
});

describe('gradient-norm log', () => {
  it('counts clipped steps and suggests the 90th percentile of the unclipped norms', () => {
    const log = new GradNormLog(5);
    for (let i = 1; i <= 10; i++) log.record(i, i > 5);
    assert.deepEqual(log.summary(), {
      steps: 10, median: 5.5, p90: 9.1, max: 10, clipNorm: 5, clipped: 5, clippedFraction: 0.5, suggestedClipNorm: 9.1,
    });
  });

  it('keeps a bounded, evenly spread sample on long runs', () => {
    const log = new GradNormLog(0);
    for (let i = 0; i < 100000; i++) log.record(i % 1000, false);
    const s = log.summary()!;
    assert.equal(s.steps, 100000);
    assert.ok(log.exportState().sample.length <= 4096);
    assert.ok(Math.abs(s.p90 - 899.1) < 15, `p90 ${s.p90}`);
    assert.equal(s.clipNorm, null);
  });

  it('flags more than half of the steps clipped, once, and not a run that clips now and then', () => {
    const rare = new GradNormLog(1);
    for (let i = 0; i < 1000; i++) rare.record(i % 10 === 0 ? 3 : 0.5, i % 10 === 0);
    assert.equal(rare.flag(1000), null, 'clipping 10 % of the steps is what clipping is for');
    const often = new GradNormLog(1);
    const flags = [];
    for (let i = 0; i < 300; i++) {
      often.record(2, i % 4 !== 0); // 75 % clipped
      const f = often.flag(i + 1);
      if (f) flags.push(f);
    }
    assert.equal(flags.length, 1);
    assert.equal(flags[0].iteration, 100, 'judged from the 100th step on');
    assert.equal(flags[0].kind, 'clipping');
    assert.match(flags[0].message, /Lower the learning rate instead/);
    assert.match(flags[0].message, new RegExp(`threshold ${CLIPPED_TOO_OFTEN * 100} %`));
    assert.equal(new GradNormLog(0).flag(10), null, 'no clipping, no flag');
  });
});
