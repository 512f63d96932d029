/**
 * Owns every run the window knows of: live ones (an engine child process each) and past ones found
 * in the runs folder. Folds engine events into one RunView per run, classifies exits, and tells
 * listeners (tree, status bar, webviews) what changed. No `vscode` import: unit-tested in plain Node.
 */
import * as path from 'node:path';
import type { EngineCommand, EngineErrorInfo, EngineEvent, RunSummary } from '../../shared/protocol';
import { applyEvent, emptyRunView, type RunView } from '../../shared/run-view';
import { Emitter } from './emitter';
import type { EngineExit, EngineHandle } from './engine-process';
import { classifyExit, type ExitOutcome } from './exit';
import { discoverRunFolders, fileExists, readRunHeader, replayRunFolder, RUN_FILES, type RunFolderHeader } from './run-folder';

export class Run {
  view: RunView;
  /** An engine process is attached and has not exited. */
  live = false;
  /** The whole history is in `view` (live since start, or replayed from the folder). */
  loaded: boolean;
  /** Not live, not finished, and a checkpoint exists. */
  resumable = false;
  configPath?: string;
  engine?: EngineHandle;
  /** Set when the last engine of this run exited; undefined for runs only read from disk. */
  outcome?: ExitOutcome;
  /** Resolves when the engine announced the run (runInfo); rejects when it exited before. */
  ready: Promise<void> = Promise.resolve();
  /** Internal bookkeeping of the attached engine. */
  session?: EngineSession;

  constructor(view: RunView, loaded: boolean) {
    this.view = view;
    this.loaded = loaded;
  }

  get id(): string {
    return this.view.runId;
  }

  get runDir(): string {
    return this.view.runDir;
  }

  get state(): RunView['state'] {
    return this.view.state;
  }
}

interface EngineSession {
  engine: EngineHandle;
  helloSeen: boolean;
  queue: EngineCommand[];
  sawRunInfo: boolean;
  summary: RunSummary | null;
  stopRequested: boolean;
  killedAfterTimeout: boolean;
  fatalError?: string;
  stderr: string;
  stopTimer?: ReturnType<typeof setTimeout>;
  exited: Promise<void>;
  resolveReady: () => void;
  rejectReady: (err: Error) => void;
}

export interface RunEvent {
  run: Run;
  event: EngineEvent;
}

export interface EngineErrorEvent {
  run: Run;
  error: EngineErrorInfo;
  configPath?: string;
}

export class EngineStartError extends Error {
  constructor(message: string, readonly error?: EngineErrorInfo) {
    super(message);
  }
}

export interface RunManagerOptions {
  /** Absolute runs folder (it may change with the settings). */
  runsDir: () => string | undefined;
  /** Forks a fresh engine process. */
  spawn: () => EngineHandle;
  log?: (message: string) => void;
  /** How long Stop waits for the engine to exit before killing it. */
  stopTimeoutMs?: number;
}

export interface StartOptions {
  configPath: string;
  mode?: 'train' | 'overfitBatch';
  paused?: boolean;
}

export class RunManager {
  private readonly runs: Run[] = [];
  private pendingCounter = 0;
  private disposing = false;
  private active: Run | undefined;
  private readonly log: (message: string) => void;
  private readonly stopTimeoutMs: number;

  private readonly changed = new Emitter<void>();
  private readonly updated = new Emitter<Run>();
  private readonly eventEmitter = new Emitter<RunEvent>();
  private readonly engineErrors = new Emitter<EngineErrorEvent>();
  private readonly ended = new Emitter<Run>();
  private readonly activeChanged = new Emitter<Run | undefined>();

  /** The list of runs changed (added, removed, re-keyed). */
  readonly onDidChangeRuns = this.changed.event;
  /** A run's view changed (any event); fired often while training: throttle what you redraw. */
  readonly onDidUpdateRun = this.updated.event;
  /** Every engine event, after it was folded into the run's view. */
  readonly onEvent = this.eventEmitter.event;
  /** A config/data/engine error from an engine (fatal or not). */
  readonly onEngineError = this.engineErrors.event;
  /** A live run's engine exited; `run.outcome` says how. */
  readonly onRunEnded = this.ended.event;
  readonly onDidChangeActive = this.activeChanged.event;

  constructor(private readonly opts: RunManagerOptions) {
    this.log = opts.log ?? (() => undefined);
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  }

