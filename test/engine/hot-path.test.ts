/**
 * The per-iteration and per-epoch fast paths (issue 14) against the plain code they replaced: each
 * must give the very same bits, state and text, since seeded run folders must not change.
 */
import * as assert from 'node:assert/strict';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { CompensatedSum } from '../../src/engine/backend/ts-backend';
import { Loss } from '../../src/engine/model/losses';
import { Network } from '../../src/engine/model/network';
import type { Layer } from '../../src/engine/model/layers/layer';
import { Adam } from '../../src/engine/optim/adam';
import { epochLine, layersLine } from '../../src/shared/run-folder';
import { toJson } from '../../src/shared/nonfinite';
import type { EpochSummary, LayerStat } from '../../src/shared/protocol';
import { WeightGuard } from '../../src/engine/train/undo';
import { Rng } from '../../src/engine/util/rng';

/** The loss as it was written before the fused loop: a CompensatedSum and sigmoid() per row. */
function referenceBce(z: Float32Array, rows: number, y: Float64Array): { cost: number; dz: Float64Array } {
  const sigmoid = (x: number): number => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  };
  const total = new CompensatedSum();
  const dz = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    total.add(Math.max(z[i], 0) - z[i] * y[i] + Math.log1p(Math.exp(-Math.abs(z[i]))));
    dz[i] = (sigmoid(z[i]) - y[i]) * (1 / rows);
  }
  return { cost: total.value() * (1 / rows), dz };
}

