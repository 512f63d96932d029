/**
 * Typed wrapper over the forked engine (dist/engine.js). Adds the protocol version to every
 * command, checks it on every event, collects stderr, and reports the exit once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import { Emitter } from './emitter';

export interface EngineExit {
  code: number | null;
  signal: string | null;
}

/** What the run manager needs from an engine; the tests give it fakes. */
export interface EngineHandle {
  readonly pid: number | undefined;
  readonly exited: boolean;
  send(command: EngineCommand): boolean;
  onEvent(listener: (event: EngineEvent) => void): { dispose(): void };
  onExit(listener: (exit: EngineExit) => void): { dispose(): void };
  onStderr(listener: (text: string) => void): { dispose(): void };
  kill(signal?: NodeJS.Signals): void;
}

export interface EngineForkOptions {
  enginePath: string;
  /** Node (or Electron-as-Node) to run it with; the extension host's own runtime by default. */
  execPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives protocol violations and other diagnostics. */
  log?: (message: string) => void;
}

const EVENT_TYPES = new Set<EngineEvent['type']>([
  'hello', 'runInfo', 'state', 'metrics', 'epoch', 'layerStats', 'flag', 'learningRate', 'gradientCheck',
  'verdict', 'testResult', 'snapshot', 'checkpoint', 'log', 'error', 'summary',
]);

/** Structural check of an incoming engine message; null when it must be ignored. */
export function parseEngineMessage(msg: unknown): { event: EngineEvent } | { reason: string } {
  if (typeof msg !== 'object' || msg === null) return { reason: 'not an object' };
  const m = msg as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) return { reason: `protocol version ${String(m.v)} ≠ ${PROTOCOL_VERSION}` };
  if (typeof m.type !== 'string' || !EVENT_TYPES.has(m.type as EngineEvent['type'])) {
    return { reason: `unknown event ${String(m.type)}` };
  }
  const { v: _v, ...event } = m;
  void _v;
  return { event: event as unknown as EngineEvent };
}

export class EngineProcess implements EngineHandle {
  private readonly events = new Emitter<EngineEvent>();
  private readonly exits = new Emitter<EngineExit>();
  private readonly stderr = new Emitter<string>();
  private exitInfo: EngineExit | null = null;
  private readonly child: ChildProcess;
  private readonly log: (message: string) => void;

  constructor(opts: EngineForkOptions) {
    this.log = opts.log ?? (() => undefined);
    this.child = fork(opts.enginePath, [], {
      execPath: opts.execPath ?? process.execPath,
      cwd: opts.cwd,
      // VS Code desktop's extension host is Electron; this makes the child a plain Node.
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // NaN and ±Infinity (a diverging run) survive the channel only with the structured-clone format.
      serialization: 'advanced',
    });
    this.child.on('message', (msg: unknown) => {
      const parsed = parseEngineMessage(msg);
      if ('reason' in parsed) {
        this.log(`ignored engine message (${parsed.reason}): ${safeJson(msg)}`);
        return;
      }
      if (parsed.event.type === 'hello' && parsed.event.protocolVersion !== PROTOCOL_VERSION) {
        this.log(`engine speaks protocol ${parsed.event.protocolVersion}, host ${PROTOCOL_VERSION}: killing it`);
        this.kill('SIGKILL');
        return;
      }
      this.events.fire(parsed.event);
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => this.stderr.fire(d));
    this.child.stderr?.on('data', (d: string) => this.stderr.fire(d));
    this.child.on('error', (err) => {
      this.log(`engine process error: ${err.message}`);
      // A failed spawn never emits 'exit'.
      if (this.child.pid === undefined) this.finish({ code: null, signal: 'SPAWN_FAILED' });
    });
    // 'close' comes after 'exit' once stdio and the IPC channel are drained, so a summary sent just
    // before exiting is never lost; the timer covers a grandchild that keeps a pipe open.
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

  get exit(): EngineExit | null {
    return this.exitInfo;
  }

  send(command: EngineCommand): boolean {
    if (this.exitInfo || !this.child.connected) return false;
    try {
      return this.child.send({ ...command, v: PROTOCOL_VERSION }, (err) => {
        if (err) this.log(`could not send ${command.type}: ${err.message}`);
      });
    } catch (err) {
      this.log(`could not send ${command.type}: ${(err as Error).message}`);
      return false;
    }
  }

  onEvent(listener: (event: EngineEvent) => void): { dispose(): void } {
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
    return this.stderr.event(listener);
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
    this.stderr.dispose();
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
