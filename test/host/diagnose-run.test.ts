/**
 * Diagnose through a real forked engine (dist/engine.js) as the extension runs it: the one-shot
 * command's progress and report, a located config error, cancelling; and the range test on a live
 * run's weights over IPC, between iterations.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnoseError, startDiagnose } from '../../src/extension/diagnose/diagnose-run';
import { EngineProcess } from '../../src/extension/runs/engine-process';
import type { EngineEvent } from '../../src/shared/protocol';
import { tempDir } from './helpers';

const ENGINE = path.join(__dirname, '..', '..', 'dist', 'engine.js');
const spawn = (): EngineProcess => new EngineProcess({ enginePath: ENGINE });

describe('host: Diagnose in a forked engine', function () {
  this.timeout(60000);
  let dir: string;
  let cleanup: () => void;
  before(() => ({ dir, cleanup } = tempDir('gl-diagnose-run-')));
  after(() => cleanup());
  const write = (name: string, json: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
    return file;
  };

  it('reports progress before each check, then the report, and writes no run folder', async () => {
    const file = write('moons.nn.json', { data: { source: 'moons', samples: 300 }, training: { backend: 'ts' } });
    const progress: string[] = [];
    const report = await startDiagnose(spawn, { configPath: file }, (id, i, n) => progress.push(`${i + 1}/${n} ${id}`)).result;
    assert.ok(report);
    assert.equal(report.checks.length, 8);
    assert.equal(progress.length, 8);
    assert.equal(progress[0], '1/8 initialLoss');
    assert.ok(report.lrFind && report.lrFind.lrs.length > 10);
    assert.ok(!fs.existsSync(path.join(dir, '.gradient-lab')));
  });

  it('a bad experiment rejects with the located config error', async () => {
    const file = write('bad.nn.json', '{\n  "data": { "source": "moons" },\n  "training": { "optimizer": { "learningRate": -1 } }\n}\n');
    await assert.rejects(startDiagnose(spawn, { configPath: file }).result, (e: unknown) => {
      assert.ok(e instanceof DiagnoseError);
      assert.equal(e.info.code, 'config');
      assert.equal(e.info.line, 3);
      return true;
    });
  });

  it('cancel kills the engine and resolves with null', async () => {
    const file = write('digits.nn.json', { data: { source: 'digits' }, model: { hidden: [{ units: 256 }, { units: 256 }] }, training: { backend: 'ts' } });
    let run: ReturnType<typeof startDiagnose> | null = null;
    run = startDiagnose(spawn, { configPath: file }, (_id, index) => {
      if (index === 1) run!.cancel();
    });
    assert.equal(await run.result, null);
  });

  it('the range test on a live run: an lrFind event with its request id, and the run goes on', async () => {
    const file = write('live.nn.json', { data: { source: 'moons', samples: 300 }, training: { epochs: 100000, batchSize: 32, backend: 'ts' } });
    const engine = spawn();
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const until = async (what: string, check: () => boolean): Promise<void> => {
      const end = Date.now() + 30000;
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      engine.send({ type: 'start', configPath: file, runDir: path.join(dir, 'live-run') });
      await until('training', () => events.some((e) => e.type === 'telemetry' && (e.iterations?.count ?? 0) > 0));
      engine.send({ type: 'lrFind', requestId: 'r1', options: { steps: 40 } });
      await until('the range test', () => events.some((e) => e.type === 'lrFind'));
      const found = events.find((e): e is Extract<EngineEvent, { type: 'lrFind' }> => e.type === 'lrFind')!;
      assert.equal(found.requestId, 'r1');
      assert.equal(found.result.from, 'current');
      assert.ok(found.result.iteration > 0);
      assert.equal(found.result.options.steps, 40);
      const at = events.filter((e) => e.type === 'telemetry').length;
      await until('more iterations after it', () => events.filter((e) => e.type === 'telemetry').length > at + 1);
      // Bad options are refused by the protocol check, not run.
      engine.send({ type: 'lrFind', options: { steps: -3 } } as never);
      await until('the refusal', () => events.some((e) => e.type === 'log' && /malformed/.test(e.message)));
    } finally {
      engine.send({ type: 'stop' });
      await new Promise<void>((resolve) => engine.onExit(() => resolve()));
    }
  });
});