describe('hot paths keep their results bit for bit', () => {
  it('sigmoid BCE: one exp per row and an inlined compensated sum give the reference bits (float32 and float64)', () => {
    const rng = new Rng(11);
    for (const dtype of ['float32', 'float64'] as const) {
      const backend = new TsBackend(dtype);
      const rows = 500;
      const loss = new Loss(backend, 'sigmoidBce', 1, rows);
      const z = new Float32Array(rows);
      const y = new Float64Array(rows);
      const zb = backend.alloc(rows);
      for (let trial = 0; trial < 20; trial++) {
        const scale = [0.01, 1, 10, 100, 1e4][trial % 5];
        for (let i = 0; i < rows; i++) {
          z[i] = rng.normal() * scale;
          y[i] = rng.uniform() < 0.5 ? 0 : 1;
        }
        z[0] = 0;
        z[1] = -0;
        z[2] = Infinity;
        z[3] = -Infinity;
        zb.set(z);
        const zr = dtype === 'float32' ? z : Float32Array.from(zb); // the float64 buffer holds the same float32 values
        const ref = referenceBce(zr, rows, y);
        for (const withGrad of [true, false]) {
          const got = loss.forward(zb, rows, y, withGrad);
          assert.ok(Object.is(got.cost, ref.cost), `${dtype} cost ${got.cost} vs ${ref.cost}`);
          if (!withGrad) continue;
          for (let i = 0; i < rows; i++) {
            const want = dtype === 'float32' ? Math.fround(ref.dz[i]) : ref.dz[i];
            assert.ok(Object.is(got.dz[i], want), `${dtype} dz[${i}] at z=${zr[i]}: ${got.dz[i]} vs ${want}`);
          }
        }
      }
    }
  });

  it('epochLine writes the same text as the general toJson path', () => {
    const general = (s: EpochSummary): string => {
      const { seconds: _s, ...rest } = s;
      void _s;
      return toJson({ kind: 'epoch', ...rest });
    };
    const cases: EpochSummary[] = [
      { epoch: 1, iteration: 1, trainCost: 0.6396196766790359, trainError: 0.3175355450236967, devCost: 0.6523351640266692, devError: 0.355, learningRate: 0.3, seconds: 0.001 },
      { epoch: 3000, iteration: 3000, trainCost: 1e-300, trainError: 0, devCost: null, devError: null, learningRate: 1e21, seconds: 0 },
      { epoch: 2, iteration: 7, trainCost: -0, trainError: 5e-324, devCost: 123456789012345680000, devError: 1 / 3, learningRate: 1e-7, seconds: 12 },
      // Non-finite numbers and other shapes take the general path (tokens, the fields as they are).
      { epoch: 2, iteration: 7, trainCost: NaN, trainError: Infinity, devCost: -Infinity, devError: null, learningRate: 0.1, seconds: 1 },
      { iteration: 7, epoch: 2, trainCost: 1, trainError: 0, devCost: null, devError: null, learningRate: 0.1, seconds: 1 },
    ];
    for (const c of cases) assert.equal(epochLine(c), general(c));
    const extra = { ...cases[0], extra: 1 } as EpochSummary;
    assert.equal(epochLine(extra), general(extra));
  });

  it('layersLine writes the same text as the general toJson path', () => {
    const stat = (layer: string, x: number): LayerStat => ({ layer, gradNorm: x, weightNorm: 2.5, updateRatio: 1e-3 * x, meanAbsGrad: 5e-324,
      activationMean: -0, activationStd: 123456789012345680000, saturated: 1 / 3, deadRelu: 0 });
    const cases: [number, LayerStat[]][] = [
      [10, [stat('L1', 0.25), stat('L2', 1e-30), stat('out "3"', 7)]],
      [0, []],
      // Non-finite numbers, other keys or orders take the general path.
      [20, [stat('L1', NaN), stat('L2', Infinity)]],
      [30, [{ ...stat('L1', 1), extra: 1 } as LayerStat]],
      [40, [Object.fromEntries(Object.entries(stat('L1', 1)).reverse()) as unknown as LayerStat]],
      [50, [{ ...stat('L1', 1), layer: 3 as unknown as string }]],
    ];
    for (const [iteration, layers] of cases) assert.equal(layersLine(iteration, layers), toJson({ kind: 'layers', iteration, layers }));
  });

  it('Network.params() is one array until a layer is inserted', () => {
    const backend = new TsBackend('float64');
    const spec = { inputs: 2, hidden: [{ units: 3, activation: 'relu' as const, keepProb: 1, batchNorm: false }], outputs: 1,
      loss: 'sigmoidBce' as const, leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 };
    const net = new Network(backend, spec, 4, new Rng(1));
    const first = net.params();
    assert.equal(net.params(), first);
    assert.equal(first.length, 4);
    const extra: Layer = {
      kind: 'test', inFeatures: 3, outFeatures: 3,
      params: () => [{ name: 'p', shape: [1, 1], regularized: false, value: backend.alloc(1), grad: backend.alloc(1) }],
      forward: (x) => x, backward: (d) => d,
    };
    net.insertLayer(1, extra);
    assert.notEqual(net.params(), first);
    assert.equal(net.params().length, 5);
  });

  it('WeightGuard: a passed check becomes the reference, a failed one does not', () => {
    const backend = new TsBackend('float64');
    const spec = { inputs: 2, hidden: [], outputs: 1, loss: 'sigmoidBce' as const, leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 };
    const net = new Network(backend, spec, 4, new Rng(1));
    const w = net.blocks[0].dense.weights.value;
    w.set([3, 4]);
    const guard = new WeightGuard(net);
    guard.reset();
    w.set([300, 400]); // RMS ×100: the limit, allowed
    assert.equal(guard.check(), null);
    w.set([30000, 40000.1]); // ×100 of the new reference, just over
    const bad = guard.check();
    assert.ok(bad && bad.tensor === 'W' && Math.abs(bad.from - Math.sqrt(125000)) < 1e-9, JSON.stringify(bad));
    w.set([300, 400]);
    assert.equal(guard.check(), null, 'the reference stayed at the passed weights');
    w.set([NaN, 1]);
    assert.equal(guard.check()?.to, NaN);
  });

  it('Adam shares one step\'s hyperparameters across parameters, rebuilt when the step or the rate changes', () => {
    const backend = new TsBackend('float64');
    const seen: { lr: number; biasCorrection1: number; biasCorrection2: number }[] = [];
    const original = backend.adamUpdate.bind(backend);
    backend.adamUpdate = (n, w, g, m, v, h) => {
      seen.push({ lr: h.lr, biasCorrection1: h.biasCorrection1, biasCorrection2: h.biasCorrection2 });
      original(n, w, g, m, v, h);
    };
    const adam = new Adam(backend, 0.9, 0.999, 1e-8);
    const p = (n: number) => ({ name: 'W', shape: [1, n] as const, regularized: true, value: backend.alloc(n), grad: backend.alloc(n).fill(1) });
    const params = [p(2), p(3)];
    adam.update(params, 0.1);
    adam.update(params, 0.1);
    adam.update(params, 0.05);
    assert.deepEqual(seen.map((s) => s.lr), [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]);
    for (let t = 1; t <= 3; t++) {
      assert.equal(seen[2 * t - 1].biasCorrection1, 1 - Math.pow(0.9, t));
      assert.equal(seen[2 * t - 2].biasCorrection2, 1 - Math.pow(0.999, t));
    }
    assert.equal(adam.slotArrays().length, 4);
    assert.equal(adam.slotArrays(), adam.slotArrays());
  });
});
