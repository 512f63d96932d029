/**
 * "Gradient Lab: Train Python Script": runs the active .py file (a PyTorch loop that calls
 * gradient_lab.attach) with the interpreter of `gradientLab.python.interpreter`, then attaches to
 * its run like to a reloaded window's engine, so it gets the Runs tree, dashboard and controls.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { requireTrust } from './experiments';
import { registerCommand } from './register';
import { launchPythonScript } from './runs/python-script';
import type { RunManager } from './runs/run-manager';
import { resolveRunsFolder, SECTION } from './settings';
import type { DashboardManager } from './ui/dashboard';

export const PYTHON_COMMANDS = ['gradientLab.trainPythonScript'] as const;

export interface PythonUiDeps {
  context: vscode.ExtensionContext;
  runs: RunManager;
  dashboards: DashboardManager;
  log: vscode.LogOutputChannel;
}

export function registerPythonCommands(d: PythonUiDeps): vscode.Disposable[] {
  let output: vscode.OutputChannel | undefined;
  const channel = (): vscode.OutputChannel => (output ??= vscode.window.createOutputChannel('Gradient Lab: Python'));
  const train = async (arg: unknown): Promise<void> => {
    if (!requireTrust('Gradient Lab: running a Python script is disabled in Restricted Mode. Trust this workspace to enable it.')) return;
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file' || !uri.fsPath.endsWith('.py')) {
      void vscode.window.showInformationMessage('Gradient Lab: open a Python training script (.py) first.');
      return;
    }
    const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    const interpreter = vscode.workspace.getConfiguration(SECTION, uri).get<string>('python.interpreter', 'python3') || 'python3';
    const out = channel();
    out.appendLine(`$ ${interpreter} ${uri.fsPath}`);
    out.show(true);
    const script = launchPythonScript({
      interpreter, script: uri.fsPath, runsDir: resolveRunsFolder(d.context),
      modulePath: path.join(d.context.extensionPath, 'python'),
      cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath),
      onOutput: (t) => out.append(t),
    });
    void script.exited.then((e) => out.appendLine(`[${path.basename(uri.fsPath)} exited with ${e.signal ?? `code ${e.code}`}]`));
    let runDir: string;
    try {
      runDir = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: starting ${path.basename(uri.fsPath)}` },
        () => script.runDir,
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`Gradient Lab: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const run = await d.runs.attachFolder(runDir);
    if (!run) {
      void vscode.window.showErrorMessage(`Gradient Lab: could not attach to the run in ${runDir} (see the Gradient Lab log).`);
      return;
    }
    d.log.info(`attached to Python script ${uri.fsPath} (pid ${script.child.pid ?? '?'}) in ${runDir}`);
    await d.dashboards.open(run, { preserveFocus: true });
  };
  return [registerCommand('gradientLab.trainPythonScript', train, d.log), { dispose: () => output?.dispose() }];
}
