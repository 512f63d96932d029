/**
 * A typed child process over Node IPC, as the host runs the engine (dist/engine.js) and the
 * hyperparameter search (dist/search.js): the host's own runtime, `serialization: 'advanced'`
 * (NaN and ±Infinity survive the channel), the protocol version added to every command and
 * checked on every message, stdout/stderr collected, and the exit reported exactly once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Emitter, Once } from './emitter';

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/** What the managers need from a forked process; the unit tests give them fakes. */
export interface ProcessHandle<C, E> {
  readonly pid: number | undefined;
  readonly exited: boolean;
  send(command: C): boolean;
  onEvent(listener: (event: E) => void): { dispose(): void };
  onExit(listener: (exit: ProcessExit) => void): { dispose(): void };
  onStderr(listener: (text: string) => void): { dispose(): void };
  kill(signal?: NodeJS.Signals): void;
  /** Drops the connection and leaves the process running (an engine reached over a socket). */
  detach?(): void;
}

export interface ForkOptions {
  /** The bundled script to run. */
  scriptPath: string;
  /** Node (or Electron-as-Node) to run it with; the extension host's own runtime by default. */
  execPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives protocol violations and other diagnostics. */
  log?: (message: string) => void;
  /**
   * Its own process group (POSIX) and no console (Windows): the child outlives this process
   * (an engine keeps training through a window reload and waits for the next window).
   */
  detached?: boolean;
}

export interface ProtocolSpec<E> {
  /** 'engine', 'search process': for log lines. */
  name: string;
  version: number;
  /** Structural check of a message; the reason when it must be ignored. */
  parse(msg: unknown): { event: E } | { reason: string };
  /** The protocol version a `hello` event announces (undefined for other events). */
  helloVersion(event: E): number | undefined;
}

export class ForkedProcess<C extends { type: string }, E> implements ProcessHandle<C, E> {
  private readonly events = new Emitter<E>();
  private readonly exits = new Once<ProcessExit>();
  private readonly output = new Emitter<string>();
  private readonly child: ChildProcess;
  private readonly log: (message: string) => void;

  constructor(opts: ForkOptions, private readonly protocol: ProtocolSpec<E>) {
    this.log = opts.log ?? (() => undefined);
    this.child = fork(opts.scriptPath, [], {
      execPath: opts.execPath ?? process.execPath,
      cwd: opts.cwd,
      // VS Code desktop's extension host is Electron; this makes the child a plain Node.
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      // Not the host's own flags (an inspector port, say).
      execArgv: [],
      detached: opts.detached === true,
    });
    this.child.on('message', (msg: unknown) => {
      const parsed = protocol.parse(msg);
      if ('reason' in parsed) {
        this.log(`ignored ${protocol.name} message (${parsed.reason}): ${safeJson(msg)}`);
        return;
      }
      const announced = protocol.helloVersion(parsed.event);
      if (announced !== undefined && announced !== protocol.version) {
        this.log(`${protocol.name} speaks protocol ${announced}, host ${protocol.version}: killing it`);
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
      this.log(`${protocol.name} process error: ${err.message}`);
      // A failed spawn never emits 'exit'.
      if (this.child.pid === undefined) this.finish({ code: null, signal: 'SPAWN_FAILED' });
    });
    // 'close' comes after 'exit' once stdio and the IPC channel are drained, so a last message
    // sent just before exiting is never lost; the timer covers a grandchild holding a pipe open.
    this.child.on('exit', (code, signal) => {
      setTimeout(() => this.finish({ code, signal }), 1000).unref();
    });
    this.child.on('close', (code, signal) => this.finish({ code, signal }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exits.value !== null;
  }

  get exit(): ProcessExit | null {
    return this.exits.value;
  }

  send(command: C): boolean {
    if (this.exits.value || !this.child.connected) return false;
    try {
      return this.child.send({ ...command, v: this.protocol.version }, (err) => {
        if (err) this.log(`could not send ${command.type}: ${err.message}`);
      });
    } catch (err) {
      this.log(`could not send ${command.type}: ${(err as Error).message}`);
      return false;
    }
  }

  onEvent(listener: (event: E) => void): { dispose(): void } {
    return this.events.event(listener);
  }

  onExit(listener: (exit: ProcessExit) => void): { dispose(): void } {
    return this.exits.event(listener);
  }

  onStderr(listener: (text: string) => void): { dispose(): void } {
    return this.output.event(listener);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exits.value) return;
    try {
      this.child.kill(signal);
    } catch (err) {
      this.log(`kill failed: ${(err as Error).message}`);
    }
  }

  private finish(exit: ProcessExit): void {
    if (this.exits.value) return;
    this.exits.fire(exit);
    this.events.dispose();
    this.output.dispose();
  }
}

function safeJson(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return String(x);
  }
}
