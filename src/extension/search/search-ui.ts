/**
 * The extension side of hyperparameter search, wired to VS Code: the commands (Start
 * Hyperparameter Search, the search view, trial and search controls, export of the best config),
 * what the search view and a trial's dashboard ask for, config errors as diagnostics, the runs
 * folder watched for search.json files, and the context keys of the menus.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommand } from '../register';
import type { SearchCommand } from '../../shared/search-protocol';
import { trialsCsv } from '../../shared/search-csv';
import { bestTrialOf, canResumeSearch, formatMetric, METRIC_LABEL } from '../../shared/search-view';
import { MAX_ADD_TRIALS } from '../../shared/webview-protocol';
import type { EngineDiagnostics } from '../diagnostics';
import type { ResultsColumn } from '../ui/results-column';
import { activeExperiment, findExperiments, pickExperiment, requireFileOnDisk, requireTrust, saveIfDirty } from '../experiments';
import { Run, type RunManager } from '../runs/run-manager';
import { readSettings, resolveRunsFolder, SECTION } from '../settings';
import { hasSearchBlock } from '../ui/codelens';
import type { DashboardManager } from '../ui/dashboard';
import { saveChartPng, writeFile } from '../ui/save-png';
import { ContextKeys, watchRunsFolder } from '../workspace-watch';
import { Search, type SearchManager } from './search-manager';
import { SearchPanels, SEARCH_VIEW_TYPE, type SearchMessage } from './search-panel';
import { SearchTree } from './search-tree';
import { describeSearch } from './search-tree-values';

export const SEARCH_COMMANDS = [
  'gradientLab.startSearch',
  'gradientLab.openSearch',
  'gradientLab.pauseTrial',
  'gradientLab.resumeTrial',
  'gradientLab.killTrial',
  'gradientLab.addTrials',
  'gradientLab.stopSearch',
  'gradientLab.resumeSearch',
  'gradientLab.exportBestConfig',
] as const;

export type SearchCommandId = (typeof SEARCH_COMMANDS)[number];

export interface SearchUiDeps {
  context: vscode.ExtensionContext;
  runs: RunManager;
  searches: SearchManager;
  dashboards: DashboardManager;
  /** Where the search view opens: with the dashboards (../ui/results-column). */
  results: ResultsColumn;
  diagnostics: EngineDiagnostics;
  log: vscode.LogOutputChannel;
}

const RESTRICTED_MESSAGE = 'Gradient Lab: hyperparameter search is disabled in Restricted Mode. A search trains the experiment many '
  + 'times: it reads the data files the experiment names and writes run folders into the workspace. Trust this workspace to enable it.';

export class SearchUi implements vscode.Disposable {
  readonly panels: SearchPanels;
  readonly tree: SearchTree;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly keys = new ContextKeys();

