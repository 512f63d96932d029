/**
 * Every Gradient Lab command, and what webview messages ask for. Commands invoked from the tree or
 * inline menus get the Run as argument; from the status bar a run id; from a CodeLens the Uri of the
 * experiment; from the palette nothing (the active run, or a picker).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommand } from './register';
import type { RunState } from '../shared/protocol';
import { GRADIENT_CHECK } from '../shared/requests';
import type { WebviewToHost } from '../shared/webview-protocol';
import type { EngineDiagnostics } from './diagnostics';
import { namesPythonScript } from './python-ui';
import { activeExperiment, findExperiments, pickExperiment, requireFileOnDisk, requireTrust, saveIfDirty } from './experiments';
import { describeRun, formatNumber, parsePositive, runLabel, STATE_ICONS } from './runs/format';
import { parsePercent } from '../shared/readout';
import { runCsv } from './runs/run-folder';
import { request, RequestError } from './runs/request';
import { Run, type RunManager } from './runs/run-manager';
import { rememberSmoothing } from './settings';
import { BLANK, listTemplates, templatePickEntries, templateText, uniqueFile, type Template } from './templates';
import type { ComparePanels } from './ui/compare';
import type { DashboardManager } from './ui/dashboard';
import type { WebviewKind } from './ui/html';
import { saveChartPng, writeFile } from './ui/save-png';
import type { WebviewActions } from './ui/webviews';

export const COMMANDS = [
  'gradientLab.newExperiment',
  'gradientLab.openExample',
  'gradientLab.startTraining',
  'gradientLab.pause',
  'gradientLab.resume',
  'gradientLab.step',
  'gradientLab.stop',
  'gradientLab.setLearningRate',
  'gradientLab.runGradientCheck',
  'gradientLab.evaluateTest',
  'gradientLab.overfitOneBatch',
  'gradientLab.openDashboard',
  'gradientLab.compareRuns',
  'gradientLab.exportMetrics',
  'gradientLab.revealRunFolder',
  'gradientLab.resumeFromCheckpoint',
  'gradientLab.refreshRuns',
] as const;

export type CommandId = (typeof COMMANDS)[number];

export interface CommandDeps {
  context: vscode.ExtensionContext;
  runs: RunManager;
  dashboards: DashboardManager;
  compare: ComparePanels;
  diagnostics: EngineDiagnostics;
  log: vscode.LogOutputChannel;
  /** The range test on a live run's weights (the dashboard's "Find LR"; src/extension/diagnose). */
  lrFinder?: { findLearningRate(arg: unknown): Promise<unknown> };
  /** Undoable edits of an experiment file (DiagnoseUi.applyEdits). */
  configEditor?: { applyEdits(file: string, edits: readonly { pointer: string; value: unknown }[]): Promise<string> };
}

const RESTRICTED_MESSAGE = 'Gradient Lab: training is disabled in Restricted Mode. Training runs the experiment: it reads the data files '
  + 'the experiment names and writes run folders into the workspace. Trust this workspace to enable it.';

const canPause = (r: Run): boolean => r.live && (r.state === 'running' || r.state === 'starting');
const canResume = (r: Run): boolean => r.live && (r.state === 'paused' || r.state === 'diverged');
const isLive = (r: Run): boolean => r.live;
const isReal = (r: Run): boolean => !r.pending;

const stringArg = (arg: unknown): string | undefined => (typeof arg === 'string' ? arg : undefined);

/** `{"iterations": n}`: the argument a keybinding passes to Step (package.json keybindings). */
function iterationsOf(arg: unknown): number | undefined {
  const n = arg !== null && typeof arg === 'object' ? (arg as { iterations?: unknown }).iterations : undefined;
  return typeof n === 'number' ? n : undefined;
}

export class Commands implements WebviewActions {

  constructor(private readonly d: CommandDeps) {}

