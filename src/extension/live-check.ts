/**
 * Problems in an open experiment file as you type, in the engine's words: the text goes to the
 * checker process (dist/check.js, the engine's validator) 250 ms after the last edit, and its
 * issues become diagnostics. The JSON language service gets a schema that only completes and
 * documents (scripts/editor-schema.mjs), so each mistake shows once. Syntax errors and duplicate
 * keys are left to the JSON language service, which marks them as you type already.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { isConfigCheckReply, type ConfigCheckReply, type ConfigCheckRequest, type ConfigIssue } from '../shared/config-check';
import { CONFIG_CHECK } from '../shared/requests';
import { request, RequestError, type Peer } from './runs/request';

const DEBOUNCE_MS = 250;
/** A check takes milliseconds; one that has not answered by then is dropped (Start waits on it). */
const CHECK_TIMEOUT_MS = 10_000;
/** A checker that keeps dying is a bug: stop restarting it, say so once. */
const MAX_RESTARTS = 3;

export function isExperimentDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith('.nn.json');
}

export class LiveConfigCheck implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('gradientLab.config');
  private readonly subscriptions: vscode.Disposable[];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The document version each file's problems describe. */
  private readonly checked = new Map<string, number>();
  private child: ChildProcess | null = null;
  private restarts = 0;

  constructor(private readonly checkerPath: string, private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.checked.delete(d.uri.toString());
        const t = this.timers.get(d.uri.toString());
        if (t) clearTimeout(t);
        this.timers.delete(d.uri.toString());
      }),
    ];
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  /** Brings the file's live problems up to date with its text now (no debounce), if it is open. */
  async settle(file: string): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file && isExperimentDocument(d));
    if (!doc || this.checked.get(doc.uri.toString()) === doc.version) return;
    const t = this.timers.get(doc.uri.toString());
    if (t) clearTimeout(t);
    this.timers.delete(doc.uri.toString());
    await this.check(doc);
  }

  /** Whether this problem of the file (1-based line) is shown already: a run's config error need not repeat it. */
  shows(file: string, message: string, line: number | undefined): boolean {
    return this.get(vscode.Uri.file(file)).some((d) => d.message.startsWith(message) && (line === undefined || d.range.start.line === line - 1));
  }

  /** Checks the document now (for tests and callers that need the result before going on). */
  async check(doc: vscode.TextDocument): Promise<void> {
    const version = doc.version;
    const issues = await this.request(doc.getText());
    // A newer edit has a check of its own coming; a closed document keeps no problems.
    if (issues === null || doc.version !== version || doc.isClosed) return;
    this.collection.set(doc.uri, issues.filter((i) => i.kind !== 'syntax').map(toDiagnostic));
    this.checked.set(doc.uri.toString(), version);
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (!isExperimentDocument(doc)) return;
    const key = doc.uri.toString();
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.check(doc);
    }, delayMs));
  }

  private async request(text: string): Promise<ConfigIssue[] | null> {
    const child = this.checker();
    if (!child) return null;
    try {
      return await request(peerOf(child), CONFIG_CHECK, text, CHECK_TIMEOUT_MS);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      if (e.failure === 'refused') this.log.error(`config checker failed: ${e.message}`);
      else if (e.failure === 'timeout') this.log.warn(`config checker: ${e.message}`);
      return null;
    }
  }

  private checker(): ChildProcess | null {
    if (this.child) return this.child;
    if (this.restarts > MAX_RESTARTS) return null;
    const child = fork(this.checkerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.on('data', (b: Buffer) => this.log.warn(`config checker: ${b.toString().trim()}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (code !== 0 && signal !== 'SIGTERM') {
        this.restarts++;
        this.log.warn(`config checker exited (${signal ?? code})${this.restarts > MAX_RESTARTS ? '; live checks are off until the window reloads' : ''}`);
      }
    });
    child.on('error', (e) => this.log.warn(`config checker: ${e.message}`));
    this.child = child;
    return child;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.child?.kill();
    this.child = null;
    this.collection.dispose();
  }
}

/** The checker process as a request peer: its replies, and its exit (which answers nothing more). */
function peerOf(child: ChildProcess): Peer<ConfigCheckRequest, ConfigCheckReply> {
  return {
    send: (command) => child.connected && child.send(command),
    onEvent: (listener) => {
      const on = (m: unknown): void => {
        if (isConfigCheckReply(m)) listener(m);
      };
      child.on('message', on);
      return { dispose: () => child.off('message', on) };
    },
    onGone: (listener) => {
      const on = (): void => listener('the config checker exited');
      child.once('exit', on);
      return { dispose: () => child.off('exit', on) };
    },
  };
}

function toDiagnostic(issue: ConfigIssue): vscode.Diagnostic {
  const line = Math.max(0, (issue.line ?? 1) - 1);
  const column = Math.max(0, (issue.column ?? 1) - 1);
  const endLine = issue.endLine !== undefined ? Math.max(line, issue.endLine - 1) : line;
  const endColumn = issue.endColumn !== undefined ? issue.endColumn - 1 : column + 1;
  const range = new vscode.Range(line, column, endLine, endLine === line ? Math.max(column + 1, endColumn) : endColumn);
  const d = new vscode.Diagnostic(range, issue.path ? `${issue.message} (${issue.path})` : issue.message, vscode.DiagnosticSeverity.Error);
  d.source = 'Gradient Lab';
  d.code = 'config';
  return d;
}
