/**
 * Network.forward hands a Dense → activation pair to Backend.denseForward (one WebAssembly call:
 * gemmSmall, addRowVector, activationForward) where the product is small. Outputs, the layers'
 * saved state (what backward and the layer statistics read) and the gradients must be exactly
 * those of the layer-by-layer calls.
 */
import assert from 'node:assert/strict';
import type { WasmBackend } from '../../../src/engine/backend/wasm/wasm-backend';
import { PrefixViews } from '../../../src/engine/backend/views';
import { ActivationLayer } from '../../../src/engine/model/layers/activation';
import { Network, type NetworkSpec } from '../../../src/engine/model/network';
import type { ActivationKind } from '../../../src/engine/backend/backend';
import { Rng } from '../../../src/engine/util/rng';
import { suiteBackends } from './wasm-helpers';

const MODE = { training: true, dropout: true, updateRunningStats: true };

function spec(hidden: [number, ActivationKind][], inputs: number, outputs: number): NetworkSpec {
  return { inputs, outputs, loss: outputs > 1 ? 'softmaxCe' : 'sigmoidBce', leakyReluSlope: 0.01, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5,
    hidden: hidden.map(([units, activation]) => ({ units, activation, keepProb: 1, batchNorm: false })) };
}

describe('WasmBackend fused dense forward', function () {
  const backends = suiteBackends();

  it('gives the layer-by-layer outputs, state and gradients (small products fused, large ones not)', () => {
    const be = backends[0];
    const cases: { s: NetworkSpec; rows: number[] }[] = [
      { s: spec([[20, 'relu'], [3, 'relu']], 2, 1), rows: [211, 200, 211, 7] }, // the course network, train and dev sizes
      { s: spec([[16, 'tanh'], [16, 'tanh']], 2, 1), rows: [32, 32, 16] }, // W2
      { s: spec([[5, 'leakyRelu'], [4, 'sigmoid'], [3, 'linear']], 9, 4), rows: [1, 3, 50] },
      { s: spec([[300, 'relu']], 100, 10), rows: [128] }, // too large to fuse: 128·300·100 multiply-adds
    ];
    const original = be.denseForward;
    let fusedCalls = 0;
    let declined = 0;
    be.denseForward = function (this: WasmBackend, ...args: Parameters<WasmBackend['denseForward']>): boolean {
      const done = original.apply(this, args);
      if (done) fusedCalls++;
      else declined++;
      return done;
    };
    for (const { s, rows } of cases) {
      const capacity = Math.max(...rows);
      const rng = new Rng(3);
      const fused = new Network(be, s, capacity, new Rng(1));
      const plain = new Network(be, s, capacity, new Rng(1));
      fused.initialize('he', 0.01, new Rng(2));
      plain.copyFrom(fused);
      for (const p of fused.params()) if (p.name === 'b') for (let i = 0; i < p.value.length; i++) p.value[i] = rng.normal();
      plain.copyFrom(fused);
      for (const m of rows) {
        const x = be.alloc(m * s.inputs);
        for (let i = 0; i < x.length; i++) x[i] = rng.normal();
        const y = new Float64Array(m).map(() => (s.outputs > 1 ? rng.int(s.outputs) : rng.uniform() < 0.5 ? 0 : 1));
        const a = Array.from(fused.forward(x, m, MODE));
        let h = x as Float32Array;
        for (const layer of plain.layers) h = layer.forward(h, m, MODE) as Float32Array;
        assert.deepEqual(a, Array.from(h), `forward, rows ${m}`);
        fused.layers.forEach((l, i) => {
          if (!(l instanceof ActivationLayer)) return;
          const other = plain.layers[i] as ActivationLayer;
          assert.deepEqual(Array.from(l.output().values), Array.from(other.output().values));
          assert.deepEqual(Array.from(l.preActivation()!), Array.from(other.preActivation()!));
        });
        const f = fused.costAndGradients(x, y, m, MODE, { l2: 0, l1: 0 }, true);
        const g = plain.costAndGradients(x, y, m, MODE, { l2: 0, l1: 0 }, true);
        assert.ok(Object.is(f.cost, g.cost));
        fused.params().forEach((p, i) => assert.deepEqual(Array.from(p.grad), Array.from(plain.params()[i].grad)));
      }
    }
    be.denseForward = original;
    assert.ok(fusedCalls > 0 && declined > 0, `fused ${fusedCalls}, declined ${declined}`);
  });

  it('PrefixViews: the same view while the size is one of the last two', () => {
    const buf = new Float32Array(10);
    const v = new PrefixViews(buf);
    const a = v.get(5);
    const b = v.get(4);
    assert.equal(a.length, 5);
    assert.equal(b.length, 4);
    assert.equal(v.get(5), a);
    assert.equal(v.get(4), b);
    assert.equal(v.get(10).length, 10);
    assert.equal(v.get(4), b);
    assert.notEqual(v.get(5), a, 'evicted');
    assert.equal(v.get(0).length, 0);
  });
});
