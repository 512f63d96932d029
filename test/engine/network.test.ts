/**
 * Whole networks: cost and every parameter gradient against the numpy reference, and the float64
 * gradient check — on networks combining every layer type, and against a planted bug.
 */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import type { ActivationKind, Backend, FloatArray } from '../../src/engine/backend/backend';
import { gradientCheck, gradBand } from '../../src/engine/diagnostics/gradcheck';
import type { Layer, Param } from '../../src/engine/model/layers/layer';
import type { LossKind } from '../../src/engine/model/losses';
import { Network } from '../../src/engine/model/network';
import type { HiddenLayerConfig } from '../../src/shared/config';
import { Rng } from '../../src/engine/util/rng';
import { assertClose, assertScalarClose, fixture, flat, load, tolerance, type Matrix } from './helpers';

type LayerDesc =
  | { type: 'dense'; weights: string; bias: string | null; in: number; out: number }
  | { type: 'batchnorm'; gamma: string; beta: string; epsilon: number }
  | { type: 'activation'; activation: ActivationKind; alpha?: number }
  | { type: 'dropout'; mask: string; keepProb: number };

type NetCase = {
  name: string; X: Matrix; labels?: number[]; targets?: Matrix; numClasses?: number; layers: LayerDesc[]; loss: string;
  params: Record<string, Matrix | number[]>; lambdaL2: number; lambdaL1: number; epsilon?: number;
  [mask: string]: unknown;
  expected: { cost: number; dataCost: number; gradients: Record<string, Matrix | number[]> };
};

const LOSS: Record<string, LossKind> = { sigmoidBinaryCrossEntropy: 'sigmoidBce', softmaxCrossEntropy: 'softmaxCe', linearMeanSquaredError: 'mse' };

/** Reads the fixture's layer list back into our block structure (Dense → BN? → act → dropout?). */
function buildFromFixture(backend: Backend, c: NetCase): { net: Network; names: Map<Param, string> } {
  const hidden: HiddenLayerConfig[] = [];
  let slope = 0.01;
  for (const l of c.layers) {
    if (l.type === 'dense' && l !== c.layers[c.layers.length - 1]) hidden.push({ units: l.out, activation: 'linear', keepProb: 1, batchNorm: false });
    if (l.type === 'batchnorm') hidden[hidden.length - 1].batchNorm = true;
    if (l.type === 'activation') {
      hidden[hidden.length - 1].activation = l.activation;
      slope = l.alpha ?? slope;
    }
    if (l.type === 'dropout') hidden[hidden.length - 1].keepProb = l.keepProb;
  }
  const last = c.layers[c.layers.length - 1] as Extract<LayerDesc, { type: 'dense' }>;
  const first = c.layers[0] as Extract<LayerDesc, { type: 'dense' }>;
  const net = new Network(backend, {
    inputs: first.in, hidden, outputs: last.out, loss: LOSS[c.loss], leakyReluSlope: slope, batchNormMomentum: 0.9,
    batchNormEpsilon: c.epsilon ?? 1e-5,
  }, c.X.length, new Rng(1));
  const names = new Map<Param, string>();
  const denseDescs = c.layers.filter((l): l is Extract<LayerDesc, { type: 'dense' }> => l.type === 'dense');
  const bnDescs = c.layers.filter((l): l is Extract<LayerDesc, { type: 'batchnorm' }> => l.type === 'batchnorm');
  const dropDescs = c.layers.filter((l): l is Extract<LayerDesc, { type: 'dropout' }> => l.type === 'dropout');
  let bn = 0;
  let drop = 0;
  net.blocks.forEach((block, i) => {
    const d = denseDescs[i];
    load(block.dense.weights.value, c.params[d.weights]);
    names.set(block.dense.weights, d.weights);
    if (d.bias) {
      load(block.dense.bias!.value, c.params[d.bias]);
      names.set(block.dense.bias!, d.bias);
    }
    if (block.batchNorm) {
      const desc = bnDescs[bn++];
      load(block.batchNorm.gamma.value, c.params[desc.gamma]);
      load(block.batchNorm.beta.value, c.params[desc.beta]);
      names.set(block.batchNorm.gamma, desc.gamma);
      names.set(block.batchNorm.beta, desc.beta);
    }
    if (block.dropout) {
      const desc = dropDescs[drop++];
      block.dropout.fixedMask = load(backend.alloc(c.X.length * block.dropout.inFeatures), c[desc.mask] as Matrix);
    }
  });
  return { net, names };
}

