/**
 * Hyperparameter search inside a real VS Code: "Start Hyperparameter Search" on a small search
 * (moons, 6 trials × 5 epochs, 2 at once) forks dist/search.js, which forks the trials' engines;
 * the trials appear in the Runs tree under their search and in the search view's own model (what
 * the webview reports back); one is killed from the tree's command while the others finish;
 * search.json agrees; a trial's dashboard is the normal run dashboard; the best config is exported.
 * A bad search block becomes a diagnostic on its line.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../src/extension/extension';
import type { SearchFile } from '../../../src/shared/search-protocol';
import { alive, api, sleep, waitFor, workspaceFile } from './util';

type Search = ReturnType<GradientLabApi['searches']['list']>[number];

describe('Hyperparameter search in VS Code', function () {
  this.timeout(90_000);
  let gl: GradientLabApi;
  let dir: string;
  let search: Search;
  let t0 = Date.now();

  before(async () => {
    t0 = Date.now();
    gl = await api();
  });

  after(async () => {
    // Leave no search process behind whatever happened above.
    for (const s of gl.searches.liveSearches()) await gl.searches.stop(s, 5000);
    console.log(`      (search suite: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  it('Start Hyperparameter Search: the search folder is made in the runs folder, the search view opens', async () => {
    const uri = workspaceFile('search.nn.json');
    await vscode.window.showTextDocument(uri);
    const started = Date.now();
    const result = await vscode.commands.executeCommand<string | undefined>('gradientLab.startSearch', uri);
    assert.ok(result, 'startSearch returned the search folder');
    dir = result;
    assert.equal(path.dirname(dir), gl.runsFolder());
    assert.match(path.basename(dir), /^\d{8}-\d{6}-it-search-search$/);
    const s = gl.searches.get(dir);
    assert.ok(s && s.live, 'a live search');
    search = s;
    assert.ok(fs.existsSync(path.join(dir, 'search.json')));
    console.log(`      (search started in ${Date.now() - started} ms)`);
  });

  it('its trials appear: in the Runs tree under the search, and in the search view\'s model', async () => {
    // The tree: a search node among the roots, six trial rows under it.
    const node = await waitFor('the search in the Runs tree', () => gl.runsTree.children().find((e) => e === search));
    const item = gl.runsTree.item(node);
    assert.equal(item.label, 'it-search');
    assert.match(String(item.contextValue), /^glSearch searchState=(running|starting) owned=1/);
    const rows = await waitFor('six trial rows', () => {
      const c = gl.runsTree.children(node);
      return c.length === 6 ? c : undefined;
    });
    const labels = rows.map((r) => String(gl.runsTree.item(r).label).replace('★ ', ''));
    assert.deepEqual(labels, ['trial-001', 'trial-002', 'trial-003', 'trial-004', 'trial-005', 'trial-006']);
    assert.ok(rows.every((r) => /^glTrial trial=/.test(String(gl.runsTree.item(r).contextValue))));
    // The search view: the webview folded the snapshot and deltas and reports six rows.
    const rendered = await waitFor('the search view to render six trials', () => {
      const v = gl.searchView(dir);
      return v.open && v.rendered && v.rendered.trials === 6 ? v.rendered : undefined;
    }, 30_000);
    assert.equal(rendered.dir, dir);
    // The status bar follows the search while no run trains here, and a selected trial while it trains.
    await waitFor('the status bar to show the search', () => /^\$\(search\) GL search \d+\/6/.test(gl.statusBarText() ?? ''));
    // Found, selected and read in one synchronous step: the trial cannot finish in between.
    const shown = await waitFor('a running trial to select', () => {
      const training = gl.searches.trialRunsOf(search).find((r) => gl.searches.trialOf(r)?.trial.state === 'running');
      if (!training) return undefined;
      gl.runs.setActive(training);
      return { name: gl.searches.trialOf(training)?.trial.name ?? '?', text: gl.statusBarText() ?? '' };
    });
    assert.match(shown.text, new RegExp(`^\\$\\(sync~spin\\) GL ${shown.name} epoch \\d+/\\d+`));
    gl.runs.setActive(undefined);
  });

  it('kill one trial (the tree\'s command): it ends killed while the others finish; a held trial\'s dashboard shows it live once released', async () => {
    const trial = await waitFor('a running trial', () => search.view.trials.find((t) => t.state === 'running'));
    const runOf = (id: number) => gl.searches.trialRunsOf(search).find((r) => gl.searches.trialOf(r)?.trial.id === id);
    const run = runOf(trial.id);
    assert.ok(run, 'the trial has a run');
    const pid = search.pid;
    assert.equal(await vscode.commands.executeCommand('gradientLab.killTrial', run), true);
    // A queued trial, held back, whose dashboard is open before it starts: released, it trains and
    // its dashboard (the normal one) follows it live from its run folder.
    const queued = [...search.view.trials].reverse().find((t) => t.state === 'queued');
    assert.ok(queued, 'a queued trial');
    const heldRun = runOf(queued.id)!;
    assert.equal(await vscode.commands.executeCommand('gradientLab.pauseTrial', heldRun), true);
    await waitFor(`${queued.name} held`, () => search.trial(queued.id)?.state === 'paused');
    assert.equal(await vscode.commands.executeCommand('gradientLab.openDashboard', heldRun), true);
    await waitFor(`${queued.name}'s dashboard`, () => gl.dashboard(heldRun.id).snapshots >= 1);
    await waitFor(`${trial.name} killed`, () => search.trial(trial.id)?.state === 'killed', 30_000);
    assert.ok(search.live, 'the search goes on');
    assert.equal(await vscode.commands.executeCommand('gradientLab.resumeTrial', heldRun), true);
    const live = await waitFor(`${queued.name}'s dashboard to show it live to its last epoch`, () => {
      const d = gl.dashboard(heldRun.id);
      return d.open && d.eventPosts >= 1 && d.rendered?.epoch === 5 ? d : undefined;
    }, 40_000);
    console.log(`      (${queued.name}'s dashboard: ${live.eventsIn} events in ${live.eventPosts} posts while it trained)`);
    await waitFor('the search to finish', () => !search.live && search.view.state === 'finished', 60_000);
    assert.ok(!alive(pid), 'the search process exited');
    const states = search.view.trials.map((t) => t.state);
    assert.deepEqual(states.filter((s) => s === 'killed').length, 1, states.join());
    assert.deepEqual(states.filter((s) => s === 'finished').length, 5, states.join());
    // The tree shows it killed.
    const row = gl.runsTree.children(search).find((r) => gl.searches.trialOf(r)?.trial.id === trial.id);
    assert.match(String(gl.runsTree.item(row).contextValue), /glTrial trial=killed search=past/);
    // The trial's run (its dashboard) ends the way the search says.
    await waitFor(`${queued.name}'s run finished`, () => heldRun.view.state === 'finished' && heldRun.view.epochs.count === 5, 10_000);
  });

  it('search.json agrees with the view, and the search view shows the finished search and its best trial', async () => {
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'search.json'), 'utf8')) as SearchFile;
    assert.equal(file.state, 'finished');
    assert.deepEqual(file.trials.map((t) => [t.id, t.state]), search.view.trials.map((t) => [t.id, t.state]));
    assert.equal(file.trials.filter((t) => t.state === 'killed').length, 1);
    const finished = file.trials.filter((t) => t.state === 'finished');
    assert.equal(finished.length, 5);
    assert.ok(finished.every((t) => t.epoch === 5 && t.metric !== null && t.runDir && fs.existsSync(path.join(t.runDir, 'summary.json'))));
    assert.ok(file.bestTrial !== null);
    const best = file.trials.find((t) => t.id === file.bestTrial)!;
    assert.ok(finished.every((t) => t.metric! >= best.metric!), 'best = lowest dev error');
    assert.deepEqual(file.trials.filter((t) => t.best).map((t) => t.id), [file.bestTrial]);
    assert.equal(search.view.bestTrial, file.bestTrial);
    // The held trial's dashboard joined the search view's group (one results column), hiding it:
    // shown again, it is drawn from a fresh snapshot.
    assert.equal(await vscode.commands.executeCommand('gradientLab.openSearch', search), true);
    const rendered = await waitFor('the search view to show the end', () => {
      const r = gl.searchView(dir).rendered;
      return r && r.done === 6 && r.best === file.bestTrial ? r : undefined;
    }, 20_000);
    assert.ok(rendered.points >= 5 * 2, `points on the scatters (${rendered.points})`);
    const stats = gl.searchView(dir);
    assert.ok(stats.snapshots >= 1 && stats.snapshots <= 2, `snapshots: ${stats.snapshots}`);
    assert.ok(stats.eventPosts >= 1 && stats.events <= stats.eventsIn);
    console.log(`      (search view: ${stats.snapshots} snapshot(s), ${stats.eventsIn} events compacted to ${stats.events} in ${stats.eventPosts} posts; best ${best.name} dev error ${best.metric})`);
  });

  it('hidden and shown again, the search view is drawn again from a fresh snapshot (its document is not retained)', async () => {
    const before = gl.searchView(dir);
    assert.ok(before.open && before.rendered);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('gradientLab.search'));
    assert.ok(tab, 'the search view has a tab');
    // Another editor in the search view's group hides it.
    await vscode.window.showTextDocument(workspaceFile('search.nn.json'), { viewColumn: tab.group.viewColumn, preview: false });
    await waitFor('the search view to be hidden', () => !tab.group.tabs.find((t) => t.label === tab.label)?.isActive || undefined);
    assert.equal(await vscode.commands.executeCommand('gradientLab.openSearch', search), true);
    const again = await waitFor('a new snapshot, drawn', () => {
      const s = gl.searchView(dir);
      return s.snapshots === before.snapshots + 1 && s.rendered && s.rendered !== before.rendered ? s : undefined;
    }, 20_000);
    assert.deepEqual(again.rendered, before.rendered, 'the same search, drawn the same');
  });

  it('a trial\'s dashboard is the normal run dashboard of its run folder', async () => {
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'search.json'), 'utf8')) as SearchFile;
    const run = gl.searches.findTrialRun(file.trials.find((t) => t.id === file.bestTrial)!.runDir!);
    assert.ok(run);
    // Looking at the search view (no dashboard open) when a trial's dashboard is asked for: it must
    // join the search view's group, not open a new one beside it.
    const kind = (t: vscode.Tab) => (t.input instanceof vscode.TabInputWebview ? t.input.viewType.replace(/^.*gradientLab\./, '') : '');
    await vscode.window.tabGroups.close(vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => kind(t) === 'dashboard'));
    await vscode.commands.executeCommand('gradientLab.openSearch', dir);
    await waitFor('the search view focused', () => kind(vscode.window.tabGroups.activeTabGroup.activeTab!) === 'search');
    assert.equal(await vscode.commands.executeCommand('gradientLab.openDashboard', run), true);
    const d = await waitFor('the trial dashboard to render epoch 5', () => {
      const s = gl.dashboard(run.id);
      return s.open && s.rendered && s.rendered.epoch === 5 ? s : undefined;
    }, 30_000);
    assert.ok(d.snapshots >= 1);
    assert.equal(run.view.state, 'finished');
    assert.ok(run.view.iterations.count > 100 && run.view.epochs.count === 5, 'the whole history from the run folder');
    // The search view and its trials' dashboards share one results column.
    const groups = vscode.window.tabGroups.all.filter((g) => g.tabs.some((t) => kind(t) === 'dashboard' || kind(t) === 'search'));
    assert.equal(groups.length, 1, groups.map((g) => g.tabs.map((t) => t.label).join(', ')).join(' | '));
    assert.ok(groups[0].tabs.some((t) => kind(t) === 'search') && groups[0].tabs.some((t) => kind(t) === 'dashboard'));
  });

  it('Export Best Config writes a new experiment without the search block and opens it', async () => {
    const target = vscode.Uri.file(path.join(path.dirname(workspaceFile('search.nn.json').fsPath), 'it-search-best.nn.json'));
    const out = await vscode.commands.executeCommand<string | undefined>('gradientLab.exportBestConfig', search, target);
    assert.equal(out, target.fsPath);
    const json = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as Record<string, unknown> & { training: { optimizer: { learningRate: number } } };
    assert.equal(json.name, 'it-search-best');
    assert.ok(!('search' in json));
    const best = search.trial(search.view.bestTrial!)!;
    assert.equal(json.training.optimizer.learningRate, best.values['training.optimizer.learningRate']);
    await waitFor('the exported file open', () => vscode.window.activeTextEditor?.document.uri.fsPath === target.fsPath, 10_000);
  });

  it('a bad search block becomes a diagnostic on its line, and no search is left behind', async () => {
    const uri = workspaceFile('bad-search.nn.json');
    const before = gl.searches.list().length;
    const result = await vscode.commands.executeCommand<string | undefined>('gradientLab.startSearch', uri);
    assert.equal(result, undefined);
    const diags = await waitFor('diagnostics', () => (gl.diagnostics(uri).length ? gl.diagnostics(uri) : undefined));
    const lines = fs.readFileSync(uri.fsPath, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('learningRat"'));
    assert.ok(diags.some((d) => d.range.start.line === line && /learningRat/.test(d.message)), diags.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('; '));
    await sleep(200);
    assert.equal(gl.searches.list().length, before);
    assert.equal(gl.searches.liveSearches().length, 0);
  });
});
