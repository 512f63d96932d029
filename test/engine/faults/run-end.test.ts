/**
 * Issue 15, runs that end badly: a diverged step is undone (so a lower learning rate resumes
 * from healthy weights), a CLI-style run ends as diverged with its folder complete, healthy runs
 * never trip the guard, and a stop or pause at any iteration — epoch starts included — resumes
 * bit for bit.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpointFile } from '../../../src/engine/run/checkpoint-file';
import type { EngineEvent, RunState } from '../../../src/shared/protocol';
import { resumeSession, startSession, type Session } from '../../../src/engine/run/session';
import type { RunSink } from '../../../src/engine/train/trainer';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-faults-'));
const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');
const hex = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file)).toString('hex');

class Recorder implements RunSink {
  events: EngineEvent[] = [];
  onIteration: ((iteration: number) => void) | null = null;
  iteration = (iteration: number): void => {
    this.onIteration?.(iteration);
  };
  emit = (e: EngineEvent): void => {
    this.events.push(e);
  };
  of<T extends EngineEvent['type']>(type: T): Extract<EngineEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }
  /** Resolves when the run reaches `state`. */
  async until(state: RunState): Promise<void> {
    for (let i = 0; i < 2000 && !this.of('state').some((s) => s.state === state); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(this.of('state').some((s) => s.state === state), `reached ${state}`);
  }
}

function moons(training: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'faults', seed: 7, data: { source: 'moons', samples: 300, noise: 0.2 },
    model: { hidden: [{ units: 8 }, { units: 8, activation: 'tanh' }] },
    training: { epochs: 20, batchSize: 32, backend: 'ts', ...training }, ...extra,
  };
}

const weights = (s: Session): number[][] => s.setup.net.params().map((p) => Array.from(p.value));

describe('faults: a diverged run', function () {
  this.timeout(60000);

  it('lr 1e6 diverges at its first update, which is undone; Set LR 0.01 + Resume then trains healthily', async () => {
    const rec = new Recorder();
    const session = await startSession({ config: moons({ optimizer: { type: 'adam', learningRate: 1e6 } }), runDir: tempDir() }, rec);
    const initial = weights(session);
    const done = session.trainer.run();
    await rec.until('diverged');
    assert.deepEqual(weights(session), initial, 'the exploding update was rolled back');
    const flag = rec.of('flag').find((f) => f.flag.kind === 'nonFinite')!;
    assert.match(flag.flag.message, /explode|non-finite/);
    assert.match(flag.flag.message, /undone/);
    // What the extension sends: Set Learning Rate, then Resume.
    session.trainer.command({ type: 'setLearningRate', value: 0.01 });
    session.trainer.command({ type: 'resume' });
    const summary = await done;
    session.folder.close();
    assert.equal(summary.state, 'finished');
    assert.equal(rec.of('flag').filter((f) => f.flag.kind === 'nonFinite').length, 1, 'no second divergence');
    assert.ok(summary.final && summary.final.trainError < 0.2, `train error ${summary.final?.trainError}`);
    assert.ok(session.setup.net.params().every((p) => Array.from(p.value).every(Number.isFinite)));
  });

  it('lr 1e308 (Inf in W after the update) never leaves Inf in the weights', async () => {
    const rec = new Recorder();
    const session = await startSession({ config: moons({ optimizer: { type: 'gd', learningRate: 1e308 } }), runDir: tempDir() }, rec);
    const initial = weights(session);
    const done = session.trainer.run();
    await rec.until('diverged');
    assert.deepEqual(weights(session), initial);
    assert.doesNotMatch(rec.of('flag').find((f) => f.flag.kind === 'nonFinite')!.flag.message, /weights pass/);
    session.trainer.command({ type: 'stop' });
    assert.equal((await done).state, 'stopped');
    session.folder.close();
  });

  it('with onDiverge "end" (the CLI) it ends as diverged with summary, model and the last good checkpoint', async () => {
    const dir = tempDir();
    const rec = new Recorder();
    // Healthy for 30 iterations, then the rate jumps (as a schedule or a user would).
    const session = await startSession({ config: moons({ optimizer: { type: 'gd', learningRate: 0.1 } }), runDir: dir, onDiverge: 'end' }, rec);
    rec.onIteration = (i) => { if (i === 30) session.trainer.command({ type: 'setLearningRate', value: 1e308 }); };
    const summary = await session.trainer.run();
    session.folder.close();
    assert.equal(summary.state, 'diverged');
    assert.equal(summary.iterations, 30);
    assert.match(summary.reason ?? '', /non-finite|exploded/);
    const saved = JSON.parse(read(dir, 'summary.json')) as { state: string };
    assert.equal(saved.state, 'diverged');
    const checkpoint = readCheckpointFile(path.join(dir, 'checkpoints', 'latest.json'));
    assert.equal(checkpoint.iteration, 30);
    const model = JSON.parse(read(dir, 'model.json')) as unknown;
    assert.ok(model);
    assert.deepEqual(checkpoint.model.params.map((p) => Array.from(p.data)), weights(session));
    assert.ok(checkpoint.model.params.every((p) => Array.from(p.data).every(Number.isFinite)));
    assert.equal(fs.statSync(path.join(dir, 'costs.f64')).size, 30 * 8, 'no cost recorded for the undone step');
  });

  it('a diverged run with batch norm and dropout also restores running statistics', async () => {
    const rec = new Recorder();
    const config = moons({ optimizer: { type: 'adam', learningRate: 1e6 } }, {
      model: { hidden: [{ units: 8, batchNorm: true, keepProb: 0.8 }, { units: 8 }] },
    });
    const session = await startSession({ config, runDir: tempDir(), onDiverge: 'end' }, rec);
    const running = session.setup.net.runningStats().map((r) => Array.from(r));
    const initial = weights(session);
    const summary = await session.trainer.run();
    session.folder.close();
    assert.equal(summary.state, 'diverged');
    assert.deepEqual(weights(session), initial);
    assert.deepEqual(session.setup.net.runningStats().map((r) => Array.from(r)), running);
  });

  it('does not cry wolf: healthy, fast and converged runs finish without a divergence', async () => {
    const cases: Record<string, unknown>[] = [
      { optimizer: { type: 'adam', learningRate: 0.001 } }, { optimizer: { type: 'adam', learningRate: 0.1 } },
      { optimizer: { type: 'adam', learningRate: 1 } }, { optimizer: { type: 'gd', learningRate: 3 } },
      { optimizer: { type: 'momentum', learningRate: 0.5, beta: 0.9 } }, { optimizer: { type: 'rmsprop', learningRate: 0.01, beta2: 0.9, epsilon: 1e-8 } },
      { optimizer: { type: 'adam', learningRate: 0.05 }, epochs: 200 }, // converged: tiny updates for a long time
    ];
    for (const training of cases) {
      const rec = new Recorder();
      const session = await startSession({ config: moons(training), runDir: tempDir(), onDiverge: 'end' }, rec);
      const summary = await session.trainer.run();
      session.folder.close();
      assert.equal(summary.state, 'finished', JSON.stringify(training));
      assert.equal(rec.of('flag').filter((f) => f.flag.kind === 'nonFinite').length, 0, JSON.stringify(training));
    }
  });

  it('zero-initialised weights may grow from 0 without tripping the guard', async () => {
    const session = await startSession({ config: moons({ optimizer: { type: 'gd', learningRate: 1 } }, { model: { hidden: [{ units: 4 }], init: 'zeros' } }), runDir: tempDir(), onDiverge: 'end' }, new Recorder());
    const summary = await session.trainer.run();
    session.folder.close();
    assert.equal(summary.state, 'finished');
  });
});

