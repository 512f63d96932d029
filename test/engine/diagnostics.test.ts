/** Layer statistics, vanishing/exploding flags and the bias/variance verdict. */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { LayerStatsRecorder } from '../../src/engine/diagnostics/layer-stats';
import { biasVarianceVerdict } from '../../src/engine/diagnostics/verdict';
import { Network } from '../../src/engine/model/network';
import { Rng } from '../../src/engine/util/rng';
import type { LayerStat } from '../../src/shared/protocol';

const stat = (layer: string, gradNorm: number): LayerStat => ({
  layer, gradNorm, weightNorm: 1, updateRatio: 1e-3, meanAbsGrad: gradNorm, activationMean: 0, activationStd: 1, saturated: 0, deadRelu: 0,
});

function recorder(): LayerStatsRecorder {
  const backend = new TsBackend('float64');
  const net = new Network(backend, {
    inputs: 2, hidden: [{ units: 3, activation: 'relu', keepProb: 1, batchNorm: false }], outputs: 1, loss: 'sigmoidBce',
    leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5,
  }, 4, new Rng(1));
  return new LayerStatsRecorder(backend, net);
}

describe('diagnostics', () => {
  it('flags vanishing gradients when the first layer gets < 1e-3 of the last layer, once per onset', () => {
    const r = recorder();
    assert.deepEqual(r.flags([stat('hidden 1', 1e-2), stat('output', 1)], 10), []);
    const flags = r.flags([stat('hidden 1', 1e-4), stat('output', 1)], 20);
    assert.equal(flags.length, 1);
    assert.equal(flags[0].kind, 'vanishing');
    assert.equal(r.flags([stat('hidden 1', 1e-4), stat('output', 1)], 30).length, 0, 'not repeated while it lasts');
    r.flags([stat('hidden 1', 1e-2), stat('output', 1)], 40);
    assert.equal(r.flags([stat('hidden 1', 1e-5), stat('output', 1)], 50).length, 1, 'raised again after it cleared');
  });

  it('flags exploding gradients by ratio and by sustained ×10 growth, not by one noisy sample', () => {
    const ratio = recorder().flags([stat('hidden 1', 5e3), stat('output', 1)], 10);
    assert.ok(ratio.some((f) => f.kind === 'exploding'));
    const noisy = recorder();
    const noise = [1, 1, 1, 30, 1, 1, 1, 1];
    const noiseFlags = noise.flatMap((g, i) => noisy.flags([stat('hidden 1', g), stat('output', g)], i));
    assert.deepEqual(noiseFlags.filter((f) => f.kind === 'exploding'), []);
    const growing = recorder();
    const growth = [1, 1.5, 2, 4, 8, 16, 32, 64];
    const growthFlags = growth.flatMap((g, i) => growing.flags([stat('hidden 1', g), stat('output', g)], i));
    assert.ok(growthFlags.some((f) => f.kind === 'exploding' && /grew/.test(f.message)));
  });

  it('flags a layer whose gradient is exactly zero', () => {
    const flags = recorder().flags([stat('hidden 1', 0), stat('output', 0)], 1);
    assert.ok(flags.some((f) => f.kind === 'vanishing' && f.layer === 'hidden 1'));
  });

  it('measures the update/weight ratio and dead ReLUs from a real step', () => {
    const backend = new TsBackend('float64');
    const net = new Network(backend, {
      inputs: 2, hidden: [{ units: 4, activation: 'relu', keepProb: 1, batchNorm: false }], outputs: 1, loss: 'sigmoidBce',
      leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5,
    }, 3, new Rng(1));
    net.initialize('he', 0, new Rng(2));
    const w = net.blocks[0].dense.weights.value;
    w[0] = -5; w[4] = -5; // unit 0: weights (−5, −5) with inputs > 0 → always 0: dead
    const x = Float64Array.from([1, 1, 2, 1, 1, 3]);
    const y = Float64Array.from([1, 0, 1]);
    const rec = new LayerStatsRecorder(backend, net);
    net.costAndGradients(x, y, 3, { training: true, dropout: false, updateRunningStats: true }, { l2: 0, l1: 0 }, true);
    rec.before();
    for (const p of net.params()) backend.axpy(p.value.length, -0.1, p.grad, p.value);
    const stats = rec.after();
    const gradNorm = Math.sqrt(backend.sumSquares(w.length, net.blocks[0].dense.weights.grad));
    assert.ok(Math.abs(stats[0].updateRatio - (0.1 * gradNorm) / stats[0].weightNorm) < 1e-12);
    assert.ok(stats[0].deadRelu >= 0.25);
    // Activation statistics against a direct column-by-column count over the layer's output.
    const { values, rows } = net.blocks[0].activation!.output();
    const units = 4;
    let dead = 0;
    for (let j = 0; j < units; j++) if (![0, 1, 2].some((r) => values[r * units + j] > 0)) dead++;
    const all = Array.from(values.subarray(0, rows * units));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    assert.equal(stats[0].deadRelu, dead / units);
    assert.ok(Math.abs(stats[0].activationMean - mean) < 1e-12);
    assert.ok(Math.abs(stats[0].activationStd - std) < 1e-9);
  });

  it('bias/variance verdict with remedies against human-level error', () => {
    const bias = biasVarianceVerdict(3, 0.01, 0.15, 0.16);
    assert.equal(bias.diagnosis, 'highBias');
    assert.ok(Math.abs(bias.avoidableBias - 0.14) < 1e-12);
    assert.match(bias.remedies.join(' '), /Bigger network/);
    const variance = biasVarianceVerdict(3, 0.01, 0.02, 0.11);
    assert.equal(variance.diagnosis, 'highVariance');
    assert.match(variance.remedies.join(' '), /Regularisation/);
    assert.equal(biasVarianceVerdict(3, 0.05, 0.15, 0.30).diagnosis, 'highBiasAndVariance');
    assert.equal(biasVarianceVerdict(3, 0.1, 0.11, 0.12).diagnosis, 'fine', 'train error near human level is not high bias');
  });
});
