/**
 * "Gradient Lab: Diagnose" and "Gradient Lab: Find Learning Rate": the experiment file runs in an
 * engine of its own (./diagnose-run; no run folder), with cancellable progress, into the report
 * panel (../ui/diagnose-panel). Find Learning Rate on a live run (the dashboard's "Find LR", the
 * Runs tree) sweeps that run's current weights between two iterations instead; the run is
 * restored afterwards. One-click fixes are WorkspaceEdits of the experiment file, so Undo works.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { roundedRate, type ConfigEdit, type DiagnoseReport, type LrFindResult } from '../../shared/diagnosis';
import type { DiagnoseAction, DiagnoseViewState } from '../../shared/webview-protocol';
import { jsonSetEdit } from '../../shared/json-edit';
import { LR_FIND } from '../../shared/requests';
import type { EngineDiagnostics } from '../diagnostics';
import { activeExperiment, findExperiments, pickExperiment, requireFileOnDisk, requireTrust, saveIfDirty } from '../experiments';
import { registerCommand } from '../register';
import type { EngineHandle } from '../runs/engine-process';
import { runLabel } from '../runs/format';
import { requestOrNothing } from '../runs/request';
import { Run, type RunManager } from '../runs/run-manager';
import { DiagnosePanels, type DiagnosePanel } from '../ui/diagnose-panel';
import { DiagnoseError, startDiagnose, type DiagnoseRun } from './diagnose-run';

export const DIAGNOSE_COMMANDS = ['gradientLab.diagnose', 'gradientLab.findLearningRate'] as const;

const RESTRICTED_MESSAGE = 'Gradient Lab: Diagnose is disabled in Restricted Mode. It runs the experiment (reads the data files it names). '
  + 'Trust this workspace to enable it.';
const LEARNING_RATE = '/training/optimizer/learningRate';

export interface DiagnoseUiDeps {
  extensionUri: vscode.Uri;
  runs: RunManager;
  diagnostics: EngineDiagnostics;
  log: vscode.LogOutputChannel;
  spawnEngine: () => EngineHandle;
}

export class DiagnoseUi implements vscode.Disposable {
  readonly panels: DiagnosePanels;
  private readonly running = new Map<string, DiagnoseRun>();

  constructor(private readonly d: DiagnoseUiDeps) {
    this.panels = new DiagnosePanels({ extensionUri: d.extensionUri, log: d.log, handle: (action, panel) => this.handle(action, panel) });
  }

  register(): vscode.Disposable[] {
    return [
      registerCommand('gradientLab.diagnose', (arg) => this.diagnose(arg), this.d.log),
      registerCommand('gradientLab.findLearningRate', (arg) => this.findLearningRate(arg), this.d.log),
    ];
  }

  /** Diagnoses an experiment file (a Uri, a run's experiment, the active editor, or a picker); resolves with the report. */
  async diagnose(arg: unknown): Promise<DiagnoseReport | undefined> {
    if (!requireTrust(RESTRICTED_MESSAGE)) return undefined;
    const file = await this.experimentFile(arg, 'Experiment to diagnose');
    return file ? this.runFile(file, 'diagnose') : undefined;
  }

  /** The range test: on a live run's current weights (a Run or run id), else on an experiment file's initial weights. */
  async findLearningRate(arg: unknown): Promise<LrFindResult | undefined> {
    if (!requireTrust(RESTRICTED_MESSAGE)) return undefined;
    const run = arg instanceof Run ? arg : typeof arg === 'string' ? this.d.runs.get(arg) : undefined;
    if (run && !this.d.runs.list().includes(run)) {
      // A search trial: its engine belongs to the search process, which has no range-test command.
      void vscode.window.showInformationMessage('Gradient Lab: Find Learning Rate is not available on a search trial; run it on the experiment file.');
      return undefined;
    }
    if (run?.live) return this.findOnRun(run);
    const file = await this.experimentFile(run ?? arg, 'Experiment to find a learning rate for');
    if (!file) return undefined;
    return (await this.runFile(file, 'lrFind'))?.lrFind ?? undefined;
  }

  private async experimentFile(arg: unknown, placeHolder: string): Promise<string | undefined> {
    let uri: vscode.Uri | undefined;
    if (arg instanceof vscode.Uri) uri = arg;
    else if (arg instanceof Run && arg.configPath) uri = vscode.Uri.file(arg.configPath);
    else if (arg instanceof Run) {
      void vscode.window.showInformationMessage(`Gradient Lab: ${runLabel(arg.view)} does not say which experiment file it came from.`);
      return undefined;
    } else {
      uri = activeExperiment();
      if (!uri) {
        const files = await findExperiments();
        if (files.length === 0) {
          void vscode.window.showInformationMessage('Gradient Lab: no experiment (*.nn.json) in this workspace.');
          return undefined;
        }
        uri = files.length === 1 ? files[0] : await pickExperiment(files, placeHolder);
      }
    }
    if (!uri || !requireFileOnDisk(uri)) return undefined;
    await saveIfDirty(uri);
    return uri.fsPath;
  }

  private async runFile(file: string, kind: DiagnoseViewState['kind']): Promise<DiagnoseReport | undefined> {
    this.running.get(file)?.cancel();
    this.d.diagnostics.clear(file);
    const panel = this.panels.open(file, {
      kind, file, fileName: path.basename(file), runId: null, runLive: false, phase: 'running', progress: null,
      report: null, lrFind: null, error: null, applied: null,
    });
    const what = kind === 'lrFind' ? 'Finding a learning rate for' : 'Diagnosing';
    this.d.log.info(`${what.toLowerCase()} ${file}`);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Gradient Lab: ${what} ${path.basename(file)}`, cancellable: true },
      async (progress, token) => {
        let done = 0;
        const run = startDiagnose(this.d.spawnEngine, { configPath: file, checks: kind === 'lrFind' ? ['lrRange'] : undefined }, (check, index, total) => {
          panel.update({ progress: { check, index, total } });
          progress.report({ message: `${index + 1}/${total}: ${check}`, increment: ((index - done) / total) * 100 });
          done = index;
        });
        this.running.set(file, run);
        const cancel = token.onCancellationRequested(() => run.cancel());
        try {
          return { report: await run.result };
        } catch (err) {
          return { error: err };
        } finally {
          cancel.dispose();
          if (this.running.get(file) === run) this.running.delete(file);
        }
      });
    if ('error' in outcome) {
      const info = outcome.error instanceof DiagnoseError ? outcome.error.info : { code: 'engine', message: String(outcome.error) };
      const first = info.message.split('\n')[0];
      panel.update({ phase: 'error', progress: null, error: first });
      if (info.code === 'config' || info.code === 'data' || info.code === 'io') {
        const uri = await this.d.diagnostics.report(info, file);
        void vscode.window.showErrorMessage(`Gradient Lab: ${first}${info.line ? ` (line ${info.line})` : ''}`, ...(uri ? ['Open Experiment'] : [])).then((c) => {
          if (c && uri) void vscode.window.showTextDocument(uri, { selection: this.d.diagnostics.get(uri)[0]?.range });
        });
      } else {
        this.d.log.error(`diagnose ${file}: ${info.message}`);
        void vscode.window.showErrorMessage(`Gradient Lab: ${what.toLowerCase()} ${path.basename(file)} failed: ${first}`);
      }
      return undefined;
    }
    const report = outcome.report;
    if (!report) {
      panel.update({ phase: 'cancelled', progress: null });
      return undefined;
    }
    panel.update({ phase: 'done', progress: null, report, lrFind: report.lrFind });
    this.d.log.info(`diagnosed ${file}: ${report.status} (${report.checks.map((c) => `${c.id} ${c.status}`).join(', ')})`);
    return report;
  }

  private async findOnRun(run: Run): Promise<LrFindResult | undefined> {
    const file = run.configPath ?? run.view.info?.configPath ?? null;
    const panel = this.panels.open(`run:${run.id}`, {
      kind: 'lrFind', file, fileName: runLabel(run.view), runId: run.id, runLive: true, phase: 'running', progress: null,
      report: null, lrFind: null, error: null, applied: null,
    });
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Gradient Lab: range test on ${runLabel(run.view)}'s current weights…` },
      () => requestOrNothing(this.d.runs.peer(run), LR_FIND, undefined, 300_000));
    if (!result) {
      panel.update({ phase: 'error', error: 'The run ended (or its engine did not answer) before the range test reported.' });
      return undefined;
    }
    panel.update({ phase: 'done', lrFind: result, runLive: run.live });
    return result;
  }

  private async handle(action: DiagnoseAction, panel: DiagnosePanel): Promise<void> {
    const s = panel.state;
    switch (action.action) {
      case 'rerun': {
        const run = s.runId ? this.d.runs.get(s.runId) : undefined;
        if (!requireTrust(RESTRICTED_MESSAGE)) return;
        if (run?.live) await this.findOnRun(run);
        else if (s.file) await this.runFile(s.file, s.kind);
        return;
      }
      case 'openFile':
        if (s.file) await vscode.window.showTextDocument(vscode.Uri.file(s.file), { preview: false });
        return;
      case 'fix': {
        const check = s.report?.checks.find((c) => c.id === action.check);
        if (!check?.fix || !s.file) return;
        panel.update({ applied: await this.applyEdits(s.file, check.fix.edits) });
        return;
      }
      case 'applyLearningRate': {
        const suggestion = s.lrFind?.suggestion;
        if (!suggestion) return;
        const value = roundedRate(suggestion.lr);
        if (action.target === 'run') {
          const run = s.runId ? this.d.runs.get(s.runId) : undefined;
          if (!run?.live) {
            void vscode.window.showInformationMessage('Gradient Lab: the run is not running any more; apply the rate to the file instead.');
            return;
          }
          if (!requireTrust(RESTRICTED_MESSAGE)) return;
          this.d.runs.send(run, { type: 'setLearningRate', value });
          panel.update({ applied: `learning rate of ${runLabel(run.view)} set to ${value} (from its next iteration)` });
          return;
        }
        if (!s.file) return;
        panel.update({ applied: await this.applyEdits(s.file, [{ pointer: LEARNING_RATE, value }]) });
        return;
      }
    }
  }

  /**
   * Writes the edits into the experiment as WorkspaceEdits (undoable in its editor) and saves it
   * when it had no unsaved changes of the user's; returns what was done, for the panel.
   */
  async applyEdits(file: string, edits: readonly ConfigEdit[]): Promise<string> {
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    const wasDirty = doc.isDirty;
    for (const e of edits) {
      const t = jsonSetEdit(doc.getText(), e.pointer, e.value);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(t.offset), doc.positionAt(t.offset + t.length)), t.text);
      if (!await vscode.workspace.applyEdit(edit)) throw new Error(`could not edit ${path.basename(file)}`);
    }
    if (!wasDirty) await doc.save();
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.One });
    const what = edits.map((e) => `${e.pointer.slice(1).replace(/\//g, '.')} = ${JSON.stringify(e.value)}`).join(', ');
    this.d.log.info(`wrote ${what} into ${file}`);
    return `wrote ${what} into ${path.basename(file)}${wasDirty ? ' (not saved: the file had unsaved changes)' : ''} — Undo in its editor reverts it`;
  }

  dispose(): void {
    for (const r of this.running.values()) r.cancel();
    this.running.clear();
    this.panels.dispose();
  }
}
