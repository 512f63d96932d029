/**
 * A newcomer's first hour (issue 11) in a real VS Code: a new x.nn.json gets CodeLens and
 * diagnostics at once, New Experiment writes a named, non-preview tab per template, and the
 * walkthrough and keybindings are contributed; three runs and a comparison share one results column.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, sleep, waitFor, workspaceFile } from './util';

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
    const about = () => vscode.languages.getDiagnostics(uri).filter((d) => /hiden/.test(d.message));
    await waitFor('a diagnostic for the misspelt "hiden"', () => about().length > 0);
  });

  it('each mistake shows once, in the engine\'s words, as you type and after a Start (not also as a schema warning)', async () => {
    const uri = workspaceFile('newcomer-x.nn.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const about = () => vscode.languages.getDiagnostics(uri).filter((d) => /hiden/.test(d.message));
    await waitFor('the live check\'s diagnostic', () => about().some((d) => d.source === 'Gradient Lab'));
    // The JSON language service validates on its own schedule: give it time to add a second one.
    await sleep(2000);
    assert.equal(about().length, 1, about().map((d) => `${d.source}: ${d.message}`).join(' | '));
    assert.match(about()[0].message, /did you mean "hidden"/);
    // Fixed as you type: the problem goes without a Start.
    const edit = new vscode.WorkspaceEdit();
    const at = doc.getText().indexOf('hiden');
    edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 5)), 'hidden');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the problem to go once fixed', () => vscode.languages.getDiagnostics(uri).every((d) => !/hid/.test(d.message)), 5_000);
    // Broken again and started: the engine's error is not added next to the live one.
    const undo = new vscode.WorkspaceEdit();
    undo.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 6)), 'hiden');
    assert.ok(await vscode.workspace.applyEdit(undo));
    assert.equal(await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri), undefined);
    await waitFor('the live diagnostic back', () => about().length > 0);
    await sleep(1000);
    assert.equal(about().length, 1, about().map((d) => `${d.source}: ${d.message}`).join(' | '));
  });

  it('IntelliSense stays: field and value completions with their docs come from the schema', async () => {
    const uri = workspaceFile('newcomer-complete.nn.json');
    created.push(uri);
    const text = '{"data": {"source": ""}, "model": {}}\n';
    fs.writeFileSync(uri.fsPath, text);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const labels = async (offset: number) => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, doc.positionAt(offset));
      return list.items;
    };
    const fields = await waitFor('field completions in "model"', async () => {
      const items = await labels(text.indexOf('{}') + 1);
      return items.some((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'hidden') ? items : undefined;
    });
    assert.ok(fields.some((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'init'));
    const values = await labels(text.indexOf('""') + 1);
    const moons = values.find((i) => /moons/.test(typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(moons, `a "moons" value completion among ${values.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)).join(', ')}`);
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

  it('three runs and a comparison: one dashboard column beside the editor, tabs and tree rows told apart by start time', async () => {
    const gl = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const uri = workspaceFile('newcomer-layout.nn.json');
    created.push(uri);
    // Same name three times, so the titles must tell them apart; short, so the runs end on their own.
    fs.writeFileSync(uri.fsPath, JSON.stringify({ name: 'layout', seed: 1, data: { source: 'moons', samples: 200 }, model: { hidden: [{ units: 4 }] }, training: { epochs: 2, threads: 1 } }));
    await vscode.window.showTextDocument(uri, { preview: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri);
      assert.ok(id, `run ${i + 1} started`);
      ids.push(id);
      // Looking at the new dashboard makes its group the active one: "Beside" would open a third group.
      await vscode.commands.executeCommand('gradientLab.openDashboard', id);
      await waitFor('the dashboard focused', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview);
      // Folder names are stamped to the second: let the three start times differ.
      await sleep(1100);
    }
    await vscode.commands.executeCommand('gradientLab.compareRuns', ids);
    const isResult = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && /gradientLab\.(dashboard|compare)$/.test(t.input.viewType);
    const groups = await waitFor('three dashboards and a comparison open', () => {
      const g = vscode.window.tabGroups.all;
      return g.flatMap((x) => x.tabs).filter(isResult).length === 4 ? g : undefined;
    });
    const withResults = groups.filter((g) => g.tabs.some(isResult));
    assert.equal(groups.length, 2, `the editor and one results column (groups: ${groups.map((g) => g.tabs.map((t) => t.label).join(', ')).join(' | ')})`);
    assert.equal(withResults.length, 1);
    assert.ok(withResults[0].tabs.every(isResult), 'the results column holds only results');
    assert.ok(groups.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === uri.fsPath)), 'the experiment keeps its own group');
    const dashboards = withResults[0].tabs.filter((t) => (t.input as vscode.TabInputWebview).viewType.endsWith('gradientLab.dashboard')).map((t) => t.label);
    assert.equal(new Set(dashboards).size, 3, `distinct dashboard titles: ${dashboards.join(', ')}`);
    for (const t of dashboards) assert.match(t, /^Gradient Lab: layout · \d\d:\d\d:\d\d/);
    const rows = gl.runsTree.children().map((r) => gl.runsTree.item(r)).filter((item) => ids.some((id) => item.id?.endsWith(id)));
    const rowLabels = rows.map((item) => (typeof item.label === 'string' ? item.label : item.label?.label ?? ''));
    assert.equal(rowLabels.length, 3);
    assert.deepEqual(new Set(rowLabels), new Set(dashboards.map((t) => t.replace(/^Gradient Lab: /, ''))), 'the tree rows and the tabs say the same');
    for (const id of ids) {
      const r = gl.runs.get(id);
      if (r?.live) await gl.runs.stop(r, 3000);
    }
  });

  it('a data error leaves the Problems view once the CSV is fixed, without another Start', async () => {
    const gl = await api();
    const csv = workspaceFile('newcomer-data.csv');
    const uri = workspaceFile('newcomer-csv.nn.json');
    created.push(csv, uri);
    const rows = (bad: boolean) => ['x1,x2,y', ...Array.from({ length: 40 }, (_, i) => `${i / 10},${bad && i === 2 ? 'abc' : (i % 7) * 0.3},${i % 2}`)].join('\n') + '\n';
    fs.writeFileSync(csv.fsPath, rows(true));
    fs.writeFileSync(uri.fsPath, JSON.stringify({ name: 'csv', data: { source: { csv: 'newcomer-data.csv', label: 'y' } }, model: { hidden: [{ units: 3 }] }, training: { epochs: 1 } }, null, 2));
    assert.equal(await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri), undefined);
    const onCsv = await waitFor('a diagnostic on the CSV line', () => (gl.diagnostics(csv).length ? gl.diagnostics(csv) : undefined));
    assert.equal(onCsv[0].range.start.line, 3, onCsv[0].message);
    assert.ok(gl.diagnostics(uri).some((d) => /abc/.test(d.message)), 'and where the experiment names the file');
    // A change event for the file as the engine read it (a watcher reporting a save late; here the
    // same bytes with the same modification time) leaves the report.
    const { atimeMs, mtimeMs } = fs.statSync(csv.fsPath);
    fs.writeFileSync(csv.fsPath, rows(true));
    fs.utimesSync(csv.fsPath, atimeMs / 1000, mtimeMs / 1000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(gl.diagnostics(csv).length > 0, 'a stale change event does not drop the report');
    fs.writeFileSync(csv.fsPath, rows(false));
    await waitFor('the CSV\'s problems to go once it is fixed on disk', () => gl.diagnostics(csv).length === 0 && gl.diagnostics(uri).length === 0, 15_000);

    // Fixed in the editor instead: the first edit drops the report.
    fs.writeFileSync(csv.fsPath, rows(true));
    assert.equal(await vscode.commands.executeCommand<string | undefined>('gradientLab.startTraining', uri), undefined);
    await waitFor('the CSV diagnostic again', () => gl.diagnostics(csv).length > 0);
    const doc = await vscode.workspace.openTextDocument(csv);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(csv, doc.lineAt(3).range, '0.2,0.6,0');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the problems to go on the first edit', () => gl.diagnostics(csv).length === 0 && gl.diagnostics(uri).length === 0, 5_000);
    await doc.save();
  });

  it('contributes the walkthrough and the dashboard keybindings', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: unknown[] }[]; keybindings: { command: string }[] } };
    assert.equal(pkg.contributes.walkthroughs[0].id, 'gradientLab.firstHour');
    assert.equal(pkg.contributes.walkthroughs[0].steps.length, 5);
    assert.deepEqual(pkg.contributes.keybindings.map((k) => k.command).sort(), ['gradientLab.pause', 'gradientLab.resume', 'gradientLab.step']);
  });
});
