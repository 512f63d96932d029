/**
 * Typed wrapper over the forked hyperparameter-search process (dist/search.js), forked exactly like
 * the engine (./../runs/engine-process): the host's own Node, `serialization: 'advanced'` (NaN and
 * ±Infinity metrics survive), the protocol version added to every command and checked on every
 * event, stdout/stderr collected, the exit reported once. The search process forks the trials'
 * engines itself; when its IPC channel closes (the host went away, or killed it) it stops them
 * cleanly, and each engine also stops itself when its own channel to the search closes.
 */
import { SEARCH_PROTOCOL_VERSION, type SearchCommand, type SearchEvent } from '../../shared/search-protocol';
import { ForkedProcess, type ProcessHandle } from '../runs/forked-process';

/** What the search manager needs from a search process; the unit tests give it fakes. */
export type SearchHandle = ProcessHandle<SearchCommand, SearchEvent>;

export interface SearchForkOptions {
  searchPath: string;
  execPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

const EVENT_TYPES = new Set<SearchEvent['type']>([
  'hello', 'searchInfo', 'trial', 'progress', 'round', 'finished', 'exported', 'log', 'error',
]);

/** Structural check of an incoming search message (type and version); the reason when it must be ignored. */
export function parseSearchMessage(msg: unknown): { event: SearchEvent } | { reason: string } {
  if (typeof msg !== 'object' || msg === null) return { reason: 'not an object' };
  const m = msg as Record<string, unknown>;
  if (m.v !== SEARCH_PROTOCOL_VERSION) return { reason: `protocol version ${String(m.v)} ≠ ${SEARCH_PROTOCOL_VERSION}` };
  if (typeof m.type !== 'string' || !EVENT_TYPES.has(m.type as SearchEvent['type'])) return { reason: `unknown event ${String(m.type)}` };
  if (m.type === 'trial' && (typeof m.trial !== 'object' || m.trial === null || !Number.isInteger((m.trial as { id?: unknown }).id))) {
    return { reason: 'trial event without a trial record' };
  }
  const { v: _v, ...event } = m;
  void _v;
  return { event: event as unknown as SearchEvent };
}

/** The search child process. */
export class SearchProcess extends ForkedProcess<SearchCommand, SearchEvent> implements SearchHandle {
  constructor(opts: SearchForkOptions) {
    super({ ...opts, scriptPath: opts.searchPath }, {
      name: 'search process', version: SEARCH_PROTOCOL_VERSION, parse: parseSearchMessage,
      helloVersion: (e) => (e.type === 'hello' ? e.protocolVersion : undefined),
    });
  }
}