  list(): Run[] {
    return [...this.runs];
  }

  get(id: string): Run | undefined {
    return this.runs.find((r) => r.id === id) ?? this.runs.find((r) => r.runDir && samePath(r.runDir, id));
  }

  liveRuns(): Run[] {
    return this.runs.filter((r) => r.live);
  }

  get activeRun(): Run | undefined {
    return this.active;
  }

  setActive(run: Run | undefined): void {
    if (run === this.active) return;
    this.active = run;
    this.activeChanged.fire(run);
  }

  // ───────────────────────── starting ─────────────────────────

  /** Forks an engine and starts training `configPath`. Returns at once; await `run.ready` for runInfo. */
  start(options: StartOptions): Run {
    const runsDir = this.opts.runsDir();
    const run = new Run(emptyRunView(`pending-${++this.pendingCounter}`, ''), true);
    run.configPath = options.configPath;
    this.runs.unshift(run);
    this.attach(run, { type: 'start', configPath: options.configPath, runsDir, mode: options.mode ?? 'train', paused: options.paused });
    this.changed.fire();
    this.setActive(run);
    return run;
  }

  /** Continues a stopped/crashed run from `checkpoints/latest.json` with a fresh engine. */
  async resumeFromCheckpoint(run: Run, options: { paused?: boolean } = {}): Promise<Run> {
    if (run.live) throw new Error(`run ${run.id} is still running`);
    if (!run.runDir) throw new Error('run has no folder');
    if (!await fileExists(path.join(run.runDir, RUN_FILES.checkpoint))) {
      throw new Error(`no checkpoint in ${run.runDir} (checkpoints/latest.json)`);
    }
    await this.load(run);
    run.outcome = undefined;
    this.attach(run, { type: 'resumeFromCheckpoint', runDir: run.runDir, paused: options.paused });
    this.changed.fire();
    this.setActive(run);
    return run;
  }

  private attach(run: Run, first: EngineCommand): void {
    const engine = this.opts.spawn();
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    run.ready = new Promise<void>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    // Nobody may be listening; an unhandled rejection here would only be noise.
    run.ready.catch(() => undefined);
    let resolveExited!: () => void;
    const session: EngineSession = {
      engine, helloSeen: false, queue: [first], sawRunInfo: false, summary: null, stopRequested: false,
      killedAfterTimeout: false, stderr: '', exited: new Promise<void>((res) => (resolveExited = res)),
      resolveReady, rejectReady,
    };
    run.session = session;
    run.engine = engine;
    run.live = true;
    run.resumable = false;
    if (run.state !== 'starting') this.applyHostEvent(run, { type: 'state', state: 'starting', iteration: run.view.iteration, epoch: run.view.epoch });

    engine.onEvent((event) => this.onEngineEvent(run, session, event));
    engine.onStderr((text) => {
      session.stderr = (session.stderr + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) this.log(`[engine ${engine.pid ?? '?'}] ${line}`);
    });
    engine.onExit((exit) => {
      // `stop()`/`kill()` resolve once the run's final state (and resumability) is known.
      this.onEngineExit(run, session, exit).then(resolveExited, (err: unknown) => {
        this.log(`exit handling failed: ${String(err)}`);
        resolveExited();
      });
    });
  }

  private onEngineEvent(run: Run, s: EngineSession, event: EngineEvent): void {
    if (run.session !== s) return;
    if (event.type === 'hello') {
      s.helloSeen = true;
      this.log(`engine ${event.pid} ready (protocol ${event.protocolVersion})`);
      const queued = s.queue.splice(0);
      for (const c of queued) s.engine.send(c);
      return;
    }
    if (event.type === 'runInfo') {
      const before = run.id;
      s.sawRunInfo = true;
      this.apply(run, event);
      // A refresh may have picked the new folder up before runInfo arrived: keep only the live run.
      for (let i = this.runs.length - 1; i >= 0; i--) {
        const other = this.runs[i];
        if (other !== run && !other.live && other.runDir && run.runDir && samePath(other.runDir, run.runDir)) {
          this.runs.splice(i, 1);
          if (this.active === other) this.setActive(run);
          this.changed.fire();
        }
      }
      if (before !== run.id) this.changed.fire();
      s.resolveReady();
      return;
    }
    if (event.type === 'error') {
      if (event.fatal) s.fatalError = event.error.message;
      this.engineErrors.fire({ run, error: event.error, configPath: run.configPath ?? run.view.info?.configPath });
    }
    if (event.type === 'summary') s.summary = event.summary;
    if (event.type === 'log') this.log(`[${run.id}] ${event.level}: ${event.message}`);
    this.apply(run, event);
    if (event.type === 'summary' && run.state !== event.summary.state) {
      this.applyHostEvent(run, { type: 'state', state: event.summary.state, reason: event.summary.reason, iteration: run.view.iteration, epoch: run.view.epoch });
    }
  }

