/**
 * Gradient Lab's extension host entry: wires the run manager (engine child processes), the Runs
 * tree, the live side view, dashboards, status bar, CodeLens, diagnostics and commands. Everything
 * is a disposable of the extension context; deactivate stops (and if need be kills) every engine.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, COMMANDS } from './commands';
import { DIAGNOSE_COMMANDS, DiagnoseUi } from './diagnose/diagnose-ui';
import type { DiagnosePanelStats } from './ui/diagnose-panel';
import { EngineDiagnostics } from './diagnostics';
import { LiveConfigCheck } from './live-check';
import { AttachedEngine } from './runs/attached-engine';
import { EngineProcess } from './runs/engine-process';
import { runLabel } from './runs/format';
import { Run, RunManager } from './runs/run-manager';
import { SearchManager } from './search/search-manager';
import { SearchProcess } from './search/search-process';
import { PYTHON_COMMANDS, registerPythonCommands, showPythonCrash } from './python-ui';
import { SEARCH_COMMANDS, SearchUi } from './search/search-ui';
import { readSettings, resolveRunsFolder, SECTION, viewSettings } from './settings';
import { ExperimentCodeLensProvider } from './ui/codelens';
import { COMPARE_VIEW_TYPE, ComparePanels } from './ui/compare';
import { DASHBOARD_VIEW_TYPE, DashboardManager } from './ui/dashboard';
import { LIVE_VIEW_ID, LiveViewProvider } from './ui/live-view';
import { RUNS_VIEW_ID, RunsTreeProvider } from './ui/runs-tree';
import { RunStatusBar } from './ui/status-bar';
import { showWalkthroughOnFirstRun } from './ui/walkthrough';
import { ResultsColumn } from './ui/results-column';
import { WebviewHub, type WebviewEnv } from './ui/webviews';
import { ContextKeys, watchRunsFolder } from './workspace-watch';

/** What `activate` returns: a small surface for the integration tests (and other extensions). */
export interface GradientLabApi {
  runs: RunManager;
  runsFolder(): string;
  enginePath: string;
  commands: readonly string[];
  dashboard(runId: string): ReturnType<DashboardManager['stats']>;
  diagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  statusBarText(): string | undefined;
  /** Hyperparameter searches (live and in the runs folder) and their trials. */
  searches: SearchManager;
  /** What the search view of a search folder has been sent and has reported back. */
  searchView(dir: string): ReturnType<SearchUi['viewStats']>;
  /** What a Diagnose panel (by experiment path, or `run:<id>`) was sent and drew, for tests. */
  diagnosePanel(key: string): DiagnosePanelStats;
  /** Delivers a message to a Diagnose panel's host side as its webview would (tests cannot click in a webview). */
  diagnoseMessage(key: string, message: unknown): Promise<void>;
  /** A message as if the run's dashboard had posted it. */
  dashboardMessage(runId: string, message: unknown): Promise<void>;
  /** The Runs tree as VS Code sees it (roots, children, rows), for tests. */
  runsTree: { children(element?: unknown): unknown[]; item(element: unknown): vscode.TreeItem };
}

