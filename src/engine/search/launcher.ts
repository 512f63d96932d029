/**
 * How a search starts its trials: by default each trial is a forked engine process
 * (`dist/engine.js`, the same child process the extension uses), driven over the engine IPC
 * protocol. The seam exists so tests can run the search logic with fake trials.
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

/** Forks one engine process per trial. */
export class ForkLauncher implements TrialLauncher {
  constructor(private readonly enginePath: string = findEngineScript()) {}

  launch(start: TrialStart): TrialHandle {
    // Own process group on POSIX: a Ctrl-C in the terminal reaches the search, which then stops
    // its trials cleanly, instead of killing every engine mid-write. If the search dies, the
    // engines see the IPC channel close and stop themselves cleanly.
    const child = fork(this.enginePath, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: process.platform !== 'win32',
      execArgv: [],
    });
    return new ForkedTrial(child, start);
  }
}

class ForkedTrial implements TrialHandle {
  private stderr = '';
  private readonly eventListeners: ((e: EngineEvent) => void)[] = [];
  private readonly exitListeners: ((x: TrialExit) => void)[] = [];
  private exited: TrialExit | null = null;
  /** Commands wait here until the engine says hello (it does once its run exists and takes every command). */
  private queue: EngineCommand[] | null = [];

  constructor(private readonly child: ChildProcess, start: TrialStart) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    child.on('message', (m: unknown) => {
      const parsed = parseEngineMessage(m);
      if ('reason' in parsed) return;
      if (parsed.event.type === 'hello' && this.queue) {
        const queued = this.queue;
        this.queue = null;
        for (const c of queued) this.post(c);
      }
      for (const l of this.eventListeners) l(parsed.event);
    });
    child.on('error', (err) => {
      this.stderr = (this.stderr + `\n${err.message}`).slice(-STDERR_TAIL);
    });
    child.on('exit', (code, signal) => {
      // 'exit' can come before the last stderr chunk; wait for the streams to close (briefly).
      const done = (): void => {
        if (this.exited) return;
        this.exited = { code, signal, stderr: this.stderr.trim() };
        for (const l of this.exitListeners) l(this.exited);
      };
      if (child.stderr && !child.stderr.closed) {
        child.stderr.once('close', done);
        setTimeout(done, 200);
      } else {
        done();
      }
    });
    this.post(start);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private post(command: EngineCommand): void {
    if (this.child.connected) {
      try {
        this.child.send({ v: PROTOCOL_VERSION, ...command });
      } catch {
        /* the process is going away; its exit reports what happened */
      }
    }
  }

  send(command: Extract<EngineCommand, { type: 'pause' | 'resume' | 'stop' | 'pauseAt' | 'snapshot' }> | TrialEngineCommand): void {
    if (this.queue) this.queue.push(command);
    else this.post(command);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onExit(listener: (exit: TrialExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }
}
