/**
 * One dashboard WebviewPanel per run. Restored after a window reload by the serializer from the
 * webview state's `runId` (the webview stores `{ runId }` with `vscode.setState`); as a fallback the
 * host remembers which runs had dashboards open.
 */
import * as vscode from 'vscode';
import type { WebviewToHost } from '../../shared/webview-protocol';
import type { Run } from '../runs/run-manager';
import type { WebviewChannel } from '../runs/webview-channel';
import type { ResultsColumn } from './results-column';
import { receive, setHtml, webviewOptions, type WebviewEnv, type WebviewHub } from './webviews';

export const DASHBOARD_VIEW_TYPE = 'gradientLab.dashboard';
const OPEN_KEY = 'gradientLab.openDashboards';

interface Dashboard {
  panel: vscode.WebviewPanel;
  run: Run;
  channel: WebviewChannel;
  lastRendered?: Extract<WebviewToHost, { type: 'rendered' }>;
  /** Handles a message from the webview (untrusted: parsed first). */
  receive: (raw: unknown) => Promise<void>;
}

export type DashboardStats = { open: boolean; rendered?: Extract<WebviewToHost, { type: 'rendered' }> } & WebviewChannel['stats'];

export class DashboardManager implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly dashboards = new Set<Dashboard>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposing = false;

  constructor(
    private readonly env: WebviewEnv,
    private readonly hub: WebviewHub,
    private readonly memento: vscode.Memento,
    private readonly results: ResultsColumn,
  ) {
    this.disposables.push(env.runs.onDidChangeRuns(() => {
      this.updateTitles();
      // A dashboard opened while its run was starting is remembered once the run has its id.
      this.remember();
    }));
  }

  /** Opens (or reveals) the dashboard of a run; a new one goes into the results column unless told otherwise. */
  async open(run: Run, options: { preserveFocus?: boolean; column?: vscode.ViewColumn } = {}): Promise<vscode.WebviewPanel> {
    const existing = this.find(run);
    if (existing) {
      existing.panel.reveal(options.column ?? existing.panel.viewColumn, options.preserveFocus);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      this.title(run),
      { viewColumn: options.column ?? this.results.column(), preserveFocus: options.preserveFocus },
      { ...webviewOptions(this.env.extensionUri), retainContextWhenHidden: false, enableFindWidget: false },
    );
    this.attach(panel, run);
    return panel;
  }

  /** VS Code calls this after a reload for every dashboard that was open. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const runId = stateRunId(state) ?? this.nextRemembered();
    await this.env.runs.refresh();
    const run = runId ? this.env.runs.get(runId) : undefined;
    if (!run) {
      this.env.log.warn(`dashboard restore: run ${runId ?? '(unknown)'} not found; closing the panel`);
      panel.dispose();
      return;
    }
    await this.env.runs.load(run);
    this.attach(panel, run);
  }

  /** For tests: a message as if the run's dashboard webview had posted it (the same parsing and handling). */
  async post(runId: string, raw: unknown): Promise<void> {
    for (const d of this.dashboards) if (d.run.id === runId) await d.receive(raw);
  }

  find(run: Run): Dashboard | undefined {
    for (const d of this.dashboards) if (d.run === run) return d;
    return undefined;
  }

  /** For tests: what the dashboard of a run has been sent and has reported back. */
  stats(runId: string): DashboardStats {
    for (const d of this.dashboards) {
      if (d.run.id === runId) return { open: true, ...d.channel.stats, rendered: d.lastRendered };
    }
    return { open: false, snapshots: 0, eventPosts: 0, events: 0, eventsIn: 0, snapshotMs: 0, maxDeliveryMs: 0 };
  }

  /** The run whose dashboard is the active editor, if any. */
  activeRun(): Run | undefined {
    for (const d of this.dashboards) if (d.panel.active) return d.run;
    return undefined;
  }

  private attach(panel: vscode.WebviewPanel, run: Run): void {
    panel.webview.options = webviewOptions(this.env.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.env.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    this.results.track(panel);
    const channel = this.hub.create({
      post: (m) => panel.webview.postMessage(m),
      snapshot: () => ({ type: 'snapshot', view: run.view, settings: this.env.settings(), compact: false }),
      accepts: (r) => r === run,
      ratePerSecond: this.env.refreshRate(),
    });
    const dashboard: Dashboard = { panel, run, channel, receive: async () => undefined };
    const watch = this.env.runs.watch(run);
    this.dashboards.add(dashboard);
    this.remember();
    const subs: vscode.Disposable[] = [];
    dashboard.receive = async (raw: unknown) => {
      const msg = receive(raw, this.env.log, 'dashboard');
      if (!msg) return;
      if (msg.type === 'ready') {
        // A past run may not be replayed yet: load the whole history before the snapshot.
        await this.env.runs.load(run);
        channel.onReady();
        return;
      }
      if (msg.type === 'rendered') {
        dashboard.lastRendered = msg;
        return;
      }
      await this.env.actions.handle(msg, run, 'dashboard');
    };
    subs.push(panel.webview.onDidReceiveMessage((raw: unknown) => dashboard.receive(raw)));
    subs.push(panel.onDidChangeViewState((e) => {
      // retainContextWhenHidden is off: a hidden webview loses its document and says `ready` again.
      if (!e.webviewPanel.visible) channel.reset();
      if (e.webviewPanel.active) this.env.runs.setActive(run);
    }));
    subs.push(panel.onDidDispose(() => {
      this.dashboards.delete(dashboard);
      this.hub.remove(channel);
      for (const s of subs) s.dispose();
      watch.dispose();
      this.remember();
    }));
    setHtml(panel.webview, this.env.extensionUri, 'dashboard', this.title(run));
  }

  private title(run: Run): string {
    return `Gradient Lab: ${this.env.runs.label(run)}`;
  }

  private updateTitles(): void {
    for (const d of this.dashboards) {
      const t = this.title(d.run);
      if (d.panel.title !== t) d.panel.title = t;
    }
  }

  private remember(): void {
    // Panels closed by shutdown must stay remembered for the restore after the reload.
    if (this.disposing) return;
    const ids = [...this.dashboards].filter((d) => !d.run.pending).map((d) => d.run.id);
    const known = this.memento.get<string[]>(OPEN_KEY) ?? [];
    if (ids.length !== known.length || ids.some((id, i) => id !== known[i])) void this.memento.update(OPEN_KEY, ids);
  }

  /** Fallback when a restored panel has no state: the remembered runs not yet restored, in order. */
  private nextRemembered(): string | undefined {
    const ids = this.memento.get<string[]>(OPEN_KEY) ?? [];
    const open = new Set([...this.dashboards].map((d) => d.run.id));
    return ids.find((id) => !open.has(id));
  }

  dispose(): void {
    this.disposing = true;
    for (const d of [...this.dashboards]) d.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function stateRunId(state: unknown): string | undefined {
  if (typeof state === 'object' && state !== null) {
    const id = (state as Record<string, unknown>).runId;
    if (typeof id === 'string' && id.length > 0 && id.length < 300) return id;
  }
  return undefined;
}
