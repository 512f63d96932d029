/**
 * Owns every hyperparameter search the window knows of: live ones (a forked dist/search.js each,
 * driven over src/shared/search-protocol.ts) and past ones found in the runs folder (a folder with
 * a `search.json`). Folds search events into one SearchView per search, and keeps a Run per trial
 * in the RunManager: a trial is a run like any other (its run folder is a normal one), live while
 * its engine runs, with the search process as its source (the trial's engine events are forwarded
 * by the search, its commands pass through it). No `vscode` import: unit-tested in plain Node.
 */
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import type { EngineCommand } from '../../shared/protocol';
import { EXPORT_BEST } from '../../shared/requests';
import { emptyRunView } from '../../shared/run-view';
import {
  parseSearchFile, SEARCH_FILE, SEARCH_LOCK_FILE, type SearchCommand, type SearchErrorInfo, type SearchEvent, type SearchFile,
  type TrialRecord,
} from '../../shared/search-protocol';
import {
  applySearchEvent, emptySearchView, searchViewFromFile, type SearchStatusEvent, type SearchView, type SearchViewEvent,
} from '../../shared/search-view';
import { processAlive } from '../runs/attached-engine';
import { Emitter } from '../runs/emitter';
import type { ExitOutcome } from '../runs/exit';
import { ProcessSession, type SessionExit } from '../runs/process-session';
import { discoverFolders, fileMtime } from '../runs/run-folder';
import { Run, type RunManager, type RunSource } from '../runs/run-manager';
import { request } from '../runs/request';
import type { SearchHandle } from './search-process';

export { SEARCH_FILE };

interface SearchSession {
  process: ProcessSession<SearchCommand, SearchEvent>;
  sawInfo: boolean;
  fatal?: SearchErrorInfo;
  resolveReady: (dir: string) => void;
  rejectReady: (err: Error) => void;
}

/** A live trial's run: what its source reports to the RunManager. */
interface TrialFeed {
  event(event: Parameters<RunSourceFeed['event']>[0]): void;
  end(outcome: ExitOutcome): Promise<void>;
  ended: Promise<void>;
}
type RunSourceFeed = Parameters<Parameters<RunManager['attachSource']>[1]>[0];

export class Search {
  view: SearchView;
  /** Resolves with the search folder once the process announced the search; rejects when it failed first. */
  ready: Promise<string> = Promise.resolve('');
  session?: SearchSession;
  /** One Run per trial (by trial id): what the tree lists and the dashboard shows. */
  readonly trialRuns = new Map<number, Run>();
  /** search.json's modification time when it was last read (past searches). */
  fileMtime = 0;
  /** Set while a started search has no folder yet. */
  pendingId?: string;

  constructor(view: SearchView) {
    this.view = view;
  }

  /** A stable key: the folder, or `pending-N` until the process created it. */
  get key(): string {
    return this.view.dir || this.pendingId || 'pending';
  }

  get dir(): string {
    return this.view.dir;
  }

  /** This host drives its process. */
  get live(): boolean {
    return this.session !== undefined;
  }

  get pid(): number | undefined {
    return this.session?.process.pid;
  }

  trial(id: number): TrialRecord | undefined {
    return this.view.trials.find((t) => t.id === id);
  }
}

export interface SearchEventEnvelope {
  search: Search;
  event: SearchViewEvent;
}

export interface SearchErrorEnvelope {
  search: Search;
  error: SearchErrorInfo & { fatal: boolean };
  configPath: string;
}

export interface SearchManagerOptions {
  /** Where trial runs live, like every run. */
  runs: RunManager;
  /** Absolute runs folder (it may change with the settings). */
  runsDir: () => string | undefined;
  /** Forks a fresh search process. */
  spawn: () => SearchHandle;
  log?: (message: string) => void;
  /** How long Stop waits for the search (which stops its trials cleanly) before killing it. */
  stopTimeoutMs?: number;
  /** Whether a process id is alive (tests replace it). */
  processAlive?: (pid: number) => boolean;
}

const norm = (p: string): string => path.resolve(p);

