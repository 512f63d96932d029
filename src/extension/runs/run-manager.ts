/**
 * Owns every run the window knows of: live ones (an engine this window forked, an engine it
 * reattached to after a reload, a search trial proxied by its search) and past ones found in the
 * runs folder. Folds engine events into one bounded RunView per run (the one `applyEvent`),
 * classifies exits, and tells listeners (tree, status bar, webviews) what changed: the run's view
 * is the single source of truth every view reads. No `vscode` import: unit-tested in plain Node.
 */
import * as path from 'node:path';
import type { EngineCommand, EngineErrorInfo, EngineEvent, RunInfo, RunSummary } from '../../shared/protocol';
import { replayRunFolder } from '../../shared/run-folder';
import { applyEvent, emptyRunView, type RunView } from '../../shared/run-view';
import { Emitter } from './emitter';
import type { EngineHandle } from './engine-process';
import { classifyExit, type ExitOutcome } from './exit';
import { ProcessSession, type SessionExit } from './process-session';
import { distinctRunLabels, runLabel } from '../../shared/run-labels';
import type { Peer } from './request';
import { discoverRunFolders, fileExists, loadRunFolder, readRunFolder, readRunHeader, RUN_FILES, type RunFolderHeader } from './run-folder';

/** Where a live run's events come from and its commands go. */
export interface RunSource {
  readonly kind: 'engine' | 'attached' | 'trial';
  readonly pid?: number;
  send(command: EngineCommand): boolean;
  /** Asks the run to end cleanly (checkpoint, summary); resolves once it has. */
  stop(timeoutMs: number): Promise<void>;
  kill(): Promise<void>;
  /** Lets the run go on without this window (an engine waits for the next window to attach). */
  detach(): void;
}

/** A search trial's run: which search and trial it is. */
export interface RunOwner {
  searchDir: string;
  trialId: number;
}

let localIds = 0;

export class Run {
  view: RunView;
  /** A source is attached and has not ended. */
  live = false;
  /** The whole history is in `view` (live, replayed, or sent by its engine). */
  loaded: boolean;
  /** Not live, not finished, and a checkpoint exists. */
  resumable = false;
  configPath?: string;
  owner?: RunOwner;
  source?: RunSource;
  /** Set when the last source of this run ended; undefined for runs only read from disk. */
  outcome?: ExitOutcome;
  /** Resolves when the run was announced (runInfo); rejects when its source ended before. */
  ready: Promise<void> = Promise.resolve();
  /** When this window first saw the run (for labels of runs with the same name). */
  readonly seenAt = Date.now();
  private readonly localId = `#${++localIds}`;
  /** An id that does not come from the engine (a trial: `<search folder>/trial-007`, unique across searches). */
  fixedId?: string;

  constructor(view: RunView, loaded: boolean) {
    this.view = view;
    this.loaded = loaded;
  }

  /** The run id (its folder's name) once announced; a window-local id before. */
  get id(): string {
    return this.fixedId ?? (this.view.runId || this.localId);
  }

  /** Started but not announced yet: no folder, no id of its own. */
  get pending(): boolean {
    return !this.fixedId && !this.view.runId;
  }

  get runDir(): string {
    return this.view.runDir;
  }

  get state(): RunView['state'] {
    return this.view.state;
  }
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
  /** Connects to the engine still training `runDir` (a window reload); null when there is none. */
  attach?: (runDir: string) => Promise<EngineHandle | null>;
  log?: (message: string) => void;
  /** How long Stop waits for the engine to exit before killing it. */
  stopTimeoutMs?: number;
}

export interface StartOptions {
  configPath: string;
  mode?: 'train' | 'overfitBatch';
  paused?: boolean;
}

/** What a source reports to the manager. */
interface Feed {
  event(event: EngineEvent): void;
  end(outcome: ExitOutcome): Promise<void>;
}

export class RunManager {
  private readonly runs: Run[] = [];
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
  private readonly watchChanged = new Emitter<Run>();
  private readonly watchers = new Map<Run, number>();

  /** The list of runs changed (added, removed, re-keyed). */
  readonly onDidChangeRuns = this.changed.event;
  /** A run's view changed (any event); fired often while training: throttle what you redraw. */
  readonly onDidUpdateRun = this.updated.event;
  /** Every engine event, after it was folded into the run's view. */
  readonly onEvent = this.eventEmitter.event;
  /** A config/data/engine error from an engine (fatal or not). */
  readonly onEngineError = this.engineErrors.event;
  /** A live run's source ended; `run.outcome` says how. */
  readonly onRunEnded = this.ended.event;
  readonly onDidChangeActive = this.activeChanged.event;
  /** A run got its first viewer or lost its last one (`watched`). */
  readonly onDidChangeWatch = this.watchChanged.event;

