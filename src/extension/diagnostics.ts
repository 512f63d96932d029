/**
 * Engine config/data errors as diagnostics on the experiment file (and the data file), on the right
 * line; a Python script's exception (code 'python') on the script's line, its traceback as related places.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineErrorInfo } from '../shared/protocol';
import { locate } from '../shared/json-locations';

export class EngineDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('gradientLab');

  clear(configPath: string | undefined): void {
    if (!configPath) return;
    this.collection.delete(vscode.Uri.file(configPath));
    // Data-file diagnostics came from the same run; drop them as well.
    this.collection.forEach((uri) => {
      if (!uri.fsPath.endsWith('.nn.json')) this.collection.delete(uri);
    });
  }

  /** Drops one file's diagnostics (a Python script started again). */
  clearFile(file: string): void {
    this.collection.delete(vscode.Uri.file(file));
  }

  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
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
      // Schema-style issues all belong to the experiment file.
      for (const issue of error.issues) await make(configPath, issue.message, issue.line, issue.column, issue.path);
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
    for (const [file, list] of byFile) {
      const uri = vscode.Uri.file(file);
      this.collection.set(uri, [...(this.collection.get(uri) ?? []), ...list]);
    }
    return configPath ? vscode.Uri.file(configPath) : errorFile ? vscode.Uri.file(errorFile) : undefined;
  }

  dispose(): void {
    this.collection.dispose();
  }
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