/** How a trial that ended looks as a run (its engine's own last state when it said one). */
function trialOutcome(t: TrialRecord | undefined, run: Run, searchGone: boolean): ExitOutcome {
  const terminal = run.state === 'finished' || run.state === 'stopped' || run.state === 'diverged' || run.state === 'crashed';
  if (t?.state === 'failed') return { state: 'crashed', reason: t.error ?? 'The trial failed.', crashed: true };
  if (t?.state === 'killed') return { state: 'stopped', reason: 'Killed from the hyperparameter search.', crashed: false };
  if (t?.state === 'pruned') return { state: 'stopped', reason: t.note ?? 'Pruned by the search (early termination).', crashed: false };
  if (t?.state === 'paused') return { state: 'stopped', reason: t.note ?? 'Waiting at a rung of its search; promoted trials resume from here.', crashed: false };
  if (searchGone && !terminal) return { state: 'stopped', reason: 'Stopped with its search; resuming the search continues it.', crashed: false };
  return { state: terminal ? run.state : 'finished', reason: run.view.stateReason, crashed: false };
}

/** Reads and checks a search.json; NaN/±Infinity come back as numbers. Null when it is not a search file. */
export async function readSearchFile(dir: string): Promise<SearchFile | null> {
  try {
    return parseSearchFile(await fs.readFile(path.join(dir, SEARCH_FILE), 'utf8'));
  } catch {
    return null;
  }
}

export class SearchManager {
  private readonly searches: Search[] = [];
  private readonly trialIndex = new WeakMap<Run, { search: Search; id: number }>();
  private readonly feeds = new Map<Run, TrialFeed>();
  readonly runs: RunManager;
  private readonly watchSub: { dispose(): void };
  private readonly log: (message: string) => void;
  private readonly alive: (pid: number) => boolean;
  private pendingCounter = 0;
  private disposing = false;

  private readonly changed = new Emitter<void>();
  private readonly updated = new Emitter<Search>();
  private readonly replaced = new Emitter<Search>();
  private readonly eventEmitter = new Emitter<SearchEventEnvelope>();
  private readonly errors = new Emitter<SearchErrorEnvelope>();

  /** Searches were added or removed. */
  readonly onDidChangeSearches = this.changed.event;
  /** A search's view changed (any event, trials included); often while it runs: throttle redraws. */
  readonly onDidUpdateSearch = this.updated.event;
  /** A search's view was replaced as a whole (re-read from disk): views need a new snapshot. */
  readonly onDidReplaceSearch = this.replaced.event;
  /** Every search event, after it was folded into the search's view. */
  readonly onSearchEvent = this.eventEmitter.event;
  /** An error reported by a search process (config errors carry the file location). */
  readonly onSearchError = this.errors.event;

  constructor(private readonly opts: SearchManagerOptions) {
    this.log = opts.log ?? (() => undefined);
    this.alive = opts.processAlive ?? processAlive;
    this.runs = opts.runs;
    // A trial someone shows gets its per-point telemetry (and its whole run first); others only their events.
    this.watchSub = this.runs.onDidChangeWatch((run) => {
      const info = this.trialOf(run);
      if (info && run.live) this.send(info.search, { type: 'subscribe', id: info.trial.id, on: this.runs.watched(run) });
    });
  }

  list(): Search[] {
    return [...this.searches];
  }

  /** A search by its folder (or the Search itself, if known). */
  get(dirOrSearch: unknown): Search | undefined {
    if (dirOrSearch instanceof Search) return this.searches.includes(dirOrSearch) ? dirOrSearch : undefined;
    if (typeof dirOrSearch !== 'string' || !dirOrSearch) return undefined;
    return this.searches.find((s) => s.dir && norm(s.dir) === norm(dirOrSearch));
  }

  liveSearches(): Search[] {
    return this.searches.filter((s) => s.live);
  }

  // ───────────────────────── trials as runs ─────────────────────────

  /** The search and trial id behind a trial's Run, if it is one. */
  trialOf(run: unknown): { search: Search; trial: TrialRecord } | undefined {
    if (!(run instanceof Run)) return undefined;
    const t = this.trialIndex.get(run);
    if (!t || !this.searches.includes(t.search)) return undefined;
    const trial = t.search.trial(t.id);
    return trial ? { search: t.search, trial } : undefined;
  }

  isTrial(run: unknown): run is Run {
    return this.trialOf(run) !== undefined;
  }

