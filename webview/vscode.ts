/**
 * The webview side of the VS Code API: `acquireVsCodeApi()` may be called once per page. Outside
 * VS Code (a plain browser, the dev page without its stub) a no-op stand-in keeps the UI working.
 */
import { decodeNonFinite } from '../src/shared/nonfinite';
import type { HostToWebview, WebviewToHost } from '../src/shared/webview-protocol';

/**
 * UI state kept across reloads and hidden/shown cycles (never run data: that comes from the host).
 * `runId`/`runDir` (dashboard) and `runIds` (compare) tell the host's WebviewPanelSerializer which
 * run(s) a restored panel showed.
 */
export interface UiState {
  runId?: string;
  runDir?: string;
  runIds?: string[];
  /** Smoothing β of the cost chart; undefined = the host's `settings.smoothing`. */
  beta?: number;
  logScale?: boolean;
  /** The search view: its search folder, and its parallel-coordinates brushes and axis order (checked by the view). */
  searchDir?: string;
  searchParallel?: unknown;
  /** The search view's table order (checked by the view). */
  searchSort?: unknown;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

type WithApi = typeof globalThis & { acquireVsCodeApi?: () => VsCodeApi };

function acquire(): VsCodeApi {
  const g = globalThis as WithApi;
  if (typeof g.acquireVsCodeApi === 'function') return g.acquireVsCodeApi();
  let state: unknown;
  return {
    postMessage: (m) => console.debug('[gradient-lab] postMessage (no host)', m),
    getState: () => state,
    setState: (s) => { state = s; },
  };
}

const api = acquire();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

/**
 * Calls `handler` with each message from the host, non-finite numbers decoded; anything that is not
 * a typed message is dropped (the host validates its side; this is the webview's guard).
 */
export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = decodeNonFinite(event.data);
    if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') return;
    handler(data as HostToWebview);
  });
}

export function loadUiState(): UiState {
  const s = api.getState();
  if (typeof s !== 'object' || s === null) return {};
  const o = s as Record<string, unknown>;
  const out: UiState = {};
  if (typeof o.beta === 'number' && o.beta >= 0 && o.beta < 1) out.beta = o.beta;
  if (typeof o.logScale === 'boolean') out.logScale = o.logScale;
  if (typeof o.runId === 'string') out.runId = o.runId;
  if (typeof o.runDir === 'string') out.runDir = o.runDir;
  if (Array.isArray(o.runIds)) out.runIds = o.runIds.filter((x): x is string => typeof x === 'string');
  if (typeof o.searchDir === 'string') out.searchDir = o.searchDir;
  if (o.searchParallel !== undefined) out.searchParallel = o.searchParallel;
  if (o.searchSort !== undefined) out.searchSort = o.searchSort;
  return out;
}

export function saveUiState(state: UiState): void {
  api.setState(state);
}