  constructor(private readonly opts: RunManagerOptions) {
    this.log = opts.log ?? (() => undefined);
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  }

  list(): Run[] {
    return [...this.runs];
  }

  /** The label of a run where runs are listed side by side (tree rows, tab titles): its name, with its start time where names repeat. */
  label(run: Run): string {
    if (run.pending) return runLabel(run.view);
    return distinctRunLabels(this.runs.filter((r) => !r.pending).map((r) => r.view)).get(run.view.runId) ?? runLabel(run.view);
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
    const run = new Run(emptyRunView('', ''), true);
    run.configPath = options.configPath;
    this.runs.unshift(run);
    this.attachEngine(run, this.opts.spawn(), {
      type: 'start', configPath: options.configPath, runsDir: this.opts.runsDir(), mode: options.mode ?? 'train',
      paused: options.paused, attachable: true,
    });
    this.changed.fire();
    this.setActive(run);
    return run;
  }

  /** Continues a stopped/crashed run from `checkpoints/latest.json` with a fresh engine. */
  async resumeFromCheckpoint(run: Run, options: { paused?: boolean } = {}): Promise<Run> {
    if (run.live) throw new Error(`run ${run.id} is still running`);
    if (!run.runDir) throw new Error('run has no folder');
    if (!ourEngine(run.view.info)) throw new Error(`run ${run.id} was trained by a Python script: run the script again to continue it`);
    if (!await fileExists(path.join(run.runDir, RUN_FILES.checkpoint))) {
      throw new Error(`no checkpoint in ${run.runDir} (checkpoints/latest.json)`);
    }
    run.outcome = undefined;
    // The engine sends the run as recorded up to its checkpoint (`history`) before any new point.
    this.attachEngine(run, this.opts.spawn(), { type: 'resumeFromCheckpoint', runDir: run.runDir, paused: options.paused, attachable: true });
    run.loaded = true;
    this.changed.fire();
    this.setActive(run);
    return run;
  }

  /** A source for a run, however it is reached (forked engine, reattached engine, search trial). */
  attachSource(run: Run, make: (feed: Feed) => RunSource): void {
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    run.ready = new Promise<void>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    // Nobody may be listening; an unhandled rejection here would only be noise.
    run.ready.catch(() => undefined);
    // Each source announces the run again (a resumed engine sends runInfo with `resumedFrom`).
    let announced = false;
    const feed: Feed = {
      event: (event) => {
        if (run.source !== source) return;
        if (event.type === 'runInfo' && !announced) {
          announced = true;
          this.onAnnounced(run, event);
          resolveReady();
          return;
        }
        this.onRunEvent(run, event);
      },
      end: async (outcome) => {
        if (run.source !== source) return;
        run.source = undefined;
        run.live = false;
        run.outcome = outcome;
        if (!announced && run.pending) {
          // Never got as far as creating the run (bad config, missing data): drop the placeholder.
          const idx = this.runs.indexOf(run);
          if (idx >= 0) this.runs.splice(idx, 1);
          if (this.active === run) this.setActive(undefined);
          rejectReady(new EngineStartError(outcome.reason ?? 'the engine exited before starting the run'));
          this.changed.fire();
          this.ended.fire(run);
          return;
        }
        rejectReady(new EngineStartError(outcome.reason ?? 'engine exited'));
        if (run.state !== outcome.state || (outcome.reason && run.view.stateReason !== outcome.reason)) {
          this.apply(run, { type: 'state', state: outcome.state, reason: outcome.reason ?? run.view.stateReason, iteration: run.view.iteration, epoch: run.view.epoch });
        }
        await this.updateResumable(run);
        this.updated.fire(run);
        this.ended.fire(run);
      },
    };
    const source = make(feed);
    run.source = source;
    run.live = true;
    run.resumable = false;
    // Until the source says otherwise (a resumed or reattached run too: its engine sends its state).
    if (run.state !== 'starting') this.apply(run, { type: 'state', state: 'starting', iteration: run.view.iteration, epoch: run.view.epoch });
  }

