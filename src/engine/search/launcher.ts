/**
 * How a search starts its trials: by default in forked engine processes (`dist/engine.js`, the
 * same child process the extension uses), driven over the engine IPC protocol. The seam exists so
 * tests can run the search logic with fake trials.
 *
 * Warm engines: a process's start-up (Node, the bundle, schema compilation, WebAssembly, the first
 * JIT) costs about as much as a small trial's training, so a trial that ended cleanly hands its
 * process back (the engine's `reusable` start: it says `runEnded` and waits) and the next trial
 * starts there. A trial that crashed, failed or was killed takes its process with it; the next
 * trial gets a fresh one. `GRADIENT_LAB_SEARCH_ENGINES=fresh` forks one process per trial as before.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEngineMessage, PROTOCOL_VERSION, type EngineCommand, type EngineEvent } from '../../shared/protocol';
import type { TrialEngineCommand } from '../../shared/search-protocol';

export type TrialStart =
  | { type: 'start'; config: unknown; configPath?: string; runDir: string; pauseAt?: number }
  | { type: 'resumeFromCheckpoint'; runDir: string; pauseAt?: number };

export interface TrialExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of the process's stderr (for failures). */
  stderr: string;
}

/** A started trial: commands in, engine events out, one exit. */
export interface TrialHandle {
  readonly pid?: number;
  send(command: Extract<EngineCommand, { type: 'pause' | 'resume' | 'stop' | 'pauseAt' | 'snapshot' }> | TrialEngineCommand): void;
  /** Ends the process at once (the run folder keeps what was written). */
  kill(): void;
  onEvent(listener: (event: EngineEvent) => void): void;
  onExit(listener: (exit: TrialExit) => void): void;
}

export interface TrialLauncher {
  launch(start: TrialStart): TrialHandle;
}

/**
 * `dist/engine.js`: next to this file when bundled (dist/search.js, dist/cli.js), else
 * `<repo>/dist/engine.js` found by walking up from the sources.
 */
export function findEngineScript(from: string = __dirname): string {
  const beside = path.join(from, 'engine.js');
  if (path.basename(from) === 'dist' && fs.existsSync(beside)) return beside;
  for (let dir = from; ; ) {
    const candidate = path.join(dir, 'dist', 'engine.js');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (fs.existsSync(beside)) return beside;
  throw new Error(`cannot find the engine (dist/engine.js) from ${from}; build it with \`node scripts/build.mjs\``);
}

const STDERR_TAIL = 4000;
/** Runs per process before it is retired (bounds whatever a run might leave behind in the heap). */
const RUNS_PER_ENGINE = 32;
/** A warm engine nobody took within this time leaves (between rounds one is taken within milliseconds). */
const IDLE_MS = 10_000;

export interface ForkLauncherOptions {
  /** Hand cleanly ended trials' processes to the next trial (default: unless GRADIENT_LAB_SEARCH_ENGINES=fresh). */
  reuse?: boolean;
  runsPerEngine?: number;
  idleMs?: number;
}

export function reuseFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GRADIENT_LAB_SEARCH_ENGINES !== 'fresh';
}

/** Starts trials in forked engine processes, reusing the warm ones (see the file's comment). */
export class ForkLauncher implements TrialLauncher {
  private readonly idle: EngineProcess[] = [];
  private readonly reuse: boolean;
  private readonly runsPerEngine: number;
  private readonly idleMs: number;

  constructor(private readonly enginePath: string = findEngineScript(), options: ForkLauncherOptions = {}) {
    this.reuse = options.reuse ?? reuseFromEnv();
    this.runsPerEngine = options.runsPerEngine ?? RUNS_PER_ENGINE;
    this.idleMs = options.idleMs ?? IDLE_MS;
  }

  launch(start: TrialStart): TrialHandle {
    let engine = this.idle.pop();
    while (engine && !engine.usable) engine = this.idle.pop();
    engine ??= new EngineProcess(this.enginePath, (e) => this.forget(e));
    engine.take();
    return new ForkedTrial(engine, this.reuse ? { ...start, reusable: true } : start, (reusable) => this.release(engine, reusable));
  }

  /** Warm engines waiting for a trial (for tests). */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Ends the warm engines now (they also leave on their own once idle for `idleMs`, or with this process). */
  dispose(): void {
    for (const e of this.idle.splice(0)) e.retire();
  }

  private release(engine: EngineProcess, reusable: boolean): void {
    if (reusable && this.reuse && engine.usable && engine.runs < this.runsPerEngine) {
      engine.park(this.idleMs, () => {
        this.forget(engine);
        engine.retire();
      });
      this.idle.push(engine);
    } else {
      engine.retire();
    }
  }