let manager: RunManager | undefined;
let searchManager: SearchManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<GradientLabApi> {
  const log = vscode.window.createOutputChannel('Gradient Lab', { log: true });
  context.subscriptions.push(log);
  const enginePath = path.join(context.extensionPath, 'dist', 'engine.js');

  /** `detached`: a training run outlives this window (a reload) and is reattached by the next one. */
  const spawnEngine = (detached = false): EngineProcess => {
    const threads = readSettings().threads;
    const engine = new EngineProcess({
      enginePath,
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.scheme === 'file' ? vscode.workspace.workspaceFolders[0].uri.fsPath : undefined,
      env: threads > 0 ? { GRADIENT_LAB_THREADS: String(threads) } : {},
      log: (m) => log.warn(m),
      detached,
    });
    log.info(`forked engine ${engine.pid ?? '?'} (${process.execPath} ${enginePath})`);
    return engine;
  };
  const runs = new RunManager({
    runsDir: () => resolveRunsFolder(context),
    spawn: () => spawnEngine(true),
    attach: (runDir) => AttachedEngine.connect(runDir, (m) => log.warn(m)),
    log: (m) => log.info(m),
  });
  manager = runs;

  const searchPath = path.join(context.extensionPath, 'dist', 'search.js');
  const searches = new SearchManager({
    runs,
    runsDir: () => resolveRunsFolder(context),
    spawn: () => {
      const threads = readSettings().threads;
      const search = new SearchProcess({
        searchPath,
        cwd: vscode.workspace.workspaceFolders?.[0]?.uri.scheme === 'file' ? vscode.workspace.workspaceFolders[0].uri.fsPath : undefined,
        env: threads > 0 ? { GRADIENT_LAB_THREADS: String(threads) } : {},
        log: (m) => log.warn(m),
      });
      log.info(`forked search process ${search.pid ?? '?'} (${process.execPath} ${searchPath})`);
      return search;
    },
    log: (m) => log.info(m),
  });
  searchManager = searches;

  const liveCheck = new LiveConfigCheck(path.join(context.extensionPath, 'dist', 'check.js'), log);
  context.subscriptions.push(liveCheck);
  const diagnostics = new EngineDiagnostics(liveCheck);
  /** Every Gradient Lab problem of a file: the engine's from a run, and the live check's. */
  const problems = (uri: vscode.Uri): vscode.Diagnostic[] => [...diagnostics.get(uri), ...liveCheck.get(uri)];
  const hub = new WebviewHub(runs);
  // `actions` is filled in below; webviews only call it after activation finished.
  const env: WebviewEnv = {
    extensionUri: context.extensionUri,
    runs,
    log,
    settings: () => viewSettings(context),
    refreshRate: () => readSettings().refreshRate,
    actions: { handle: async () => undefined },
  };
  const results = new ResultsColumn();
  const dashboards = new DashboardManager(env, hub, context.workspaceState, results);
  const compare = new ComparePanels(env, hub, results);
  const searchUi = new SearchUi({ context, runs, searches, dashboards, results, diagnostics, log });
  const diagnose = new DiagnoseUi({ extensionUri: context.extensionUri, runs, diagnostics, log, spawnEngine: () => spawnEngine() });
  const commands = new Commands({ context, runs, dashboards, compare, diagnostics, log, lrFinder: diagnose, configEditor: diagnose });
  env.actions = commands;

  const tree = new RunsTreeProvider(runs, searchUi.tree);
  const treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: false, canSelectMany: true });
  const live = new LiveViewProvider(env, hub);
  const statusBar = new RunStatusBar(runs, searches);
  const codeLens = new ExperimentCodeLensProvider();

  context.subscriptions.push(
    diagnostics, hub, dashboards, compare, searchUi, tree, treeView, live, statusBar, codeLens,
    ...commands.register(),
    ...searchUi.register(),
    ...registerPythonCommands({ context, runs, dashboards, log, diagnostics }),
    diagnose, ...diagnose.register(),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      // Trials are runs too, once their search is known: read the searches first.
      deserializeWebviewPanel: async (panel, state) => {
        await searchUi.refresh();
        await dashboards.deserializeWebviewPanel(panel, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, compare),
    vscode.window.registerWebviewViewProvider(LIVE_VIEW_ID, live),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.nn.json' }, codeLens),
    treeView.onDidChangeSelection((e) => {
      if (e.selection.length === 1 && e.selection[0] instanceof Run) runs.setActive(e.selection[0]);
    }),
    runs.onDidChangeActive((run) => {
      if (run && treeView.visible && !treeView.selection.includes(run) && !run.pending) {
        treeView.reveal(run, { select: true, focus: false }).then(undefined, () => undefined);
      }
    }),
  );

  void showWalkthroughOnFirstRun(context).then(undefined, (err: unknown) => log.warn(`walkthrough: ${String(err)}`));

  // ── engine errors → diagnostics + a notification; crashes → an offer to resume ──
  context.subscriptions.push(
    runs.onEngineError(async ({ error, configPath, run }) => {
      if (error.code === 'config' || error.code === 'data' || error.code === 'io') {
        const uri = await diagnostics.report(error, configPath);
        const first = error.message.split('\n')[0];
        const where = error.line ? ` (line ${error.line})` : '';
        const choice = await vscode.window.showErrorMessage(`Gradient Lab: ${first}${where}`, ...(uri ? ['Open Experiment'] : []), 'Show Log');
        if (choice === 'Open Experiment' && uri) {
          const d = problems(uri)[0];
          await vscode.window.showTextDocument(uri, { selection: d?.range });
        } else if (choice === 'Show Log') {
          log.show(true);
        }
      } else if (error.code === 'python' && error.file) {
        await showPythonCrash(diagnostics, error, runLabel(run.view));
      } else if (error.code === 'engine') {
        log.error(`[${run.id}] engine error: ${error.message}`);
        const choice = await vscode.window.showErrorMessage(`Gradient Lab: engine error in ${runLabel(run.view)}: ${error.message.split('\n')[0]}`, 'Show Log');
        if (choice) log.show(true);
      } else {
        log.warn(`[${run.id}] ${error.code}: ${error.message}`);
        void vscode.window.showWarningMessage(`Gradient Lab: ${error.message}`);
      }
    }),
    runs.onRunEnded(async (run: Run) => {
      const outcome = run.outcome;
      if (!outcome?.crashed) return;
      if (!runs.list().includes(run)) {
        // Never started; a config/data error was already reported, anything else is shown here.
        if (!run.view.errors.length) void vscode.window.showErrorMessage(`Gradient Lab: the engine failed to start: ${outcome.reason ?? 'unknown reason'}`, 'Show Log').then((c) => c && log.show(true));
        return;
      }
      const actions = run.resumable ? ['Resume From Checkpoint', 'Show Log'] : ['Show Log'];
      const choice = await vscode.window.showWarningMessage(`Gradient Lab: ${runLabel(run.view)} crashed — ${outcome.reason ?? 'unknown reason'}. Its files are kept.`, ...actions);
      if (choice === 'Resume From Checkpoint') await vscode.commands.executeCommand('gradientLab.resumeFromCheckpoint', run);
      else if (choice === 'Show Log') log.show(true);
    }),
  );

  // ── context keys for `when`/`enablement` clauses ──
  const keys = new ContextKeys();
  const setKey = (key: string, value: unknown): void => keys.set(key, value);
  const updateContext = (): void => {
    const list = runs.list();
    const active = runs.activeRun;
    setKey('gradientLab.hasRuns', list.some((r) => !r.pending));
    setKey('gradientLab.hasLiveRuns', list.some((r) => r.live));
    setKey('gradientLab.hasResumableRuns', list.some((r) => r.resumable && !r.live));
    setKey('gradientLab.hasActiveRun', active !== undefined);
    setKey('gradientLab.activeRunState', active?.state ?? '');
    setKey('gradientLab.activeRunLive', active?.live ?? false);
    setKey('gradientLab.activeRunResumable', !!active && active.resumable && !active.live);
  };
  let contextTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleContext = (): void => {
    if (contextTimer) return;
    contextTimer = setTimeout(() => {
      contextTimer = undefined;
      updateContext();
    }, 100);
  };
  context.subscriptions.push(
    runs.onDidChangeRuns(updateContext),
    runs.onDidChangeActive(updateContext),
    runs.onEvent(({ event }) => {
      if (event.type === 'state' || event.type === 'runInfo') scheduleContext();
    }),
    runs.onRunEnded(updateContext),
    { dispose: () => contextTimer && clearTimeout(contextTimer) },
  );
  updateContext();

  // ── settings, runs folder watching ──
  context.subscriptions.push(
    watchRunsFolder(context, '*/{run.json,summary.json}', {
      filesChanged: () => void runs.refresh().catch((e: unknown) => log.warn(`refresh failed: ${String(e)}`)),
      folderChanged: () => void runs.reset(),
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.refreshRate`)) hub.setRate(readSettings().refreshRate);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(updateContext),
  );

  // Last resort if the host process itself goes away without deactivate: no orphan searches.
  // (Training engines are left alone on purpose: they wait for the next window, or stop themselves.)
  const killSearches = (): void => searches.killAll();
  process.once('exit', killSearches);
  context.subscriptions.push({ dispose: () => process.removeListener('exit', killSearches) });

  await runs.refresh().catch((e: unknown) => log.warn(`could not read the runs folder: ${String(e)}`));
  await searchUi.refresh().catch((e: unknown) => log.warn(`could not read the searches in the runs folder: ${String(e)}`));
  log.info(`activated (runs folder ${resolveRunsFolder(context)}, engine ${enginePath}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web UI' : 'desktop UI'}${vscode.env.remoteName ? `, remote ${vscode.env.remoteName}` : ''})`);

  return {
    runs,
    runsFolder: () => resolveRunsFolder(context),
    enginePath,
    commands: [...COMMANDS, ...SEARCH_COMMANDS, ...DIAGNOSE_COMMANDS, ...PYTHON_COMMANDS],
    diagnosePanel: (key) => diagnose.panels.stats(key),
    diagnoseMessage: async (key, message) => {
      const panel = diagnose.panels.get(key);
      if (panel) await diagnose.panels.receive(panel, message);
    },
    dashboard: (runId) => dashboards.stats(runId),
    dashboardMessage: (runId, message) => dashboards.post(runId, message),
    diagnostics: (uri) => problems(uri),
    statusBarText: () => statusBar.text,
    searches,
    searchView: (dir) => searchUi.viewStats(dir),
    runsTree: {
      children: (element) => tree.getChildren(element as Parameters<RunsTreeProvider['getChildren']>[0]),
      item: (element) => tree.getTreeItem(element as Parameters<RunsTreeProvider['getTreeItem']>[0]),
    },
  };
}

export async function deactivate(): Promise<void> {
  const m = manager;
  const s = searchManager;
  manager = undefined;
  searchManager = undefined;
  // Searches stop with the window (their trials checkpoint; Resume continues them); training runs
  // go on and are reattached by the next window (the engine stops itself if none comes).
  await Promise.all([s?.dispose(4000), m?.dispose()]);
}