  private attachEngine(run: Run, engine: EngineHandle, first: EngineCommand | null, kind: 'engine' | 'attached' = 'engine'): void {
    this.attachSource(run, (feed) => {
      let summary: RunSummary | null = null;
      let fatalError: string | undefined;
      const session = new ProcessSession<EngineCommand, EngineEvent>(engine, first, {
        isHello: (e) => e.type === 'hello',
        stopCommand: { type: 'stop' },
        log: this.log,
        onEvent: (e) => {
          if (e.type === 'hello') {
            this.log(`engine ${e.pid} ready (protocol ${e.protocolVersion})`);
            return;
          }
          if (e.type === 'summary') summary = e.summary;
          if (e.type === 'error' && e.fatal) fatalError = e.error.message;
          feed.event(e);
        },
        onExit: (exit) => this.onEngineExit(run, exit, summary, fatalError, feed),
      });
      return {
        kind, pid: engine.pid,
        send: (c) => session.send(c),
        stop: (timeoutMs) => session.stop(timeoutMs),
        kill: () => session.kill(),
        detach: () => engine.detach?.(),
      };
    });
  }

  private async onEngineExit(run: Run, exit: SessionExit, summary: RunSummary | null, fatalError: string | undefined, feed: Feed): Promise<void> {
    if (exit.signal === 'DETACHED' && !summary) {
      // The engine lost this window but trains on (the window is going away): nothing ended.
      this.log(`detached from the engine of ${run.id}`);
      run.source = undefined;
      run.live = false;
      return;
    }
    // A reattached engine that sent its summary and closed the link has ended, even if its process
    // was still on its way out when we looked (a loaded machine): not a crash.
    const ended = exit.signal === 'DETACHED' ? { code: 0, signal: null } : exit;
    const outcome = classifyExit({
      code: ended.code, signal: ended.signal, summary, stopRequested: exit.stopRequested,
      killedAfterTimeout: exit.killedAfterTimeout, disposing: this.disposing, fatalError, stderrTail: exit.stderr,
    });
    this.log(`engine of ${run.id} exited (code ${ended.code}, signal ${ended.signal}) → ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ''}`);
    await feed.end(outcome);
  }

