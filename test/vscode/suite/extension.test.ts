/**
 * Gradient Lab inside a real VS Code: the extension host, the real command registry, a real
 * engine child process forked from dist/engine.js, real webviews. One long-running training run
 * (breast-cancer, built-in data) is driven through the commands as a user would.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import { alive, api, EXTENSION_ID, sleep, waitFor, workspaceFile } from './util';
import { learningRateSteps } from '../../../src/shared/series';

type RunLike = NonNullable<ReturnType<GradientLabApi['runs']['get']>>;

/** A float64 column of the run folder (costs.f64, lr.f64), whole values only. */
function float64(file: string): Float64Array {
  const buf = fs.readFileSync(file);
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + Math.floor(buf.length / 8) * 8));
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()) : [];
}

describe('Gradient Lab in VS Code', function () {
  this.timeout(120_000);
  let gl: GradientLabApi;
  let runId: string;
  let run: RunLike;

  const get = (id = runId): RunLike => {
    const r = gl.runs.get(id);
    assert.ok(r, `run ${id} is known`);
    return r;
  };

  // Event-loop lag of the extension host while each test runs (the engine lives in another process).
  let lagTimer: ReturnType<typeof setInterval> | undefined;
  let maxLag = 0;
  let last = Date.now();
  before(async () => {
    gl = await api();
    lagTimer = setInterval(() => {
      const now = Date.now();
      maxLag = Math.max(maxLag, now - last - 50);
      last = now;
    }, 50);
  });
  beforeEach(() => {
    maxLag = 0;
    last = Date.now();
  });
  afterEach(function () {
    console.log(`      (extension host max event-loop lag ${maxLag} ms)`);
  });

  after(async () => {
    if (lagTimer) clearInterval(lagTimer);
    // Leave no engine behind whatever happened above.
    for (const r of gl.runs.liveRuns()) await gl.runs.stop(r, 3000);
  });

  it('activates, and its API is the run manager', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext?.isActive);
    assert.ok(fs.existsSync(gl.enginePath), `engine bundle at ${gl.enginePath}`);
    assert.match(gl.runsFolder(), /\.gradient-lab[\\/]runs$/);
  });

  it('registers every command of package.json', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const manifest = ext.packageJSON as { contributes: { commands: { command: string }[] } };
    const declared = manifest.contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.deepEqual([...declared].sort(), [...gl.commands].sort(), 'package.json and the code list the same commands');
    assert.ok(declared.length >= 17);
  });

  it('Start Training on a built-in data set: metrics arrive and the run folder grows', async () => {
    const uri = workspaceFile('cancer.nn.json');
    await vscode.window.showTextDocument(uri);
    const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri);
    assert.ok(id && gl.runs.get(id)?.pending === false, `startTraining returned an announced run's id (${id})`);
    runId = id;
    run = get();
    assert.ok(run.live);
    assert.equal(path.dirname(run.runDir), gl.runsFolder());
    await waitFor('metrics', () => run.view.iterations.count > 20);
    const costs = path.join(run.runDir, 'costs.f64');
    const size1 = fs.statSync(costs).size;
    await waitFor('costs.f64 to grow', () => fs.statSync(costs).size > size1 + 1000);
    for (const f of ['config.json', 'run.json', 'events.jsonl', 'metrics.jsonl', 'lr.f64']) assert.ok(fs.existsSync(path.join(run.runDir, f)), f);
    assert.equal(run.view.info?.config.data.source, 'breast-cancer');
    assert.equal(run.state, 'running');
    await waitFor('status bar text', () => /GL epoch \d+/.test(gl.statusBarText() ?? ''));
  });

  it('opens the dashboard, which receives a snapshot and then deltas', async () => {
    // startTraining opened it already; Open Dashboard reveals it.
    assert.equal(await vscode.commands.executeCommand('gradientLab.openDashboard', runId), true);
    const s = await waitFor('dashboard snapshot', () => {
      const d = gl.dashboard(runId);
      return d.open && d.snapshots >= 1 && d.eventPosts >= 1 ? d : undefined;
    }, 60_000);
    assert.ok(s.events >= s.eventPosts);
    console.log(`      (snapshot ${s.snapshotMs} ms; ${s.eventsIn} events compacted to ${s.events} in ${s.eventPosts} posts; slowest delivery ${s.maxDeliveryMs} ms; run at iteration ${run.view.iteration})`);
    const t0 = Date.now();
    const before = gl.dashboard(runId).eventPosts;
    await sleep(2000);
    const after = gl.dashboard(runId);
    const rate = (after.eventPosts - before) / ((Date.now() - t0) / 1000);
    console.log(`      (${rate.toFixed(1)} posts/s over 2 s; slowest delivery ${after.maxDeliveryMs} ms)`);
    assert.ok(rate <= 11, `≤ 10 posts/s to the webview (measured ${rate.toFixed(1)}/s)`);
  });

  it('Pause: no new iterations for 2 s', async () => {
    assert.equal(await vscode.commands.executeCommand('gradientLab.pause', runId), true);
    await waitFor('paused state', () => run.state === 'paused');
    const n = run.view.iterations.count;
    const costs = path.join(run.runDir, 'costs.f64');
    const size = fs.statSync(costs).size;
    await sleep(2000);
    assert.equal(run.view.iterations.count, n, 'no iterations reached the host');
    assert.equal(fs.statSync(costs).size, size, 'no iterations were written');
    assert.equal(size / 8, run.view.iteration, 'every iteration up to the pause was written');
    assert.ok(fs.existsSync(path.join(run.runDir, 'checkpoints', 'latest.json')), 'pause checkpoints');
  });

  it('Set Learning Rate: the change is recorded and the next iterations use it', async () => {
    const it0 = run.view.iteration;
    assert.equal(await vscode.commands.executeCommand('gradientLab.setLearningRate', runId, 0.0002), true);
    const change = await waitFor('learningRate event', () => run.view.learningRateChanges.find((c) => c.to === 0.0002));
    assert.equal(change.source, 'user');
    assert.equal(change.iteration, it0);
    await waitFor('learningRate in events.jsonl', () => lines(path.join(run.runDir, 'events.jsonl'))
      .some((l) => l.includes('"type":"learningRate"') && l.includes('0.0002')));
    // Step: run exactly 4 iterations (still paused) and check their learning rate.
    assert.equal(await vscode.commands.executeCommand('gradientLab.step', runId, 4), true);
    await waitFor('4 steps', () => run.view.iteration === it0 + 4, 20_000);
    await sleep(300);
    assert.equal(run.view.iteration, it0 + 4, 'Step ran exactly 4 iterations');
    assert.equal(run.state, 'paused');
    await waitFor('4 costs on disk', () => fs.statSync(path.join(run.runDir, 'costs.f64')).size === (it0 + 4) * 8);
    // lr.f64: (iteration, rate) pairs, one per change; the last says iterations it0+1… use the new rate.
    const rates = float64(path.join(run.runDir, 'lr.f64'));
    assert.deepEqual([...rates.slice(-2)], [it0 + 1, 0.0002]);
    const steps = learningRateSteps(run.view);
    const at = (it: number): number => steps.ys[steps.xs.filter((x) => x <= it).length - 1];
    for (let k = 1; k <= 4; k++) assert.equal(at(it0 + k), 0.0002, `iteration ${it0 + k} used the new rate`);
  });

  it('Run Gradient Check: the report arrives (and is saved)', async () => {
    const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.runGradientCheck', runId);
    assert.ok(id, 'a report id');
    const report = run.view.gradientChecks.find((g) => g.id === id);
    assert.ok(report);
    assert.ok(report.tensors.length > 0);
    // The verdict is the engine's business (a long-trained ReLU net can sit on kinks); the report must be whole.
    assert.ok(['correct', 'lookCloser', 'suspicious', 'bug'].includes(report.band));
    assert.ok(Number.isFinite(report.difference));
    console.log(`      (gradient check at iteration ${report.iteration}: ${report.band}, difference ${report.difference.toExponential(2)})`);
    assert.ok(fs.existsSync(path.join(run.runDir, 'gradchecks', `${id}.json`)));
  });

  it('Evaluate on Test Set (confirmed): the look is counted', async () => {
    assert.equal(await vscode.commands.executeCommand('gradientLab.evaluateTest', runId, true), true);
    const t = await waitFor('test result', () => run.view.tests[0]);
    assert.equal(t.looks, 1);
  });

  it('Resume: iterations continue', async () => {
    const n = run.view.iteration;
    assert.equal(await vscode.commands.executeCommand('gradientLab.resume', runId), true);
    await waitFor('running', () => run.state === 'running');
    await waitFor('new iterations', () => run.view.iteration > n + 50);
  });

  it('Export Metrics writes the CSV', async () => {
    const target = vscode.Uri.file(path.join(run.runDir, 'export-test.csv'));
    const file = await vscode.commands.executeCommand<string>('gradientLab.exportMetrics', runId, target);
    assert.equal(file, target.fsPath);
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.ok(text.split('\n').length > 50, 'a row per iteration');
  });

  it('Stop: the engine checkpoints, writes its summary and exits', async () => {
    const pid = run.source?.pid;
    assert.ok(alive(pid));
    assert.equal(await vscode.commands.executeCommand('gradientLab.stop', runId), true);
    assert.equal(run.live, false);
    assert.equal(run.state, 'stopped');
    assert.equal(run.outcome?.crashed, false);
    assert.ok(fs.existsSync(path.join(run.runDir, 'summary.json')));
    assert.ok(!alive(pid), 'engine process gone');
  });

  it('the stopped run\'s dashboard offers Resume From Checkpoint: the run goes on in the same folder', async () => {
    await waitFor('resumable', () => run.resumable);
    const stoppedAt = run.view.iteration;
    await gl.dashboardMessage(runId, { type: 'control', command: 'resumeFromCheckpoint' });
    await waitFor('live again', () => run.live && run.state === 'running');
    await waitFor('iterations beyond the stop', () => run.view.iteration > stoppedAt + 20);
    assert.equal(run.id, runId, 'the same run');
    assert.equal(await vscode.commands.executeCommand('gradientLab.stop', runId), true);
    assert.equal(run.state, 'stopped');
  });

  it('engine killed with SIGKILL → crashed, files intact; Resume From Checkpoint continues the iteration count', async () => {
    const id = await vscode.commands.executeCommand<string>('gradientLab.startTraining', workspaceFile('cancer.nn.json'));
    assert.ok(id && id !== runId);
    const r = get(id);
    // Wait for a few epochs so that checkpoints (checkpointEvery: 1) exist.
    await waitFor('a checkpoint', () => r.view.lastCheckpoint && r.view.lastCheckpoint.iteration > 0 ? r.view.lastCheckpoint : undefined);
    await waitFor('more iterations', () => r.view.iteration > (r.view.lastCheckpoint?.iteration ?? 0) + 5);
    const pid = r.source?.pid;
    assert.ok(pid && alive(pid));
    process.kill(pid, 'SIGKILL');
    await waitFor('crashed', () => !r.live && r.state === 'crashed');
    assert.match(r.view.stateReason ?? '', /SIGKILL/);
    await waitFor('resumable', () => r.resumable);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(r.runDir, 'checkpoints', 'latest.json'), 'utf8')) as { iteration: number };
    const recorded = float64(path.join(r.runDir, 'costs.f64')).length;
    assert.ok(recorded >= checkpoint.iteration && checkpoint.iteration > 0, 'metrics and checkpoint kept');
    assert.ok(!fs.existsSync(path.join(r.runDir, 'summary.json')), 'no summary: it was a crash');
    const killedAt = r.view.iteration;

    const resumed = await vscode.commands.executeCommand<string>('gradientLab.resumeFromCheckpoint', id);
    assert.equal(resumed, id);
    assert.ok(r.live);
    assert.equal(r.view.info?.resumedFrom?.iteration, checkpoint.iteration);
    await waitFor('iterations beyond the kill', () => r.view.iteration > killedAt + 20);
    // The curve continues: one cost per iteration from 1, no gap and no restart at 1.
    assert.equal(r.view.iterations.x0[0], 1);
    await vscode.commands.executeCommand('gradientLab.stop', id);
    assert.equal(r.state, 'stopped');
    assert.equal(r.view.iterations.count, r.view.iteration);
    assert.equal(float64(path.join(r.runDir, 'costs.f64')).length, r.view.iteration, 'costs.f64 holds one cost per iteration, the ones after the checkpoint replaced');
  });

  it('an experiment error becomes a diagnostic on the right line', async () => {
    const uri = workspaceFile('bad.nn.json');
    const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri);
    assert.equal(id, undefined);
    const diags = await waitFor('diagnostics', () => (gl.diagnostics(uri).length ? gl.diagnostics(uri) : undefined));
    const text = fs.readFileSync(uri.fsPath, 'utf8').split('\n');
    const lrLine = text.findIndex((l) => l.includes('learningRate'));
    assert.ok(diags.some((d) => d.range.start.line === lrLine), `a diagnostic on line ${lrLine + 1}: ${diags.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('; ')}`);
    assert.equal(gl.runs.liveRuns().length, 0);
  });

  it('past runs are listed from the runs folder with their states', async () => {
    await gl.runs.refresh();
    const all = gl.runs.list();
    assert.ok(all.length >= 2);
    assert.ok(all.every((r) => !r.live));
    const fromDisk = await gl.runs.load(get());
    assert.ok(fromDisk.iterations.count > 0);
  });
});
