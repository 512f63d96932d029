/** The side panel's webview: the selected (or active) run's cost and error charts, compact. */
import * as vscode from 'vscode';
import type { Run } from '../runs/run-manager';
import type { WebviewChannel } from '../runs/webview-channel';
import { receive, setHtml, webviewOptions, type WebviewEnv, type WebviewHub } from './webviews';

export const LIVE_VIEW_ID = 'gradientLab.live';

export class LiveViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private channel: WebviewChannel | undefined;
  private shown: Run | undefined;
  private watch: { dispose(): void } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly env: WebviewEnv, private readonly hub: WebviewHub) {
    this.disposables.push(env.runs.onDidChangeActive((run) => void this.show(run)));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.env.extensionUri);
    this.setShown(this.env.runs.activeRun);
    const channel = this.hub.create({
      post: (m) => view.webview.postMessage(m),
      snapshot: () => this.shown
        ? { type: 'snapshot', view: this.shown.view, settings: this.env.settings(), compact: true }
        : { type: 'empty', message: 'No run selected. Start training an experiment (*.nn.json) or pick a run in the Runs list.' },
      accepts: (r) => r === this.shown,
      ratePerSecond: this.env.refreshRate(),
    });
    this.channel = channel;
    const subs: vscode.Disposable[] = [
      view.webview.onDidReceiveMessage(async (raw: unknown) => {
        const msg = receive(raw, this.env.log, 'sidebar');
        if (!msg) return;
        if (msg.type === 'ready') {
          if (this.shown) await this.env.runs.load(this.shown);
          channel.onReady();
        } else if (msg.type !== 'rendered') {
          await this.env.actions.handle(msg, this.shown, 'sidebar');
        }
      }),
      view.onDidChangeVisibility(() => {
        if (!view.visible) channel.reset();
      }),
    ];
    view.onDidDispose(() => {
      this.hub.remove(channel);
      for (const s of subs) s.dispose();
      if (this.view === view) {
        this.view = undefined;
        this.channel = undefined;
      }
    });
    setHtml(view.webview, this.env.extensionUri, 'sidebar', 'Gradient Lab');
  }

  private setShown(run: Run | undefined): void {
    this.watch?.dispose();
    this.shown = run;
    this.watch = run ? this.env.runs.watch(run) : undefined;
  }

  private async show(run: Run | undefined): Promise<void> {
    if (run === this.shown) return;
    this.setShown(run);
    if (run) await this.env.runs.load(run);
    if (this.shown === run) this.channel?.retarget();
    if (this.view) this.view.description = run ? run.view.info?.name ?? run.id : undefined;
  }

  dispose(): void {
    this.watch?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
