/**
 * The training loop in process: determinism, early stopping with restore-best, divergence,
 * overfit-one-batch, the sealed test set, gradient checks that leave the run untouched, and
 * checkpoint/resume continuing the same curves.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent } from '../../src/shared/protocol';
import { readCheckpointFile } from '../../src/engine/run/checkpoint-file';
import { readFloat64 } from '../../src/engine/run/run-folder';
import { startSession, resumeSession } from '../../src/engine/run/session';
import type { RunSink } from '../../src/engine/train/trainer';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gl-trainer-'));
}

class Recorder implements RunSink {
  events: EngineEvent[] = [];
  costs: number[] = [];
  iteration = (_iteration: number, _epoch: number, cost: number): void => {
    this.costs.push(cost);
  };
  emit = (e: EngineEvent): void => {
    this.events.push(e);
  };
  of<T extends EngineEvent['type']>(type: T): Extract<EngineEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }
}

function experiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'moons-test', seed: 3,
    data: { source: 'moons', samples: 300, noise: 0.2 },
    model: { hidden: [{ units: 8 }, { units: 8, activation: 'tanh', keepProb: 0.9 }] },
    training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts' },
    ...overrides,
  };
}

async function train(json: Record<string, unknown>, onEvent?: (e: EngineEvent, session: Awaited<ReturnType<typeof startSession>>) => void) {
  const dir = tempDir();
  const rec = new Recorder();
  let session: Awaited<ReturnType<typeof startSession>> | null = null;
  session = await startSession({ config: json, runDir: dir }, { iteration: rec.iteration, emit: (e) => { rec.emit(e); if (session) onEvent?.(e, session); } });
  const summary = await session.trainer.run();
  session.folder.close();
  return { dir, rec, summary, session };
}

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');
/** The per-iteration cost column (costs.f64) as bytes in hex: compared bit for bit. */
const costs = (dir: string): string => fs.readFileSync(path.join(dir, 'costs.f64')).toString('hex');

