/**
 * python/gradient_lab end to end: real PyTorch scripts (Debian's python3-torch) write run folders
 * the host replays, and a live one is driven through the host's own attach path (AttachedEngine +
 * RunManager.attachFolder): pause, set the LR, resume, stop.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AttachedEngine } from '../../src/extension/runs/attached-engine';
import { launchPythonScript, type PythonScript } from '../../src/extension/runs/python-script';
import { loadRunFolder } from '../../src/extension/runs/run-folder';
import { RunManager, type Run } from '../../src/extension/runs/run-manager';
import { badCount, columnIndex } from '../../src/shared/buckets';
import type { EngineErrorInfo } from '../../src/shared/protocol';
import { tempDir } from '../host/helpers';

const PYTHON = process.env.GRADIENT_LAB_TEST_PYTHON ?? '/usr/bin/python3';
const MODULE = path.resolve(__dirname, '../../python');
const SCRIPTS = path.join(__dirname, 'scripts');

function runScript(script: string, runsDir: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, [path.join(SCRIPTS, script)], {
    env: { ...process.env, GRADIENT_LAB_RUNS_DIR: runsDir, PYTHONPATH: MODULE }, encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A host that forks nothing and attaches to whatever a script serves, logging into `logs`. */
function attachingRuns(runsDir: string, logs: string[], stopTimeoutMs: number): RunManager {
  return new RunManager({
    runsDir: () => runsDir,
    spawn: () => { throw new Error('no engine is forked here'); },
    attach: (runDir) => AttachedEngine.connect(runDir, (m) => logs.push(m)),
    log: (m) => logs.push(m),
    stopTimeoutMs,
  });
}

