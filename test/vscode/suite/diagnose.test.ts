/**
 * Diagnose and Find Learning Rate inside a real VS Code: the commands fork the real engine, the
 * report panel (a real webview) draws each check's status and the range test's chart and says
 * what it drew; Apply writes the learning rate into the experiment file as an undoable edit; on a
 * live run the range test sweeps its current weights and "Set on the run" changes its rate.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import type { DiagnoseReport, LrFindResult } from '../../../src/shared/diagnosis';
import { api, waitFor, workspaceFile } from './util';

describe('Diagnose in VS Code', function () {
  this.timeout(120_000);
  let gl: GradientLabApi;
  const moons = (): vscode.Uri => workspaceFile('diagnose-moons.nn.json');
  const zeros = (): vscode.Uri => workspaceFile('diagnose-zeros.nn.json');
  const runFolders = (): string[] => (fs.existsSync(gl.runsFolder()) ? fs.readdirSync(gl.runsFolder()).sort() : []);

  before(async () => {
    gl = await api();
  });
  after(async () => {
    for (const r of gl.runs.liveRuns()) await gl.runs.stop(r, 3000);
  });

  it('the CodeLens offers Diagnose next to Train', async () => {
    const doc = await vscode.workspace.openTextDocument(moons());
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const commands = lenses.map((l) => l.command?.command);
    assert.ok(commands.includes('gradientLab.diagnose'), `lenses: ${commands.join(', ')}`);
    assert.equal(commands.indexOf('gradientLab.diagnose'), commands.indexOf('gradientLab.startTraining') + 1);
  });

  it('Diagnose on a healthy experiment: the report card shows eight passing checks, and no run folder appears', async () => {
    const before = runFolders();
    const report = await vscode.commands.executeCommand<DiagnoseReport>('gradientLab.diagnose', moons());
    assert.ok(report, 'the command resolves with the report');
    assert.equal(report.status, 'pass', report.checks.map((c) => `${c.id} ${c.status}: ${c.measured}`).join('\n'));
    const rendered = await waitFor('the report card to render', () => {
      const s = gl.diagnosePanel(moons().fsPath);
      return s.open && s.rendered?.phase === 'done' && s.rendered.checks.length === 8 ? s.rendered : undefined;
    });
    assert.deepEqual(rendered.checks, report.checks.map((c) => ({ id: c.id, status: c.status })));
    assert.ok(rendered.checks.every((c) => c.status === 'pass'));
    assert.ok(rendered.lrPoints > 10, `the range test's chart drew ${rendered.lrPoints} points`);
    assert.equal(rendered.suggestion, report.lrFind?.suggestion?.lr);
    assert.deepEqual(runFolders(), before, 'no run folder was made');
  });

  it('Diagnose on a zero-initialised deep net: the failing checks show as failed', async () => {
    const report = await vscode.commands.executeCommand<DiagnoseReport>('gradientLab.diagnose', zeros());
    assert.equal(report.status, 'fail');
    const rendered = await waitFor('the broken report card', () => {
      const s = gl.diagnosePanel(zeros().fsPath);
      return s.rendered?.phase === 'done' && s.rendered.checks.length === 8 ? s.rendered : undefined;
    });
    const status = Object.fromEntries(rendered.checks.map((c) => [c.id, c.status]));
    assert.equal(status.overfitTiny, 'fail');
    assert.equal(status.updateRatio, 'fail');
    assert.equal(status.deadUnits, 'fail');
    assert.equal(status.lrRange, 'fail');
    assert.equal(status.gradientCheck, 'pass');
  });

  it('Find Learning Rate on a live run sweeps its current weights; "Set on the run" changes its rate', async () => {
    const id = await vscode.commands.executeCommand<string>('gradientLab.startTraining', moons());
    assert.ok(id && gl.runs.get(id)?.pending === false, `startTraining returned an announced run's id (${id})`);
    const run = gl.runs.get(id)!;
    await waitFor('some iterations', () => run.view.iteration > 200);
    const result = await vscode.commands.executeCommand<LrFindResult>('gradientLab.findLearningRate', id);
    assert.ok(result, 'the range test reported');
    assert.equal(result.from, 'current');
    assert.ok(result.iteration > 200, `swept at iteration ${result.iteration}`);
    const key = `run:${id}`;
    await waitFor('the run\'s range-test panel', () => gl.diagnosePanel(key).rendered?.phase === 'done');
    assert.ok(result.suggestion, result.note);
    const at = run.view.iteration;
    await waitFor('the run to go on', () => run.view.iteration > at + 50);
    await gl.diagnoseMessage(key, { type: 'diagnoseAction', action: 'applyLearningRate', target: 'run' });
    const expected = Number(result.suggestion.lr.toPrecision(2));
    await waitFor('the new rate on the run', () => run.view.learningRateChanges.some((c) => c.source === 'user' && c.to === expected));
    assert.match(gl.diagnosePanel(key).state?.applied ?? '', /set to/);
    await vscode.commands.executeCommand('gradientLab.stop', id);
  });

  it('Find Learning Rate on the file: the chart shows, Apply writes the rate into the file (undoable), malformed asks are ignored', async () => {
    const file = moons().fsPath;
    const original = fs.readFileSync(file, 'utf8');
    const result = await vscode.commands.executeCommand<LrFindResult>('gradientLab.findLearningRate', moons());
    assert.ok(result?.suggestion, 'a suggestion');
    assert.equal(result.from, 'initial');
    const rendered = await waitFor('the range-test chart', () => {
      const s = gl.diagnosePanel(file);
      return s.state?.kind === 'lrFind' && s.rendered?.phase === 'done' && s.rendered.lrPoints > 0 ? s.rendered : undefined;
    });
    assert.equal(rendered.suggestion, result.suggestion.lr);
    assert.equal(rendered.lrPoints, result.lrs.length);

    await gl.diagnoseMessage(file, { type: 'diagnoseAction', action: 'applyLearningRate', target: 'elsewhere' });
    assert.equal(fs.readFileSync(file, 'utf8'), original, 'a malformed message changes nothing');

    await gl.diagnoseMessage(file, { type: 'diagnoseAction', action: 'applyLearningRate', target: 'file' });
    const value = Number(result.suggestion.lr.toPrecision(2));
    const written = await waitFor('the file on disk to have the new rate', () => {
      const text = fs.readFileSync(file, 'utf8');
      return text !== original ? text : undefined;
    });
    assert.equal(written, original.replace('"learningRate": 0.005', `"learningRate": ${value}`), 'only the learning rate changed');
    assert.match(gl.diagnosePanel(file).state?.applied ?? '', /learningRate/);

    // Undo in the file's editor takes it back.
    const editor = await vscode.window.showTextDocument(moons(), { preview: false });
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), original);
    await editor.document.save();
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  it('a check\'s fix button applies its edit (the range test\'s rate from the Diagnose card)', async () => {
    const file = moons().fsPath;
    const original = fs.readFileSync(file, 'utf8');
    const report = await vscode.commands.executeCommand<DiagnoseReport>('gradientLab.diagnose', moons());
    const lr = report.checks.find((c) => c.id === 'lrRange')!;
    assert.ok(lr.fix, 'the range-test card has a fix');
    await waitFor('the card', () => gl.diagnosePanel(file).rendered?.phase === 'done');
    await gl.diagnoseMessage(file, { type: 'diagnoseAction', action: 'fix', check: 'lrRange' });
    await waitFor('the fix written', () => fs.readFileSync(file, 'utf8') !== original);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).training.optimizer.learningRate, lr.fix.edits[0].value);
    fs.writeFileSync(file, original);
  });

  it('a bad experiment: the panel shows the error and the file gets a located diagnostic', async () => {
    const uri = workspaceFile('bad.nn.json');
    const report = await vscode.commands.executeCommand('gradientLab.diagnose', uri);
    assert.equal(report, undefined);
    const state = await waitFor('the error state', () => {
      const s = gl.diagnosePanel(uri.fsPath);
      return s.state?.phase === 'error' ? s.state : undefined;
    });
    assert.ok(state.error);
    const diags = await waitFor('a diagnostic on bad.nn.json', () => (gl.diagnostics(uri).length > 0 ? gl.diagnostics(uri) : undefined));
    assert.ok(diags[0].range.start.line > 0, 'located on a line of the file');
  });
});
