/**
 * Engine config/data errors as diagnostics on the experiment file (and the data file), on the right
 * line; a Python script's exception (code 'python') on the script's line, its traceback as related places.
 * A report describes the files as they were when the engine read them: once one of its files
 * is edited, saved or changed on disk, the whole report is dropped (it would otherwise stay in the
 * Problems view after the fix, until the next Start).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineErrorInfo } from '../shared/protocol';
import { locate } from '../shared/json-locations';

/** One engine error's diagnostics, by file, and the watchers that tell when they go stale. */
interface Report {
  byFile: Map<string, vscode.Diagnostic[]>;
  watchers: vscode.Disposable[];
}

export class EngineDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('gradientLab');
  private readonly reports = new Set<Report>();
  private readonly subscriptions: vscode.Disposable[];

  /** The live check (../live-check), which may show a config problem already. */
  constructor(private readonly live?: {
    settle(configPath: string): Promise<void>;
    shows(configPath: string, message: string, line: number | undefined): boolean;
  }) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.fileChanged(e.document.uri.fsPath);
      }),
    ];
  }

  /** Drops the reports of an experiment before it runs again (its data-file reports too). */
  clear(configPath: string | undefined): void {
    if (!configPath) return;
    for (const r of [...this.reports]) if (has(r, configPath)) this.drop(r);
  }

  /** Drops one file's diagnostics (a Python script started again). */
  clearFile(file: string): void {
    this.collection.delete(vscode.Uri.file(file));
  }

  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  /** A file the engine read changed: what it said about it may no longer hold. */
  fileChanged(file: string): void {
    for (const r of [...this.reports]) if (has(r, file)) this.drop(r);
  }

  /** Adds diagnostics for one engine error; returns the file the user should look at. */
  async report(error: EngineErrorInfo, configPath: string | undefined): Promise<vscode.Uri | undefined> {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const add = (file: string, d: vscode.Diagnostic): void => {
      const list = byFile.get(file) ?? [];
      list.push(d);
      byFile.set(file, list);
    };
    const severity = vscode.DiagnosticSeverity.Error;
    const errorFile = error.file ? resolveFile(error.file, configPath) : undefined;
    const isConfig = (f: string | undefined): boolean => !!f && !!configPath && path.resolve(f) === path.resolve(configPath);

    const make = async (file: string, message: string, line?: number, column?: number, jsonPath?: string): Promise<void> => {
      const range = await rangeFor(file, line, column, isConfig(file) ? jsonPath : undefined);
      const d = new vscode.Diagnostic(range, message, severity);
      d.source = 'Gradient Lab';
      d.code = error.code;
      if (error.frames?.length) {
        d.relatedInformation = error.frames.map((f) => new vscode.DiagnosticRelatedInformation(
          new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(Math.max(0, f.line - 1), 0)), `in ${f.name} (line ${f.line})`));
      }
      add(file, d);
    };
    if (error.issues?.length && configPath) {
      // Schema-style issues all belong to the experiment file; those the live check shows already
      // (same validator, same text: Start saved it) are not added a second time.
      await this.live?.settle(configPath);
      for (const issue of error.issues) {
        if (!this.live?.shows(configPath, issue.message, issue.line)) await make(configPath, issue.message, issue.line, issue.column, issue.path);
      }
    } else {
      const file = errorFile ?? configPath;
      if (file) await make(file, error.message, error.line, error.column, error.path);
    }
    // A data error located in the CSV also marks where the experiment names that file.
    if (errorFile && configPath && !isConfig(errorFile)) {
      const range = await rangeFor(configPath, undefined, undefined, error.path ?? 'data.source');
      const d = new vscode.Diagnostic(range, `${error.message} (${path.basename(errorFile)}${error.line ? `:${error.line}` : ''})`, severity);
      d.source = 'Gradient Lab';
      d.code = error.code;
      add(configPath, d);
    }
    const report: Report = { byFile, watchers: [] };
    for (const file of byFile.keys()) {
      // On disk too: the data file may be fixed by another program, or created where it was missing.
      // A watcher reports changes late (a save just before Start can arrive after the engine's
      // error): only a file whose modification time moved since this report makes it stale.
      const seen = await modifiedAt(file);
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
      const changed = async (): Promise<void> => {
        if (await modifiedAt(file) !== seen) this.fileChanged(file);
      };
      report.watchers.push(w, w.onDidChange(changed), w.onDidCreate(changed), w.onDidDelete(changed));
    }
    this.reports.add(report);
    this.publish();
    return configPath ? vscode.Uri.file(configPath) : errorFile ? vscode.Uri.file(errorFile) : undefined;
  }

  private drop(report: Report): void {
    this.reports.delete(report);
    for (const w of report.watchers) w.dispose();
    this.publish();
  }

  private publish(): void {
    const all = new Map<string, vscode.Diagnostic[]>();
    for (const r of this.reports) {
      for (const [file, list] of r.byFile) all.set(file, [...(all.get(file) ?? []), ...list]);
    }
    this.collection.clear();
    for (const [file, list] of all) this.collection.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    for (const r of this.reports) for (const w of r.watchers) w.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}

function has(report: Report, file: string): boolean {
  const f = path.resolve(file);
  for (const k of report.byFile.keys()) if (path.resolve(k) === f) return true;
  return false;
}

function resolveFile(file: string, configPath: string | undefined): string {
  if (path.isAbsolute(file)) return file;
  return configPath ? path.resolve(path.dirname(configPath), file) : path.resolve(file);
}

/** Engine lines/columns are 1-based; a JSON pointer is located in the file when no line is given. */
async function rangeFor(file: string, line: number | undefined, column: number | undefined, jsonPath: string | undefined): Promise<vscode.Range> {
  if (typeof line === 'number' && line >= 1) {
    const l = line - 1;
    const c = typeof column === 'number' && column >= 1 ? column - 1 : 0;
    const text = await readText(file);
    const lineText = text?.split('\n')[l];
    const end = lineText !== undefined ? Math.max(c + 1, lineText.replace(/\s+$/, '').length) : c + 1;
    return new vscode.Range(l, c, l, end);
  }
  if (jsonPath) {
    const text = await readText(file);
    const loc = text !== undefined ? locate(text, jsonPath, { allowComments: true, allowTrailingCommas: true }) : undefined;
    if (loc) return new vscode.Range(loc.line - 1, loc.column - 1, loc.endLine - 1, loc.endColumn - 1);
  }
  return new vscode.Range(0, 0, 0, 1);
}

async function readText(file: string): Promise<string | undefined> {
  // Prefer the editor's text (it may differ from disk only if unsaved; Start Training saves first).
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === path.resolve(file));
  if (open) return open.getText();
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A file's modification time (whole ms), or null when it does not exist. */
async function modifiedAt(file: string): Promise<number | null> {
  try {
    return Math.floor((await fs.promises.stat(file)).mtimeMs);
  } catch {
    return null;
  }
}
