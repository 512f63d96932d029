/**
 * One conversation with a child process that speaks a typed protocol (an engine, a search): the
 * first command goes out at once, later ones wait until the child says `hello` (it does once it
 * takes every command), Stop asks and kills after a timeout, and the exit is reported once, with
 * the end of the child's stderr. The run manager and the search manager both drive their
 * processes through it. No `vscode` import.
 */
import type { ProcessExit, ProcessHandle } from './forked-process';
import type { Peer } from './request';

export interface SessionExit extends ProcessExit {
  /** The host asked it to stop. */
  stopRequested: boolean;
  /** The host killed it because it did not exit in time after a stop. */
  killedAfterTimeout: boolean;
  /** The end of what it wrote to stderr. */
  stderr: string;
}

export interface ProcessSessionOptions<C, E> {
  /** Whether `event` is the child's hello (commands may go out from then on). */
  isHello: (event: E) => boolean;
  /** The command that asks the child to end cleanly. */
  stopCommand: C;
  onEvent: (event: E) => void;
  /** Handles the exit; `exited` resolves once it (and the promise it returns) is done. */
  onExit: (exit: SessionExit) => void | Promise<void>;
  log?: (message: string) => void;
}

const STDERR_TAIL = 4000;

export class ProcessSession<C extends { type: string }, E> {
  helloSeen = false;
  stopRequested = false;
  killedAfterTimeout = false;
  stderr = '';
  /** Resolves once the exit has been handled (`onExit` and its promise). */
  readonly exited: Promise<void>;
  private readonly queue: C[] = [];
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly log: (message: string) => void;

  constructor(readonly handle: ProcessHandle<C, E>, first: C | null, private readonly opts: ProcessSessionOptions<C, E>) {
    this.log = opts.log ?? (() => undefined);
    let done!: () => void;
    this.exited = new Promise<void>((resolve) => (done = resolve));
    handle.onEvent((event) => {
      if (!this.helloSeen && opts.isHello(event)) {
        this.helloSeen = true;
        for (const c of this.queue.splice(0)) handle.send(c);
      }
      opts.onEvent(event);
    });
    handle.onStderr((text) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
      for (const line of text.split('\n')) if (line.trim()) this.log(`[pid ${handle.pid ?? '?'}] ${line}`);
    });
    handle.onExit((exit) => {
      if (this.stopTimer) clearTimeout(this.stopTimer);
      Promise.resolve()
        .then(() => opts.onExit({ ...exit, stopRequested: this.stopRequested, killedAfterTimeout: this.killedAfterTimeout, stderr: this.stderr }))
        .catch((err: unknown) => this.log(`exit handling failed: ${String(err)}`))
        .finally(done);
    });
    if (first) handle.send(first);
  }

  get pid(): number | undefined {
    return this.handle.pid;
  }

  get ended(): boolean {
    return this.handle.exited;
  }

  /** Sends a command (queued until hello); false when the child is gone. */
  send(command: C): boolean {
    if (this.handle.exited) return false;
    if (!this.helloSeen) {
      this.queue.push(command);
      return true;
    }
    return this.handle.send(command);
  }

  /** Asks the child to stop; kills it if it has not exited after `timeoutMs`. Resolves on exit. */
  stop(timeoutMs: number): Promise<void> {
    if (this.handle.exited) return this.exited;
    if (!this.stopRequested) {
      this.stopRequested = true;
      const sent = this.send(this.opts.stopCommand);
      // Not talking yet (or the channel is gone): nothing would be checkpointed anyway.
      const wait = sent && this.helloSeen ? timeoutMs : Math.min(timeoutMs, 1000);
      this.stopTimer = setTimeout(() => {
        if (this.handle.exited) return;
        this.killedAfterTimeout = true;
        this.log(`pid ${this.handle.pid ?? '?'} did not exit ${wait} ms after stop: killing it`);
        this.handle.kill('SIGKILL');
      }, wait);
    }
    return this.exited;
  }

  /** The child as the peer of a request (./request.ts), `what` it is in the message when it exits first. */
  peer(what: string): Peer<C, E> {
    return {
      send: (command) => this.send(command),
      onEvent: (listener) => this.handle.onEvent(listener),
      onGone: (listener) => this.handle.onExit((x) => listener(`${what} exited (${x.signal ?? `code ${x.code}`}) before answering`)),
    };
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.handle.kill(signal);
    return this.exited;
  }
}
