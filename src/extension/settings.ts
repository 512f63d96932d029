import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ViewSettings } from '../shared/webview-protocol';

export const SECTION = 'gradientLab';

export interface Settings {
  runsFolder: string;
  refreshRate: number;
  defaultSmoothing: number;
  maxPointsPerSeries: number;
  threads: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const clamp = (x: number, lo: number, hi: number, dflt: number): number => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : dflt);
  return {
    runsFolder: c.get<string>('runsFolder', '.gradient-lab/runs') || '.gradient-lab/runs',
    refreshRate: clamp(c.get<number>('refreshRate', 10), 1, 60, 10),
    defaultSmoothing: clamp(c.get<number>('defaultSmoothing', 0.6), 0, 0.999, 0.6),
    maxPointsPerSeries: Math.round(clamp(c.get<number>('maxPointsPerSeries', 2000), 100, 100_000, 2000)),
    threads: Math.round(clamp(c.get<number>('engine.threads', 0), 0, 256, 0)),
  };
}

/**
 * The runs folder: the setting, relative to the first workspace folder (absolute paths as they are);
 * without a workspace, the extension's global storage.
 */
export function resolveRunsFolder(context: vscode.ExtensionContext): string {
  const setting = readSettings().runsFolder;
  if (path.isAbsolute(setting)) return setting;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') return path.join(folder.uri.fsPath, setting);
  return path.join(context.globalStorageUri.fsPath, 'runs');
}

const SMOOTHING_KEY = 'gradientLab.smoothing';

/** What a webview needs to draw: the smoothing the user last chose (or the default) and the point cap. */
export function viewSettings(context: vscode.ExtensionContext): ViewSettings {
  const s = readSettings();
  const chosen = context.workspaceState.get<number>(SMOOTHING_KEY);
  return {
    smoothing: typeof chosen === 'number' && chosen >= 0 && chosen < 1 ? chosen : s.defaultSmoothing,
    maxPoints: s.maxPointsPerSeries,
  };
}

export function rememberSmoothing(context: vscode.ExtensionContext, value: number): Thenable<void> {
  return context.workspaceState.update(SMOOTHING_KEY, value);
}
