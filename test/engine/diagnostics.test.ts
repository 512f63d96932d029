/** Layer statistics, vanishing/exploding/converged flags as episodes, and the bias/variance verdict. */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { GradientFlags } from '../../src/engine/diagnostics/gradient-flags';
import { LayerStatsRecorder } from '../../src/engine/diagnostics/layer-stats';
import { biasVarianceVerdict } from '../../src/engine/diagnostics/verdict';
import { Network } from '../../src/engine/model/network';
import { Rng } from '../../src/engine/util/rng';
import type { Flag, LayerStat } from '../../src/shared/protocol';
import { applyEvent, emptyRunView } from '../../src/shared/run-view';

const stat = (layer: string, gradNorm: number): LayerStat => ({
  layer, gradNorm, weightNorm: 1, updateRatio: 1e-3, meanAbsGrad: gradNorm, activationMean: 0, activationStd: 1, saturated: 0, deadRelu: 0,
});

describe('diagnostics', () => {
  // Each call is one layer-stats sample: [first-layer ‖dW‖, last-layer ‖dW‖], at a cost.
  const feed = (f: GradientFlags, samples: [number, number, number][], from = 0) =>
    samples.flatMap(([g1, g2, cost], k) => f.observe([stat('hidden 1', g1), stat('output', g2)], (from + k + 1) * 10, cost));

  it('vanishing by ratio: one episode opened after 3 samples, closed (same id) 3 samples after it clears', () => {
    const f = new GradientFlags();
    const healthy: [number, number, number] = [1e-2, 1, 0.7];
    const vanishing: [number, number, number] = [1e-4, 1, 0.7];
    assert.deepEqual(feed(f, [healthy, healthy, healthy, vanishing, vanishing]), [], 'not before it held 3 samples');
    const opened = feed(f, [vanishing], 5);
    assert.equal(opened.length, 1);
    assert.equal(opened[0].kind, 'vanishing');
    assert.equal(opened[0].episode!.state, 'open');
    assert.equal(opened[0].episode!.count, 3);
    assert.equal(opened[0].iteration, 40);
    assert.match(opened[0].message, /threshold 0\.001.*He\/Xavier/);
    assert.deepEqual(feed(f, [vanishing, vanishing, healthy, vanishing, healthy, healthy], 6), [], 'one entry while it holds; a one-sample gap does not close it');
    const closed = feed(f, [healthy], 12);
    assert.equal(closed.length, 1);
    assert.equal(closed[0].episode!.id, opened[0].episode!.id);
    assert.equal(closed[0].episode!.state, 'closed');
    assert.equal(closed[0].episode!.count, 6);
    assert.equal(closed[0].episode!.lastIteration, 100);
  });

  it('gradients shrinking with the cost are one "converged" info flag, not vanishing', () => {
    const f = new GradientFlags();
    const samples: [number, number, number][] = [];
    for (let k = 0; k < 400; k++) samples.push([0.5 * Math.exp(-k / 5), Math.exp(-k / 5), 0.7 * Math.exp(-k / 4)]);
    const flags = feed(f, samples);
    assert.deepEqual(flags.map((x) => x.kind), ['converged']);
    assert.equal(flags[0].severity, 'info');
    assert.match(flags[0].message, /not vanishing/);
  });

  it('a layer whose ‖dW‖ falls to 0 while the cost stays high is vanishing, never also exploding', () => {
    const f = new GradientFlags();
    const samples: [number, number, number][] = [[1, 1, 0.7], [1, 1, 0.7], [1, 1, 0.7]];
    for (let k = 0; k < 10; k++) samples.push([0, 1, 0.69]);
    for (let k = 0; k < 10; k++) samples.push([k % 2 ? 1e-12 : 0, 1, 0.69]);
    const flags = feed(f, samples);
    const layer1 = flags.filter((x) => x.layer === 'hidden 1');
    assert.ok(layer1.some((x) => x.kind === 'vanishing' && /exactly 0/.test(x.message)), JSON.stringify(flags));
    assert.ok(!flags.some((x) => x.kind === 'exploding'), 'no "grew ×64270" from 0 or rounding-level values');
    assert.equal(new Set(layer1.map((x) => x.episode!.id)).size, 1, 'one episode');
  });

  it('exploding: sustained ×10 growth to ×100 the early value, not one noisy sample, not growth back from ~0', () => {
    const noisy = feed(new GradientFlags(), [1, 1, 1, 30, 1, 1, 1, 1, 1, 1].map((g) => [g, g, 0.5] as [number, number, number]));
    assert.deepEqual(noisy, []);
    const growth = feed(new GradientFlags(), [1, 1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048].map((g) => [g, g, 0.5] as [number, number, number]));
    assert.ok(growth.some((x) => x.kind === 'exploding' && /grew ×.*thresholds ×10.*Lower the learning rate/.test(x.message)), JSON.stringify(growth));
    const recovering = [1, 1, 1, 1e-6, 1e-6, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-2].map((g) => [g, g, 0.5] as [number, number, number]);
    assert.ok(!feed(new GradientFlags(), recovering).some((x) => x.kind === 'exploding'));
    const ratio = feed(new GradientFlags(), [[5e3, 1, 0.7], [5e3, 1, 0.7], [5e3, 1, 0.7]]);
    assert.ok(ratio.some((x) => x.kind === 'exploding' && /threshold 1000/.test(x.message)));
  });

  it('the episodes still open at the end are returned with their final counts', () => {
    const f = new GradientFlags();
    feed(f, Array.from({ length: 8 }, () => [1e-5, 1, 0.7] as [number, number, number]));
    const open = f.finish();
    assert.equal(open.length, 1);
    assert.equal(open[0].episode!.count, 8);
    assert.equal(open[0].episode!.state, 'open');
  });

  it('RunView folds an episode\'s events into one entry; old flags without episodes still append', () => {
    const view = emptyRunView('r', '/r');
    const flag = (state: 'open' | 'closed', count: number): Flag => ({ kind: 'vanishing', severity: 'warning', message: 'm', iteration: 10,
      episode: { id: 'ratio-vanishing#1', state, count, firstIteration: 10, lastIteration: 10 * count, worst: 1e-4 } });
    applyEvent(view, { type: 'flag', flag: flag('open', 3) });
    applyEvent(view, { type: 'flag', flag: { kind: 'initialCost', severity: 'info', message: 'ok', iteration: 0 } });
    applyEvent(view, { type: 'flag', flag: flag('closed', 9) });
    assert.equal(view.flags.length, 2);
    assert.equal(view.flagCount, 2);
    assert.equal(view.flags[0].episode!.state, 'closed');
    assert.equal(view.flags[0].episode!.count, 9);
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
