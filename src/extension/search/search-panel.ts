/**
 * The search view: one WebviewPanel per search (`gradientLab.search`), the same HTML, CSP and
 * resource roots as the dashboard (data-view="search"), snapshot on `ready` then throttled deltas
 * (./search-channel). Restored after a window reload by the serializer from the webview state's
 * `searchDir`: a live search goes on showing live, a finished one is replayed from its
 * search.json, one whose process is gone shows as stopped with a Resume button.
 */
import * as vscode from 'vscode';
import type { WebviewToHost } from '../../shared/webview-protocol';
import { renderWebviewHtml } from '../ui/html';
import { receive, webviewOptions } from '../ui/webviews';
import { SearchChannel } from './search-channel';
import type { Search, SearchManager } from './search-manager';

export const SEARCH_VIEW_TYPE = 'gradientLab.search';

export type SearchRendered = Extract<WebviewToHost, { type: 'searchRendered' }>;
export type SearchMessage = Extract<WebviewToHost, { type: 'searchTrial' | 'searchControl' | 'savePng' }>;

export interface SearchPanelEnv {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  refreshRate: () => number;
  /** Carries out what the view asks (pause a trial, add trials, export …). */
  handle: (message: SearchMessage, search: Search) => Promise<void>;
}

interface SearchPanel {
  panel: vscode.WebviewPanel;
  search: Search;
  channel: SearchChannel;
  rendered?: SearchRendered;
}

export type SearchPanelStats = { open: boolean; rendered?: SearchRendered } & SearchChannel['stats'];

export function searchTitle(search: Search): string {
  return `Search: ${search.view.name || 'starting…'}`;
}

export class SearchPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Set<SearchPanel>();
  private readonly subs: { dispose(): void }[];

  constructor(private readonly env: SearchPanelEnv, private readonly searches: SearchManager) {
    this.subs = [
      searches.onSearchEvent(({ search, event }) => {
        for (const p of this.panels) if (p.search === search) p.channel.event(event);
      }),
      searches.onDidReplaceSearch((search) => {
        for (const p of this.panels) if (p.search === search) p.channel.retarget();
      }),
      searches.onDidUpdateSearch((search) => {
        for (const p of this.panels) {
          if (p.search !== search) continue;
          const t = searchTitle(search);
          if (p.panel.title !== t) p.panel.title = t;
        }
      }),
    ];
  }

  /** Opens (or reveals) the view of a search. */
  open(search: Search, options: { preserveFocus?: boolean; column?: vscode.ViewColumn } = {}): vscode.WebviewPanel {
    const existing = this.find(search);
    if (existing) {
      existing.panel.reveal(options.column ?? existing.panel.viewColumn, options.preserveFocus);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      SEARCH_VIEW_TYPE,
      searchTitle(search),
      { viewColumn: options.column ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus },
      // Like the dashboards: a hidden view's document goes, and the view is drawn again from a
      // snapshot and its webview state (table order, brushes) when it is shown.
      { ...webviewOptions(this.env.extensionUri), retainContextWhenHidden: false, enableFindWidget: true },
    );
    this.attach(panel, search);
    return panel;
  }

  /** VS Code calls this after a reload for every search view that was open. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const dir = stateSearchDir(state);
    if (dir) await this.searches.refresh();
    const search = dir ? this.searches.get(dir) : undefined;
    if (!search) {
      this.env.log.warn(`search view restore: ${dir ?? '(no folder in its state)'} is not a search any more; closing the panel`);
      panel.dispose();
      return;
    }
    const existing = this.find(search);
    if (existing) {
      panel.dispose();
      return;
    }
    this.attach(panel, search);
  }

  find(search: Search): SearchPanel | undefined {
    for (const p of this.panels) if (p.search === search) return p;
    return undefined;
  }

  /** The search whose view is the active editor, if any. */
  activeSearch(): Search | undefined {
    for (const p of this.panels) if (p.panel.active) return p.search;
    return undefined;
  }

  /** For tests: what the view of a search has been sent and has reported back. */
  stats(dir: string): SearchPanelStats {
    for (const p of this.panels) {
      if (p.search.dir === dir) return { open: true, ...p.channel.stats, rendered: p.rendered };
    }
    return { open: false, snapshots: 0, eventPosts: 0, events: 0, eventsIn: 0, snapshotMs: 0, maxDeliveryMs: 0 };
  }

  private attach(panel: vscode.WebviewPanel, search: Search): void {
    panel.webview.options = webviewOptions(this.env.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.env.extensionUri, 'media', 'icons', 'gradient-lab.svg');
    const channel = new SearchChannel({
      post: (m) => panel.webview.postMessage(m),
      snapshot: () => ({ type: 'searchSnapshot', view: search.view }),
      dir: () => search.dir,
      ratePerSecond: this.env.refreshRate(),
    });
    const entry: SearchPanel = { panel, search, channel };
    this.panels.add(entry);
    const subs: vscode.Disposable[] = [
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        const msg = receive(raw, this.env.log, 'search');
        if (!msg) return;
        switch (msg.type) {
          case 'ready':
            channel.onReady();
            return;
          case 'searchRendered':
            entry.rendered = msg;
            return;
          case 'searchTrial':
          case 'searchControl':
          case 'savePng':
            try {
              await this.env.handle(msg, search);
            } catch (err) {
              const message = err instanceof Error ? err.message : String(err);
              this.env.log.error(`search view: ${msg.type}${'command' in msg ? ` ${msg.command}` : ''} failed: ${message}`);
              void vscode.window.showErrorMessage(`Gradient Lab: ${message}`);
            }
            return;
          default:
            this.env.log.warn(`search view: ${msg.type} does not apply to a search; ignored`);
        }
      }),
    ];
    subs.push(panel.onDidChangeViewState((e) => {
      // A hidden webview loses its document and says `ready` again when shown.
      if (!e.webviewPanel.visible) channel.reset();
    }));
    subs.push(panel.onDidDispose(() => {
      this.panels.delete(entry);
      channel.dispose();
      for (const s of subs) s.dispose();
    }));
    const webview = panel.webview;
    const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.env.extensionUri, ...p)).toString();
    webview.html = renderWebviewHtml({
      cspSource: webview.cspSource,
      styleUri: uri('media', 'dashboard.css'),
      extraStyleUris: [uri('dist', 'webview.css')],
      scriptUri: uri('dist', 'webview.js'),
      view: 'search',
      title: searchTitle(search),
    });
  }

  setRate(rate: number): void {
    for (const p of this.panels) p.channel.setRate(rate);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    for (const p of [...this.panels]) p.panel.dispose();
  }
}

function stateSearchDir(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const o = state as Record<string, unknown>;
  const dir = typeof o.searchDir === 'string' ? o.searchDir : typeof o.runDir === 'string' ? o.runDir : undefined;
  return dir && dir.length < 4096 ? dir : undefined;
}
