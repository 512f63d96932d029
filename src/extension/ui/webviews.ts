/**
 * What the dashboard panels, the compare panel and the sidebar view share: the HTML and options,
 * validation of every incoming message, and one hub that forwards engine events to each webview's
 * snapshot-then-deltas channel.
 */
import * as vscode from 'vscode';
import { parseWebviewMessage, type ViewSettings, type WebviewToHost } from '../../shared/webview-protocol';
import type { Run, RunManager } from '../runs/run-manager';
import { WebviewChannel, type ChannelOptions } from '../runs/webview-channel';
import { renderWebviewHtml, type WebviewKind } from './html';

/** What a message from a webview may ask the host to do (implemented by the command layer). */
export interface WebviewActions {
  handle(message: WebviewToHost, run: Run | undefined, source: WebviewKind): Promise<void>;
}

export interface WebviewEnv {
  extensionUri: vscode.Uri;
  runs: RunManager;
  log: vscode.LogOutputChannel;
  settings: () => ViewSettings;
  refreshRate: () => number;
  actions: WebviewActions;
}

export function localResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: localResourceRoots(extensionUri) };
}

export function setHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: WebviewKind, title: string): void {
  webview.html = renderWebviewHtml({
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css')).toString(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
    view,
    title,
  });
}

/** Validates a raw message; logs and drops anything malformed. */
export function receive(raw: unknown, log: vscode.LogOutputChannel, source: string): WebviewToHost | null {
  const msg = parseWebviewMessage(raw);
  if (!msg) {
    let text: string;
    try {
      text = JSON.stringify(raw)?.slice(0, 200) ?? String(raw);
    } catch {
      text = String(raw);
    }
    log.warn(`ignored malformed message from ${source} webview: ${text}`);
  }
  return msg;
}

/** Every live channel; forwards each engine event (already folded into the host's view) to them. */
export class WebviewHub implements vscode.Disposable {
  private readonly channels = new Set<WebviewChannel>();
  private readonly subscription: { dispose(): void };

  constructor(runs: RunManager) {
    this.subscription = runs.onEvent(({ run, event }) => {
      for (const c of this.channels) c.event(run, event);
    });
  }

  create(opts: ChannelOptions): WebviewChannel {
    const channel = new WebviewChannel(opts);
    this.channels.add(channel);
    return channel;
  }

  remove(channel: WebviewChannel): void {
    channel.dispose();
    this.channels.delete(channel);
  }

  setRate(rate: number): void {
    for (const c of this.channels) c.setRate(rate);
  }

  dispose(): void {
    this.subscription.dispose();
    for (const c of this.channels) c.dispose();
    this.channels.clear();
  }
}