  register(): vscode.Disposable[] {
    const reg = (id: CommandId, fn: (...args: unknown[]) => unknown): vscode.Disposable => registerCommand(id, fn, this.d.log);
    return [
      reg('gradientLab.newExperiment', (template, fileName) => this.newExperiment(stringArg(template), stringArg(fileName))),
      reg('gradientLab.openExample', (template) => this.openExample(stringArg(template))),
      reg('gradientLab.startTraining', (arg) => this.startTraining(arg, 'train')),
      reg('gradientLab.overfitOneBatch', (arg) => this.startTraining(arg, 'overfitBatch')),
      reg('gradientLab.pause', (arg) => this.control(arg, 'pause')),
      reg('gradientLab.resume', (arg) => this.control(arg, 'resume')),
      reg('gradientLab.step', (arg, n) => this.step(arg, typeof n === 'number' ? n : iterationsOf(arg))),
      reg('gradientLab.stop', (arg) => this.stop(arg)),
      reg('gradientLab.setLearningRate', (arg, value) => this.setLearningRate(arg, typeof value === 'number' ? value : undefined)),
      reg('gradientLab.runGradientCheck', (arg) => this.gradientCheck(arg)),
      reg('gradientLab.evaluateTest', (arg, confirmed) => this.evaluateTest(arg, confirmed === true)),
      reg('gradientLab.openDashboard', (arg) => this.openDashboard(arg)),
      reg('gradientLab.compareRuns', (arg, selected) => this.compareRuns(arg, selected)),
      reg('gradientLab.exportMetrics', (arg, target) => this.exportMetrics(arg, target instanceof vscode.Uri ? target : undefined)),
      reg('gradientLab.revealRunFolder', (arg) => this.revealRunFolder(arg)),
      reg('gradientLab.resumeFromCheckpoint', (arg) => this.resumeFromCheckpoint(arg)),
      reg('gradientLab.refreshRuns', () => this.d.runs.refresh()),
    ];
  }

  // ───────────────────────── helpers ─────────────────────────

  private requireTrust(): boolean {
    return requireTrust(RESTRICTED_MESSAGE);
  }

  /** A Run from a command argument: the Run itself (tree), a run id (status bar, tests), or the live run of a config Uri. */
  private runFrom(arg: unknown): Run | undefined {
    if (arg instanceof Run) return this.d.runs.list().includes(arg) ? arg : undefined;
    if (typeof arg === 'string') return this.d.runs.get(arg);
    if (arg instanceof vscode.Uri) {
      return this.d.runs.list().find((r) => r.live && r.configPath && path.resolve(r.configPath) === path.resolve(arg.fsPath));
    }
    return undefined;
  }

