/**
 * The bound that lets a step skip copying its weights (Optimizer.maxStep + WeightGuard.cannotTrip):
 * no update moves a weight further than maxStep said, for any gradients (tiny, huge, sign flips,
 * long runs), on the TypeScript float32/float64 kernels and WebAssembly; an Adam state that breaks
 * the invariant (a checkpoint written with other betas) gets no bound; and a healthy Adam run copies
 * nothing while a diverging one still undoes its step.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Backend } from '../../src/engine/backend/backend';
import { TsBackend } from '../../src/engine/backend/ts-backend';
import { WasmBackend } from '../../src/engine/backend/wasm/wasm-backend';
import type { Param } from '../../src/engine/model/layers/layer';
import { createOptimizer } from '../../src/engine/optim';
import { Adam } from '../../src/engine/optim/adam';
import { startSession } from '../../src/engine/run/session';
import { StepUndo } from '../../src/engine/train/undo';
import { Rng } from '../../src/engine/util/rng';
import { wasmSkipReason } from './wasm/wasm-helpers';

type Rule = Parameters<typeof createOptimizer>[1];

const RULES: Rule[] = [
  { type: 'gd', learningRate: 0.5 },
  { type: 'rmsprop', learningRate: 0.01, beta2: 0.9, epsilon: 1e-8 },
  { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  { type: 'adam', learningRate: 0.01, beta1: 0.5, beta2: 0.3, epsilon: 1e-3 },
] as Rule[];

function param(backend: Backend, n: number): Param {
  return { name: 'W', shape: [1, n], value: backend.alloc(n), grad: backend.alloc(n), regularized: true };
}

/** Gradients of every kind a run can make: tiny, huge, one spike among zeros, sign flips, a slow drift. */
function gradients(rng: Rng, n: number, step: number): number[] {
  const kind = step % 5;
  const scale = 10 ** rng.range(-25, 15);
  return Array.from({ length: n }, (_, i) => (kind === 0 ? rng.normal() * scale
    : kind === 1 ? (i === step % n ? scale : 0)
      : kind === 2 ? (step % 2 ? 1 : -1) * scale
        : kind === 3 ? 1e-30 * rng.normal()
          : scale * (1 + 0.01 * rng.normal())));
}

describe('the step bound that skips copying weights', function () {
  this.timeout(60000);
  const backends: { name: string; make: () => Promise<Backend> }[] = [
    { name: 'ts float64', make: async () => new TsBackend('float64') },
    { name: 'ts float32', make: async () => new TsBackend('float32') },
    { name: 'wasm', make: () => WasmBackend.create({ threads: 1 }) },
  ];
  for (const { name, make } of backends) {
    it(`no update moves a weight further than maxStep said (${name})`, async function () {
      if (name === 'wasm' && wasmSkipReason()) this.skip();
      const backend = await make();
      try {
        for (const rule of RULES) {
          const rng = new Rng(7);
          const n = 37;
          const opt = createOptimizer(backend, rule);
          const p = param(backend, n);
          for (let i = 0; i < n; i++) p.value[i] = rng.normal();
          for (let step = 0; step < 400; step++) {
            const g = gradients(rng, n, step);
            p.grad.set(g);
            const bound = Math.max(...g.map((x) => Math.abs(Math.fround(x))));
            const lr = rule.learningRate * 10 ** rng.range(-3, 1);
            const max = opt.maxStep(lr, 1.01 * bound);
            const before = Array.from(p.value);
            opt.update([p], lr);
            // The bound is on the step; storing w − Δ rounds once more, by at most half an ulp of w.
            const ulp = backend.dtype === 'float32' ? 2 ** -24 : 2 ** -53;
            for (let i = 0; i < n; i++) {
              const moved = Math.abs(p.value[i] - before[i]);
              const slack = ulp * Math.max(Math.abs(before[i]), Math.abs(p.value[i]));
              if (Number.isFinite(max)) assert.ok(moved <= max + slack, `${rule.type} step ${step}: |Δw| ${moved} > bound ${max}`);
            }
            if (rule.type === 'gd') p.value.set(before); // keep GD's weights finite across 1e15 gradients
          }
        }
      } finally {
        backend.dispose();
      }
    });
  }

  it('Adam: no bound when β1² ≥ β2, or for a checkpoint state that breaks m² ≤ C·v', () => {
    const backend = new TsBackend('float32');
    assert.equal(new Adam(backend, 0.99, 0.9, 1e-8).maxStep(1e-3, 1), Infinity);
    const adam = new Adam(backend, 0.9, 0.999, 1e-8);
    assert.ok(adam.maxStep(1e-3, 1) <= 1e-3 * 2 * 7.3, 'the default betas: ≤ 2 × 7.3 lr');
    adam.importState({ type: 'adam', step: 10, slots: { m: [[0.5, 0]], v: [[1e-6, 0]] } });
    assert.equal(adam.maxStep(1e-3, 1), Infinity, 'm² > C·v: written with other betas');
    adam.importState({ type: 'adam', step: 10, slots: { m: [[1e-3, 0]], v: [[1e-6, 0]] } });
    assert.ok(Number.isFinite(adam.maxStep(1e-3, 1)));
  });

  it('a healthy Adam run copies no weights; a diverging GD run still copies and undoes its step', async () => {
    const proto = StepUndo.prototype as unknown as { captureWeights: () => void };
    const original = proto.captureWeights;
    let copies = 0;
    proto.captureWeights = function (this: unknown): void {
      copies++;
      original.call(this);
    };
    try {
      const run = async (optimizer: Record<string, unknown>) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bound-'));
        const session = await startSession({ config: {
          name: 'bound', seed: 2, data: { source: 'moons', samples: 200, noise: 0.2 },
          model: { hidden: [{ units: 8 }] },
          training: { epochs: 3, batchSize: 32, optimizer, backend: 'ts' },
        }, runDir: dir, onDiverge: 'end' }, { iteration: () => undefined, emit: () => undefined });
        const summary = await session.trainer.run();
        session.folder.close();
        fs.rmSync(dir, { recursive: true, force: true });
        return summary;
      };
      copies = 0;
      const healthy = await run({ type: 'adam', learningRate: 0.01 });
      assert.equal(healthy.state, 'finished');
      assert.equal(copies, 0, 'lr 0.01 with Adam moves no weight by more than 0.15');
      copies = 0;
      const wild = await run({ type: 'gd', learningRate: 1e30 });
      assert.ok(copies > 0, 'GD at lr 1e30: no bound, the weights are copied');
      assert.equal(wild.state, 'diverged');
    } finally {
      proto.captureWeights = original;
    }
  });
});