  /** A trial's Run from the Run itself, its id (`<search folder>/trial-007`) or its run folder. */
  findTrialRun(arg: unknown): Run | undefined {
    if (arg instanceof Run) return this.isTrial(arg) ? arg : undefined;
    if (typeof arg !== 'string' || !arg) return undefined;
    for (const s of this.searches) {
      for (const r of s.trialRuns.values()) {
        if (r.id === arg || (r.runDir && norm(r.runDir) === norm(arg))) return r;
      }
    }
    return undefined;
  }

  /** The trials' runs of a search, by trial id. */
  trialRunsOf(search: Search): Run[] {
    return search.view.trials.map((t) => search.trialRuns.get(t.id)).filter((r): r is Run => r !== undefined);
  }

  private trialRunId(search: Search, t: TrialRecord): string {
    return `${path.basename(search.dir) || 'search'}/${t.name}`;
  }

  /** Creates or updates the Run of a trial from its record; a trial whose engine runs is a live run fed by the search. */
  private syncTrial(search: Search, t: TrialRecord): Run {
    let run = search.trialRuns.get(t.id);
    const runDir = t.runDir ?? '';
    if (!run || (runDir && run.runDir && norm(run.runDir) !== norm(runDir))) {
      // New, or restarted from scratch in a fresh folder (trial-007-2): a run of its own.
      if (run) {
        this.endTrial(search, run);
        this.runs.forget(run);
      }
      run = new Run(emptyRunView(this.trialRunId(search, t), runDir), false);
      run.fixedId = run.view.runId;
      run.owner = { searchDir: search.dir, trialId: t.id };
      run.configPath = search.view.configPath || undefined;
      this.trialIndex.set(run, { search, id: t.id });
      search.trialRuns.set(t.id, run);
      this.runs.adopt(run);
    } else if (runDir && !run.runDir) {
      run.view.runDir = runDir;
    }
    const engineRuns = search.live && !!runDir && (t.state === 'running' || (t.state === 'paused' && !t.pausedAtRung));
    if (engineRuns && !this.feeds.has(run)) this.attachTrial(search, t.id, run);
    else if (!engineRuns && this.feeds.has(run)) this.endTrial(search, run);
    return run;
  }

  /** The trial's engine runs: its run goes live, with the search process as its source. */
  private attachTrial(search: Search, id: number, run: Run): void {
    this.runs.attachSource(run, (feed) => {
      let resolveEnded!: () => void;
      const ended = new Promise<void>((r) => (resolveEnded = r));
      this.feeds.set(run, {
        event: (e) => feed.event(e),
        end: async (outcome) => {
          this.feeds.delete(run);
          await feed.end(outcome);
          resolveEnded();
        },
        ended,
      });
      const source: RunSource = {
        kind: 'trial',
        send: (c) => this.sendToTrial(search, id, c),
        stop: () => {
          this.send(search, { type: 'killTrial', id });
          return ended;
        },
        kill: () => source.stop(0),
        detach: () => undefined,
      };
      return source;
    });
    if (this.runs.watched(run)) this.send(search, { type: 'subscribe', id, on: true });
  }

  private endTrial(search: Search, run: Run): void {
    const feed = this.feeds.get(run);
    if (!feed) return;
    const t = this.trialIndex.get(run);
    void feed.end(trialOutcome(t ? search.trial(t.id) : undefined, run, !search.live));
  }

  /** An engine command for a trial, as the search takes it. */
  private sendToTrial(search: Search, id: number, c: EngineCommand): boolean {
    switch (c.type) {
      case 'pause': return this.send(search, { type: 'pauseTrial', id });
      case 'resume': return this.send(search, { type: 'resumeTrial', id });
      case 'stop':
      case 'shutdown':
        return this.send(search, { type: 'killTrial', id });
      case 'snapshot': return this.send(search, { type: 'subscribe', id, on: true });
      case 'step':
      case 'setLearningRate':
      case 'gradientCheck':
      case 'evaluateTest':
      case 'checkpoint':
        return this.send(search, { type: 'trialCommand', id, command: c });
      default:
        this.log(`${c.type} is not available for a search trial`);
        return false;
    }
  }

  // ───────────────────────── live searches ─────────────────────────

