/**
 * What the run views and the search views both need from the window: context keys for `when`
 * clauses set only when they change, and a watch on the runs folder that follows the setting and
 * the workspace folders, and settles a burst of file changes into one refresh.
 */
import * as vscode from 'vscode';
import { resolveRunsFolder, SECTION } from './settings';

/** `setContext` for keys whose value changed (VS Code re-evaluates every `when` clause on each). */
export class ContextKeys {
  private readonly values = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }
}

export interface RunsFolderHandlers {
  /** Files matching the pattern were created, changed or deleted (once per burst, after `delayMs`). */
  filesChanged(): void;
  /** The runs folder is another one now (its setting, the workspace folders). */
  folderChanged(): void;
}

/** Watches `pattern` (e.g. `*\/search.json`) under the runs folder; dispose to stop. */
export function watchRunsFolder(context: vscode.ExtensionContext, pattern: string, on: RunsFolderHandlers, delayMs = 300): vscode.Disposable {
  let watcher: vscode.FileSystemWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settle = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => on.filesChanged(), delayMs);
  };
  const watch = (): void => {
    watcher?.dispose();
    watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(resolveRunsFolder(context)), pattern));
    watcher.onDidCreate(settle);
    watcher.onDidChange(settle);
    watcher.onDidDelete(settle);
  };
  const moved = (): void => {
    watch();
    on.folderChanged();
  };
  watch();
  const subs = [
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.runsFolder`)) moved();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(moved),
  ];
  return {
    dispose: () => {
      for (const s of subs) s.dispose();
      watcher?.dispose();
      if (timer) clearTimeout(timer);
    },
  };
}
