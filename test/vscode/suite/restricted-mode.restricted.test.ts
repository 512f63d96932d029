/**
 * Gradient Lab in Restricted Mode: the same extension in a workspace that is not trusted
 * (workspace trust on, no startup prompt). Run by `npm run test:vscode` in a second code-server
 * pass (`run-integration.mjs --untrusted`); the suite index picks `*.restricted.test.js` files
 * only then. package.json says `untrustedWorkspaces: limited`: past runs are shown, nothing that
 * trains (or reads the experiment's data, or writes run folders) starts, and the workspace's
 * `gradientLab.runsFolder` is ignored (`restrictedConfigurations`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import { summary, writeRunFolder } from '../../host/helpers';
import { api, EXTENSION_ID, sleep, waitFor, workspaceFile } from './util';

describe('Gradient Lab in Restricted Mode', function () {
  this.timeout(60_000);
  let gl: GradientLabApi;
  const pastRun = '20260101-120000-moons';

  before(async () => {
    gl = await api();
  });

  it('the workspace is untrusted and the extension is active', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('the workspace\'s gradientLab.runsFolder is ignored', () => {
    const settings = vscode.Uri.joinPath(workspaceFile('.vscode'), 'settings.json');
    assert.match(fs.readFileSync(settings.fsPath, 'utf8'), /"gradientLab\.runsFolder":\s*"not-trusted-runs"/, 'run.mjs wrote the setting');
    // VS Code hides a restricted setting's workspace value while the workspace is untrusted.
    assert.equal(vscode.workspace.getConfiguration('gradientLab').inspect<string>('runsFolder')?.workspaceValue, undefined);
    assert.match(gl.runsFolder(), /\.gradient-lab[\\/]runs$/);
  });

  it('past runs are listed', async () => {
    writeRunFolder(gl.runsFolder(), pastRun, { iterations: 40, summary: summary('stopped', 40) });
    await gl.runs.refresh();
    const run = await waitFor('the past run', () => gl.runs.get(pastRun));
    assert.equal(run.state, 'stopped');
    assert.equal(run.live, false);
  });

  it('nothing that trains starts: training, overfit, gradient check, resume, LR, search, diagnose, LR finder', async () => {
    const experiment = workspaceFile('cancer.nn.json');
    const search = workspaceFile('search.nn.json');
    const folders = (): string[] => fs.readdirSync(gl.runsFolder()).sort();
    const before = folders();
    const refused: [string, unknown[]][] = [
      ['gradientLab.startTraining', [experiment]],
      ['gradientLab.overfitOneBatch', [experiment]],
      ['gradientLab.runGradientCheck', [experiment]],
      ['gradientLab.resumeFromCheckpoint', [pastRun]],
      ['gradientLab.setLearningRate', [pastRun, 0.01]],
      ['gradientLab.startSearch', [search]],
      ['gradientLab.diagnose', [experiment]],
      ['gradientLab.findLearningRate', [experiment]],
    ];
    for (const [command, args] of refused) {
      const result = await vscode.commands.executeCommand(command, ...args);
      assert.ok(!result, `${command} was refused (it returned ${String(result)})`);
    }
    await sleep(1000);
    assert.deepEqual(gl.runs.liveRuns(), []);
    assert.deepEqual(gl.searches.liveSearches(), []);
    assert.deepEqual(folders(), before, 'no run or search folder was made');
  });

  it('the experiment\'s CodeLens says why instead of offering Train', async () => {
    // The command resolves lenses of an open text model only.
    const doc = await vscode.workspace.openTextDocument(workspaceFile('cancer.nn.json'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.includes('Restricted Mode')), `lenses: ${titles.join(' | ')}`);
    assert.ok(!lenses.some((l) => l.command?.command === 'gradientLab.startTraining'));
  });
});
