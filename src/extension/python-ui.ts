/**
 * "Gradient Lab: Train Python Script": runs the active .py file (a PyTorch loop that calls
 * gradient_lab.attach), or the script an experiment's `engine` names (▶ Train on it comes here),
 * with the interpreter of runs/python-script.ts chooseInterpreter, then attaches to
 * its run like to a reloaded window's engine, so it gets the Runs tree, dashboard and controls.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { requireTrust } from './experiments';
import { registerCommand } from './register';
import type { EngineDiagnostics } from './diagnostics';
import type { EngineErrorInfo } from '../shared/protocol';
import { runLabel } from './runs/format';
import { chooseInterpreter, launchPythonScript, pythonArgv, pythonCrashOf, pythonEngineOf, pythonLaunchOf } from './runs/python-script';
import type { RunManager } from './runs/run-manager';
import { resolveRunsFolder, SECTION } from './settings';
import type { DashboardManager } from './ui/dashboard';

export const PYTHON_COMMANDS = ['gradientLab.trainPythonScript'] as const;

export interface PythonUiDeps {
  context: vscode.ExtensionContext;
  runs: RunManager;
  dashboards: DashboardManager;
  log: vscode.LogOutputChannel;
  diagnostics: EngineDiagnostics;
}

export function registerPythonCommands(d: PythonUiDeps): vscode.Disposable[] {
  let output: vscode.OutputChannel | undefined;
  const channel = (): vscode.OutputChannel => (output ??= vscode.window.createOutputChannel('Gradient Lab: Python'));
  /** A .py file, or an experiment (*.nn.json) whose `engine` names one; resolves with the run id once attached. */
  const train = async (arg: unknown): Promise<string | undefined> => {
    if (!requireTrust('Gradient Lab: running a Python script is disabled in Restricted Mode. Trust this workspace to enable it.')) return undefined;
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const launch = uri?.scheme === 'file' ? await launchFor(uri) : undefined;
    if (!uri || !launch) {
      void vscode.window.showInformationMessage('Gradient Lab: open a Python training script (.py), or an experiment whose "engine" names one, first.');
      return undefined;
    }
    for (const file of [uri, vscode.Uri.file(launch.script)]) {
      const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === file.toString());
      if (doc?.isDirty) await doc.save();
    }
    const set = vscode.workspace.getConfiguration(SECTION, uri).inspect<string>('python.interpreter');
    const setting = set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue;
    const interpreter = chooseInterpreter({
      experiment: launch.interpreter, setting,
      pythonExtension: launch.interpreter || setting ? undefined : await pythonExtensionInterpreter(uri, d.log),
    });
    const name = path.basename(launch.script);
    const out = channel();
    out.appendLine(`$ ${interpreter} ${pythonArgv(launch).join(' ')}`);
    out.show(true);
    d.diagnostics.clearFile(launch.script);
    const script = launchPythonScript({
      interpreter, ...launch, runsDir: resolveRunsFolder(d.context),
      modulePath: path.join(d.context.extensionPath, 'python'),
      cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(launch.script),
      onOutput: (t) => out.append(t),
    });
    void script.exited.then((e) => out.appendLine(`[${name} exited with ${e.signal ?? `code ${e.code}`}]`));
    let runDir: string;
    try {
      runDir = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: starting ${name}` },
        () => script.runDir,
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`Gradient Lab: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    // An ended script (a crash in its first steps) is not attached to, but listed from its folder.
    const run = await d.runs.attachFolder(runDir) ?? d.runs.list().find((r) => r.runDir && path.resolve(r.runDir) === path.resolve(runDir));
    if (!run) {
      void vscode.window.showErrorMessage(`Gradient Lab: could not attach to the run in ${runDir} (see the Gradient Lab log).`);
      return undefined;
    }
    d.log.info(`${run.live ? 'attached to' : 'ended before attaching:'} Python script ${launch.script} (pid ${script.child.pid ?? '?'}) in ${runDir}`);
    // A crash recorded before we attached reached no live handler.
    const crash = await pythonCrashOf(runDir);
    if (crash) void showPythonCrash(d.diagnostics, crash, runLabel(run.view));
    await d.dashboards.open(run, { preserveFocus: true });
    return run.id;
  };
  return [registerCommand('gradientLab.trainPythonScript', train, d.log), { dispose: () => output?.dispose() }];
}

/**
 * A script's exception as a diagnostic on its line (replacing that file's earlier ones: the live
 * event and the run folder may both bring the same crash) and a notification that opens it.
 */
export async function showPythonCrash(diagnostics: EngineDiagnostics, error: EngineErrorInfo, label: string): Promise<void> {
  if (!error.file) return;
  diagnostics.clearFile(error.file);
  const uri = await diagnostics.report(error, undefined);
  const where = `${path.basename(error.file)}${error.line ? `:${error.line}` : ''}`;
  const choice = await vscode.window.showErrorMessage(`Gradient Lab: ${label} crashed at ${where}: ${error.message.split('\n')[0]}`, 'Open Script');
  if (choice && uri) await vscode.window.showTextDocument(uri, { selection: diagnostics.get(uri)[0]?.range });
}

/**
 * The interpreter of the Python extension's selected environment for `uri` (its `environments`
 * API), or undefined when that extension is absent or says nothing.
 */
async function pythonExtensionInterpreter(uri: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) return undefined;
  try {
    // The extension's exports are untyped here (no dependency on its API package): narrowed by hand.
    const api: unknown = ext.isActive ? ext.exports : await ext.activate();
    const environments = (api as { environments?: { getActiveEnvironmentPath?: (r?: vscode.Uri) => { path?: unknown } | undefined } } | undefined)?.environments;
    const found = environments?.getActiveEnvironmentPath?.(uri)?.path;
    return typeof found === 'string' && found ? found : undefined;
  } catch (e) {
    log.warn(`the Python extension's interpreter: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** What to start for a .py file or an experiment naming a script; undefined for anything else. */
async function launchFor(uri: vscode.Uri): Promise<ReturnType<typeof pythonLaunchOf> | undefined> {
  if (uri.fsPath.endsWith('.py')) return { script: uri.fsPath, args: [] };
  const engine = pythonEngineOf(await experimentText(uri));
  return engine ? pythonLaunchOf(uri.fsPath, engine) : undefined;
}

/** The editor's text of an experiment when it is open (it may be unsaved), else the file's. */
export async function experimentText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
  } catch {
    return '';
  }
}

/** Whether an experiment names a Python script (▶ Train then runs it). */
export async function namesPythonScript(uri: vscode.Uri): Promise<boolean> {
  return uri.fsPath.endsWith('.py') ? false : pythonEngineOf(await experimentText(uri)) !== undefined;
}
