/**
 * The Diagnose / Find Learning Rate report panel (`gradientLab.diagnose`): one per experiment
 * file (or per live run, for a dashboard's range test), the same HTML, CSP and resource roots as
 * the other webviews (data-view="diagnose"). The host owns the state and posts all of it on
 * `ready` and on every change (a handful of posts per diagnosis); the webview reports what it
 * drew (`diagnoseRendered`) and asks for actions, which go to the owner's handler.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiagnoseAction, DiagnoseViewState, WebviewToHost } from '../../shared/webview-protocol';
import { encodeNonFinite } from '../../shared/nonfinite';
import { renderWebviewHtml } from './html';
import { receive, webviewOptions } from './webviews';

export const DIAGNOSE_VIEW_TYPE = 'gradientLab.diagnose';

export type DiagnoseRendered = Extract<WebviewToHost, { type: 'diagnoseRendered' }>;

export interface DiagnosePanelEnv {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** Carries out what a panel asks for. */
  handle: (action: DiagnoseAction, panel: DiagnosePanel) => Promise<void>;
}

export interface DiagnosePanelStats {
  open: boolean;
  posts: number;
  state?: DiagnoseViewState;
  rendered?: DiagnoseRendered;
}

export class DiagnosePanel {
  posts = 0;
  rendered?: DiagnoseRendered;
  private ready = false;

  constructor(readonly key: string, readonly panel: vscode.WebviewPanel, public state: DiagnoseViewState) {}

  update(change: Partial<DiagnoseViewState>): void {
    this.state = { ...this.state, ...change };
    this.panel.title = panelTitle(this.state);
    this.post();
  }

  onReady(): void {
    this.ready = true;
    this.post();
  }

  private post(): void {
    if (!this.ready) return;
    this.posts++;
    void this.panel.webview.postMessage(encodeNonFinite({ type: 'diagnoseState', state: this.state }));
  }
}

export function panelTitle(state: DiagnoseViewState): string {
  const what = state.kind === 'lrFind' ? 'Learning rate' : 'Diagnose';
  return `${what}: ${state.fileName}${state.phase === 'running' ? ' …' : ''}`;
}

export class DiagnosePanels implements vscode.Disposable {
  private readonly panels = new Map<string, DiagnosePanel>();

  constructor(private readonly env: DiagnosePanelEnv) {}

  /** The panel for `key` (a file's path, or a run's id), created or revealed, showing `state`. */
  open(key: string, state: DiagnoseViewState): DiagnosePanel {
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn, true);
      existing.update(state);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DIAGNOSE_VIEW_TYPE, panelTitle(state),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(this.env.extensionUri), retainContextWhenHidden: true });
    panel.iconPath = vscode.Uri.joinPath(this.env.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    const entry = new DiagnosePanel(key, panel, state);
    this.panels.set(key, entry);
    const subs: vscode.Disposable[] = [
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(entry, raw)),
      panel.onDidDispose(() => {
        if (this.panels.get(key) === entry) this.panels.delete(key);
        for (const s of subs) s.dispose();
      }),
    ];
    const webview = panel.webview;
    const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.env.extensionUri, ...p)).toString();
    webview.html = renderWebviewHtml({
      cspSource: webview.cspSource, styleUri: uri('media', 'dashboard.css'), scriptUri: uri('dist', 'webview.js'),
      view: 'diagnose', title: panelTitle(state),
    });
    return entry;
  }

  /** A message from a panel's webview (also what the integration tests call for a click they cannot make). */
  async receive(entry: DiagnosePanel, raw: unknown): Promise<void> {
    const msg = receive(raw, this.env.log, 'diagnose');
    if (!msg) return;
    switch (msg.type) {
      case 'ready':
        entry.onReady();
        return;
      case 'diagnoseRendered':
        entry.rendered = msg;
        return;
      case 'diagnoseAction': {
        const { type: _type, ...action } = msg;
        try {
          await this.env.handle(action, entry);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.env.log.error(`diagnose view: ${action.action} failed: ${message}`);
          void vscode.window.showErrorMessage(`Gradient Lab: ${message}`);
        }
        return;
      }
      default:
        this.env.log.warn(`diagnose view: ${msg.type} does not apply here; ignored`);
    }
  }

  get(key: string): DiagnosePanel | undefined {
    return this.panels.get(key);
  }

  /** For tests: what the panel of `key` was sent and reported back. */
  stats(key: string): DiagnosePanelStats {
    const p = this.panels.get(key) ?? this.panels.get(path.resolve(key));
    return p ? { open: true, posts: p.posts, state: p.state, rendered: p.rendered } : { open: false, posts: 0 };
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
  }
}
