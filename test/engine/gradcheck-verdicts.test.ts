/**
 * The gradient check's verdict must not cry wolf: entries whose θ ± ε straddles a ReLU/L1 kink are
 * counted and excluded, and a converged network whose gradients are at rounding level is
 * "inconclusive", never "bug". The planted bug of network.test.ts must still be caught.
 */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { gradientCheck, roundingFloor } from '../../src/engine/diagnostics/gradcheck';
import { Network } from '../../src/engine/model/network';
import { Adam } from '../../src/engine/optim/adam';
import type { HiddenLayerConfig } from '../../src/shared/config';
import { Rng } from '../../src/engine/util/rng';

const OPTS = { epsilon: 1e-7, maxEntriesPerTensor: 0, seed: 3, id: 't', iteration: 0, dropoutSwitchedOff: false };
const NO_REG = { l2: 0, l1: 0 };
const backend = new TsBackend('float64');

function relu(units: number): HiddenLayerConfig {
  return { units, activation: 'relu', keepProb: 1, batchNorm: false };
}

function net(hidden: HiddenLayerConfig[], inputs: number, outputs: number, rows: number, seed: number): Network {
  const n = new Network(backend, { inputs, hidden, outputs, loss: outputs === 1 ? 'sigmoidBce' : 'softmaxCe', leakyReluSlope: 0.01,
    batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 }, rows, new Rng(seed + 1));
  n.initialize('he', 0, new Rng(seed)); // biases 0
  return n;
}

function data(rows: number, inputs: number, classes: number, seed: number, zeroRows: number[] = []): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  for (const r of zeroRows) x.fill(0, r * inputs, (r + 1) * inputs);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) y[i] = i % classes;
  return { x, y };
}

