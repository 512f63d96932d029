/**
 * Typed wrapper over the forked hyperparameter-search process (dist/search.js), forked exactly like
 * the engine (./../runs/engine-process): the host's own Node, `serialization: 'advanced'` (NaN and
 * ±Infinity metrics survive), the protocol version added to every command and checked on every
 * event, stdout/stderr collected, the exit reported once. The search process forks the trials'
 * engines itself; when its IPC channel closes (the host went away, or killed it) it stops them
 * cleanly, and each engine also stops itself when its own channel to the search closes.
 */
import { parseSearchMessage, SEARCH_PROTOCOL_VERSION, type SearchCommand, type SearchEvent } from '../../shared/search-protocol';
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

/** The search child process. */
export class SearchProcess extends ForkedProcess<SearchCommand, SearchEvent> implements SearchHandle {
  constructor(opts: SearchForkOptions) {
    super({ ...opts, scriptPath: opts.searchPath }, {
      name: 'search process', version: SEARCH_PROTOCOL_VERSION, parse: parseSearchMessage,
      helloVersion: (e) => (e.type === 'hello' ? e.protocolVersion : undefined),
    });
  }
}