  /** Forks a search process and starts the search of `configPath`. Await `search.ready` for its folder. */
  start(configPath: string, options: { runsDir?: string } = {}): Search {
    const view = emptySearchView('', path.basename(configPath).replace(/\.nn\.json$/i, ''), configPath);
    view.live = true;
    const search = new Search(view);
    search.pendingId = `pending-${++this.pendingCounter}`;
    this.searches.unshift(search);
    this.attach(search, { type: 'start', configPath, runsDir: options.runsDir ?? this.opts.runsDir() });
    this.changed.fire();
    return search;
  }

  /** Continues a stopped or interrupted search (its trials resume from their checkpoints). */
  resume(search: Search, options: { addTrials?: number } = {}): Search {
    if (search.live) throw new Error(`the search ${search.view.name} is running`);
    if (search.view.external) throw new Error(`the search ${search.view.name} is run by another process`);
    if (!search.dir) throw new Error('the search has no folder');
    this.fold(search, { type: 'status', state: 'starting', live: true, reason: undefined });
    this.attach(search, { type: 'resume', searchDir: search.dir, addTrials: options.addTrials });
    return search;
  }

  private attach(search: Search, first: SearchCommand): void {
    let resolveReady!: (dir: string) => void;
    let rejectReady!: (err: Error) => void;
    search.ready = new Promise<string>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    search.ready.catch(() => undefined);
    const session: SearchSession = { sawInfo: false, resolveReady, rejectReady } as SearchSession;
    session.process = new ProcessSession<SearchCommand, SearchEvent>(this.opts.spawn(), first, {
      isHello: (e) => e.type === 'hello',
      stopCommand: { type: 'stop' },
      log: (m) => this.log(`[search] ${m}`),
      onEvent: (event) => this.onProcessEvent(search, session, event),
      onExit: (exit) => this.onProcessExit(search, session, exit),
    });
    search.session = session;
  }

  private onProcessEvent(search: Search, s: SearchSession, event: SearchEvent): void {
    if (search.session !== s) return;
    switch (event.type) {
      case 'hello':
        this.log(`search process ${event.pid} ready (protocol ${event.protocolVersion})`);
        return;
      case 'trialEvent': {
        const run = search.trialRuns.get(event.id);
        if (run) this.feeds.get(run)?.event(event.event);
        return;
      }
      case 'searchInfo': {
        const first = !s.sawInfo;
        s.sawInfo = true;
        this.fold(search, event);
        if (first) {
          // A refresh may have found the new folder first: keep only this (live) search.
          for (let i = this.searches.length - 1; i >= 0; i--) {
            const other = this.searches[i];
            if (other !== search && !other.live && other.dir && norm(other.dir) === norm(event.dir)) {
              this.searches.splice(i, 1);
              this.dropTrials(other);
            }
          }
          this.changed.fire();
          s.resolveReady(event.dir);
        }
        return;
      }
      case 'error':
        if (event.fatal) s.fatal = event;
        this.log(`search ${search.view.name || '(starting)'}: ${event.fatal ? 'fatal ' : ''}${event.code} error: ${event.message}`);
        this.errors.fire({ search, error: event, configPath: search.view.configPath });
        this.fold(search, event);
        return;
      case 'log':
        this.log(`search ${search.view.name}: ${event.level}: ${event.message}`);
        this.fold(search, event);
        return;
      case 'trial':
        this.fold(search, event);
        this.syncTrial(search, event.trial);
        return;
      case 'finished':
        this.fold(search, event);
        if (event.best) this.syncTrial(search, event.best);
        return;
      default:
        this.fold(search, event);
    }
  }

