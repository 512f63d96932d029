/**
 * Schedules and clipping in the training loop: each schedule trains, a learning rate set mid-run is
 * where each continues from, reduceOnPlateau announces its reductions, resuming keeps the schedule's
 * place, and clipping is counted, flagged only when it happens too often, and reported.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/engine/config/validate';
import { createLearningRate } from '../../src/engine/optim/schedules';
import { resumeSession, startSession } from '../../src/engine/run/session';
import type { RunSink } from '../../src/engine/train/trainer';
import type { LrDecayConfig } from '../../src/shared/config';
import type { EngineEvent } from '../../src/shared/protocol';

class Recorder implements RunSink {
  events: EngineEvent[] = [];
  rates: number[] = [];
  costs: number[] = [];
  iteration = (_iteration: number, _epoch: number, cost: number, learningRate: number): void => {
    this.costs.push(cost);
    this.rates.push(learningRate);
  };
  emit = (e: EngineEvent): void => {
    this.events.push(e);
  };
  of<T extends EngineEvent['type']>(type: T): Extract<EngineEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }
}

type Session = Awaited<ReturnType<typeof startSession>>;

function experiment(training: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'moons-schedules', seed: 5,
    data: { source: 'moons', samples: 300, noise: 0.2 },
    model: { hidden: [{ units: 8 }, { units: 8, activation: 'tanh' }] },
    training: { epochs: 8, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts', ...training },
    diagnostics: { layerStatsEvery: 5 },
  };
}

async function train(json: Record<string, unknown>, onEvent?: (e: EngineEvent, s: Session) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-sched-'));
  const rec = new Recorder();
  let session: Session | null = null;
  session = await startSession({ config: json, runDir: dir }, { iteration: rec.iteration, emit: (e) => { rec.emit(e); if (session) onEvent?.(e, session); } });
  const summary = await session.trainer.run();
  session.folder.close();
  return { dir, rec, summary };
}

const SCHEDULES: LrDecayConfig[] = [
  { type: 'reduceOnPlateau', monitor: 'devLoss', factor: 0.5, patience: 1, minDelta: 1, cooldown: 0, minLr: 0 },
  { type: 'warmupCosine', warmup: 1, warmupUnit: 'epochs', minLr: 1e-4 },
  { type: 'oneCycle', div: 25, finalDiv: 1e5, pctStart: 0.25 },
];

describe('schedules in the trainer', function () {
  this.timeout(60000);

  for (const decay of SCHEDULES) {
    it(`${decay.type}: trains, and a learning rate set mid-run is where it continues from`, async () => {
      const json = experiment({ lrDecay: decay });
      const plain = await train(json);
      const first = plain.rec.of('epoch')[0].summary;
      const last = plain.rec.of('epoch').at(-1)!.summary;
      assert.ok(last.trainCost < 0.7 * first.trainCost, `${decay.type} trains: ${first.trainCost} → ${last.trainCost}`);
      assert.equal(plain.rec.rates.length, plain.summary.iterations);

      let setAt = -1;
      const changed = await train(json, (e, s) => {
        if (e.type === 'epoch' && e.summary.epoch === 3 && setAt < 0) {
          setAt = e.summary.iteration;
          s.trainer.command({ type: 'setLearningRate', value: 0.005 });
        }
      });
      const user = changed.rec.of('learningRate').find((l) => l.source === 'user')!;
      assert.equal(user.to, 0.005);
      assert.equal(changed.rec.rates[setAt], 0.005, 'the next step runs at the new rate');
      const perEpoch = first.iteration;
      if (decay.type === 'reduceOnPlateau') {
        // minDelta 1 on a cost below 1: no epoch after the first improves, so it halves every epoch from the override.
        const epochs = changed.rec.of('epoch').map((e) => e.summary.learningRate);
        assert.deepEqual(epochs.slice(3, 6), [0.005, 0.0025, 0.00125]);
        const scheduled = changed.rec.of('learningRate').filter((l) => l.source === 'schedule');
        assert.ok(scheduled.length >= 6 && scheduled.every((l) => l.to === l.from * 0.5), 'each reduction is announced');
      } else {
        const expected = createLearningRate(0.02, decay, { epochs: 8, iterationsPerEpoch: perEpoch });
        expected.override(0.005, { epoch: 3, iteration: setAt });
        for (let t = setAt; t < changed.rec.rates.length; t++) {
          const want = expected.at({ epoch: Math.floor(t / perEpoch), iteration: t });
          assert.ok(Math.abs(changed.rec.rates[t] - want) <= 1e-15, `step ${t}: ${changed.rec.rates[t]} vs ${want}`);
        }
        assert.ok(changed.rec.rates.at(-1)! < 0.005 / 10, 'and decays on from it');
        for (let t = 0; t < setAt; t++) assert.equal(changed.rec.rates[t], plain.rec.rates[t]);
      }
    });
  }

  it('per-iteration schedules change the rate every step; epoch decays once per epoch', async () => {
    const { rec } = await train(experiment({ epochs: 3, lrDecay: { type: 'warmupCosine', warmup: 5, warmupUnit: 'iterations', minLr: 0 } }));
    assert.equal(new Set(rec.rates).size, rec.rates.length - 1, 'all distinct but the peak held at the warmup/cosine seam');
    assert.ok(Math.abs(rec.rates[0] - 0.02 / 5) < 1e-15);
    const epochs = await train(experiment({ epochs: 3, lrDecay: { type: 'exponential', rate: 0.5 } }));
    assert.equal(new Set(epochs.rec.rates).size, 3);
  });

  it('a warmup in iterations as long as the run is reported (it can only be checked once the data is known)', async () => {
    const { rec } = await train(experiment({ epochs: 2, lrDecay: { type: 'warmupCosine', warmup: 1000, warmupUnit: 'iterations' } }));
    const warning = rec.of('log').find((l) => l.level === 'warning' && /warmupCosine/.test(l.message));
    assert.match(warning!.message, /warmup of 1000 iterations is not shorter than the run \(12 iterations: 2 epochs of 6\)/);
    const fine = await train(experiment({ epochs: 2, lrDecay: { type: 'warmupCosine', warmup: 3, warmupUnit: 'iterations' } }));
    assert.equal(fine.rec.of('log').filter((l) => /warmupCosine/.test(l.message)).length, 0);
  });

  it('resuming from an end-of-epoch checkpoint keeps the schedule in place (regression: it shifted by an epoch)', async () => {
    const json = experiment({ epochs: 5, checkpointEvery: 1, lrDecay: { type: 'exponential', rate: 0.5 } });
    // The first checkpoint as it was: its JSON header and the tensor file it names.
    let saved: { header: string; tensorsName: string; tensors: Buffer } | null = null;
    const full = await train(json, (e) => {
      if (e.type !== 'checkpoint' || saved !== null) return;
      const header = fs.readFileSync(e.path, 'utf8');
      const tensorsName = (JSON.parse(header) as { tensors: { file: string } }).tensors.file;
      saved = { header, tensorsName, tensors: fs.readFileSync(path.join(path.dirname(e.path), tensorsName)) };
    });
    const first = saved as { header: string; tensorsName: string; tensors: Buffer } | null;
    assert.ok(first);
    const cp = JSON.parse(first.header) as { epoch: number; batchInEpoch: number };
    assert.deepEqual([cp.epoch, cp.batchInEpoch], [1, 0], 'taken at the end of the first epoch');
    fs.writeFileSync(path.join(full.dir, 'checkpoints', first.tensorsName), first.tensors);
    fs.writeFileSync(path.join(full.dir, 'checkpoints', 'latest.json'), first.header);
    const rec = new Recorder();
    const resumed = await resumeSession(full.dir, rec);
    await resumed.trainer.run();
    resumed.folder.close();
    const rates = (r: Recorder): number[] => r.of('epoch').map((e) => e.summary.learningRate);
    assert.deepEqual(rates(rec), rates(full.rec).slice(1));
  });
});

describe('clipping in the trainer', function () {
  this.timeout(60000);

  it('examples/schedules.one-cycle.nn.json: one-cycle with clipping at about the 90th percentile learns digits', async () => {
    const config = loadExperiment(path.join(__dirname, '..', '..', 'examples', 'schedules.one-cycle.nn.json'));
    const { rec, summary } = await train({ ...config, training: { ...config.training, backend: 'ts' } });
    const g = summary.gradients!;
    assert.ok(g.clippedFraction > 0.02 && g.clippedFraction < 0.2, `clipped ${g.clippedFraction}`);
    assert.ok(summary.final!.devError! < 0.05, `dev error ${summary.final!.devError}`);
    assert.equal(rec.of('flag').filter((f) => f.flag.kind === 'clipping').length, 0);
    assert.ok(rec.rates[0] < rec.rates[Math.floor(rec.rates.length / 4)] && rec.rates.at(-1)! < 1e-6, 'up, then down to lr/finalDiv');
  });

  it('a threshold far below the norms clips every step, is flagged once and reported; layer stats stay unclipped', async () => {
    const { rec, summary } = await train(experiment({ epochs: 20, clipNorm: 1e-3 }));
    const g = summary.gradients!;
    assert.equal(g.clipNorm, 1e-3);
    assert.equal(g.clipped, summary.iterations);
    assert.equal(g.clippedFraction, 1);
    const flags = rec.of('flag').filter((f) => f.flag.kind === 'clipping');
    assert.equal(flags.length, 1);
    assert.match(flags[0].flag.message, /lower the learning rate instead/i);
    const sample = rec.of('layerStats')[0];
    assert.equal(sample.clipped, true);
    const layers2 = sample.layers.reduce((s, l) => s + l.gradNorm * l.gradNorm, 0);
    assert.ok(layers2 > 1e-3 * 1e-3 * 100, 'the layers show the gradient before clipping');
    assert.ok(layers2 <= sample.globalGradNorm! ** 2 * (1 + 1e-12), 'weights are part of all the gradients');
  });

  it('clipping at the suggested 90th percentile clips a minority of steps and raises no flag; off, nothing is clipped', async () => {
    const off = await train(experiment({ epochs: 20 }));
    const g = off.summary.gradients!;
    assert.equal(g.clipNorm, null);
    assert.equal(g.clipped, 0);
    assert.ok(g.median <= g.p90 && g.p90 <= g.max && g.suggestedClipNorm === g.p90);
    const on = await train(experiment({ epochs: 20, clipNorm: g.suggestedClipNorm }));
    const h = on.summary.gradients!;
    assert.ok(h.clipped > 0 && h.clippedFraction < 0.3, `clipped ${h.clippedFraction}`);
    assert.equal(on.rec.of('flag').filter((f) => f.flag.kind === 'clipping').length, 0);
    assert.ok(on.rec.of('epoch').at(-1)!.summary.trainCost < 0.5 * on.rec.of('epoch')[0].summary.trainCost, 'still trains');
  });
});