  constructor(private readonly d: SearchUiDeps) {
    const { searches, log } = d;
    this.panels = new SearchPanels({
      extensionUri: d.context.extensionUri,
      log,
      refreshRate: () => readSettings().refreshRate,
      handle: (msg, search) => this.handleViewMessage(msg, search),
    }, searches);
    this.tree = new SearchTree(searches);
    this.disposables.push(
      this.panels,
      this.tree,
      searches.onSearchError(({ error, configPath }) => void this.reportError(error, configPath)),
      searches.onDidChangeSearches(() => this.updateContext()),
      searches.onDidUpdateSearch(() => this.updateContext()),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateEditorKey()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.updateEditorKey();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.refreshRate`)) this.panels.setRate(readSettings().refreshRate);
      }),
      watchRunsFolder(d.context, '*/search.json', { filesChanged: () => void searches.refresh(), folderChanged: () => void searches.refresh() }),
    );
    this.updateContext();
    this.updateEditorKey();
  }

  register(): vscode.Disposable[] {
    const reg = (id: SearchCommandId, fn: (...args: unknown[]) => unknown): vscode.Disposable => registerCommand(id, fn, this.d.log);
    return [
      reg('gradientLab.startSearch', (arg) => this.startSearch(arg)),
      reg('gradientLab.openSearch', (arg) => this.openSearch(arg)),
      reg('gradientLab.pauseTrial', (arg, id) => this.trialCommand(arg, id, 'pauseTrial')),
      reg('gradientLab.resumeTrial', (arg, id) => this.trialCommand(arg, id, 'resumeTrial')),
      reg('gradientLab.killTrial', (arg, id) => this.trialCommand(arg, id, 'killTrial')),
      reg('gradientLab.addTrials', (arg, count) => this.addTrials(arg, typeof count === 'number' ? count : undefined)),
      reg('gradientLab.stopSearch', (arg) => this.stopSearch(arg)),
      reg('gradientLab.resumeSearch', (arg) => this.resumeSearch(arg)),
      reg('gradientLab.exportBestConfig', (arg, target) => this.exportBest(arg, target instanceof vscode.Uri ? target : undefined)),
      vscode.window.registerWebviewPanelSerializer(SEARCH_VIEW_TYPE, this.panels),
    ];
  }

  /** Reads the runs folder for searches (activation). */
  refresh(): Promise<void> {
    return this.d.searches.refresh();
  }

  // ───────────────────────── helpers ─────────────────────────

  private requireTrust(): boolean {
    return requireTrust(RESTRICTED_MESSAGE);
  }


  private setKey(key: string, value: unknown): void {
    this.keys.set(key, value);
  }

  private updateContext(): void {
    const list = this.d.searches.list();
    this.setKey('gradientLab.hasSearches', list.some((s) => !!s.dir));
    this.setKey('gradientLab.hasLiveSearches', list.some((s) => s.live));
    this.setKey('gradientLab.hasResumableSearches', list.some((s) => canResumeSearch(s.view)));
    this.setKey('gradientLab.hasSearchResults', list.some((s) => s.view.bestTrial !== null));
  }

  private updateEditorKey(): void {
    const doc = vscode.window.activeTextEditor?.document;
    this.setKey('gradientLab.activeEditorHasSearch', !!doc && doc.uri.path.endsWith('.nn.json') && hasSearchBlock(doc.getText()));
  }

  private async reportError(error: { message: string; code: string; fatal: boolean; file?: string; line?: number; column?: number; path?: string }, configPath: string): Promise<void> {
    if (error.code === 'config' || error.code === 'data' || error.code === 'io') {
      const uri = await this.d.diagnostics.report(error, configPath || undefined);
      const first = error.message.split('\n')[0];
      const where = error.line ? ` (line ${error.line})` : '';
      const choice = await vscode.window.showErrorMessage(`Gradient Lab: search: ${first}${where}`, ...(uri ? ['Open Experiment'] : []), 'Show Log');
      if (choice === 'Open Experiment' && uri) {
        await vscode.window.showTextDocument(uri, { selection: this.d.diagnostics.get(uri)[0]?.range });
      } else if (choice === 'Show Log') {
        this.d.log.show(true);
      }
    } else if (error.code === 'usage') {
      this.d.log.warn(`search: ${error.message}`);
    } else {
      const show = error.fatal ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
      const choice = await show(`Gradient Lab: search: ${error.message.split('\n')[0]}`, 'Show Log');
      if (choice) this.d.log.show(true);
    }
  }

  /** The search a command acts on: its argument, the active search view, the only candidate, or a picker. */
  private async pickSearch(arg: unknown, filter: (s: Search) => boolean, what: string): Promise<Search | undefined> {
    const direct = arg instanceof Search ? this.d.searches.get(arg)
      : typeof arg === 'string' ? this.d.searches.get(arg)
        : arg instanceof Run ? this.d.searches.trialOf(arg)?.search : undefined;
    if (direct) {
      if (filter(direct)) return direct;
      void vscode.window.showInformationMessage(`Gradient Lab: the search ${direct.view.name} is ${direct.view.state}; cannot ${what}.`);
      return undefined;
    }
    if (arg !== undefined && typeof arg !== 'object') return undefined;
    const active = this.panels.activeSearch();
    if (active && filter(active)) return active;
    const candidates = this.d.searches.list().filter((s) => s.dir && filter(s));
    if (candidates.length === 1) return candidates[0];
    if (!candidates.length) {
      void vscode.window.showInformationMessage(`Gradient Lab: no search to ${what}.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(candidates.map((s) => ({
      label: `$(search) ${s.view.name}`, description: `${s.view.state} · ${describeSearch(s.view)}`, detail: path.basename(s.dir), search: s,
    })), { placeHolder: `Search to ${what}`, matchOnDescription: true, matchOnDetail: true });
    return picked?.search;
  }

  /** The experiment to search: a Uri argument, the active *.nn.json editor, or a picker among files with a search block. */
  private async experimentUri(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    const active = activeExperiment();
    if (active) return active;
    const withSearch: vscode.Uri[] = [];
    for (const f of await findExperiments()) {
      try {
        if (hasSearchBlock(await fs.readFile(f.fsPath, 'utf8'))) withSearch.push(f);
      } catch {
        // unreadable: skip
      }
    }
    if (withSearch.length === 1) return withSearch[0];
    if (!withSearch.length) {
      void vscode.window.showInformationMessage('Gradient Lab: no experiment (*.nn.json) in this workspace has a "search" block. '
        + 'Add one, e.g. "search": {"space": {"training.optimizer.learningRate": {"log": [1e-4, 0.1]}}}.');
      return undefined;
    }
    return pickExperiment(withSearch, 'Experiment to search');
  }

  // ───────────────────────── commands ─────────────────────────

  /** Starts a search; resolves with its folder once the search process created it (undefined on failure). */
  async startSearch(arg: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const uri = await this.experimentUri(arg);
    if (!uri || !requireFileOnDisk(uri)) return undefined;
    const doc = await saveIfDirty(uri);
    const text = doc?.getText() ?? await fs.readFile(uri.fsPath, 'utf8');
    if (!hasSearchBlock(text)) {
      const choice = await vscode.window.showInformationMessage(
        `Gradient Lab: ${path.basename(uri.fsPath)} has no "search" block, so there is nothing to search. `
        + 'Add e.g. "search": {"space": {"training.optimizer.learningRate": {"log": [1e-4, 0.1]}}, "trials": 12}.', 'Start Training Instead');
      if (choice) await vscode.commands.executeCommand('gradientLab.startTraining', uri);
      return undefined;
    }
    this.d.diagnostics.clear(uri.fsPath);
    const search = this.d.searches.start(uri.fsPath, { runsDir: resolveRunsFolder(this.d.context) });
    this.d.log.info(`starting a hyperparameter search of ${uri.fsPath}`);
    let dir: string;
    try {
      dir = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: starting the search of ${path.basename(uri.fsPath)}…` },
        () => search.ready,
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.d.log.warn(`search of ${uri.fsPath} did not start: ${reason}`);
      // A config or data error was shown already (and is a diagnostic); anything else is shown here.
      if (!search.view.errors.length) {
        void vscode.window.showErrorMessage(`Gradient Lab: the search did not start: ${reason.split('\n')[0]}`, 'Show Log').then((c) => c && this.d.log.show(true));
      }
      return undefined;
    }
    this.showPanel(search, true);
    return dir;
  }

  private async openSearch(arg: unknown): Promise<boolean> {
    const search = await this.pickSearch(arg, (s) => !!s.dir, 'show');
    if (!search) return false;
    this.showPanel(search, arg instanceof Search);
    return true;
  }

  /** The search's view: a new one in the results column, with the dashboards; an open one revealed where it is. */
  private showPanel(search: Search, preserveFocus: boolean): void {
    const column = this.panels.find(search) ? undefined : this.d.results.column();
    this.d.results.track(this.panels.open(search, { preserveFocus, column }));
  }

  private async trialCommand(arg: unknown, idArg: unknown, type: 'pauseTrial' | 'resumeTrial' | 'killTrial'): Promise<boolean> {
    if (type !== 'killTrial' && !this.requireTrust()) return false;
    let search: Search | undefined;
    let id: number | undefined;
    const info = this.d.searches.trialOf(arg instanceof Run ? arg : this.d.searches.findTrialRun(arg));
    if (info) {
      search = info.search;
      id = info.trial.id;
    } else {
      search = arg instanceof Search ? arg : typeof arg === 'string' ? this.d.searches.get(arg) : undefined;
      id = typeof idArg === 'number' ? idArg : undefined;
    }
    if (!search || id === undefined) {
      void vscode.window.showInformationMessage('Gradient Lab: pick a trial in the Runs tree or in a search view.');
      return false;
    }
    return this.sendTrial(search, id, type);
  }

  private sendTrial(search: Search, id: number, type: 'pauseTrial' | 'resumeTrial' | 'killTrial' | 'promoteTrial'): boolean {
    const t = search.trial(id);
    if (!t) throw new Error(`no trial ${id} in the search ${search.view.name}`);
    if (!search.live) {
      void vscode.window.showInformationMessage(`Gradient Lab: the search ${search.view.name} is not running in this window${canResumeSearch(search.view) ? '; resume it first' : ''}.`);
      return false;
    }
    this.d.log.info(`search ${search.view.name}: ${type} ${t.name}`);
    return this.d.searches.send(search, { type, id } as SearchCommand);
  }

  private async addTrials(arg: unknown, count?: number): Promise<boolean> {
    if (!this.requireTrust()) return false;
    const search = await this.pickSearch(arg, (s) => s.live, 'add trials to');
    if (!search) return false;
    let n = count;
    if (n === undefined) {
      const input = await vscode.window.showInputBox({
        title: `Add Trials — ${search.view.name}`,
        prompt: `Trials to add to round ${Math.max(1, search.view.roundBoxes.length)}, sampled in its box`,
        value: String(search.view.parallel || 4),
        validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) && Number(v) <= MAX_ADD_TRIALS ? undefined : `A whole number from 1 to ${MAX_ADD_TRIALS}`),
      });
      if (input === undefined) return false;
      n = Number(input);
    }
    if (!Number.isInteger(n) || n < 1 || n > MAX_ADD_TRIALS) throw new Error(`the number of trials to add must be a whole number from 1 to ${MAX_ADD_TRIALS}`);
    return this.d.searches.send(search, { type: 'addTrials', count: n });
  }

  private async stopSearch(arg: unknown): Promise<boolean> {
    const search = await this.pickSearch(arg, (s) => s.live, 'stop');
    if (!search) return false;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Gradient Lab: stopping the search ${search.view.name} (its trials checkpoint)…` },
      () => this.d.searches.stop(search),
    );
    return true;
  }

