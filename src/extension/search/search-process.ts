/**
 * Typed wrapper over the forked hyperparameter-search process (dist/search.js), forked exactly like
 * the engine (./../runs/engine-process): the host's own Node, `serialization: 'advanced'` (NaN and
 * ±Infinity metrics survive), the protocol version added to every command and checked on every
 * event, stdout/stderr collected, the exit reported once. The search process forks the trials'
 * engines itself; when its IPC channel closes (the host went away, or killed it) it stops them
 * cleanly, and each engine also stops itself when its own channel to the search closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { SEARCH_PROTOCOL_VERSION, type SearchCommand, type SearchEvent } from '../../shared/search-protocol';
import { Emitter } from '../runs/emitter';
import type { EngineExit } from '../runs/engine-process';

/** What the search manager needs from a search process; the unit tests give it fakes. */
export interface SearchHandle {
  readonly pid: number | undefined;
  readonly exited: boolean;
  send(command: SearchCommand): boolean;
  onEvent(listener: (event: SearchEvent) => void): { dispose(): void };
  onExit(listener: (exit: EngineExit) => void): { dispose(): void };
  onStderr(listener: (text: string) => void): { dispose(): void };
  kill(signal?: NodeJS.Signals): void;
}

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

export class SearchProcess implements SearchHandle {
  private readonly events = new Emitter<SearchEvent>();
  private readonly exits = new Emitter<EngineExit>();
  private readonly output = new Emitter<string>();
  private exitInfo: EngineExit | null = null;
  private readonly child: ChildProcess;
  private readonly log: (message: string) => void;

  constructor(opts: SearchForkOptions) {
    this.log = opts.log ?? (() => undefined);
    this.child = fork(opts.searchPath, [], {
      execPath: opts.execPath ?? process.execPath,
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      execArgv: [],
    });
    this.child.on('message', (msg: unknown) => {
      const parsed = parseSearchMessage(msg);
      if ('reason' in parsed) {
        this.log(`ignored search message (${parsed.reason})`);
        return;
      }
      if (parsed.event.type === 'hello' && parsed.event.protocolVersion !== SEARCH_PROTOCOL_VERSION) {
        this.log(`search process speaks protocol ${parsed.event.protocolVersion}, host ${SEARCH_PROTOCOL_VERSION}: killing it`);
        this.kill('SIGKILL');
        return;
      }
      this.events.fire(parsed.event);
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => this.output.fire(d));
    this.child.stderr?.on('data', (d: string) => this.output.fire(d));
    this.child.on('error', (err) => {
      this.log(`search process error: ${err.message}`);
      if (this.child.pid === undefined) this.finish({ code: null, signal: 'SPAWN_FAILED' });
    });
    // 'close' follows 'exit' once stdio and IPC are drained (the `finished` event is never lost).
    this.child.on('exit', (code, signal) => {
      setTimeout(() => this.finish({ code, signal }), 1000).unref();
    });
    this.child.on('close', (code, signal) => this.finish({ code, signal }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exitInfo !== null;
  }

  send(command: SearchCommand): boolean {
    if (this.exitInfo || !this.child.connected) return false;
    try {
      return this.child.send({ ...command, v: SEARCH_PROTOCOL_VERSION }, (err) => {
        if (err) this.log(`could not send ${command.type}: ${err.message}`);
      });
    } catch (err) {
      this.log(`could not send ${command.type}: ${(err as Error).message}`);
      return false;
    }
  }

  onEvent(listener: (event: SearchEvent) => void): { dispose(): void } {
    return this.events.event(listener);
  }

  onExit(listener: (exit: EngineExit) => void): { dispose(): void } {
    if (this.exitInfo) {
      const info = this.exitInfo;
      queueMicrotask(() => listener(info));
      return { dispose: () => undefined };
    }
    return this.exits.event(listener);
  }

  onStderr(listener: (text: string) => void): { dispose(): void } {
    return this.output.event(listener);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo) return;
    try {
      this.child.kill(signal);
    } catch (err) {
      this.log(`kill failed: ${(err as Error).message}`);
    }
  }

  private finish(exit: EngineExit): void {
    if (this.exitInfo) return;
    this.exitInfo = exit;
    this.exits.fire(exit);
    this.events.dispose();
    this.exits.dispose();
    this.output.dispose();
  }
}