  private onAnnounced(run: Run, event: Extract<EngineEvent, { type: 'runInfo' }>): void {
    this.apply(run, event);
    // A refresh may have picked the new folder up before runInfo arrived: keep only the live run.
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const other = this.runs[i];
      if (other !== run && !other.live && other.runDir && run.runDir && samePath(other.runDir, run.runDir)) {
        this.runs.splice(i, 1);
        if (this.active === other) this.setActive(run);
      }
    }
    this.changed.fire();
  }

  private onRunEvent(run: Run, event: EngineEvent): void {
    if (event.type === 'error') {
      this.engineErrors.fire({ run, error: event.error, configPath: run.configPath ?? run.view.info?.configPath });
    }
    const logs = event.type === 'log' ? [event] : event.type === 'telemetry' ? (event.events ?? []).filter((e) => e.type === 'log') : [];
    for (const l of logs) this.log(`[${run.id}] ${l.level}: ${l.message}`);
    this.apply(run, event);
    if (event.type === 'summary' && run.state !== event.summary.state) {
      this.apply(run, { type: 'state', state: event.summary.state, reason: event.summary.reason, iteration: run.view.iteration, epoch: run.view.epoch });
    }
  }

  /** Applies an event to the run and tells listeners. */
  private apply(run: Run, event: EngineEvent): void {
    applyEvent(run.view, event);
    if (run.fixedId) run.view.runId = run.fixedId;
    if (event.type === 'history') run.loaded = true;
    this.eventEmitter.fire({ run, event });
    this.updated.fire(run);
  }

  // ───────────────────────── controls ─────────────────────────

  /** Sends a command to a live run (queued until its engine said hello). */
  send(run: Run, command: EngineCommand): boolean {
    return run.live && !!run.source && run.source.send(command);
  }

  /** A live run's engine as the peer of a request (./request.ts): it is gone when the run ends. */
  peer(run: Run): Peer<EngineCommand, EngineEvent> {
    return {
      send: (command) => this.send(run, command),
      onEvent: (listener) => this.onEvent(({ run: r, event }) => {
        if (r === run) listener(event);
      }),
      onGone: (listener) => this.onRunEnded((r) => {
        if (r === run) listener('the run ended');
      }),
    };
  }

  /** Asks the run to stop (it checkpoints, writes its summary and exits); kills it after the timeout. */
  stop(run: Run, timeoutMs = this.stopTimeoutMs): Promise<void> {
    return run.live && run.source ? run.source.stop(timeoutMs) : Promise.resolve();
  }

  /** Kills the engine outright (tests, and the last resort). */
  kill(run: Run): Promise<void> {
    return run.source ? run.source.kill() : Promise.resolve();
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
      // Still training elsewhere (the window reloaded, or a script's run). Our engine sends the
      // whole run on connect, so its folder is replayed only when it cannot be reached; a
      // script's module sends its latest state only, so its folder is replayed, then attached.
      const elsewhere = !h.summary && h.hasEngine;
      const engine = elsewhere && ourEngine(h.info) ? await this.opts.attach?.(h.runDir) ?? null : null;
      const run = engine ? this.fromLiveHeader(h) : await this.fromHeader(h);
      // The folder may have become known meanwhile (a live run's runInfo).
      if (this.runs.some((r) => r.runDir && samePath(r.runDir, h.runDir))) {
        engine?.detach?.();
        continue;
      }
      this.runs.push(run);
      changed = true;
      if (engine) this.reattachTo(run, engine);
      else if (elsewhere && !ourEngine(h.info)) await this.reattach(run);
    }
    const present = new Set(dirs.map(norm));
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i];
      if (!r.live && r.runDir && !r.owner && !present.has(norm(r.runDir)) && !await fileExists(r.runDir)) {
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

  /** Connects to the engine still training a run folder (it kept going while the window reloaded). */
  private async reattach(run: Run): Promise<boolean> {
    const engine = await this.opts.attach?.(run.runDir);
    if (!engine) return false;
    this.reattachTo(run, engine);
    return true;
  }

  private reattachTo(run: Run, engine: EngineHandle): void {
    this.log(`reattached to engine ${engine.pid ?? '?'} of ${run.id}`);
    // The engine answers with hello, runInfo and its whole run (`history`).
    run.outcome = undefined;
    this.attachEngine(run, engine, null, 'attached');
  }

  /**
   * Shows and attaches to the run a process this window did not fork is training in `runDir`
   * (a Python script using python/gradient_lab, which writes engine.json first): the same path as
   * a reload's reattach. Null when its engine cannot be reached.
   */
  async attachFolder(runDir: string): Promise<Run | null> {
    await this.refresh();
    const run = this.runs.find((r) => r.runDir && samePath(r.runDir, runDir));
    if (!run) return null;
    if (!run.live) {
      // Found by an earlier refresh (say, before its engine.json was written): read it again, then attach.
      run.view = await loadRunFolder(runDir);
      run.loaded = true;
      if (!await this.reattach(run)) return null;
    }
    this.sort();
    this.changed.fire();
    this.setActive(run);
    return run;
  }

  /** Forgets all past runs (the runs folder setting changed) and reads the folder again. */
  async reset(): Promise<void> {
    for (let i = this.runs.length - 1; i >= 0; i--) if (!this.runs[i].live && !this.runs[i].owner) this.runs.splice(i, 1);
    if (this.active && !this.runs.includes(this.active)) this.setActive(undefined);
    this.changed.fire();
    await this.refresh();
  }

  /** A run whose engine is connected: the header only, the engine's `history` brings the rest. */
  private fromLiveHeader(h: RunFolderHeader): Run {
    const view = headerView(h);
    const run = new Run(view, false);
    run.configPath = h.configPath;
    run.resumable = h.hasCheckpoint && ourEngine(h.info);
    return run;
  }

  private async fromHeader(h: RunFolderHeader): Promise<Run> {
    if (!h.summary) {
      // Interrupted (or still training elsewhere): the last state and numbers live in the files only.
      const run = new Run(replayRunFolder(await readRunFolder(h.runDir, h)), true);
      run.configPath = h.configPath;
      run.resumable = h.hasCheckpoint && ourEngine(h.info);
      return run;
    }
    const view = headerView(h);
    applyEvent(view, { type: 'summary', summary: h.summary });
    view.state = h.summary.state;
    view.stateReason = h.summary.reason;
    view.epoch = h.summary.epochs;
    view.iteration = h.summary.iterations;
    view.lastEpoch = h.summary.final;
    const run = new Run(view, false);
    run.configPath = h.configPath;
    run.resumable = h.hasCheckpoint && h.summary.state !== 'finished' && ourEngine(h.info);
    return run;
  }

  /** A run known from outside the runs folder (a search trial), shown and driven like any other. */
  adopt(run: Run): void {
    if (this.runs.includes(run)) return;
    this.runs.push(run);
    this.changed.fire();
  }

  /** Drops a run that is not the manager's to list any more (its search was forgotten). */
  forget(run: Run): void {
    const idx = this.runs.indexOf(run);
    if (idx < 0 || run.live) return;
    this.runs.splice(idx, 1);
    if (this.active === run) this.setActive(undefined);
    this.changed.fire();
  }

  /** Replays the run folder into the view (once) so the whole history can be shown. */
  async load(run: Run): Promise<RunView> {
    if (run.loaded || run.live || !run.runDir) return run.view;
    const view = await loadRunFolder(run.runDir);
    if (run.fixedId) view.runId = run.fixedId;
    if (!run.loaded && !run.live) {
      run.view = view;
      run.loaded = true;
      this.updated.fire(run);
    }
    return run.view;
  }

  /**
   * Someone shows the run (a dashboard, the Live view, a compare panel) until `dispose`: a trial's
   * source sends its per-point telemetry only then; a past run's history is let go when nobody does.
   */
  watch(run: Run): { dispose(): void } {
    const n = (this.watchers.get(run) ?? 0) + 1;
    this.watchers.set(run, n);
    if (n === 1) this.watchChanged.fire(run);
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        const left = (this.watchers.get(run) ?? 1) - 1;
        if (left > 0) {
          this.watchers.set(run, left);
          return;
        }
        this.watchers.delete(run);
        this.unload(run);
        this.watchChanged.fire(run);
      },
    };
  }

  watched(run: Run): boolean {
    return (this.watchers.get(run) ?? 0) > 0;
  }

  /** Lets a past run's history go (no view shows it any more): it is read again when needed. */
  unload(run: Run): void {
    if (run.live || !run.loaded || !run.runDir || !run.view.summary) return;
    const v = run.view;
    const slim = emptyRunView(v.runId, v.runDir);
    Object.assign(slim, { info: v.info, state: v.state, stateReason: v.stateReason, iteration: v.iteration, epoch: v.epoch, summary: v.summary, lastEpoch: v.lastEpoch });
    run.view = slim;
    run.loaded = false;
  }

  private async updateResumable(run: Run): Promise<void> {
    run.resumable = !run.live && run.state !== 'finished' && !!run.runDir && ourEngine(run.view.info)
      && await fileExists(path.join(run.runDir, RUN_FILES.checkpoint));
  }

  private sort(): void {
    // Live first, then newest first (run ids start with a timestamp).
    this.runs.sort((a, b) => Number(b.live) - Number(a.live) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  // ───────────────────────── shutdown ─────────────────────────

  /**
   * The window is going away (closed, or reloading): engines this window runs train on and wait
   * for the next window to attach (they stop themselves if none does); nothing is stopped here.
   */
  async dispose(): Promise<void> {
    this.disposing = true;
    for (const r of this.liveRuns()) r.source?.detach();
    this.changed.dispose();
    this.updated.dispose();
    this.eventEmitter.dispose();
    this.engineErrors.dispose();
    this.ended.dispose();
    this.activeChanged.dispose();
    this.watchChanged.dispose();
  }

  /** Stops every live run cleanly (checkpoint + summary), killing those that do not exit in time. */
  async stopAll(timeoutMs = 3000): Promise<void> {
    await Promise.all(this.liveRuns().map((r) => this.stop(r, timeoutMs)));
  }
}

/** Our engine can resume the checkpoint (a PyTorch script's is a torch.save file it cannot read). */
/** A run's view from its folder's header alone (run.json): what a listing shows before any replay. */
function headerView(h: RunFolderHeader): RunView {
  const view = emptyRunView(h.runId, h.runDir);
  if (h.info) applyEvent(view, { type: 'runInfo', info: h.info });
  // The folder's name, whatever run.json says.
  view.runId = h.runId;
  view.runDir = h.runDir;
  return view;
}

/**
 * Trained by our engine, not a Python script: its checkpoints are ours to resume, and it sends the
 * whole run (`history`) to a window that attaches (a script's module sends only its latest state).
 */
function ourEngine(info: RunInfo | null | undefined): boolean {
  return info?.backend !== 'pytorch';
}

function norm(p: string): string {
  return path.resolve(p);
}

function samePath(a: string, b: string): boolean {
  return norm(a) === norm(b);
}