describe('faults: stop or pause at any iteration resumes bit for bit', function () {
  this.timeout(120000);

  async function uninterrupted(config: Record<string, unknown>): Promise<string> {
    const dir = tempDir();
    const s = await startSession({ config, runDir: dir }, new Recorder());
    await s.trainer.run();
    s.folder.close();
    return dir;
  }

  /** Stops (after a pause, when `pause`) once iteration `at` is done, resumes the folder, trains to the end. */
  async function interrupted(config: Record<string, unknown>, at: number, pause: boolean): Promise<string> {
    const dir = tempDir();
    const rec = new Recorder();
    const s = await startSession({ config, runDir: dir }, rec);
    rec.onIteration = (i) => {
      if (i !== at) return;
      if (pause) s.trainer.command({ type: 'pause' });
      else s.trainer.command({ type: 'stop' });
    };
    const done = s.trainer.run();
    if (pause) {
      await rec.until('paused');
      s.trainer.command({ type: 'stop' });
    }
    const first = await done;
    s.folder.close();
    assert.equal(first.iterations, at);
    const r = await resumeSession(dir, new Recorder());
    await r.trainer.run();
    r.folder.close();
    return dir;
  }

  const assertSame = (a: string, b: string, what: string): void => {
    assert.equal(hex(a, 'costs.f64'), hex(b, 'costs.f64'), `${what}: costs.f64`);
    assert.equal(read(a, 'metrics.jsonl'), read(b, 'metrics.jsonl'), `${what}: metrics.jsonl`);
    assert.equal(read(a, 'model.json'), read(b, 'model.json'), `${what}: model.json`);
  };

  it('full batch: every iteration ends an epoch, so every stop lands at an epoch start', async () => {
    // 180 training rows, batch 256: one iteration per epoch; dropout draws from its stream too.
    const config = moons({ epochs: 30, batchSize: 256, optimizer: { type: 'adam', learningRate: 0.01 } },
      { model: { hidden: [{ units: 8, keepProb: 0.8 }] } });
    const full = await uninterrupted(config);
    for (const at of [1, 2, 13, 25, 29]) {
      assertSame(await interrupted(config, at, false), full, `stop after ${at}`);
      assertSame(await interrupted(config, at, true), full, `pause after ${at}`);
    }
  });

  it('mini-batches: stops inside epochs and at their boundaries', async () => {
    // 180 rows, batch 64: 3 iterations per epoch; 3, 6, 9 end epochs.
    const config = moons({ epochs: 6, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 } }, { data: { source: 'moons', samples: 300, noise: 0.2, augment: { jitter: 0.01 } } });
    const full = await uninterrupted(config);
    for (const at of [1, 3, 4, 6, 8, 9, 17]) {
      assertSame(await interrupted(config, at, at % 2 === 0), full, `interrupt after ${at}`);
    }
  });

  it('a pauseAt epoch boundary (a search rung) resumes bit for bit', async () => {
    const config = moons({ epochs: 6, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 } });
    const full = await uninterrupted(config);
    const dir = tempDir();
    const rec = new Recorder();
    const s = await startSession({ config, runDir: dir }, rec);
    s.trainer.command({ type: 'pauseAt', epoch: 2 });
    const done = s.trainer.run();
    await rec.until('paused');
    s.trainer.command({ type: 'stop' });
    await done;
    s.folder.close();
    const r = await resumeSession(dir, new Recorder());
    await r.trainer.run();
    r.folder.close();
    assertSame(dir, full, 'pauseAt 2');
  });
});