describe('trainer', function () {
  this.timeout(60000);

  it('the same file twice gives identical metric files (TypeScript backend)', async () => {
    const a = await train(experiment());
    const b = await train(experiment());
    assert.ok(read(a.dir, 'metrics.jsonl').length > 1000);
    assert.equal(read(a.dir, 'metrics.jsonl'), read(b.dir, 'metrics.jsonl'));
    assert.equal(costs(a.dir), costs(b.dir));
    assert.equal(read(a.dir, 'model.json'), read(b.dir, 'model.json'));
  });

  it('the same file twice gives identical metric files (WebAssembly backend, 1 thread)', async function () {
    const json = experiment({ training: { epochs: 4, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'wasm', threads: 1 } });
    let a;
    try {
      a = await train(json);
    } catch (e) {
      if (/not available/.test(String(e))) this.skip();
      throw e;
    }
    const b = await train(json);
    assert.equal(a.summary.backend, 'wasm-simd');
    assert.equal(read(a.dir, 'metrics.jsonl'), read(b.dir, 'metrics.jsonl'));
    assert.equal(costs(a.dir), costs(b.dir));
  });

  it('records cost per iteration, epoch summaries, layer stats and the run folder files', async () => {
    const { dir, rec, summary } = await train(experiment({ diagnostics: { layerStatsEvery: 5 } }));
    assert.equal(summary.state, 'finished');
    const iterations = rec.costs.length;
    assert.equal(iterations, summary.iterations);
    assert.equal(rec.of('epoch').length, 6);
    const stats = rec.of('layerStats');
    assert.equal(stats.length, Math.floor(summary.iterations / 5));
    assert.deepEqual(stats[0].layers.map((l) => l.layer), ['hidden 1', 'hidden 2', 'output']);
    for (const l of stats[0].layers) {
      assert.ok(l.gradNorm > 0 && l.weightNorm > 0 && l.updateRatio > 0 && l.meanAbsGrad > 0);
    }
    assert.ok(stats[0].layers[1].activationStd > 0);
    for (const f of ['config.json', 'run.json', 'metrics.jsonl', 'costs.f64', 'lr.f64', 'events.jsonl', 'checkpoints/latest.json', 'model.json', 'summary.json']) {
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    }
    // Every iteration's cost, in order, as float64: exactly what the sinks were given.
    assert.deepEqual(Array.from(readFloat64(path.join(dir, 'costs.f64'))), rec.costs);
    assert.deepEqual(Array.from(readFloat64(path.join(dir, 'lr.f64'))), [1, 0.01], 'one learning-rate change point');
    const initial = rec.of('flag').find((f) => f.flag.kind === 'initialCost')!;
    assert.match(initial.flag.message, /vs ln 2 = 0.693/);
    assert.ok(rec.of('verdict').length === 6);
    assert.ok(rec.of('snapshot').some((s) => s.snapshot.boundary && s.snapshot.confusion));
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best parameters', async () => {
    const { dir, rec, summary } = await train(experiment({
      data: { source: 'moons', samples: 80, noise: 0.4 },
      model: { hidden: [{ units: 64 }, { units: 64 }] },
      training: { epochs: 400, batchSize: 0, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts',
        earlyStopping: { enabled: true, monitor: 'devLoss', patience: 5, minDelta: 0, restoreBest: true } },
    }));
    assert.ok(summary.epochs < 400, 'stopped early');
    assert.ok(summary.best && summary.best.restored);
    assert.equal(summary.epochs, summary.best!.epoch + 5, 'stops exactly patience epochs after the best');
    const epochs = rec.of('epoch').map((e) => e.summary);
    const bestDev = Math.min(...epochs.map((e) => e.devCost!));
    assert.equal(summary.best!.value, bestDev);
    assert.ok(Math.abs(summary.final!.devCost! - bestDev) < 1e-6, 'final metrics are those of the restored parameters');
    const best = readCheckpointFile(path.join(dir, 'checkpoints/best.json'));
    const model = JSON.parse(read(dir, 'model.json')) as { params: { data: number[] }[] };
    assert.deepEqual(model.params.map((p) => p.data), best.model.params.map((p) => p.data));
    assert.ok(rec.of('flag').some((f) => f.flag.kind === 'earlyStop'));
  });

  it('restore-best also applies when the user stops the run', async () => {
    let stopped = false;
    const { summary } = await train(experiment({
      training: { epochs: 400, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts',
        earlyStopping: { enabled: true, monitor: 'devLoss', patience: 1000, restoreBest: true } },
    }), (e, s) => {
      if (e.type === 'epoch' && e.summary.epoch === 8 && !stopped) {
        stopped = true;
        s.trainer.command({ type: 'stop' });
      }
    });
    assert.equal(summary.state, 'stopped');
    assert.ok(summary.best?.restored);
  });

  it('NaN/Inf pauses the run as diverged and says where it started; the update is not applied', async () => {
    const rec = new Recorder();
    const dir = tempDir();
    const session = await startSession({
      config: experiment({ model: { hidden: [{ units: 8 }] }, training: { epochs: 50, batchSize: 32, optimizer: { type: 'gd', learningRate: 1e12 }, backend: 'ts' } }),
      runDir: dir,
    }, rec);
    const done = session.trainer.run();
    for (let i = 0; i < 200 && !rec.of('state').some((s) => s.state === 'diverged'); i++) await new Promise((r) => setTimeout(r, 10));
    const state = rec.of('state').find((s) => s.state === 'diverged');
    assert.ok(state, 'run marked diverged');
    const flag = rec.of('flag').find((f) => f.flag.kind === 'nonFinite')!;
    assert.ok(flag.flag.layer && flag.flag.tensor, 'names a layer and a tensor');
    assert.match(flag.flag.message, /iteration \d+/);
    const params = session.setup.net.params();
    assert.ok(params.every((p) => Array.from(p.value).every(Number.isFinite)), 'weights stay finite');
    session.trainer.command({ type: 'stop' });
    const summary = await done;
    session.folder.close();
    assert.equal(summary.state, 'stopped');
    assert.ok(fs.existsSync(path.join(dir, 'summary.json')));
  });

  it('overfit-one-batch mode drives the batch to zero errors', async () => {
    const rec = new Recorder();
    const session = await startSession({
      config: experiment({ training: { epochs: 3, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts', overfitBatch: { iterations: 2000 } } }),
      runDir: tempDir(), mode: 'overfitBatch',
    }, rec);
    const summary = await session.trainer.run();
    session.folder.close();
    assert.match(summary.reason ?? '', /overfit one batch: 0 errors/);
    assert.equal(summary.final!.trainError, 0);
    assert.ok(summary.iterations > 3, 'the budget is training.overfitBatch.iterations, not epochs');
    assert.ok(summary.iterations < 2000);
  });

  it('Overfit One Batch resumed and stopped before its first epoch judges the weights it has, not "could not overfit"', async () => {
    const dir = tempDir();
    const first = await startSession({
      config: experiment({ training: { epochs: 3, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts', overfitBatch: { iterations: 2000 } } }),
      runDir: dir, mode: 'overfitBatch',
    }, new Recorder());
    assert.match((await first.trainer.run()).reason ?? '', /overfit one batch: 0 errors/);
    first.folder.close();
    const resumed = await resumeSession(dir, new Recorder());
    resumed.trainer.command({ type: 'stop' });
    const summary = await resumed.trainer.run();
    resumed.folder.close();
    assert.equal(summary.final!.trainError, 0);
    assert.match(summary.reason ?? '', /^overfit one batch: 0 errors/, summary.reason);
  });

  it('Overfit One Batch passes on the shipped digits example (0 % error on the batch; it used to need cost < 0.01 within `epochs`)', async () => {
    const rec = new Recorder();
    const configPath = path.join(__dirname, '..', '..', 'examples', 'digits.softmax.nn.json');
    const session = await startSession({ configPath, runDir: tempDir(), mode: 'overfitBatch' }, rec);
    const summary = await session.trainer.run();
    session.folder.close();
    assert.match(summary.reason ?? '', /^overfit one batch: 0 errors .*can learn/, summary.reason);
    assert.equal(summary.final!.trainError, 0);
    assert.ok(summary.iterations <= 300);
  });

  it('Overfit One Batch passes a regression batch on its cost relative to the initial cost', async () => {
    const rec = new Recorder();
    const dir = tempDir();
    const csv = path.join(dir, 'reg.csv');
    const rows = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i), Math.sin(i) * Math.cos(3 * i) + 2]);
    fs.writeFileSync(csv, ['a,b,y', ...rows.map((r) => r.join(','))].join('\n'));
    const session = await startSession({
      config: { name: 'reg', seed: 2, data: { source: { csv, label: 'y', task: 'regression' } }, model: { hidden: [{ units: 16, activation: 'tanh' }] },
        training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, backend: 'ts', overfitBatch: { iterations: 3000, relativeCost: 0.01 } } },
      runDir: path.join(dir, 'run'), mode: 'overfitBatch',
    }, rec);
    const summary = await session.trainer.run();
    session.folder.close();
    assert.match(summary.reason ?? '', /^overfit one batch: .*× its initial/, summary.reason);
    assert.ok(summary.iterations < 3000);
  });

  it('Overfit One Batch fails, saying the budget and the bar, when the model cannot learn (learning rate ~0)', async () => {
    const rec = new Recorder();
    const session = await startSession({
      config: experiment({ training: { epochs: 1, batchSize: 16, optimizer: { type: 'gd', learningRate: 1e-9 }, backend: 'ts', overfitBatch: { iterations: 40 } } }),
      runDir: tempDir(), mode: 'overfitBatch',
    }, rec);
    const summary = await session.trainer.run();
    session.folder.close();
    assert.equal(summary.iterations, 40);
    assert.match(summary.reason ?? '', /could not overfit one batch in 40 iterations .*training\.overfitBatch\.iterations = 40/);
  });

  it('the test set is sealed: evaluated only on request, and every look is counted', async () => {
    let looks = 0;
    const { rec } = await train(experiment(), (e, s) => {
      if (e.type === 'epoch' && e.summary.epoch >= 4 && looks < 2) {
        looks++;
        s.trainer.command({ type: 'evaluateTest' });
      }
    });
    const tests = rec.of('testResult');
    assert.deepEqual(tests.map((t) => t.looks), [1, 2]);
    assert.ok(tests[0].error >= 0 && tests[0].error <= 1);
    const { rec: unsealed } = await train(experiment());
    assert.equal(unsealed.of('testResult').length, 0, 'never evaluated unless asked');
  });

  it('a gradient check mid-run reports < 1e-7 and does not change the run', async () => {
    const plain = await train(experiment());
    let asked = false;
    const checked = await train(experiment(), (e, s) => {
      if (e.type === 'epoch' && e.summary.epoch === 2 && !asked) {
        asked = true;
        s.trainer.command({ type: 'gradientCheck', requestId: 'r1' });
      }
    });
    const report = checked.rec.of('gradientCheck')[0];
    assert.equal(report.requestId, 'r1');
    assert.ok(report.report.iteration > 0);
    assert.ok(report.report.difference < 1e-6, `difference ${report.report.difference}`);
    assert.ok(report.report.notes.some((n) => /Dropout/.test(n)));
    assert.ok(fs.existsSync(path.join(checked.dir, 'gradchecks', `${report.report.id}.json`)));
    assert.equal(read(checked.dir, 'metrics.jsonl'), read(plain.dir, 'metrics.jsonl'));
    assert.equal(costs(checked.dir), costs(plain.dir));
  });

  it('setLearningRate is recorded and used from the next iteration; the schedule continues from it', async () => {
    let changed = false;
    const { rec } = await train(experiment({
      training: { epochs: 6, batchSize: 32, optimizer: { type: 'gd', learningRate: 0.1 }, lrDecay: { type: 'inverseTime', rate: 1, every: 1 }, backend: 'ts' },
    }), (e, s) => {
      if (e.type === 'epoch' && e.summary.epoch === 2 && !changed) {
        changed = true;
        s.trainer.command({ type: 'setLearningRate', value: 0.5 });
      }
    });
    const user = rec.of('learningRate').find((l) => l.source === 'user')!;
    assert.equal(user.to, 0.5);
    const epochs = rec.of('epoch').map((e) => e.summary);
    // Epoch index 2 (the third epoch) runs at 0.5; then inverseTime continues: 0.5·(1+2)/(1+3).
    assert.equal(epochs[2].learningRate, 0.5);
    assert.ok(Math.abs(epochs[3].learningRate - 0.5 * 3 / 4) < 1e-12);
  });

  it('pauseAt: pauses on its own right after that epoch, with a checkpoint there; resumed, the run is the same', async () => {
    const json = experiment();
    const full = await train(json);
    const dir = tempDir();
    const rec = new Recorder();
    const session = await startSession({ config: json, runDir: dir }, rec);
    session.trainer.command({ type: 'pauseAt', epoch: 2 });
    const done = session.trainer.run();
    for (let i = 0; i < 500 && !rec.of('state').some((e) => e.state === 'paused'); i++) await new Promise((r) => setTimeout(r, 5));
    const paused = rec.of('state').find((e) => e.state === 'paused')!;
    assert.equal(paused.epoch, 2);
    const perEpoch = rec.of('epoch')[0].summary.iteration;
    assert.equal(paused.iteration, 2 * perEpoch, 'not one iteration of epoch 3');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(rec.costs.length, 2 * perEpoch, 'it waits');
    const cp = JSON.parse(read(dir, 'checkpoints/latest.json')) as { epoch: number; batchInEpoch: number };
    assert.deepEqual([cp.epoch, cp.batchInEpoch], [2, 0]);
    session.trainer.command({ type: 'resume' });
    const summary = await done;
    session.folder.close();
    assert.equal(summary.epochs, 6);
    const curve = (r: Recorder): unknown[] => r.of('epoch').map((e) => ({ ...e.summary, seconds: 0 }));
    assert.deepEqual(curve(rec), curve(full.rec), 'the same epochs as without the pause');
  });

  it('resuming from a checkpoint continues the same curve, bit for bit', async () => {
    const json = experiment({ training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts', checkpointEvery: 1 } });
    const full = await train(json);
    // Interrupt after epoch 3: stop the session by abandoning it right after its checkpoint.
    const dir = tempDir();
    const rec = new Recorder();
    const first = await startSession({ config: json, runDir: dir }, rec);
    const partial = first.trainer.run();
    first.trainer.command({ type: 'pause' });
    await new Promise((r) => setTimeout(r, 20));
    // Step into epoch 4 (8 iterations per epoch), checkpoint mid-epoch, step on, then "crash":
    // keep the files, drop the process state.
    const stepTo = async (n: number): Promise<void> => {
      first.trainer.command({ type: 'step', iterations: n - rec.costs.length });
      for (let i = 0; i < 500 && rec.costs.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await stepTo(26);
    first.trainer.command({ type: 'checkpoint' });
    await stepTo(30);
    const cp = JSON.parse(read(dir, 'checkpoints/latest.json')) as { iteration: number; batchInEpoch: number };
    assert.equal(cp.iteration, 26, 'checkpoint taken mid-epoch');
    assert.equal(cp.batchInEpoch, 2);
    first.folder.close();
    // Append a torn line and a torn cost as a crash would leave them.
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"epoch","epo');
    fs.appendFileSync(path.join(dir, 'costs.f64'), Buffer.from([1, 2, 3]));
    void partial;
    const resumed = await resumeSession(dir, new Recorder());
    const summary = await resumed.trainer.run();
    resumed.folder.close();
    assert.equal(summary.iterations, full.summary.iterations);
    assert.equal(read(dir, 'metrics.jsonl'), read(full.dir, 'metrics.jsonl'));
    assert.equal(costs(dir), costs(full.dir));
  });
});

describe('snapshots', () => {
  it('the confusion matrix is that of the epoch it belongs to: its errors are the epoch\'s dev error (train error without dev)', async () => {
    for (const split of [{ train: 0.7, dev: 0.3, test: 0 }, { train: 1, dev: 0, test: 0 }]) {
      const { rec } = await train(experiment({
        data: { source: 'moons', samples: 200, noise: 0.3, split },
        training: { epochs: 6, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, backend: 'ts' },
        diagnostics: { snapshotEvery: 2 },
      }));
      const snaps = rec.of('snapshot').map((e) => e.snapshot);
      assert.ok(snaps.length >= 1);
      for (const s of snaps) {
        const m = s.confusion!.matrix;
        const total = m.flat().reduce((a, b) => a + b, 0);
        const wrong = total - m.reduce((a, row, i) => a + row[i], 0);
        const epoch = rec.of('epoch').find((e) => e.summary.epoch === s.epoch)!.summary;
        assert.equal(wrong / total, split.dev > 0 ? epoch.devError : epoch.trainError, `epoch ${s.epoch}`);
      }
    }
  });
});

describe('decision-boundary snapshot', () => {
  it('row 0 is y = yMin and column 0 is x = xMin, in the data units (regression: it was flipped)', async () => {
    // Two blobs at −(1,1) (class 0) and +(1,1) (class 1): P(class 1) must be low at the bottom-left
    // corner and high at the top-right one.
    const dir = tempDir();
    const rec = new Recorder();
    const session = await startSession({
      config: { seed: 1, data: { source: 'gaussian', samples: 400, noise: 0.4 }, model: { hidden: [{ units: 4 }] },
        training: { epochs: 20, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.05 }, backend: 'ts' }, diagnostics: { snapshotEvery: 20 } },
      runDir: dir,
    }, rec);
    await session.trainer.run();
    session.folder.close();
    const b = rec.of('snapshot').pop()!.snapshot.boundary!;
    const n = b.resolution;
    assert.ok(b.xMin < -1 && b.xMax > 1 && b.yMin < -1 && b.yMax > 1, 'raw data units, not z-scores');
    assert.ok(b.values[0] < 0.1, `bottom-left P(class 1) = ${b.values[0]}`);
    assert.ok(b.values[n * n - 1] > 0.9, `top-right P(class 1) = ${b.values[n * n - 1]}`);
  });

  it('carries the training and the dev points, each counted (the caption says which is drawn)', async () => {
    const rec = new Recorder();
    const session = await startSession({
      config: { seed: 2, data: { source: 'moons', samples: 1000, split: { train: 0.6, dev: 0.2, test: 0.2 } }, model: { hidden: [{ units: 4 }] },
        training: { epochs: 1, batchSize: 64, backend: 'ts' }, diagnostics: { snapshotEvery: 1 } },
      runDir: tempDir(),
    }, rec);
    await session.trainer.run();
    session.folder.close();
    const info = rec.of('runInfo')[0].info;
    const b = rec.of('snapshot').pop()!.snapshot.boundary!;
    assert.deepEqual(b.counts, { train: info.counts.train, dev: info.counts.dev });
    assert.equal(info.counts.train, 600);
    assert.ok(b.points.length <= 400 && b.points.length >= 300, `a sample of the 600 training points: ${b.points.length}`);
    assert.equal(b.devPoints!.length, info.counts.dev, 'all 200 dev points');
    // The dev points are not training points.
    const key = (p: { x: number; y: number }) => `${p.x},${p.y}`;
    const train = new Set(b.points.map(key));
    assert.ok(b.devPoints!.every((p) => !train.has(key(p))));
  });
});