  private async resumeSearch(arg: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const search = await this.pickSearch(arg, (s) => canResumeSearch(s.view), 'resume');
    if (!search) return undefined;
    this.d.searches.resume(search);
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Gradient Lab: resuming the search ${search.view.name}…` }, () => search.ready);
    } catch {
      return undefined;
    }
    if (!this.panels.find(search)) this.showPanel(search, true);
    return search.dir;
  }

  /** Exports the best trial's config as a new *.nn.json (save dialog unless `target`), then opens it. */
  async exportBest(arg: unknown, target?: vscode.Uri): Promise<string | undefined> {
    const search = await this.pickSearch(arg, (s) => s.view.bestTrial !== null, 'export the best config of');
    if (!search) return undefined;
    const best = bestTrialOf(search.view);
    const configDir = search.view.configPath ? path.dirname(search.view.configPath) : search.dir;
    const uri = target ?? await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(configDir, `${search.view.name || 'search'}-best.nn.json`)),
      filters: { 'Gradient Lab experiment': ['nn.json', 'json'] },
      saveLabel: 'Export Best Config',
      title: best ? `Export ${best.name} (${METRIC_LABEL[best.metricName]} ${formatMetric(best.metricName, best.metric)}) as a new experiment` : 'Export the best config',
    });
    if (!uri) return undefined;
    if (uri.scheme !== 'file') throw new Error('the exported experiment must be a file on disk');
    const out = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Gradient Lab: exporting the best config…' },
      () => this.d.searches.exportBest(search, uri.fsPath),
    );
    this.d.log.info(`exported trial ${out.trialId} of ${search.view.name} to ${out.outFile}`);
    await vscode.window.showTextDocument(vscode.Uri.file(out.outFile), { preview: false });
    return out.outFile;
  }

  // ───────────────────────── the search view's messages ─────────────────────────

  private async handleViewMessage(msg: SearchMessage, search: Search): Promise<void> {
    if (msg.type === 'savePng') {
      await this.savePng(search, msg.chart, msg.dataUrl);
      return;
    }
    if (msg.type === 'searchTrial') {
      const t = search.trial(msg.id);
      if (!t) throw new Error(`no trial ${msg.id} in this search`);
      switch (msg.command) {
        case 'pause': this.sendTrial(search, msg.id, 'pauseTrial'); return;
        case 'resume': this.sendTrial(search, msg.id, 'resumeTrial'); return;
        case 'kill': this.sendTrial(search, msg.id, 'killTrial'); return;
        case 'promote': this.sendTrial(search, msg.id, 'promoteTrial'); return;
        case 'openDashboard': {
          const run = search.trialRuns.get(msg.id);
          if (!run || !t.runDir) {
            void vscode.window.showInformationMessage(`Gradient Lab: ${t.name} has not started yet; its dashboard opens once it runs.`);
            return;
          }
          await this.openTrialDashboard(run);
          return;
        }
      }
    }
    switch (msg.command) {
      case 'addTrials': await this.addTrials(search, msg.count); return;
      case 'stop': await this.stopSearch(search); return;
      case 'resume': await this.resumeSearch(search); return;
      case 'exportBest': await this.exportBest(search); return;
      case 'exportCsv': await this.exportTrialsCsv(search); return;
      case 'openExperiment':
        if (search.view.configPath) await vscode.window.showTextDocument(vscode.Uri.file(search.view.configPath), { preview: false });
        return;
    }
  }

  /** Writes every trial as CSV (save dialog unless `target`); returns the file. */
  async exportTrialsCsv(search: Search, target?: vscode.Uri): Promise<string | undefined> {
    const uri = target ?? await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(search.dir || path.dirname(search.view.configPath), `${search.view.name || 'search'}-trials.csv`)),
      filters: { CSV: ['csv'] },
      saveLabel: 'Export Trials',
    });
    if (!uri) return undefined;
    await writeFile(uri, Buffer.from(trialsCsv(search.view), 'utf8'));
    this.d.log.info(`saved the ${search.view.trials.length} trials of ${search.view.name} to ${uri.fsPath}`);
    return uri.fsPath;
  }

  private async savePng(search: Search, chart: string, dataUrl: string): Promise<void> {
    await saveChartPng(chart, dataUrl, path.join(search.dir || path.dirname(search.view.configPath), `${search.view.name || 'search'}-${chart}.png`), this.d.log);
  }

  private async openTrialDashboard(run: Run): Promise<void> {
    this.d.runs.setActive(run);
    await this.d.dashboards.open(run);
  }

  // ───────────────────────── for tests ─────────────────────────

  viewStats(dir: string): ReturnType<SearchPanels['stats']> {
    return this.panels.stats(dir);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