  /** The run a command acts on: its argument, else the active run, else the only candidate, else a picker. */
  private async pickRun(arg: unknown, filter: (r: Run) => boolean, what: string): Promise<Run | undefined> {
    const direct = this.runFrom(arg);
    if (direct) {
      if (filter(direct)) return direct;
      void vscode.window.showInformationMessage(`Gradient Lab: ${runLabel(direct.view)} is ${direct.live ? direct.state : `${direct.state} (not running)`}; cannot ${what}.`);
      return undefined;
    }
    if (arg !== undefined && !(arg instanceof vscode.Uri) && typeof arg !== 'object') return undefined;
    const active = this.d.dashboards.activeRun() ?? this.d.runs.activeRun;
    if (active && filter(active) && isReal(active)) return active;
    const candidates = this.d.runs.list().filter((r) => filter(r) && isReal(r));
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`Gradient Lab: no run to ${what}.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(candidates.map((r) => this.runItem(r)), { placeHolder: `Run to ${what}`, matchOnDescription: true });
    return picked?.run;
  }

  private runItem(r: Run): vscode.QuickPickItem & { run: Run } {
    return {
      label: `${stateIcon(r.state)} ${this.d.runs.label(r)}`,
      description: `${r.state}${r.live ? ' · live' : ''} · ${describeRun(r.view)}`,
      detail: r.id,
      run: r,
    };
  }

  /** The experiment to train: a Uri argument, a run's config, the active *.nn.json editor, or a picker. */
  private async experimentUri(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    if (arg instanceof Run && arg.configPath) return vscode.Uri.file(arg.configPath);
    const active = activeExperiment();
    if (active) return active;
    const files = await findExperiments();
    if (files.length === 1) return files[0];
    if (files.length === 0) {
      const choice = await vscode.window.showInformationMessage('Gradient Lab: no experiment (*.nn.json) in this workspace.', 'New Experiment');
      if (choice) await this.newExperiment();
      return undefined;
    }
    return pickExperiment(files, 'Experiment to train');
  }


  // ───────────────────────── experiments ─────────────────────────

  private templates(): Promise<Template[]> {
    return listTemplates(path.join(this.d.context.extensionPath, 'examples'));
  }

  /** A template by its examples/-relative path ("blank.nn.json" is Blank), or the grouped picker. */
  private async pickTemplate(placeHolder: string, withBlank: boolean, relative?: string): Promise<Template | undefined> {
    const templates = await this.templates();
    if (relative !== undefined) {
      const found = withBlank && relative === BLANK.relative ? BLANK : templates.find((t) => t.relative === relative);
      if (!found) void vscode.window.showErrorMessage(`Gradient Lab: no template ${relative} in the extension's examples.`);
      return found;
    }
    if (!templates.length && !withBlank) {
      void vscode.window.showErrorMessage('Gradient Lab: no templates found in the extension (examples/ is missing).');
      return undefined;
    }
    type Item = vscode.QuickPickItem & { template?: Template };
    const items: Item[] = templatePickEntries(templates, withBlank).map((e): Item => ('separator' in e
      ? { label: e.separator, kind: vscode.QuickPickItemKind.Separator }
      : { label: e.template.name, description: e.template.description, detail: e.template.file ? e.template.relative : undefined, template: e.template }));
    const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked?.template;
  }

  private targetFolder(): vscode.Uri | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const active = vscode.window.activeTextEditor?.document.uri;
    const owner = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
    return (owner ?? folders[0])?.uri;
  }

  /** Copies a template into the workspace under a name the user picks, and opens it. */
  async newExperiment(templateRelative?: string, fileName?: string): Promise<string | undefined> {
    const template = await this.pickTemplate('Template for the new experiment (grouped by course lesson)', true, templateRelative);
    if (!template) return undefined;
    const folder = this.targetFolder();
    let target: string | undefined;
    if (folder && folder.scheme === 'file') {
      // Named after the template; a second copy gets "-2", never an existing file.
      const suggestion = path.basename(await uniqueFile(folder.fsPath, path.basename(template.relative)));
      const name = fileName ?? await vscode.window.showInputBox({
        title: 'New Experiment',
        prompt: `File name in ${path.basename(folder.fsPath)}`,
        value: suggestion,
        valueSelection: [0, suggestion.length - '.nn.json'.length],
        validateInput: async (v) => {
          if (!/^[\w.\- /]+\.nn\.json$/.test(v) || v.includes('..')) return 'A relative file name ending in .nn.json';
          try {
            await fs.access(path.join(folder.fsPath, v));
            return 'That file exists already';
          } catch {
            return undefined;
          }
        },
      });
      if (!name) return undefined;
      target = path.join(folder.fsPath, name);
    } else {
      const uri = await vscode.window.showSaveDialog({ filters: { 'Experiment': ['nn.json'] }, saveLabel: 'Create Experiment' });
      target = uri?.fsPath;
    }
    if (!target) return undefined;
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, await templateText(template, target), { flag: 'wx' });
    // A normal tab, not a preview: the next New Experiment must not replace this one.
    await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: false });
    return target;
  }

  /** Opens an example: a copy in the workspace (so it can be edited and trained), or the bundled file without one. */
  async openExample(templateRelative?: string): Promise<string | undefined> {
    const template = await this.pickTemplate('Example to open', false, templateRelative);
    if (!template?.file) return undefined;
    const folder = this.targetFolder();
    let target = template.file;
    if (folder && folder.scheme === 'file') {
      target = await uniqueFile(folder.fsPath, path.basename(template.file));
      await fs.writeFile(target, await templateText(template, target), { flag: 'wx' });
    }
    await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: false });
    return target;
  }

  // ───────────────────────── training ─────────────────────────

  /** Starts training; resolves with the run id once the engine announced the run (undefined on failure). */
  async startTraining(arg: unknown, mode: 'train' | 'overfitBatch', options: { paused?: boolean; openDashboard?: boolean } = {}): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const uri = await this.experimentUri(arg);
    if (!uri || !requireFileOnDisk(uri)) return undefined;
    if (await namesPythonScript(uri)) {
      if (mode === 'overfitBatch') throw new Error('Overfit One Batch trains models described in the file; this experiment names a Python script');
      // The script's own run (it is not ours to start paused); python-ui saves and starts it.
      return vscode.commands.executeCommand<string | undefined>('gradientLab.trainPythonScript', uri);
    }
    await saveIfDirty(uri);
    this.d.diagnostics.clear(uri.fsPath);
    const run = this.d.runs.start({ configPath: uri.fsPath, mode, paused: options.paused });
    this.d.log.info(`starting ${mode === 'overfitBatch' ? 'overfit-one-batch ' : ''}training of ${uri.fsPath}`);
    // The dashboard's page loads while the engine starts (each takes a good part of a second), so
    // the first point is drawn as it arrives; the panel closes again if the run does not start.
    const dashboard = options.openDashboard !== false
      ? this.d.dashboards.open(run, { preserveFocus: true }) : undefined;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: starting ${path.basename(uri.fsPath)}…` },
        () => run.ready,
      );
    } catch {
      (await dashboard)?.dispose();
      return undefined; // the engine error handler has shown the problem
    }
    await dashboard;
    return run.id;
  }

  private async control(arg: unknown, command: 'pause' | 'resume'): Promise<boolean> {
    if (!this.requireTrust()) return false;
    const run = await this.pickRun(arg, command === 'pause' ? canPause : canResume, command);
    if (!run) return false;
    return this.d.runs.send(run, { type: command });
  }

  private async step(arg: unknown, n?: number): Promise<boolean> {
    if (!this.requireTrust()) return false;
    const run = await this.pickRun(arg, isLive, 'step');
    if (!run) return false;
    let iterations = n;
    if (iterations === undefined) {
      const input = await vscode.window.showInputBox({
        title: 'Step', prompt: 'Iterations to run, then pause', value: '1',
        validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) && Number(v) <= 1_000_000 ? undefined : 'A positive whole number'),
      });
      if (input === undefined) return false;
      iterations = Number(input);
    }
    if (!Number.isInteger(iterations) || iterations < 1) throw new Error('step needs a positive whole number of iterations');
    return this.d.runs.send(run, { type: 'step', iterations });
  }

  private async stop(arg: unknown): Promise<boolean> {
    const run = await this.pickRun(arg, isLive, 'stop');
    if (!run) return false;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Gradient Lab: stopping ${runLabel(run.view)}…` }, () => this.d.runs.stop(run));
    return true;
  }

  private currentLearningRate(run: Run): number | undefined {
    return run.view.learningRate ?? undefined;
  }

  private async setLearningRate(arg: unknown, value?: number): Promise<boolean> {
    if (!this.requireTrust()) return false;
    const run = await this.pickRun(arg, isLive, 'set the learning rate of');
    if (!run) return false;
    let rate = value;
    if (rate === undefined) {
      const current = this.currentLearningRate(run);
      const input = await vscode.window.showInputBox({
        title: `Set Learning Rate — ${runLabel(run.view)}`,
        prompt: `New learning rate α (now ${current !== undefined ? formatNumber(current) : 'unknown'}); applies from the next iteration`,
        value: current !== undefined ? String(current) : '',
        validateInput: (v) => (parsePositive(v) === undefined ? 'A positive number, e.g. 0.01 or 3e-4' : undefined),
      });
      if (input === undefined) return false;
      rate = parsePositive(input);
    }
    if (rate === undefined || !(rate > 0) || !Number.isFinite(rate)) throw new Error('the learning rate must be a positive number');
    return this.d.runs.send(run, { type: 'setLearningRate', value: rate });
  }

  /** Gradient check of a live run; for an experiment file without one, starts it paused and checks at iteration 0. */
  private async gradientCheck(arg: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    let run = this.runFrom(arg);
    if (!run) {
      if (arg instanceof vscode.Uri || (arg === undefined && this.d.runs.liveRuns().length === 0)) {
        const id = await this.startTraining(arg, 'train', { paused: true });
        run = id ? this.d.runs.get(id) : undefined;
      } else {
        run = await this.pickRun(undefined, isLive, 'gradient-check');
      }
    }
    if (!run) return undefined;
    if (!run.live) {
      void vscode.window.showInformationMessage(`Gradient Lab: ${runLabel(run.view)} is not running; resume it or start a new run to check its gradients.`);
      return undefined;
    }
    const target = run;
    let refused: string | undefined;
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Gradient check of ${runLabel(run.view)}…`, cancellable: false },
      () => request(this.d.runs.peer(target), GRADIENT_CHECK, undefined, 300_000).catch((e: unknown) => {
        if (!(e instanceof RequestError)) throw e;
        if (e.failure === 'refused') refused = e.message;
        return undefined;
      }),
    );
    if (!report) {
      // A refusal is an engine error event, which onEngineError already shows.
      if (refused === undefined) void vscode.window.showWarningMessage('Gradient Lab: the gradient check did not report (the run ended or the engine is busy).');
      return undefined;
    }
    const verdict = { correct: 'backprop looks correct', lookCloser: 'look closer', suspicious: 'suspicious', bug: 'likely a bug in backprop',
      inconclusive: 'inconclusive: the gradients are at rounding level (check at initialisation or on a fresh batch)' }[report.band];
    const kinks = report.kinks ? ` (${report.kinks} ${report.kinks === 1 ? 'entry straddles' : 'entries straddle'} a kink; excluded)` : '';
    const text = `Gradient check: difference ${report.difference.toExponential(2)} — ${verdict}${kinks}.`;
    const show = report.band === 'correct' || report.band === 'lookCloser' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`Gradient Lab: ${text}`, 'Open Dashboard').then((c) => {
      if (c) void this.d.dashboards.open(target);
    });
    return report.id;
  }

  private async evaluateTest(arg: unknown, confirmed: boolean): Promise<boolean> {
    if (!this.requireTrust()) return false;
    const run = await this.pickRun(arg, isLive, 'evaluate on the test set');
    if (!run) return false;
    const looks = run.view.tests.length ? run.view.tests[run.view.tests.length - 1].looks : run.view.summary?.testLooks ?? 0;
    if (!confirmed) {
      const button = `Evaluate (look #${looks + 1})`;
      const answer = await vscode.window.showWarningMessage(
        'Evaluate on the test set?',
        {
          modal: true,
          detail: 'The test set is sealed: it is kept apart so that its error is an unbiased estimate of how the model '
            + 'does on new data. Every look is counted and shown next to the result. If you change the model or its '
            + 'hyperparameters after looking, you are tuning on the test set and its error stops being unbiased — use '
            + `the dev set for decisions. Looks so far: ${looks}.`,
        },
        button,
      );
      if (answer !== button) return false;
    }
    return this.d.runs.send(run, { type: 'evaluateTest' });
  }

  private async resumeFromCheckpoint(arg: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const run = await this.pickRun(arg, (r) => !r.live && r.resumable, 'resume from its checkpoint');
    if (!run) return undefined;
    this.d.diagnostics.clear(run.configPath);
    await this.d.runs.resumeFromCheckpoint(run);
    try {
      await run.ready;
    } catch {
      return undefined;
    }
    await this.d.dashboards.open(run, { preserveFocus: true });
    return run.id;
  }

  /** The verdict card's offer: diagnostics.humanLevelError into the run's experiment, for its next runs. */
  private async setHumanLevelError(run: Run | undefined): Promise<boolean> {
    const file = run?.configPath;
    if (!file || !this.d.configEditor) {
      void vscode.window.showInformationMessage('Gradient Lab: this run has no experiment file to write the human-level error into.');
      return false;
    }
    const current = run.view.verdict?.humanLevelError;
    const input = await vscode.window.showInputBox({
      title: `Human-level error — ${path.basename(file)}`,
      prompt: 'The error (in %) a person, or the best known model, makes on this data: the proxy for the Bayes error that avoidable bias is measured against. Applies to the next run.',
      value: current !== undefined ? String(+(current * 100).toFixed(2)) : '',
      validateInput: (v) => (parsePercent(v) === null ? 'A percentage from 0 to 100, e.g. 3.5' : undefined),
    });
    const value = input === undefined ? null : parsePercent(input);
    if (value === null) return false;
    const done = await this.d.configEditor.applyEdits(file, [{ pointer: '/diagnostics/humanLevelError', value }]);
    void vscode.window.showInformationMessage(`Gradient Lab: ${done}.`);
    return true;
  }

  // ───────────────────────── runs ─────────────────────────

  private async openDashboard(arg: unknown): Promise<boolean> {
    const run = await this.pickRun(arg, isReal, 'show');
    if (!run) return false;
    this.d.runs.setActive(run);
    await this.d.dashboards.open(run, { preserveFocus: arg instanceof Run });
    return true;
  }

  private async compareRuns(arg: unknown, selected: unknown): Promise<boolean> {
    const all = this.d.runs.list().filter(isReal);
    let runs: Run[] | undefined;
    if (Array.isArray(selected) && selected.length > 1 && selected.every((s) => s instanceof Run)) {
      runs = selected as Run[]; // several rows selected in the tree
    } else if (Array.isArray(arg) && arg.every((s) => typeof s === 'string')) {
      runs = (arg as string[]).map((id) => this.d.runs.get(id)).filter((r): r is Run => r !== undefined);
    } else {
      if (all.length < 2) {
        void vscode.window.showInformationMessage('Gradient Lab: Compare Runs needs at least two runs.');
        return false;
      }
      const preselected = new Set<Run>([this.runFrom(arg), this.d.runs.activeRun].filter((r): r is Run => r !== undefined));
      const picked = await vscode.window.showQuickPick(
        all.map((r) => ({ ...this.runItem(r), picked: preselected.has(r) })),
        { canPickMany: true, placeHolder: 'Runs to overlay (cost and error curves)', matchOnDescription: true },
      );
      runs = picked?.map((p) => p.run);
    }
    if (!runs || runs.length === 0) return false;
    await this.d.compare.open(runs);
    return true;
  }

  private async exportMetrics(arg: unknown, target?: vscode.Uri): Promise<string | undefined> {
    const run = await this.pickRun(arg, isReal, 'export');
    if (!run) return undefined;
    const view = await this.d.runs.load(run);
    const uri = target ?? await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(run.runDir || this.defaultDir(), `${run.id}-metrics.csv`)),
      filters: { 'CSV': ['csv'] },
      saveLabel: 'Export Metrics',
      title: `Export metrics of ${runLabel(view)}`,
    });
    if (!uri) return undefined;
    await writeFile(uri, Buffer.from(await runCsv(run.runDir), 'utf8'));
    this.d.log.info(`exported metrics of ${run.id} to ${uri.fsPath}`);
    if (!target) {
      void vscode.window.showInformationMessage(`Gradient Lab: metrics exported to ${path.basename(uri.fsPath)}.`, 'Open').then((c) => {
        if (c) void vscode.window.showTextDocument(uri);
      });
    }
    return uri.fsPath;
  }

  private defaultDir(): string {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.d.context.globalStorageUri.fsPath;
  }

  private async revealRunFolder(arg: unknown): Promise<boolean> {
    const run = await this.pickRun(arg, (r) => isReal(r) && !!r.runDir, 'reveal');
    if (!run) return false;
    const uri = vscode.Uri.file(run.runDir);
    // With a remote (SSH, containers, code-server) the OS file manager is on the wrong machine.
    if (vscode.env.remoteName && vscode.workspace.getWorkspaceFolder(uri)) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } else if (vscode.env.remoteName) {
      await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    } else {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    }
    return true;
  }

  // ───────────────────────── webview messages ─────────────────────────

  async handle(msg: WebviewToHost, run: Run | undefined, source: WebviewKind): Promise<void> {
    switch (msg.type) {
      case 'ready':
      case 'rendered':
        return;
      case 'setSmoothing':
        await rememberSmoothing(this.d.context, msg.value);
        return;
      case 'savePng':
        await this.savePng(run, msg.chart, msg.dataUrl);
        return;
      case 'exportCsv':
        if (run) await this.exportMetrics(run);
        return;
      case 'setLearningRate':
        if (run) await this.setLearningRate(run, msg.value);
        return;
      case 'setHumanLevelError':
        await this.setHumanLevelError(run);
        return;
      case 'findLearningRate':
        if (run) await this.d.lrFinder?.findLearningRate(run);
        return;
      case 'control':
        this.d.log.info(`${source}: ${msg.command}${run ? ` ${run.id}` : ''}`);
        if (!run) {
          this.d.log.warn(`${source} webview asked for ${msg.command} without a run; ignored`);
          return;
        }
        switch (msg.command) {
          case 'pause': await this.control(run, 'pause'); return;
          case 'resume': await this.control(run, 'resume'); return;
          case 'step': await this.step(run, 1); return;
          case 'stop': await this.stop(run); return;
          case 'gradientCheck': await this.gradientCheck(run); return;
          case 'evaluateTest': await this.evaluateTest(run, false); return;
          case 'resumeFromCheckpoint':
            if (run.owner) {
              void vscode.window.showInformationMessage('This run is a trial of a hyperparameter search: resume the search to continue it.');
              return;
            }
            await this.resumeFromCheckpoint(run);
            return;
        }
    }
  }

  private async savePng(run: Run | undefined, chart: string, dataUrl: string): Promise<void> {
    await saveChartPng(chart, dataUrl, path.join(run?.runDir || this.defaultDir(), `${run ? `${run.id}-` : ''}${chart}.png`), this.d.log);
  }
}

function stateIcon(state: RunState): string {
  return `$(${STATE_ICONS[state]})`;
}