  private async onEngineExit(run: Run, s: EngineSession, exit: EngineExit): Promise<void> {
    if (s.stopTimer) clearTimeout(s.stopTimer);
    if (run.session !== s) return;
    run.session = undefined;
    run.engine = undefined;
    run.live = false;
    const outcome = classifyExit({
      code: exit.code, signal: exit.signal, summary: s.summary, stopRequested: s.stopRequested,
      killedAfterTimeout: s.killedAfterTimeout, disposing: this.disposing, fatalError: s.fatalError, stderrTail: s.stderr,
    });
    run.outcome = outcome;
    this.log(`engine ${s.engine.pid ?? '?'} of ${run.id} exited (code ${exit.code}, signal ${exit.signal}) → ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ''}`);

    if (!s.sawRunInfo && !run.view.info) {
      // Never got as far as creating the run (bad config, missing data): drop the placeholder.
      const idx = this.runs.indexOf(run);
      if (idx >= 0) this.runs.splice(idx, 1);
      if (this.active === run) this.setActive(undefined);
      s.rejectReady(new EngineStartError(s.fatalError ?? outcome.reason ?? 'the engine exited before starting the run'));
      this.changed.fire();
      this.ended.fire(run);
      return;
    }
    s.rejectReady(new EngineStartError(outcome.reason ?? 'engine exited'));
    if (run.state !== outcome.state || (outcome.reason && run.view.stateReason !== outcome.reason)) {
      this.applyHostEvent(run, { type: 'state', state: outcome.state, reason: outcome.reason ?? run.view.stateReason, iteration: run.view.iteration, epoch: run.view.epoch });
    }
    await this.updateResumable(run);
    this.updated.fire(run);
    this.ended.fire(run);
  }

  /** Applies an engine event to the run and tells listeners. */
  private apply(run: Run, event: EngineEvent): void {
    applyEvent(run.view, event);
    this.eventEmitter.fire({ run, event });
    this.updated.fire(run);
  }

  /** A state change the host decides (crash, interrupted): it travels to webviews like an engine event. */
  private applyHostEvent(run: Run, event: EngineEvent): void {
    this.apply(run, event);
  }

  // ───────────────────────── controls ─────────────────────────

  /** Sends a command to a live run's engine (queued until the engine said hello). */
  send(run: Run, command: EngineCommand): boolean {
    const s = run.session;
    if (!s || !run.live) return false;
    if (!s.helloSeen) {
      s.queue.push(command);
      return true;
    }
    return s.engine.send(command);
  }

  /** Asks the engine to stop (it checkpoints, writes its summary and exits); kills it after the timeout. */
  stop(run: Run, timeoutMs = this.stopTimeoutMs): Promise<void> {
    const s = run.session;
    if (!s || !run.live) return Promise.resolve();
    if (!s.stopRequested) {
      s.stopRequested = true;
      const sent = this.send(run, { type: 'stop' });
      const kill = (): void => {
        if (s.engine.exited) return;
        s.killedAfterTimeout = true;
        this.log(`engine ${s.engine.pid ?? '?'} did not exit ${timeoutMs} ms after stop: killing it`);
        s.engine.kill('SIGKILL');
      };
      if (!sent || !s.helloSeen) {
        // Not talking yet (or the channel is gone): nothing would be checkpointed anyway.
        s.stopTimer = setTimeout(kill, Math.min(timeoutMs, 1000));
      } else {
        s.stopTimer = setTimeout(kill, timeoutMs);
      }
    }
    return s.exited;
  }

  /** Kills the engine outright (tests, and the last resort). */
  kill(run: Run, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const s = run.session;
    if (!s) return Promise.resolve();
    s.engine.kill(signal);
    return s.exited;
  }

  // ───────────────────────── past runs ─────────────────────────

  private refreshing: Promise<void> = Promise.resolve();