  private forget(engine: EngineProcess): void {
    const i = this.idle.indexOf(engine);
    if (i >= 0) this.idle.splice(i, 1);
  }
}

/**
 * One forked engine: its stderr tail, its exit, and the trial it runs now (one at a time). Idle,
 * it holds no reference on this process's event loop, so a search that ended exits at once; its
 * engines then see the IPC channel close and leave.
 */
class EngineProcess {
  readonly child: ChildProcess;
  stderr = '';
  runs = 0;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  trial: ForkedTrial | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(enginePath: string, onExit: (e: EngineProcess) => void) {
    // Own process group on POSIX: a Ctrl-C in the terminal reaches the search, which then stops
    // its trials cleanly, instead of killing every engine mid-write. If the search dies, the
    // engines see the IPC channel close and stop themselves cleanly.
    this.child = fork(enginePath, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: process.platform !== 'win32',
      execArgv: [],
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    this.child.on('message', (m: unknown) => this.trial?.message(m));
    this.child.on('error', (err) => {
      this.stderr = (this.stderr + `\n${err.message}`).slice(-STDERR_TAIL);
    });
    this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.clearIdle();
      onExit(this);
      // 'exit' can come before the last stderr chunk; wait for the streams to close (briefly).
      const stderr = this.child.stderr;
      if (stderr && !stderr.closed) {
        let done = false;
        const report = (): void => {
          if (done) return;
          done = true;
          this.trial?.exited(code, signal);
        };
        stderr.once('close', report);
        setTimeout(report, 200);
      } else {
        this.trial?.exited(code, signal);
      }
    });
  }

  get usable(): boolean {
    return this.exit === null && this.child.connected;
  }

  /** A trial starts here: count it, hold the event loop while it runs, its stderr only. */
  take(): void {
    this.clearIdle();
    this.runs++;
    this.stderr = '';
    this.refs(true);
  }

  park(idleMs: number, onIdle: () => void): void {
    this.trial = null;
    this.refs(false);
    this.idleTimer = setTimeout(onIdle, idleMs);
    this.idleTimer.unref();
  }

  /** Lets a process go: closing the channel ends an idle engine cleanly; one still running a trial is killed. */
  retire(): void {
    this.clearIdle();
    this.trial = null;
    if (this.exit) return;
    this.refs(false);
    if (this.child.connected) this.child.disconnect();
    else this.kill();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private refs(on: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[];
    for (const h of handles) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }
}

/** A trial in an engine process: ends when the engine says `runEnded` (the process goes back) or exits. */
class ForkedTrial implements TrialHandle {
  private readonly eventListeners: ((e: EngineEvent) => void)[] = [];
  private readonly exitListeners: ((x: TrialExit) => void)[] = [];
  private ended: TrialExit | null = null;
  /** Commands wait here until the engine says hello (it does once its run exists and takes every command). */
  private queue: EngineCommand[] | null = [];

  constructor(private readonly engine: EngineProcess, start: EngineCommand, private readonly release: (reusable: boolean) => void) {
    engine.trial = this;
    this.post(start);
  }

  get pid(): number | undefined {
    return this.engine.child.pid;
  }

  message(m: unknown): void {
    if (this.ended) return;
    const parsed = parseEngineMessage(m);
    if ('reason' in parsed) return;
    const event = parsed.event;
    if (event.type === 'runEnded') return this.end({ code: event.code, signal: null, stderr: this.engine.stderr.trim() }, true);
    if (event.type === 'hello' && this.queue) {
      const queued = this.queue;
      this.queue = null;
      for (const c of queued) this.post(c);
    }
    for (const l of this.eventListeners) l(event);
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.ended) this.end({ code, signal, stderr: this.engine.stderr.trim() }, false);
  }

  /** The process goes back first: a listener that starts the next trial at once finds it warm. */
  private end(exit: TrialExit, reusable: boolean): void {
    this.ended = exit;
    this.release(reusable);
    for (const l of this.exitListeners) l(exit);
  }

  private post(command: EngineCommand): void {
    // After its end the process may run another trial: nothing more goes to it from this one.
    if (this.ended || !this.engine.child.connected) return;
    try {
      this.engine.child.send({ v: PROTOCOL_VERSION, ...command });
    } catch {
      /* the process is going away; its exit reports what happened */
    }
  }

  send(command: Extract<EngineCommand, { type: 'pause' | 'resume' | 'stop' | 'pauseAt' | 'snapshot' }> | TrialEngineCommand): void {
    if (this.queue) this.queue.push(command);
    else this.post(command);
  }

  kill(): void {
    if (!this.ended) this.engine.kill();
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onExit(listener: (exit: TrialExit) => void): void {
    if (this.ended) listener(this.ended);
    else this.exitListeners.push(listener);
  }
}