describe('python: the PyTorch module (python/gradient_lab)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;

  before(function () {
    const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`these tests need PyTorch: "${PYTHON} -c 'import torch'" failed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}). `
        + 'Install python3-torch (apt) or set GRADIENT_LAB_TEST_PYTHON to an interpreter that has torch.');
    }
  });
  beforeEach(() => {
    tmp = tempDir('gl-python-');
  });
  afterEach(() => tmp.cleanup());

  it('Python unit tests: update ratio against hand SGD (momentum, weight decay), norms, dead ReLU, LR rescaling with schedulers, wire tokens', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', path.join(MODULE, 'tests')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Ran \d+ tests/);
  });

  it('a finished script leaves a run folder that replays: iterations, epochs, layer statistics, summary', async () => {
    const r = runScript('tiny_train.py', tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    const [dir] = (await import('node:fs')).readdirSync(tmp.dir).map((d) => path.join(tmp.dir, d));
    const view = await loadRunFolder(dir);
    assert.equal(view.state, 'finished');
    assert.equal(view.summary?.state, 'finished');
    assert.equal(view.summary?.iterations, 12);
    assert.equal(view.iteration, 12);
    assert.equal(view.iterations.count, 12);
    assert.equal(view.epochs.count, 3);
    assert.equal(view.lastEpoch?.devError, 0.25);
    assert.equal(view.info?.backend, 'pytorch');
    assert.equal(view.info?.iterationsPerEpoch, 4);
    assert.equal(view.info?.config.training.epochs, 3, 'the epochs the script gave, for the header');
    assert.deepEqual(view.info?.layers.map((l) => l.label), ['0', '2', '4']);
    // Samples at steps 5 and 10, each with every layer's statistics measured.
    assert.equal(view.layers?.count, 2);
    assert.equal(view.lastLayers?.iteration, 10);
    const [l0, l2] = view.lastLayers?.layers ?? [];
    assert.ok(l0.gradNorm > 0 && l0.weightNorm > 0 && l0.updateRatio > 0 && l0.meanAbsGrad > 0, JSON.stringify(l0));
    assert.ok(l0.deadRelu >= 0 && l0.deadRelu <= 1 && l0.activationStd > 0, 'layer 0 gets the ReLU after it');
    assert.ok(l2.saturated >= 0 && l2.saturated <= 1 && l2.activationStd > 0, 'layer 2 gets the Tanh after it');
    assert.ok(view.lastCheckpoint, 'a checkpoint at the end');
    assert.equal(view.flags.length, 0, 'a healthy run raises no flag');
  });

  it('a NaN made by a module is flagged with that module', async () => {
    const r = runScript('nan_train.py', tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    const [dir] = (await import('node:fs')).readdirSync(tmp.dir).map((d) => path.join(tmp.dir, d));
    const view = await loadRunFolder(dir);
    const flag = view.flags.find((f) => f.kind === 'nonFinite');
    assert.ok(flag, 'a nonFinite flag');
    assert.equal(flag.layer, 'trouble');
    assert.equal(flag.tensor, 'output');
    assert.equal(flag.iteration, 7);
    assert.ok(badCount(view.iterations, columnIndex(view.iterations, 'cost')) >= 1, 'the NaN cost is kept, not dropped');
  });

  it('an exception in the script ends the run crashed, with the error and its line', async () => {
    const r = runScript('raise_train.py', tmp.dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ValueError: shapes do not match/, 'the traceback still reaches stderr');
    const [dir] = (await import('node:fs')).readdirSync(tmp.dir).map((d) => path.join(tmp.dir, d));
    const view = await loadRunFolder(dir);
    assert.equal(view.state, 'crashed');
    assert.equal(view.summary?.reason, 'ValueError: shapes do not match');
    assert.equal(view.summary?.iterations, 5);
    assert.equal(view.errors.length, 1);
    const events = (await import('node:fs')).readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
    assert.match(events, /"file":"[^"]*raise_train\.py","line":16/);
    const { error } = events.trim().split('\n').map((l) => JSON.parse(l) as { type: string; error: EngineErrorInfo }).find((e) => e.type === 'error')!;
    assert.equal(error.code, 'python', 'the host puts it on the script as a diagnostic');
    assert.deepEqual(error.frames?.map((f) => [path.basename(f.file), f.line, f.name]), [['raise_train.py', 16, '<module>']]);
  });

  it('a DDP script under torchrun (two ranks): found by its launch id, rank 0 reports, an LR change and stop reach both ranks alike', async () => {
    const logs: string[] = [];
    const runs = attachingRuns(tmp.dir, logs, 30_000);
    let stdout = '';
    const script = launchPythonScript({
      interpreter: PYTHON, script: path.join(SCRIPTS, 'ddp_long.py'), nprocPerNode: 2, runsDir: tmp.dir, modulePath: MODULE,
      env: { OMP_NUM_THREADS: '1' }, onOutput: (t, s) => { if (s === 'stdout') stdout += t; },
    });
    try {
      const dir = await script.runDir;
      const run = await runs.attachFolder(dir) as Run;
      assert.ok(run, `attached (${logs.join('; ')})`);
      await run.ready;
      await until('20 iterations', () => run.view.iteration >= 20, 60_000);
      runs.send(run, { type: 'setLearningRate', value: 0.025 });
      await until('the LR change', () => run.view.learningRateChanges.length === 1, 30_000);
      await until('10 more iterations', () => run.view.iteration >= run.view.learningRateChanges[0].iteration + 10, 30_000);
      await runs.stop(run);
      assert.equal(run.view.summary?.state, 'stopped');
      const exit = await script.exited;
      assert.equal(exit.code, 0, 'torchrun ends cleanly: every rank stopped');
      const ranks = [...stdout.matchAll(/RANK (\d) STEPS (\d+) LR (\S+) SUM (\S+)/g)].map((m) => m.slice(1));
      assert.equal(ranks.length, 2, stdout);
      const [a, b] = ranks.sort();
      assert.deepEqual(a.slice(1), b.slice(1), 'same steps, LR and weights on both ranks');
      assert.equal(a[2], '0.025');
      assert.equal((await import('node:fs')).readdirSync(tmp.dir).length, 1, 'one run folder: rank 0\'s');
    } finally {
      if (script.child.exitCode === null) script.child.kill('SIGKILL');
    }
  });

  it('a live script is attached to and driven by the host: pause, set LR, gradient check, resume, stop', async () => {
    const logs: string[] = [];
    const runs = attachingRuns(tmp.dir, logs, 20_000);
    let stdout = '';
    const script: PythonScript = launchPythonScript({
      interpreter: PYTHON, script: path.join(SCRIPTS, 'long_train.py'), runsDir: tmp.dir, modulePath: MODULE,
      onOutput: (t, s) => { if (s === 'stdout') stdout += t; },
    });
    try {
      const dir = await script.runDir;
      const run = await runs.attachFolder(dir) as Run;
      assert.ok(run, `attached (${logs.join('; ')})`);
      await run.ready;
      await until('20 iterations', () => run.view.iteration >= 20);
      assert.equal(run.view.info?.backend, 'pytorch');

      assert.ok(runs.send(run, { type: 'pause' }));
      await until('paused', () => run.state === 'paused');
      const at = run.view.iteration;
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(run.view.iteration, at, 'no iteration while paused');

      runs.send(run, { type: 'setLearningRate', value: 0.05 });
      await until('the LR change', () => run.view.learningRateChanges.length === 1);
      assert.deepEqual(run.view.learningRateChanges.map((c) => [c.from, c.to, c.source]), [[0.1, 0.05, 'user']]);
      assert.equal(run.view.iteration, at, 'an LR change while paused runs no iteration');

      runs.send(run, { type: 'gradientCheck', requestId: 'gc-1' });
      await until('the gradient check', () => run.view.gradientChecks.length === 1);
      const [check] = run.view.gradientChecks;
      assert.equal(check.band, 'correct', JSON.stringify(check));
      assert.deepEqual(check.tensors.map((t) => `${t.layer}.${t.tensor}`), ['0.weight', '0.bias', '2.weight', '2.bias']);
      assert.equal(run.view.iteration, at, 'a gradient check while paused runs no iteration');

      runs.send(run, { type: 'step', iterations: 3 });
      await until('3 steps then paused', () => run.view.iteration === at + 3 && run.state === 'paused');
      runs.send(run, { type: 'resume' });
      await until('running again', () => run.view.iteration > at + 13);
      assert.equal(run.state, 'running');

      await runs.stop(run);
      assert.equal(run.view.summary?.state, 'stopped');
      assert.equal(run.state, 'stopped');
      const exit = await script.exited;
      assert.equal(exit.code, 0);
      await until('the run ended on the host', () => !run.live);
      assert.equal(run.resumable, false, 'our engine cannot resume a torch.save checkpoint: no Resume offered');
      await assert.rejects(runs.resumeFromCheckpoint(run), /trained by a Python script/);
      // Both param groups halved (their ratio kept), and the scheduler's base LRs with them.
      assert.match(stdout, /LR 0\.05 0\.1 BASE 0\.05 0\.1/);
      const replay = await loadRunFolder(dir);
      assert.equal(replay.summary?.state, 'stopped');
      assert.equal(replay.learningRateChanges.length, 1);
      assert.ok(replay.lastCheckpoint);
      assert.equal(replay.gradientChecks[0]?.id, check.id, 'the report is in the run folder');
    } finally {
      if (script.child.exitCode === null) script.child.kill('SIGKILL');
    }
  });
});
