/**
 * A user's PyTorch script in the real extension: an experiment naming it (engine.python) shows only
 * "▶ Train", whose command starts the script and attaches its run; Pause, Set Learning Rate (marked
 * on the run and drawn by its dashboard), a gradient check, Resume, Stop; and a script whose
 * exception becomes a diagnostic on its .py line. Needs Debian's python3-torch (or GRADIENT_LAB_TEST_PYTHON).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import { api, waitFor, workspaceFile } from './util';

const PYTHON = process.env.GRADIENT_LAB_TEST_PYTHON ?? '/usr/bin/python3';

const TRAIN = `import time
import torch
import gradient_lab as gl

torch.manual_seed(0)
x = torch.randn(256, 4)
y = (x[:, 0] > 0).long()
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
deadline = time.time() + 300
with gl.attach(model, opt, every=5, name="vscode-py") as run:
    run.gradient_check_batch(x[:16], y[:16], torch.nn.functional.cross_entropy)
    while time.time() < deadline:
        for b in range(0, 256, 32):
            loss = torch.nn.functional.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
            opt.zero_grad()
            loss.backward()
            run.step(loss)
            opt.step()
            time.sleep(0.01)
        run.epoch()
`;

const CRASH = `import torch
import gradient_lab as gl


def forward(model, x):
    if model.steps == 3:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")
    return model(x)


model = torch.nn.Sequential(torch.nn.Linear(2, 1))
model.steps = 0
opt = torch.optim.SGD(model.parameters(), lr=0.1)
run = gl.attach(model, opt, name="vscode-crash", task="regression")
x = torch.randn(8, 2)
while True:
    loss = forward(model, x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    run.step(loss)
    opt.step()
    model.steps += 1
`;

describe('python: a PyTorch script in VS Code', function () {
  this.timeout(180_000);
  let gl: GradientLabApi;
  before(async () => { gl = await api(); });

  it('an experiment naming the script: ▶ Train starts it; pause, set LR (marked), gradient check, resume, stop', async () => {
    fs.writeFileSync(workspaceFile('train_vscode.py').fsPath, TRAIN);
    const uri = workspaceFile('torch-script.nn.json');
    fs.writeFileSync(uri.fsPath, JSON.stringify({ name: 'torch-script', engine: { python: 'train_vscode.py', interpreter: PYTHON } }, null, 2));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lenses = await waitFor('CodeLens on the experiment', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.some((c) => c.command?.command === 'gradientLab.startTraining') ? l : undefined;
    });
    const ours = lenses.filter((l) => l.command?.command.startsWith('gradientLab.'));
    assert.deepEqual(ours.map((l) => l.command?.title), ['▶ Train'], 'only Train: Diagnose, the paused check and Search are our engine\'s');
    const lens = ours[0].command!;
    const id = await vscode.commands.executeCommand<string | undefined>(lens.command, ...(lens.arguments ?? []));
    assert.ok(id, 'the run was attached');
    const run = gl.runs.get(id)!;
    assert.equal(run.view.info?.backend, 'pytorch');
    await waitFor('20 iterations', () => run.view.iteration >= 20, 60_000);

    assert.ok(await vscode.commands.executeCommand('gradientLab.pause', id));
    await waitFor('paused', () => run.state === 'paused');
    assert.ok(await vscode.commands.executeCommand('gradientLab.setLearningRate', id, 0.03));
    await waitFor('the LR change on the run', () => run.view.learningRateChanges.length === 1);
    assert.deepEqual(run.view.learningRateChanges.map((c) => [c.from, c.to, c.source]), [[0.1, 0.03, 'user']]);
    const reportId = await vscode.commands.executeCommand<string | undefined>('gradientLab.runGradientCheck', id);
    assert.ok(reportId, 'the gradient check reported');
    assert.equal(run.view.gradientChecks.at(-1)?.band, 'correct');

    assert.ok(await vscode.commands.executeCommand('gradientLab.resume', id));
    const changedAt = run.view.learningRateChanges[0].iteration;
    await waitFor('the dashboard drawing past the LR change', () => {
      const d = gl.dashboard(id);
      return d.open && d.rendered && d.rendered.iteration > changedAt + 5;
    }, 60_000);
    await vscode.commands.executeCommand('gradientLab.stop', id);
    await waitFor('stopped', () => run.state === 'stopped' && !run.live, 60_000);
  });

  it('an exception in the script is a diagnostic on its line, with the traceback as related places', async () => {
    const script = workspaceFile('crash_vscode.py');
    fs.writeFileSync(script.fsPath, CRASH);
    await vscode.workspace.getConfiguration('gradientLab').update('python.interpreter', PYTHON, vscode.ConfigurationTarget.Workspace);
    try {
      const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.trainPythonScript', script);
      assert.ok(id);
      const d = await waitFor('a diagnostic on the script', () => gl.diagnostics(script)[0], 60_000);
      assert.equal(d.range.start.line, 6, 'line 7: the raise');
      assert.match(d.message, /RuntimeError: mat1 and mat2 shapes cannot be multiplied/);
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.deepEqual(d.relatedInformation?.map((r) => [r.location.range.start.line + 1, r.message]), [[17, 'in <module> (line 17)'], [7, 'in forward (line 7)']]);
      await waitFor('the run crashed', () => gl.runs.get(id)?.state === 'crashed', 30_000);
    } finally {
      await vscode.workspace.getConfiguration('gradientLab').update('python.interpreter', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
