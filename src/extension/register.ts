import * as vscode from 'vscode';

/**
 * Registers a command whose failure is logged (with its stack) and shown to the user once,
 * instead of surfacing as an unhandled rejection in the extension host.
 */
export function registerCommand(id: string, fn: (...args: unknown[]) => unknown, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error(`${id} failed: ${err instanceof Error ? err.stack ?? message : message}`);
      void vscode.window.showErrorMessage(`Gradient Lab: ${message}`);
      return undefined;
    }
  });
}