  private async onProcessExit(search: Search, s: SearchSession, exit: SessionExit): Promise<void> {
    if (search.session !== s) return;
    // The file as it is now is what the view shows: a refresh need not read it again (taken
    // before the search stops being live, so that no refresh sees it in between).
    if (search.dir) search.fileMtime = mtimeSync(path.join(search.dir, SEARCH_FILE));
    search.session = undefined;
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    this.log(`search process ${s.process.pid ?? '?'} of ${search.view.name || search.view.configPath} ${how}`);
    if (!s.sawInfo) {
      const reason = s.fatal?.message ?? (exit.stderr.trim().split('\n').slice(-3).join('\n') || `the search process ${how} before the search started`);
      s.rejectReady(new Error(reason));
      if (!search.dir) {
        // Never got a folder (a bad file): drop the placeholder.
        const i = this.searches.indexOf(search);
        if (i >= 0) this.searches.splice(i, 1);
        this.changed.fire();
        return;
      }
      // A resume that failed: the search is as it was on disk.
      await this.reload(search, { reason: `Could not resume: ${reason}` });
      return;
    }
    // After a clean end the file says what happened; after a crash it says where the trials were.
    const ended = search.view.state === 'finished' || search.view.state === 'stopped';
    const file = await readSearchFile(search.dir);
    let status: Omit<SearchStatusEvent, 'type'>;
    if (ended) {
      status = { state: search.view.state, live: false, reason: search.view.stateReason };
    } else if (s.fatal) {
      status = { state: 'failed', live: false, reason: `${s.fatal.message} Resume continues the search.` };
    } else {
      status = { state: 'stopped', live: false, reason: `Interrupted: the search process ${how}. Resume continues it.` };
    }
    if (file && !ended) {
      this.replaceView(search, searchViewFromFile(file, search.dir, status));
    } else {
      this.fold(search, { type: 'status', ...status });
    }
    for (const run of search.trialRuns.values()) this.endTrial(search, run);
    this.updated.fire(search);
  }

  /** Folds an event into the search's view and tells listeners. */
  private fold(search: Search, event: SearchViewEvent): void {
    applySearchEvent(search.view, event);
    this.eventEmitter.fire({ search, event });
    this.updated.fire(search);
  }

  private replaceView(search: Search, view: SearchView): void {
    search.view = view;
    for (const t of view.trials) this.syncTrial(search, t);
    this.replaced.fire(search);
    this.updated.fire(search);
  }

  /** Sends a command to a live search (queued until its process said hello). */
  send(search: Search, command: SearchCommand): boolean {
    return search.session?.process.send(command) ?? false;
  }

  /** Stops the search: its trials checkpoint and stop; kills the process if it takes longer than the timeout. */
  stop(search: Search, timeoutMs = this.opts.stopTimeoutMs ?? 20_000): Promise<void> {
    return search.session?.process.stop(timeoutMs) ?? Promise.resolve();
  }

  /**
   * Writes the best trial's config to `outFile`: through the live search process, or a short-lived
   * one for a past search. Resolves with what the process reported.
   */
  exportBest(search: Search, outFile: string, timeoutMs = 30_000): Promise<{ outFile: string; trialId: number }> {
    const target = norm(outFile);
    if (search.session) return request(search.session.process.peer('the search process'), EXPORT_BEST, { outFile: target }, timeoutMs);
    if (!search.dir) return Promise.reject(new Error('the search has no folder'));
    const oneShot = new ProcessSession<SearchCommand, SearchEvent>(this.opts.spawn(), null, {
      isHello: (e) => e.type === 'hello', stopCommand: { type: 'stop' }, onEvent: () => undefined, onExit: () => undefined,
      log: (m) => this.log(`[export] ${m}`),
    });
    return request(oneShot.peer('the export process'), EXPORT_BEST, { outFile: target, searchDir: search.dir }, timeoutMs).finally(() => {
      // It exits by itself after exporting; make sure.
      setTimeout(() => void oneShot.kill(), 2000).unref?.();
    });
  }


  // ───────────────────────── past searches ─────────────────────────

  private refreshing: Promise<void> = Promise.resolve();

  /** Re-reads the runs folder: adds search folders, re-reads changed ones, drops vanished ones. Calls queue up. */
  refresh(): Promise<void> {
    const next = this.refreshing.then(() => this.doRefresh());
    this.refreshing = next.catch((err: unknown) => this.log(`search refresh failed: ${String(err)}`));
    return next;
  }

