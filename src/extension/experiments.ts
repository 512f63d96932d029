/**
 * Finding and preparing the experiment a command acts on, and the Restricted Mode gate: shared by
 * the training commands and the search commands.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXPERIMENT_GLOB = '**/*.nn.json';
const EXCLUDE_GLOB = '{**/node_modules/**,**/.gradient-lab/**,**/.git/**}';

/** The `*.nn.json` in the active editor, if any. */
export function activeExperiment(): vscode.Uri | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && editor.document.uri.path.endsWith('.nn.json') ? editor.document.uri : undefined;
}

/** Every experiment file in the workspace (run folders and dependencies excluded), sorted by path. */
export async function findExperiments(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, EXCLUDE_GLOB, 500);
  return files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/** A quick pick among experiment files: file name, workspace-relative folder. */
export async function pickExperiment(files: readonly vscode.Uri[], placeHolder: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showQuickPick(
    files.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u, true), uri: u })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.uri;
}

/** The engine reads experiments from disk: an untitled or virtual document is refused with why. */
export function requireFileOnDisk(uri: vscode.Uri): boolean {
  if (uri.scheme === 'file') return true;
  void vscode.window.showErrorMessage('Gradient Lab: the experiment must be a file on disk (save it first).');
  return false;
}

/** Saves the file's editor first when it has unsaved edits (the engine reads the file on disk). */
export async function saveIfDirty(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  return doc;
}

/** True in a trusted workspace; otherwise shows `message` with a way to manage trust. */
export function requireTrust(message: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