describe('gradient check verdicts', function () {
  // Trains small models to convergence: seconds on a quiet machine, several times that on a loaded one.
  this.timeout(90_000);
  it('a narrow zero-bias ReLU net with z = b = 0 exactly is "correct", its kink entries counted and excluded', () => {
    // Row 0 of X is 0, so z₁ = b₁ = 0 in that row; then a₁ = 0 and z₂ = b₂ = 0 too. Perturbing a
    // bias by ±ε moves those z across 0: the two-sided difference averages both slopes of the kink.
    const n = net([relu(4), relu(3)], 2, 3, 6, 5);
    const { x, y } = data(6, 2, 3, 7, [0]);
    const report = gradientCheck(n, x, y, 6, { ...OPTS, regularization: NO_REG });
    assert.equal(report.band, 'correct', JSON.stringify(report.tensors.map((t) => [t.layer, t.tensor, t.difference, t.band, t.kinks])));
    for (const t of report.tensors) assert.notEqual(t.band, 'bug', `${t.layer} ${t.tensor}`);
    const b1 = report.tensors.find((t) => t.layer === 'hidden 1' && t.tensor === 'b')!;
    assert.equal(b1.kinks, 4, 'each of hidden 1\'s biases straddles the kink of row 0');
    assert.ok(report.kinks! >= 4);
    assert.ok(report.notes.some((note) => new RegExp(`^${report.kinks} entries straddle a kink.*excluded`).test(note)), report.notes.join('\n'));
  });

  it('without the kink exclusion the same net would be judged a bug (the regression this guards)', () => {
    // The same check with the kink entries put back in: the bias tensor of hidden 1 disagrees.
    const n = net([relu(4), relu(3)], 2, 3, 6, 5);
    const { x, y } = data(6, 2, 3, 7, [0]);
    n.costAndGradients(x, y, 6, { training: true, dropout: false, updateRunningStats: false }, NO_REG, true);
    const b = n.blocks[0].dense.bias!;
    const g = Float64Array.from(b.grad);
    let diff2 = 0;
    let g2 = 0;
    let n2 = 0;
    for (let j = 0; j < b.value.length; j++) {
      const cost = (v: number): number => {
        b.value[j] = v;
        return n.costAndGradients(x, y, 6, { training: true, dropout: false, updateRunningStats: false }, NO_REG, false).cost;
      };
      const numeric = (cost(1e-7) - cost(-1e-7)) / 2e-7;
      b.value[j] = 0;
      diff2 += (g[j] - numeric) ** 2;
      g2 += g[j] ** 2;
      n2 += numeric ** 2;
    }
    assert.ok(Math.sqrt(diff2) / (Math.sqrt(g2) + Math.sqrt(n2)) >= 1e-3);
  });

  it('counts an L1 weight at exactly 0 as a kink', () => {
    const n = net([{ units: 4, activation: 'tanh', keepProb: 1, batchNorm: false }], 3, 1, 5, 2);
    n.blocks[0].dense.weights.value[2] = 0;
    const { x, y } = data(5, 3, 2, 4);
    const report = gradientCheck(n, x, y, 5, { ...OPTS, regularization: { l2: 0, l1: 0.5 } });
    const w1 = report.tensors.find((t) => t.layer === 'hidden 1' && t.tensor === 'W')!;
    assert.equal(w1.kinks, 1);
    assert.equal(report.band, 'correct');
  });

  it('a healthy tanh net has no kinks and no inconclusive tensor', () => {
    const n = net([{ units: 5, activation: 'tanh', keepProb: 1, batchNorm: false }], 3, 3, 8, 9);
    const { x, y } = data(8, 3, 3, 10);
    const report = gradientCheck(n, x, y, 8, { ...OPTS, regularization: { l2: 0.1, l1: 0 } });
    assert.equal(report.kinks, 0);
    for (const t of report.tensors) assert.equal(t.band, 'correct', `${t.layer} ${t.tensor}`);
  });

  it('a converged digits-like model is "inconclusive" with the reason and the advice, never "bug"; at init it is correct', () => {
    // Digits-like: 8×8 = 64 inputs, 10 classes, one ReLU layer; 40 examples trained by Adam to a cost < 1e-5.
    const rows = 40;
    const n = net([relu(32)], 64, 10, rows, 11);
    const { x, y } = data(rows, 64, 10, 12);
    const atInit = gradientCheck(n, x, y, rows, { ...OPTS, regularization: NO_REG });
    assert.equal(atInit.band, 'correct');
    const adam = new Adam(backend, 0.9, 0.999, 1e-8);
    const mode = { training: true, dropout: true, updateRunningStats: true };
    let cost = Infinity;
    for (let i = 0; i < 3000; i++) {
      cost = n.costAndGradients(x, y, rows, mode, NO_REG, true).cost;
      adam.update(n.params(), 0.01);
    }
    assert.ok(cost < 1e-5, `trained to ${cost}`);
    const report = gradientCheck(n, x, y, rows, { ...OPTS, regularization: NO_REG });
    for (const t of report.tensors) assert.ok(t.band !== 'bug' && t.band !== 'suspicious', `${t.layer} ${t.tensor}: ${t.band} ${t.difference}`);
    const inconclusive = report.tensors.filter((t) => t.band === 'inconclusive');
    // Before: the output bias's relative difference (≥ 1e-3, rounding against ‖g‖ ~ 1e-6) made it a "bug".
    assert.ok(inconclusive.some((t) => t.difference >= 1e-3), JSON.stringify(report.tensors.map((t) => [t.tensor, t.difference, t.band])));
    for (const t of inconclusive) assert.match(t.reason!, /rounding floor.*at initialisation or on a fresh batch/);
    assert.notEqual(report.band, 'bug');
    assert.ok(report.notes.some((note) => /inconclusive/.test(note)));
  });

  it('the rounding floor is √k·u·max(|J|, 1)/ε', () => {
    assert.equal(roundingFloor(1e-12, 1e-7, 4), 2 * Number.EPSILON / 1e-7);
    assert.equal(roundingFloor(50, 1e-5, 1), 50 * Number.EPSILON / 1e-5);
  });
});
