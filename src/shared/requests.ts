/**
 * Requests whose answer comes back as one of the peer's events, described once (like
 * vscode-jsonrpc's `RequestType<P, R>` or GitLens' `IpcRequest`): how to ask, and which event
 * answers which request. The host's `request()` (src/extension/runs/request.ts) sends one,
 * correlates the answer by its id and times out.
 */
import type { ConfigCheckReply, ConfigCheckRequest, ConfigIssue } from './config-check';
import type { LrFindResult } from './diagnosis';
import type { EngineCommand, EngineEvent, GradCheckReport } from './protocol';
import type { SearchCommand, SearchEvent } from './search-protocol';

export interface RequestType<P, R, C, E> {
  /** What is asked, for messages ("gradient check"). */
  readonly what: string;
  /** The command asking it; `requestId` is fresh for every request. */
  command(params: P, requestId: string): C;
  /** The answer to request `requestId`: its result, an Error when the peer refused it, undefined when `event` is not the answer. */
  answer(event: E, requestId: string, params: P): R | Error | undefined;
}

export type EngineRequest<P, R> = RequestType<P, R, EngineCommand, EngineEvent>;
export type SearchRequest<P, R> = RequestType<P, R, SearchCommand, SearchEvent>;

export const GRADIENT_CHECK: EngineRequest<void, GradCheckReport> = {
  what: 'gradient check',
  command: (_p, requestId) => ({ type: 'gradientCheck', requestId }),
  // An engine that does not echo ids (older, or a check the dashboard asked for) answers all.
  // A check the engine cannot run (a script that registered no batch) is its error, with the id.
  answer: (e, id) => {
    if (e.type === 'gradientCheck' && (e.requestId === id || e.requestId === undefined)) return e.report;
    return e.type === 'error' && e.requestId === id ? new Error(e.error.message) : undefined;
  },
};

export const LR_FIND: EngineRequest<void, LrFindResult> = {
  what: 'learning-rate range test',
  command: (_p, requestId) => ({ type: 'lrFind', requestId }),
  answer: (e, id) => (e.type === 'lrFind' && e.requestId === id ? e.result : undefined),
};

/** `searchDir`: for a search process started only to export (no search of its own). */
export const EXPORT_BEST: SearchRequest<{ outFile: string; searchDir?: string }, { outFile: string; trialId: number }> = {
  what: 'export of the best trial',
  command: ({ outFile, searchDir }, requestId) => ({ type: 'exportBest', outFile, ...(searchDir ? { searchDir } : {}), requestId }),
  answer: (e, id) => {
    if (e.type === 'exported') return e.requestId === id ? { outFile: e.outFile, trialId: e.trialId } : undefined;
    // The search process reports a failed export as its error (it runs one command at a time).
    return e.type === 'error' ? new Error(e.message) : undefined;
  },
};

/** The editor's live check of an experiment's text (dist/check.js); a checker failure is its error. */
export const CONFIG_CHECK: RequestType<string, ConfigIssue[], ConfigCheckRequest, ConfigCheckReply> = {
  what: 'live config check',
  command: (text, requestId) => ({ id: requestId, text }),
  answer: (r, id) => (r.id !== id ? undefined : r.error !== undefined ? new Error(r.error) : r.issues),
};