describe('whole networks vs numpy', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const c of fixture<NetCase>('network').cases) {
      it(`${c.name} (${dtype})`, () => {
        const backend = new TsBackend(dtype);
        const { net, names } = buildFromFixture(backend, c);
        const rows = c.X.length;
        const x = load(backend.alloc(rows * c.X[0].length), c.X);
        const y = Float64Array.from(flat(c.labels ?? c.targets!));
        const reg = { l2: c.lambdaL2, l1: c.lambdaL1 };
        const mode = { training: true, dropout: true, updateRunningStats: false };
        const { cost, dataCost } = net.costAndGradients(x, y, rows, mode, reg, true);
        const tol = tolerance(dtype);
        assertScalarClose(dataCost, c.expected.dataCost, tol, 'data cost');
        assertScalarClose(cost, c.expected.cost, tol, 'cost');
        for (const p of net.params()) {
          const name = names.get(p)!;
          assertClose(p.grad, flat(c.expected.gradients[name]), tol, `d${name}`);
        }
      });
    }
  }
});

function randomNetwork(backend: Backend, hidden: HiddenLayerConfig[], loss: LossKind, inputs: number, outputs: number, rows: number, seed: number) {
  const rng = new Rng(seed);
  const net = new Network(backend, { inputs, hidden, outputs, loss, leakyReluSlope: 0.05, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 }, rows, new Rng(seed + 1));
  net.initialize('xavier', 0, rng);
  // Non-trivial γ, β and biases so their gradients are exercised away from the init values.
  for (const p of net.params()) if (p.name !== 'W') for (let i = 0; i < p.value.length; i++) p.value[i] = (p.name === 'gamma' ? 1 : 0) + 0.3 * rng.normal();
  const x = backend.alloc(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Float64Array(loss === 'mse' ? rows * outputs : rows);
  for (let i = 0; i < y.length; i++) y[i] = loss === 'mse' ? rng.normal() : rng.int(loss === 'sigmoidBce' ? 2 : outputs);
  return { net, x, y };
}

const ALL_LAYERS: HiddenLayerConfig[] = [
  { units: 6, activation: 'tanh', keepProb: 1, batchNorm: true },
  { units: 5, activation: 'leakyRelu', keepProb: 0.8, batchNorm: false },
  { units: 5, activation: 'sigmoid', keepProb: 1, batchNorm: true },
  { units: 4, activation: 'relu', keepProb: 1, batchNorm: false },
  { units: 4, activation: 'linear', keepProb: 1, batchNorm: false },
];

const OPTS = { epsilon: 1e-7, maxEntriesPerTensor: 1000, seed: 3, id: 't', iteration: 0, dropoutSwitchedOff: true };

describe('float64 gradient check', () => {
  const backend = new TsBackend('float64');
  for (const [loss, outputs] of [['softmaxCe', 3], ['sigmoidBce', 1], ['mse', 2]] as const) {
    it(`every layer type with L2 and L1, ${loss}: each tensor < 1e-7`, () => {
      const { net, x, y } = randomNetwork(backend, ALL_LAYERS, loss, 4, outputs, 8, 11);
      const report = gradientCheck(net, x, y, 8, { ...OPTS, regularization: { l2: 0.7, l1: 0.05 } });
      for (const t of report.tensors) assert.ok(t.difference < 1e-7, `${t.layer} ${t.tensor}: ${t.difference}`);
      assert.equal(report.tensors.length, net.params().length);
      assert.ok(report.notes.some((n) => /Dropout was switched off/.test(n)));
      assert.equal(report.band, 'correct');
    });
  }

  it('does not change the network it checks', () => {
    const { net, x, y } = randomNetwork(backend, ALL_LAYERS, 'softmaxCe', 4, 3, 8, 5);
    const before = net.exportState();
    gradientCheck(net, x, y, 8, { ...OPTS, regularization: { l2: 0.1, l1: 0 } });
    assert.deepEqual(net.exportState(), before);
  });

  it('samples large tensors with a seed and says how many entries it checked', () => {
    const { net, x, y } = randomNetwork(backend, [{ units: 40, activation: 'tanh', keepProb: 1, batchNorm: false }], 'sigmoidBce', 30, 1, 6, 9);
    const a = gradientCheck(net, x, y, 6, { ...OPTS, maxEntriesPerTensor: 20, regularization: { l2: 0, l1: 0 } });
    const b = gradientCheck(net, x, y, 6, { ...OPTS, maxEntriesPerTensor: 20, regularization: { l2: 0, l1: 0 } });
    assert.equal(a.tensors[0].checked, 20);
    assert.equal(a.tensors[0].total, 1200);
    assert.deepEqual(a.tensors[0].worst.map((w) => w.index), b.tensors[0].worst.map((w) => w.index));
    assert.ok(a.notes.some((n) => /sample/.test(n)));
  });

  it('catches a planted wrong derivative: ≥ 1e-3 on that tensor, < 1e-7 elsewhere', () => {
    const { net, x, y } = randomNetwork(backend, [
      { units: 5, activation: 'tanh', keepProb: 1, batchNorm: false },
      { units: 4, activation: 'relu', keepProb: 1, batchNorm: false },
    ], 'softmaxCe', 3, 3, 7, 21);
    // A test-only layer: out = x ⊙ s with a learned scale s, whose backward forgets a factor of 2 on ds.
    const buggy = new BuggyScale(backend, 5, 7);
    net.insertLayer(2, buggy); // after hidden 1's tanh
    const report = gradientCheck(net, x, y, 7, { ...OPTS, regularization: { l2: 0.2, l1: 0 } });
    const bad = report.tensors.find((t) => t.tensor === 'scale')!;
    assert.ok(bad.difference >= 1e-3, `planted bug found: ${bad.difference}`);
    assert.equal(bad.band, 'bug');
    assert.ok(bad.worst.length > 0 && bad.worst[0].index.length === 2);
    for (const t of report.tensors.filter((t) => t !== bad)) assert.ok(t.difference < 1e-7, `${t.layer} ${t.tensor}: ${t.difference}`);
    assert.equal(report.band, 'bug');
  });

  it('bands follow the course: <1e-7, <1e-5, <1e-3, ≥1e-3', () => {
    assert.equal(gradBand(5e-8), 'correct');
    assert.equal(gradBand(5e-6), 'lookCloser');
    assert.equal(gradBand(5e-4), 'suspicious');
    assert.equal(gradBand(2e-3), 'bug');
    assert.equal(gradBand(NaN), 'bug');
  });
});

/** out = x ⊙ s (s per unit). Backward is right for dx but doubles ds: the planted bug. */
class BuggyScale implements Layer {
  readonly kind = 'buggyScale';
  readonly outFeatures: number;
  private readonly param: Param;
  private readonly out: FloatArray;
  private readonly dx: FloatArray;
  private input: FloatArray | null = null;

  constructor(backend: Backend, readonly inFeatures: number, capacity: number) {
    this.outFeatures = inFeatures;
    this.param = { name: 'scale', shape: [1, inFeatures], regularized: false, value: backend.alloc(inFeatures), grad: backend.alloc(inFeatures) };
    for (let j = 0; j < inFeatures; j++) this.param.value[j] = 0.5 + 0.1 * j;
    this.out = backend.alloc(capacity * inFeatures);
    this.dx = backend.alloc(capacity * inFeatures);
  }

  params(): Param[] {
    return [this.param];
  }

  forward(x: FloatArray, rows: number): FloatArray {
    this.input = x;
    for (let i = 0; i < rows; i++) for (let j = 0; j < this.inFeatures; j++) this.out[i * this.inFeatures + j] = x[i * this.inFeatures + j] * this.param.value[j];
    return this.out.subarray(0, rows * this.inFeatures);
  }

  backward(dOut: FloatArray, rows: number): FloatArray {
    const n = this.inFeatures;
    this.param.grad.fill(0);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < n; j++) {
        this.param.grad[j] += 2 * dOut[i * n + j] * this.input![i * n + j]; // wrong: the true derivative has no 2
        this.dx[i * n + j] = dOut[i * n + j] * this.param.value[j];
      }
    }
    return this.dx.subarray(0, rows * n);
  }
}

describe('gradient check regressions', () => {
  it('maxEntriesPerTensor 0 checks every entry (it once checked none and reported "correct")', () => {
    const backend = new TsBackend('float64');
    const { net, x, y } = randomNetwork(backend, [{ units: 3, activation: 'tanh', keepProb: 1, batchNorm: false }], 'sigmoidBce', 2, 1, 4, 2);
    const report = gradientCheck(net, x, y, 4, { ...OPTS, maxEntriesPerTensor: 0, regularization: { l2: 0, l1: 0 } });
    for (const t of report.tensors) assert.equal(t.checked, t.total);
    assert.ok(report.difference > 0);
  });
});
