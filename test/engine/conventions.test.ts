/**
 * The two conventions the README states because they differ from PyTorch (reference numbers from
 * test/fixtures/make_conventions.py): MSE is ½·mean squared error, and batch norm's running
 * variance is the EWA of the biased batch σ².
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { BatchNorm } from '../../src/engine/model/layers/batchnorm';
import { Loss } from '../../src/engine/model/losses';
import { assertClose, flat, load, type Matrix } from './helpers';

interface Conventions {
  mse: { Z: Matrix; Y: Matrix; torchCost: number; torchGrad: Matrix };
  batchnorm: { momentum: number; batches: Matrix[]; torchRunningMean: number[]; torchRunningVar: number[] };
}
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'conventions.json'), 'utf8')) as Conventions;
const TOL = { abs: 1e-12, rel: 1e-9 };
const backend = new TsBackend('float64');

describe('conventions that differ from PyTorch (README "The experiment file")', () => {
  it('MSE with one output: the cost and its gradient are half of PyTorch\'s MSELoss', () => {
    const { Z, Y, torchCost, torchGrad } = ref.mse;
    const loss = new Loss(backend, 'mse', 1, Z.length);
    const { cost, dz } = loss.forward(load(backend.alloc(Z.length), Z), Z.length, Float64Array.from(flat(Y)), true);
    assertClose([cost], [torchCost / 2], TOL, 'cost');
    assertClose(dz, flat(torchGrad).map((g) => g / 2), TOL, 'dJ/dz');
  });

  it('batch norm: running mean as PyTorch, running variance the EWA of the biased σ² (smaller by m/(m−1) per batch)', () => {
    const { momentum, batches, torchRunningMean, torchRunningVar } = ref.batchnorm;
    const rows = batches[0].length;
    const cols = batches[0][0].length;
    const bn = new BatchNorm(backend, cols, rows, momentum, 1e-5);
    // Our own EWA of the biased variance, the convention the README states.
    const expectedVar = new Array<number>(cols).fill(1);
    for (const b of batches) {
      bn.forward(load(backend.alloc(rows * cols), b), rows, { training: true, dropout: true, updateRunningStats: true });
      for (let j = 0; j < cols; j++) {
        const col = b.map((r) => r[j]);
        const mu = col.reduce((s, x) => s + x, 0) / rows;
        const biased = col.reduce((s, x) => s + (x - mu) ** 2, 0) / rows;
        expectedVar[j] = momentum * expectedVar[j] + (1 - momentum) * biased;
      }
    }
    assertClose(bn.runningMean, torchRunningMean, TOL, 'running mean');
    assertClose(bn.runningVar, expectedVar, TOL, 'running variance');
    for (let j = 0; j < cols; j++) {
      assert.ok(bn.runningVar[j] < torchRunningVar[j], `column ${j}: ours ${bn.runningVar[j]} is below PyTorch's unbiased ${torchRunningVar[j]}`);
    }
  });
});
