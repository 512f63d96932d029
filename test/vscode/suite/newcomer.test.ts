/**
 * A newcomer's first hour (issue 11) in a real VS Code: a new x.nn.json gets CodeLens and
 * diagnostics at once, New Experiment writes a named, non-preview tab per template, and the
 * walkthrough and keybindings are contributed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, waitFor, workspaceFile } from './util';

describe('Gradient Lab: a newcomer\'s first hour', function () {
  this.timeout(60_000);
  const created: vscode.Uri[] = [];

  before(async () => {
    await api();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of created) fs.rmSync(uri.fsPath, { force: true });
  });

  it('a new x.nn.json gets its CodeLens and diagnostics as soon as it is opened', async () => {
    const uri = workspaceFile('newcomer-x.nn.json');
    created.push(uri);
    fs.writeFileSync(uri.fsPath, '{"data": {"source": "moons"}, "model": {"hiden": []}}\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor('CodeLens on the new file', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.some((c) => c.command?.command === 'gradientLab.startTraining') ? l : undefined;
    });
    assert.ok(lenses.length >= 2);
    await waitFor('a diagnostic for the misspelt "hiden"', () => vscode.languages.getDiagnostics(uri).some((d) => /hiden/.test(d.message)));
  });

  it('New Experiment: the file is named after the template, opens as a normal tab, a second copy does not replace the first', async () => {
    const first = await vscode.commands.executeCommand<string>('gradientLab.newExperiment', 'initialization.he.nn.json', 'newcomer-he.nn.json');
    const second = await vscode.commands.executeCommand<string>('gradientLab.newExperiment', 'blank.nn.json', 'newcomer-blank.nn.json');
    assert.ok(first && second);
    created.push(vscode.Uri.file(first), vscode.Uri.file(second));
    assert.equal((JSON.parse(fs.readFileSync(first, 'utf8')) as { name: string }).name, 'newcomer-he');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const tabOf = (file: string) => tabs.find((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === file);
    assert.ok(tabOf(first) && tabOf(second), 'both files stay open');
    assert.equal(tabOf(first)!.isPreview, false);
    assert.equal(tabOf(second)!.isPreview, false);
  });

  it('contributes the walkthrough and the dashboard keybindings', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: unknown[] }[]; keybindings: { command: string }[] } };
    assert.equal(pkg.contributes.walkthroughs[0].id, 'gradientLab.firstHour');
    assert.equal(pkg.contributes.walkthroughs[0].steps.length, 5);
    assert.deepEqual(pkg.contributes.keybindings.map((k) => k.command).sort(), ['gradientLab.pause', 'gradientLab.resume', 'gradientLab.step']);
  });
});
