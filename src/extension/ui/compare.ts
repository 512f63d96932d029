/** Compare Runs: one panel overlaying the cost and error curves of the runs the user picked. */
import * as vscode from 'vscode';
import type { Run } from '../runs/run-manager';
import type { ResultsColumn } from './results-column';
import { receive, setHtml, webviewOptions, type WebviewEnv, type WebviewHub } from './webviews';

export const COMPARE_VIEW_TYPE = 'gradientLab.compare';

export class ComparePanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Set<vscode.WebviewPanel>();

  constructor(private readonly env: WebviewEnv, private readonly hub: WebviewHub, private readonly results: ResultsColumn) {}

  async open(runs: Run[]): Promise<vscode.WebviewPanel> {
    await Promise.all(runs.map((r) => this.env.runs.load(r)));
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      `Compare: ${runs.length} runs`,
      this.results.column(),
      { ...webviewOptions(this.env.extensionUri), retainContextWhenHidden: false },
    );
    this.attach(panel, runs);
    return panel;
  }

  /** Restores a compare panel after reload from its state `{ runIds: string[] }`. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const ids = typeof state === 'object' && state !== null && Array.isArray((state as Record<string, unknown>).runIds)
      ? ((state as Record<string, unknown>).runIds as unknown[]).filter((x): x is string => typeof x === 'string')
      : [];
    await this.env.runs.refresh();
    const runs = ids.map((id) => this.env.runs.get(id)).filter((r): r is Run => r !== undefined);
    if (!runs.length) {
      panel.dispose();
      return;
    }
    await Promise.all(runs.map((r) => this.env.runs.load(r)));
    this.attach(panel, runs);
  }

  private attach(panel: vscode.WebviewPanel, runs: Run[]): void {
    panel.webview.options = webviewOptions(this.env.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.env.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    this.panels.add(panel);
    this.results.track(panel);
    const watches = runs.map((r) => this.env.runs.watch(r));
    const channel = this.hub.create({
      post: (m) => panel.webview.postMessage(m),
      snapshot: () => ({ type: 'compare', views: runs.map((r) => r.view), settings: this.env.settings() }),
      accepts: (r) => runs.includes(r),
      ratePerSecond: this.env.refreshRate(),
    });
    const subs: vscode.Disposable[] = [
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        const msg = receive(raw, this.env.log, 'compare');
        if (!msg) return;
        if (msg.type === 'ready') {
          await Promise.all(runs.map((r) => this.env.runs.load(r)));
          channel.onReady();
        } else if (msg.type === 'savePng' || msg.type === 'setSmoothing') {
          await this.env.actions.handle(msg, runs[0], 'compare');
        } else if (msg.type !== 'rendered') {
          this.env.log.warn(`compare webview: ${msg.type} does not apply to a comparison; ignored`);
        }
      }),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) channel.reset();
      }),
    ];
    subs.push(panel.onDidDispose(() => {
      this.panels.delete(panel);
      this.hub.remove(channel);
      for (const s of subs) s.dispose();
      for (const w of watches) w.dispose();
    }));
    setHtml(panel.webview, this.env.extensionUri, 'compare', panel.title);
  }

  dispose(): void {
    for (const p of [...this.panels]) p.dispose();
  }
}