  /** Re-reads the runs folder: adds new run folders, drops vanished ones (never live ones). Calls queue up. */
  refresh(): Promise<void> {
    const next = this.refreshing.then(() => this.doRefresh());
    this.refreshing = next.catch((err: unknown) => this.log(`refresh failed: ${String(err)}`));
    return next;
  }

  private async doRefresh(): Promise<void> {
    const runsDir = this.opts.runsDir();
    const dirs = runsDir ? await discoverRunFolders(runsDir) : [];
    const known = new Set(this.runs.filter((r) => r.runDir).map((r) => norm(r.runDir)));
    let changed = false;
    const headers = await Promise.all(dirs.filter((d) => !known.has(norm(d))).map((d) => readRunHeader(d)));
    for (const h of headers) {
      if (this.runs.some((r) => r.runDir && samePath(r.runDir, h.runDir))) continue;
      const run = await this.fromHeader(h);
      // The folder may have become known meanwhile (a live run's runInfo).
      if (this.runs.some((r) => r.runDir && samePath(r.runDir, h.runDir))) continue;
      this.runs.push(run);
      changed = true;
    }
    const present = new Set(dirs.map(norm));
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i];
      if (!r.live && r.runDir && !present.has(norm(r.runDir)) && !await fileExists(r.runDir)) {
        this.runs.splice(i, 1);
        if (this.active === r) this.setActive(undefined);
        changed = true;
      }
    }
    if (changed) {
      this.sort();
      this.changed.fire();
    }
  }

  /** Forgets all past runs (the runs folder setting changed) and reads the folder again. */
  async reset(): Promise<void> {
    for (let i = this.runs.length - 1; i >= 0; i--) if (!this.runs[i].live && !this.runs[i].session) this.runs.splice(i, 1);
    if (this.active && !this.runs.includes(this.active)) this.setActive(undefined);
    this.changed.fire();
    await this.refresh();
  }

  private async fromHeader(h: RunFolderHeader): Promise<Run> {
    if (!h.summary) {
      // Interrupted: replay now, the last state and numbers live in the files only.
      const run = new Run(await replayRunFolder(h.runDir, h), true);
      run.configPath = h.configPath;
      run.resumable = h.hasCheckpoint;
      return run;
    }
    const view = emptyRunView(h.runId, h.runDir);
    if (h.info) applyEvent(view, { type: 'runInfo', info: h.info });
    view.runId = h.runId;
    view.runDir = h.runDir;
    applyEvent(view, { type: 'summary', summary: h.summary });
    view.state = h.summary.state;
    view.stateReason = h.summary.reason;
    view.epoch = h.summary.epochs;
    view.iteration = h.summary.iterations;
    const run = new Run(view, false);
    run.configPath = h.configPath;
    run.resumable = h.hasCheckpoint && h.summary.state !== 'finished';
    return run;
  }

  /** Replays the run folder into the view (once) so the whole history can be shown. */
  async load(run: Run): Promise<RunView> {
    if (run.loaded || run.live || !run.runDir) return run.view;
    const view = await replayRunFolder(run.runDir);
    if (!run.loaded && !run.live) {
      run.view = view;
      run.loaded = true;
      this.updated.fire(run);
    }
    return run.view;
  }

  private async updateResumable(run: Run): Promise<void> {
    run.resumable = !run.live && run.state !== 'finished' && !!run.runDir
      && await fileExists(path.join(run.runDir, RUN_FILES.checkpoint));
  }

  private sort(): void {
    // Live first, then newest first (run ids start with a timestamp).
    this.runs.sort((a, b) => Number(b.live) - Number(a.live) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  // ───────────────────────── shutdown ─────────────────────────

  /** Stops every engine (checkpoint + summary), kills those that do not exit in time. */
  async dispose(timeoutMs = 3000): Promise<void> {
    this.disposing = true;
    await Promise.all(this.liveRuns().map((r) => this.stop(r, timeoutMs)));
    this.changed.dispose();
    this.updated.dispose();
    this.eventEmitter.dispose();
    this.engineErrors.dispose();
    this.ended.dispose();
    this.activeChanged.dispose();
  }

  /** Synchronous last resort (process exit): SIGKILL whatever is still running. */
  killAll(): void {
    for (const r of this.runs) r.session?.engine.kill('SIGKILL');
  }
}

function norm(p: string): string {
  return path.resolve(p);
}

function samePath(a: string, b: string): boolean {
  return norm(a) === norm(b);
}