  private async doRefresh(): Promise<void> {
    const runsDir = this.opts.runsDir();
    const found = runsDir ? await discoverSearchFolders(runsDir) : [];
    let changed = false;
    for (const dir of found) {
      const known = this.get(dir);
      if (known?.live) continue;
      const mtime = await fileMtime(path.join(dir, SEARCH_FILE));
      if (known && known.fileMtime === mtime && !(known.view.external && !this.externalAlive(dir))) continue;
      const file = await readSearchFile(dir);
      if (!file) continue;
      const again = this.get(dir);
      if (again?.live) continue;
      const view = searchViewFromFile(file, dir, await this.statusOf(file, dir));
      if (again) {
        again.fileMtime = mtime;
        this.replaceView(again, view);
      } else {
        const search = new Search(view);
        search.fileMtime = mtime;
        this.searches.push(search);
        for (const t of view.trials) this.syncTrial(search, t);
        changed = true;
      }
    }
    const present = new Set(found.map(norm));
    for (let i = this.searches.length - 1; i >= 0; i--) {
      const s = this.searches[i];
      if (!s.live && s.dir && !present.has(norm(s.dir))) {
        this.searches.splice(i, 1);
        this.dropTrials(s);
        changed = true;
      }
    }
    if (changed) {
      this.sort();
      this.changed.fire();
    }
  }

  /** Re-reads one past search from its folder. */
  async reload(search: Search, override?: { reason?: string }): Promise<void> {
    if (search.live || !search.dir) return;
    const file = await readSearchFile(search.dir);
    if (!file) {
      this.fold(search, { type: 'status', state: 'failed', live: false, reason: override?.reason ?? `${SEARCH_FILE} is missing or unreadable` });
      return;
    }
    const status = await this.statusOf(file, search.dir);
    if (override?.reason) status.reason = override.reason;
    search.fileMtime = await fileMtime(path.join(search.dir, SEARCH_FILE));
    this.replaceView(search, searchViewFromFile(file, search.dir, status));
  }

  private externalAlive(dir: string): boolean {
    const pid = this.lockPid(dir);
    return pid !== undefined && this.alive(pid);
  }

  private lockPidCache = new Map<string, number | undefined>();

  private lockPid(dir: string): number | undefined {
    return this.lockPidCache.get(norm(dir));
  }

  /** What a search on disk is: finished, stopped, run by another process, or interrupted. */
  private async statusOf(file: SearchFile, dir: string): Promise<Omit<SearchStatusEvent, 'type'>> {
    if (file.state === 'finished') return { state: 'finished', live: false };
    if (file.state === 'stopped') return { state: 'stopped', live: false, reason: 'Stopped before every trial ended; Resume continues it.' };
    let pid: number | undefined;
    try {
      const n = Number((await fs.readFile(path.join(dir, SEARCH_LOCK_FILE), 'utf8')).trim());
      if (Number.isInteger(n) && n > 0) pid = n;
    } catch {
      pid = undefined;
    }
    this.lockPidCache.set(norm(dir), pid);
    if (pid !== undefined && pid !== process.pid && this.alive(pid) && !this.searches.some((s) => s.pid === pid)) {
      return { state: 'running', live: false, external: true, reason: `Run by another process (pid ${pid}), e.g. \`gradient-lab search\` in a terminal.` };
    }
    return { state: 'stopped', live: false, reason: 'Interrupted: its search process is gone. Resume continues it.' };
  }

  /** A search gone from the folder: its trials' runs go too. */
  private dropTrials(search: Search): void {
    for (const run of search.trialRuns.values()) {
      this.endTrial(search, run);
      this.runs.forget(run);
    }
  }

  private sort(): void {
    this.searches.sort((a, b) => Number(b.live) - Number(a.live)
      || (path.basename(a.dir) < path.basename(b.dir) ? 1 : path.basename(a.dir) > path.basename(b.dir) ? -1 : 0));
  }

  // ───────────────────────── shutdown ─────────────────────────

  /** Stops every live search (its trials checkpoint), kills those that do not exit in time. */
  async dispose(timeoutMs = 5000): Promise<void> {
    if (this.disposing) return;
    this.disposing = true;
    await Promise.all(this.liveSearches().map((s) => this.stop(s, timeoutMs)));
    this.watchSub.dispose();
    this.changed.dispose();
    this.updated.dispose();
    this.replaced.dispose();
    this.eventEmitter.dispose();
    this.errors.dispose();
  }

  /** Synchronous last resort (process exit): SIGKILL every search process; their trials stop themselves. */
  killAll(): void {
    for (const s of this.searches) s.session?.process.handle.kill('SIGKILL');
  }
}

function mtimeSync(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}


/** Sub-folders of the runs folder that hold a search.json. */
export function discoverSearchFolders(runsDir: string): Promise<string[]> {
  return discoverFolders(runsDir, [SEARCH_FILE]);
}
