/**
 * Every layer, loss, regulariser against the numpy reference (test/fixtures/make_fixtures.py), in
 * float64 (tight) and float32 (loose) on the TypeScript backend.
 */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import type { ActivationKind, Backend, DType } from '../../src/engine/backend/backend';
import { ActivationLayer } from '../../src/engine/model/layers/activation';
import { BatchNorm } from '../../src/engine/model/layers/batchnorm';
import { Dense } from '../../src/engine/model/layers/dense';
import { Dropout } from '../../src/engine/model/layers/dropout';
import { Loss, type LossKind } from '../../src/engine/model/losses';
import { addRegularizationGradients, regularizationCost } from '../../src/engine/model/regularization';
import type { Param } from '../../src/engine/model/layers/layer';
import { Rng } from '../../src/engine/util/rng';
import { assertClose, assertScalarClose, fixture, flat, load, tolerance, type Matrix } from './helpers';

const TRAIN = { training: true, dropout: true, updateRunningStats: true };
const LOSS_KIND: Record<string, LossKind> = {
  sigmoidBinaryCrossEntropy: 'sigmoidBce', softmaxCrossEntropy: 'softmaxCe', linearMeanSquaredError: 'mse',
};

for (const dtype of ['float64', 'float32'] as DType[]) {
  describe(`layers vs numpy (${dtype})`, () => {
    const backend: Backend = new TsBackend(dtype);
    const tol = tolerance(dtype);

    describe('activations', () => {
      for (const c of fixture<{ name: string; activation: ActivationKind; alpha?: number; Z: Matrix; dA: Matrix; expected: { A: Matrix; dZ: Matrix } }>('activations').cases) {
        it(c.name, () => {
          const rows = c.Z.length;
          const cols = c.Z[0].length;
          const layer = new ActivationLayer(backend, c.activation, cols, rows, c.alpha ?? 0.01);
          const a = layer.forward(load(backend.alloc(rows * cols), c.Z), rows);
          assertClose(a, flat(c.expected.A), tol, 'A');
          const dA = load(backend.alloc(rows * cols), c.dA);
          const before = Array.from(dA);
          assertClose(layer.backward(dA, rows), flat(c.expected.dZ), tol, 'dZ');
          assert.deepEqual(Array.from(dA), before, 'backward must not mutate its input gradient');
        });
      }
    });

    describe('losses (fused output activation + loss)', () => {
      for (const c of fixture<{ name: string; loss: string; Z: Matrix; targets?: Matrix | number[]; labels?: number[]; expected: { cost: number; dZ: Matrix } }>('losses').cases) {
        it(c.name, () => {
          const rows = c.Z.length;
          const cols = (c.Z[0] as number[]).length ?? 1;
          const loss = new Loss(backend, LOSS_KIND[c.loss], cols, rows);
          const y = Float64Array.from(flat(c.labels ?? c.targets!));
          const { cost, dz } = loss.forward(load(backend.alloc(rows * cols), c.Z), rows, y, true);
          assertScalarClose(cost, c.expected.cost, tol, 'cost');
          assertClose(dz, flat(c.expected.dZ), tol, 'dZ');
          assert.ok(Number.isFinite(cost), 'cost stays finite for extreme logits');
        });
      }
    });

    describe('dense', () => {
      for (const c of fixture<{ name: string; X: Matrix; W: Matrix; b: number[]; dZ: Matrix; expected: { Z: Matrix; dW: Matrix; db: number[]; dX: Matrix } }>('dense').cases) {
        it(c.name, () => {
          const rows = c.X.length;
          const nIn = c.W.length;
          const nOut = c.W[0].length;
          const dense = new Dense(backend, nIn, nOut, rows, true, true);
          load(dense.weights.value, c.W);
          load(dense.bias!.value, c.b);
          assertClose(dense.forward(load(backend.alloc(rows * nIn), c.X), rows), flat(c.expected.Z), tol, 'Z');
          const dX = dense.backward(load(backend.alloc(rows * nOut), c.dZ), rows);
          assertClose(dense.weights.grad, flat(c.expected.dW), tol, 'dW');
          assertClose(dense.bias!.grad, c.expected.db, tol, 'db');
          assertClose(dX, flat(c.expected.dX), tol, 'dX');
        });
      }
    });

    describe('inverted dropout with a fixed mask', () => {
      for (const c of fixture<{ name: string; A: Matrix; mask: Matrix; keepProb: number; dOut: Matrix; expected: { out: Matrix; dA: Matrix } }>('dropout').cases) {
        it(c.name, () => {
          const rows = c.A.length;
          const cols = c.A[0].length;
          const layer = new Dropout(backend, cols, rows, c.keepProb, new Rng(1));
          layer.fixedMask = load(backend.alloc(rows * cols), c.mask);
          assertClose(layer.forward(load(backend.alloc(rows * cols), c.A), rows, TRAIN), flat(c.expected.out), tol, 'out');
          assertClose(layer.backward(load(backend.alloc(rows * cols), c.dOut), rows), flat(c.expected.dA), tol, 'dA');
        });
      }
      it('is the identity at inference', () => {
        const layer = new Dropout(backend, 3, 2, 0.5, new Rng(1));
        const x = load(backend.alloc(6), [1, 2, 3, 4, 5, 6]);
        assert.equal(layer.forward(x, 2, { training: false, dropout: false, updateRunningStats: false }), x);
      });
      it('keeps about keepProb of the units and preserves the mean', () => {
        const n = 20000;
        const layer = new Dropout(backend, n, 1, 0.8, new Rng(7));
        const out = layer.forward(load(backend.alloc(n), new Array<number>(n).fill(1)), 1, TRAIN);
        const kept = Array.from(out).filter((v) => v !== 0).length / n;
        const mean = Array.from(out).reduce((s, v) => s + v, 0) / n;
        assert.ok(Math.abs(kept - 0.8) < 0.02, `kept ${kept}`);
        assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}`);
      });
    });

    describe('batch norm', () => {
      type Train = { name: string; mode: 'train'; Z: Matrix; gamma: number[]; beta: number[]; epsilon: number; dOut: Matrix;
        expected: { mean: number[]; variance: number[]; Zhat: Matrix; out: Matrix; dZ: Matrix; dGamma: number[]; dBeta: number[] } };
      type Running = { name: string; mode: 'running'; gamma: number[]; beta: number[]; epsilon: number; momentum: number;
        initialRunningMean: number[]; initialRunningVariance: number[]; batches: Matrix[]; Ztest: Matrix;
        expected: { steps: { runningMean: number[]; runningVariance: number[]; out: Matrix }[]; inferenceOut: Matrix } };
      for (const c of fixture<Train | Running>('batchnorm').cases) {
        it(c.name, () => {
          if (c.mode === 'train') {
            const rows = c.Z.length;
            const cols = c.gamma.length;
            const bn = new BatchNorm(backend, cols, rows, 0.9, c.epsilon);
            load(bn.gamma.value, c.gamma);
            load(bn.beta.value, c.beta);
            assertClose(bn.forward(load(backend.alloc(rows * cols), c.Z), rows, TRAIN), flat(c.expected.out), tol, 'out');
            const dz = bn.backward(load(backend.alloc(rows * cols), c.dOut), rows);
            assertClose(dz, flat(c.expected.dZ), tol, 'dZ');
            assertClose(bn.gamma.grad, c.expected.dGamma, tol, 'dGamma');
            assertClose(bn.beta.grad, c.expected.dBeta, tol, 'dBeta');
            return;
          }
          const cols = c.gamma.length;
          const rows = c.batches[0].length;
          const bn = new BatchNorm(backend, cols, Math.max(rows, c.Ztest.length), c.momentum, c.epsilon);
          load(bn.gamma.value, c.gamma);
          load(bn.beta.value, c.beta);
          load(bn.runningMean, c.initialRunningMean);
          load(bn.runningVar, c.initialRunningVariance);
          c.batches.forEach((batch, k) => {
            const out = bn.forward(load(backend.alloc(rows * cols), batch), rows, TRAIN);
            assertClose(out, flat(c.expected.steps[k].out), tol, `out ${k}`);
            assertClose(bn.runningMean, c.expected.steps[k].runningMean, tol, `running mean ${k}`);
            assertClose(bn.runningVar, c.expected.steps[k].runningVariance, tol, `running var ${k}`);
          });
          const infer = bn.forward(load(backend.alloc(c.Ztest.length * cols), c.Ztest), c.Ztest.length,
            { training: false, dropout: false, updateRunningStats: false });
          assertClose(infer, flat(c.expected.inferenceOut), tol, 'inference out');
        });
      }
    });

    describe('L2 / L1 regularisation', () => {
      for (const c of fixture<{ name: string; kind: 'l2' | 'l1'; lambda: number; batchSize: number; weights: Matrix[]; expected: { cost: number; gradients: Matrix[] } }>('regularization').cases) {
        it(c.name, () => {
          const params: Param[] = c.weights.map((w) => ({
            name: 'W', shape: [w.length, w[0].length], regularized: true,
            value: load(backend.alloc(w.length * w[0].length), w), grad: backend.alloc(w.length * w[0].length),
          }));
          const bias: Param = { name: 'b', shape: [1, 2], regularized: false, value: load(backend.alloc(2), [3, -4]), grad: backend.alloc(2) };
          const reg = { l2: c.kind === 'l2' ? c.lambda : 0, l1: c.kind === 'l1' ? c.lambda : 0 };
          assertScalarClose(regularizationCost(backend, [...params, bias], reg, c.batchSize), c.expected.cost, tol, 'cost');
          addRegularizationGradients(backend, [...params, bias], reg, c.batchSize);
          params.forEach((p, i) => assertClose(p.grad, flat(c.expected.gradients[i]), tol, `grad ${i}`));
          assert.deepEqual(Array.from(bias.grad), [0, 0], 'biases are not regularised');
        });
      }
    });
  });
}
