/**
 * The hyperparameter search: random search over `search.space`, `rounds` coarse-to-fine rounds of
 * `trials` trials each, at most `parallel` trials at once, each trial a separate engine process
 * writing a normal run folder inside the search folder:
 *
 *   <runsDir>/<stamp>-<name>-search/
 *     search.json          every trial, its values, state and metric; the space; the rounds' boxes
 *     trial-001/ …         run folders (docs/run-folder.md)
 *
 * Live control: pause / resume / kill one trial, add trials, stop the whole search; a stopped or
 * interrupted search continues with `SearchRunner.resume(dir)`. See docs/search.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EpochSummary } from '../../shared/protocol';
import { telemetryEpochs } from '../../shared/run-view';
import {
  isTerminalTrialState,
  searchProgress,
  type SearchEvent,
  type SearchFile,
  type SearchInfo,
  type SearchProgress,
  type TrialChange,
  type TrialEngineCommand,
  type TrialRecord,
  type TrialState,
} from '../../shared/search-protocol';
import { ConfigError } from '../config/errors';
import { parseJson } from '../../shared/json-locations';
import { resolveConfig, resolveConfigText } from '../config/validate';
import { createRunDir } from '../run/run-folder';
import { defaultRunsDir } from '../run/session';
import { rungPlan, rungsOf } from '../../shared/search-rungs';
import { ForkLauncher, type TrialExit, type TrialLauncher, type TrialStart } from './launcher';
import { decide, nextRoundBox, rankFinished, rungsPassed, valueAt, type Decision, type PolicyEvent } from './policy';
import { boxOf } from './sampling';
import { SearchEvents, type SearchListener } from './search-events';
import { newSearchFile, SearchStore } from './search-store';
import { canResumeTrial, epochMetric, freshTrialDir, sampleTrials, trialConfig } from './trials';
import { TrialSupervisor } from './trial-supervisor';

export { MEDIAN_MIN_COMPLETED } from './policy';

export interface SearchRunnerOptions {
  /** Trials per round instead of `search.trials`. */
  trials?: number;
  /** Trials at once instead of `search.parallel` (0 = the number of cores). */
  parallel?: number;
  /** How trials are started (default: fork `dist/engine.js`). */
  launcher?: TrialLauncher;
  /** The engine script for the default launcher (default: found by `findEngineScript`). */
  enginePath?: string;
  /** Least time between two throttled writes of search.json, ms (default 500: ≤ 2 writes/s). */
  writeThrottleMs?: number;
  /** Least time between two 'updated' events of the same trial, ms (default 250). */
  eventThrottleMs?: number;
  /** How long a trial asked to stop may take before it is killed, ms (default 15000). */
  stopGraceMs?: number;
}

export interface StartSearchOptions extends SearchRunnerOptions {
  configPath: string;
  /** Where the search folder goes (default `.gradient-lab/runs/` next to the file). */
  runsDir?: string;
}

export interface ResumeSearchOptions extends SearchRunnerOptions {
  /** Trials to add to the last round when resuming (e.g. to extend a finished search). */
  addTrials?: number;
}

export interface SearchResult {
  state: 'finished' | 'stopped';
  dir: string;
  best: TrialRecord | null;
  trials: TrialRecord[];
}

type Listener = SearchListener;

const now = (): string => new Date().toISOString();

export function resolveParallel(parallel: number): number {
  return parallel > 0 ? parallel : Math.max(1, os.availableParallelism());
}

export class SearchRunner {
  private readonly live = new Map<number, TrialSupervisor>();
  private readonly launcher: TrialLauncher;
  private readonly stopGraceMs: number;
  private readonly base: ExperimentConfig;
  readonly dir: string;
  private readonly file: SearchFile;
  private started = false;
  private stopping = false;
  private ended = false;
  private result: SearchResult | null = null;
  private resolveDone!: (r: SearchResult) => void;
  private readonly done: Promise<SearchResult>;
  private readonly events: SearchEvents;
  /** Trials whose telemetry the host wants (it shows them); their other events always go out. */
  private readonly subscribed = new Set<number>();

  private constructor(private readonly store: SearchStore, options: SearchRunnerOptions, private readonly resumed: boolean) {
    this.dir = store.dir;
    this.file = store.file;
    this.base = resolveConfig(this.file.experiment, this.file.configPath);
    this.launcher = options.launcher ?? new ForkLauncher(options.enginePath);
    this.stopGraceMs = options.stopGraceMs ?? 15000;
    this.events = new SearchEvents(() => this.file.trials, () => this.progress(), options.eventThrottleMs ?? 250);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  // ───────────── creating and resuming ─────────────

  /**
   * Validates the experiment (it must have a `search` block), creates the search folder with its
   * search.json and the first round's trials (queued). Nothing runs until `run()`.
   * Throws ConfigError (with line/column) for a bad file.
   */
  static create(options: StartSearchOptions): SearchRunner {
    const configPath = path.resolve(options.configPath);
    const text = fs.readFileSync(configPath, 'utf8');
    const config = resolveConfigText(text, options.configPath);
    if (!config.search) {
      throw new ConfigError([{
        path: '', kind: 'semantic',
        message: 'the experiment has no "search" block; add one, e.g. "search": {"space": {"training.optimizer.learningRate": {"log": [1e-4, 0.1]}}} (docs/search.md)',
      }], options.configPath);
    }
    const s = config.search;
    const trials = options.trials ?? s.trials;
    if (!(Number.isInteger(trials) && trials > 0)) throw new Error('the number of trials must be a positive integer');
    const parallel = resolveParallel(options.parallel ?? s.parallel);
    const dir = createRunDir(options.runsDir ? path.resolve(options.runsDir) : defaultRunsDir(configPath), `${config.name}-search`);
    const file = newSearchFile({ ...config, search: s }, parseJson(text).value, configPath, trials, parallel);
    const runner = new SearchRunner(new SearchStore(dir, file, options.writeThrottleMs), options, false);
    runner.store.lock();
    runner.openRound(0);
    runner.store.write();
    return runner;
  }

  /**
   * Continues an interrupted or stopped search: finished, killed, pruned and failed trials are
   * kept; trials that were queued, running, paused or stopped run again, from their run folder's
   * last checkpoint when it has one (`resumeFromCheckpoint`), else from scratch in a fresh folder
   * (`trial-007-2`). Missing rounds follow as usual.
   */
  static resume(searchDir: string, options: ResumeSearchOptions = {}): SearchRunner {
    const store = SearchStore.open(path.resolve(searchDir), options.writeThrottleMs);
    store.lock();
    store.reopen();
    const file = store.file;
    if (options.trials !== undefined) file.trialsPerRound = options.trials;
    if (options.parallel !== undefined) file.parallel = resolveParallel(options.parallel);
    const runner = new SearchRunner(store, options, true);
    if (file.roundBoxes.length === 0) runner.openRound(0);
    if (options.addTrials) runner.addTrials(options.addTrials);
    runner.store.write();
    return runner;
  }

  // ───────────── reading ─────────────

  /** A copy of the whole search.json as it stands. */
  snapshot(): SearchFile {
    return structuredClone(this.file);
  }

  trial(id: number): TrialRecord | undefined {
    const t = this.file.trials.find((x) => x.id === id);
    return t && structuredClone(t);
  }

  best(): TrialRecord | null {
    const id = this.file.bestTrial;
    return id === null ? null : this.trial(id) ?? null;
  }

  info(): SearchInfo {
    const f = this.file;
    return {
      dir: this.dir, name: f.name, configPath: f.configPath, space: structuredClone(f.space), trials: f.trialsPerRound,
      rounds: f.rounds, parallel: f.parallel, metric: f.metric, mode: f.mode, epochsPerTrial: f.epochsPerTrial, resumed: this.resumed,
      earlyTermination: { ...f.earlyTermination }, keepTop: f.keepTop,
    };
  }

  progress(): SearchProgress {
    return searchProgress(this.file.trials, this.file.bestTrial, this.file.roundBoxes.length);
  }

  /** Every event; returns a function that removes the listener. */
  onAny(listener: Listener): () => void {
    return this.events.onAny(listener);
  }

  /** Events of one type, typed. */
  on<T extends SearchEvent['type']>(type: T, listener: (event: Extract<SearchEvent, { type: T }>) => void): () => void {
    return this.onAny((e) => {
      if (e.type === type) listener(e as Extract<SearchEvent, { type: T }>);
    });
  }

  // ───────────── running ─────────────

  /**
   * Runs the search to its end (every trial of every round in a terminal state) or until
   * `stop()`. Emits `searchInfo`, the rounds and trials so far, then live events.
   */
  run(): Promise<SearchResult> {
    if (!this.started) {
      this.started = true;
      this.emit({ type: 'searchInfo', ...this.info() });
      for (const r of this.file.roundBoxes) this.emit({ type: 'round', index: r.index, box: structuredClone(r.box), basedOn: [...r.basedOn] });
      for (const t of this.file.trials) this.emit({ type: 'trial', change: 'added', trial: structuredClone(t) });
      this.emitProgress();
      this.pump();
    }
    return this.done;
  }

  /** Pauses a running trial (its engine waits), or holds a queued one back. */
  pauseTrial(id: number): boolean {
    const t = this.require(id);
    const live = this.live.get(id);
    if (live) {
      if (t.state !== 'running') return false;
      live.send({ type: 'pause' });
      return true;
    }
    if (t.state !== 'queued') return false;
    this.setState(t, 'paused');
    return true;
  }

  /** Resumes a paused trial (or releases a held one into the queue); one paused at a rung is promoted. */
  resumeTrial(id: number): boolean {
    const t = this.require(id);
    if (t.pausedAtRung !== undefined) return this.promoteTrial(id);
    const live = this.live.get(id);
    if (live) {
      if (t.state !== 'paused') return false;
      live.send({ type: 'resume' });
      return true;
    }
    if (t.state !== 'paused') return false;
    this.setState(t, 'queued');
    this.pump();
    return true;
  }

  /**
   * Promotes a trial the policy keeps paused at an ASHA/Hyperband rung: it goes on from its
   * checkpoint as soon as a slot is free (before trials that never ran). False if it waits at no rung.
   */
  promoteTrial(id: number): boolean {
    this.require(id);
    const decisions = this.consult({ type: 'promote', trial: id });
    this.pump();
    return decisions.length > 0;
  }

  /** Kills one trial (state `killed`; its run folder is closed cleanly); the others go on. */
  killTrial(id: number): boolean {
    const t = this.require(id);
    if (isTerminalTrialState(t.state)) return false;
    const live = this.live.get(id);
    if (!live) {
      delete t.pausedAtRung;
      t.endedAt = now();
      this.setState(t, 'killed', 'finished');
      this.pump();
      return true;
    }
    if (live.end?.kind !== 'kill') live.requestEnd({ kind: 'kill', reason: 'killed' });
    return true;
  }

  /**
   * Passes a command (step, learning rate, gradient check, test set, checkpoint) to a trial's
   * engine. Only a started trial has one; false otherwise. A learning-rate change makes the
   * trial's results no longer those of its sampled value: search.json notes it on the trial.
   */
  trialCommand(id: number, command: TrialEngineCommand): boolean {
    const t = this.require(id);
    const live = this.live.get(id);
    if (!live || (t.state !== 'running' && t.state !== 'paused')) return false;
    live.send(command);
    if (command.type === 'setLearningRate') {
      t.note = `learning rate set by hand to ${command.value} at epoch ${t.epoch}`;
      this.emit({ type: 'trial', change: 'updated', trial: structuredClone(t) });
      this.store.write();
    }
    return true;
  }

  /** Adds trials to the current round, sampled in its box; returns them (queued). */
  addTrials(count: number): TrialRecord[] {
    if (!(Number.isInteger(count) && count > 0)) throw new Error('the number of trials to add must be a positive integer');
    if (this.ended || this.stopping) throw new Error('the search has ended; resume it to add trials');
    const round = this.file.roundBoxes.length - 1;
    const added = this.createTrials(round, count);
    this.store.write();
    this.emitProgress();
    this.pump();
    return added.map((t) => structuredClone(t));
  }

  /**
   * Stops the search: running and paused trials get the engine's `stop` (checkpoint + summary,
   * state `stopped`), queued ones are marked `stopped`. Resolves when every trial has ended.
   */
  stop(): Promise<SearchResult> {
    if (this.ended) return this.done;
    this.stopping = true;
    this.started = true;
    for (const t of this.file.trials) {
      // Trials waiting at a rung stay there: resume keeps them waiting for promotion.
      if (!isTerminalTrialState(t.state) && !this.live.has(t.id) && t.pausedAtRung === undefined) {
        t.endedAt = now();
        this.setState(t, 'stopped', 'finished');
      }
    }
    for (const live of this.live.values()) {
      // A trial already killed, pruned or waiting at a rung ends that way (a diverged one still gets the stop).
      if (!live.end || live.end.kind === 'diverged') live.requestEnd({ kind: 'stop', reason: 'the search stops' });
    }
    this.pump();
    return this.done;
  }

  // ───────────── internals: rounds and trials ─────────────

  private require(id: number): TrialRecord {
    const t = this.file.trials.find((x) => x.id === id);
    if (!t) throw new Error(`no trial ${id} in this search`);
    return t;
  }

  /** What the policy knows: the trials as they stand (read, never changed, by it). */
  private traces(): Parameters<typeof decide>[0] {
    return { mode: this.file.mode, rule: this.file.earlyTermination, epochsPerTrial: this.file.epochsPerTrial, trials: this.file.trials };
  }

  private openRound(index: number): void {
    let basedOn: number[] = [];
    let box = boxOf(this.file.space, []);
    if (index > 0) {
      const next = nextRoundBox(this.file.space, this.traces(), index, this.file.keepTop, this.file.roundBoxes[index - 1].box);
      ({ box, basedOn } = next);
      if (next.reused) this.log('warning', `round ${index + 1}: no trial of round ${index} finished; sampling in the same box again`);
    }
    this.file.roundBoxes.push({ index, box, basedOn });
    this.emit({ type: 'round', index, box: structuredClone(box), basedOn: [...basedOn] });
    this.createTrials(index, this.file.trialsPerRound);
  }

  private createTrials(round: number, count: number): TrialRecord[] {
    const added = sampleTrials(this.file, round, count);
    for (const t of added) {
      this.file.trials.push(t);
      this.emit({ type: 'trial', change: 'added', trial: structuredClone(t) });
    }
    return added;
  }

  /** The trial's experiment: the file's config with the sampled values, the trial's epochs, no search block. */
  trialConfig(t: TrialRecord): ExperimentConfig {
    return trialConfig(this.base, this.file, t);
  }

  /** Starts queued trials while slots are free; opens the next round or ends the search. */
  private pump(): void {
    if (this.ended || !this.started) return;
    const round = this.file.roundBoxes.length - 1;
    if (!this.stopping) {
      // Promoted trials first, the furthest first (ASHA's get_job), then the queue in order.
      const queued = this.file.trials.filter((t) => t.state === 'queued')
        .sort((a, b) => (b.promotions?.length ?? 0) - (a.promotions?.length ?? 0) || a.id - b.id);
      for (const t of queued) {
        if (this.live.size >= this.file.parallel) break;
        this.launch(t);
      }
    }
    const atRung = (t: TrialRecord): boolean => t.state === 'paused' && t.pausedAtRung !== undefined;
    const open = this.file.trials.filter((t) => !isTerminalTrialState(t.state));
    if (!this.stopping && this.live.size === 0 && open.length > 0 && open.every(atRung)) {
      // Nothing else can reach the rungs now: the policy settles them.
      if (this.consult({ type: 'idle' }).length > 0) this.pump();
      return;
    }
    // A search that stops leaves the trials waiting at a rung there (resume keeps them waiting).
    if (open.some((t) => !(this.stopping && atRung(t))) || this.live.size > 0) return;
    if (!this.stopping && round < this.file.rounds - 1) {
      this.openRound(round + 1);
      this.store.write();
      this.emitProgress();
      this.pump();
      return;
    }
    this.finish();
  }

  private launch(t: TrialRecord): void {
    let start: TrialStart;
    const resumable = canResumeTrial(t);
    if (resumable) {
      start = { type: 'resumeFromCheckpoint', runDir: t.runDir };
    } else {
      let config: ExperimentConfig;
      try {
        config = this.trialConfig(t);
      } catch (e) {
        t.error = e instanceof Error ? e.message : String(e);
        t.endedAt = now();
        this.setState(t, 'failed', 'finished');
        return;
      }
      t.runDir = freshTrialDir(this.dir, t);
      t.curve = [];
      t.epoch = 0;
      t.metric = null;
      start = { type: 'start', config, configPath: this.file.configPath, runDir: t.runDir };
    }
    t.attempts++;
    t.startedAt = now();
    delete t.endedAt;
    delete t.error;
    // The first rung goes with the start: the engine pauses exactly there, however fast it trains.
    const firstRung = this.nextRung(t);
    if (firstRung !== null) start = { ...start, pauseAt: firstRung };
    const handle = this.launcher.launch(start);
    const live = new TrialSupervisor(handle, resumable, firstRung, this.stopGraceMs);
    this.live.set(t.id, live);
    handle.onEvent((e) => this.onEngineEvent(t, live, e));
    handle.onExit((x) => this.onExit(t, live, x));
    this.setState(t, 'running', 'started');
  }

  /**
   * The trial's next rung epoch (ASHA/Hyperband), null when none is ahead. The engine pauses itself
   * there, so that it stops exactly there whatever the IPC delay (a small net trains many epochs in
   * one round trip): the first rung goes with the start command, later ones when it passes a rung.
   */
  private nextRung(t: TrialRecord): number | null {
    const plan = rungPlan(this.file.earlyTermination, this.file.epochsPerTrial);
    return rungsOf(plan, t.bracket).slice(rungsPassed(t)).find((r) => r > t.epoch) ?? null;
  }

  /** The metric of an epoch summary, falling back to the train-set metric when there is no dev set. */
  private measure(t: TrialRecord, s: EpochSummary): number | null {
    const wanted = this.file.metric;
    const { value, metric } = epochMetric(s, wanted);
    if (metric !== wanted && t.metricName !== metric) {
      t.metricName = metric;
      t.note = `no dev set: ranked by ${metric} instead of ${wanted}`;
      this.log('warning', `${t.name} has no dev set; its metric is ${metric}`);
    }
    return value;
  }

  /** The host does (not) show a trial: its telemetry is (not) forwarded; subscribing sends its whole run first. */
  subscribe(id: number, on: boolean): boolean {
    this.require(id);
    if (!on) return this.subscribed.delete(id);
    this.subscribed.add(id);
    // The launcher holds it until the engine can answer.
    this.live.get(id)?.send({ type: 'snapshot' });
    return true;
  }

  /**
   * A trial's event as the host gets it: telemetry of a trial nobody shows loses its per-point
   * chunks (the bulk) but keeps the position, the newest epoch and layer sample and the events
   * riding along (flags, verdicts, checkpoints), so the Runs tree and the search table stay right.
   */
  private forwarded(id: number, e: EngineEvent): EngineEvent {
    if (e.type !== 'telemetry' || this.subscribed.has(id)) return e;
    const { iterations: _i, epochs: _e, layers: _l, ...rest } = e;
    void _i; void _e; void _l;
    return rest;
  }

  private onEngineEvent(t: TrialRecord, live: TrialSupervisor, e: EngineEvent): void {
    if (e.type !== 'hello') this.emit({ type: 'trialEvent', id: t.id, event: this.forwarded(t.id, e) });
    this.track(t, live, e);
  }

  /** What the search makes of a trial's event: its record, its rung, its end. */
  private track(t: TrialRecord, live: TrialSupervisor, e: EngineEvent): void {
    if (isTerminalTrialState(t.state)) return;
    live.observe(e);
    switch (e.type) {
      case 'runInfo':
        if (e.info.resumedFrom) {
          t.epoch = e.info.resumedFrom.epoch;
          t.curve = t.curve.slice(0, t.epoch);
        }
        this.touch(t);
        return;
      case 'state':
        if (e.state === 'paused') {
          // The engine's own pause at a rung is the search's, not the user's.
          if (!live.takeRungPause() && t.state === 'running') this.setState(t, 'paused');
        } else if (e.state === 'running' && t.state === 'paused') this.setState(t, 'running');
        else if (e.state === 'diverged' && live.end?.kind !== 'diverged') {
          const reason = `diverged (NaN/Inf) at iteration ${e.iteration}, epoch ${e.epoch}; stopped by the search`;
          t.note = reason;
          t.diverged = true;
          live.requestEnd({ kind: 'diverged', reason });
          this.touch(t);
        }
        return;
      case 'telemetry':
        for (const summary of telemetryEpochs(e)) this.track(t, live, { type: 'epoch', summary });
        return;
      case 'epoch': {
        const value = this.measure(t, e.summary);
        t.epoch = e.summary.epoch;
        t.curve = t.curve.slice(0, t.epoch - 1);
        while (t.curve.length < t.epoch - 1) t.curve.push(null);
        t.curve.push(value);
        t.metric = value;
        this.touch(t);
        live.reached(t.epoch);
        if (!live.end && !this.stopping) {
          const decisions = this.consult({ type: 'epoch', trial: t.id });
          // Went past its rung and the policy neither pruned nor held it: on to the next one.
          if (live.pausingAtRung() && !live.end) live.passRung(this.nextRung(t));
          if (decisions.some((d) => d.type === 'promote' && d.resume)) this.pump();
        }
        return;
      }
      default:
        return;
    }
  }

  /** Asks the policy and carries out its decisions (docs/search.md); returns them. */
  private consult(event: PolicyEvent): Decision[] {
    const decisions = decide(this.traces(), event);
    for (const d of decisions) this.apply(d);
    return decisions;
  }

  private apply(d: Decision): void {
    const t = this.require(d.trial);
    const live = this.live.get(t.id);
    switch (d.type) {
      case 'stop':
        t.note = d.reason;
        if (live) {
          live.requestEnd({ kind: 'prune', reason: d.reason });
          this.touch(t);
        } else {
          delete t.pausedAtRung;
          t.endedAt = now();
          this.setState(t, 'pruned', 'finished');
        }
        return;
      case 'pause':
        if (!live) return;
        t.pausedAtRung = d.rung;
        t.note = d.reason;
        this.log('info', `${t.name} ${d.reason}`);
        live.requestEnd({ kind: 'rungPause', reason: d.reason });
        this.touch(t);
        return;
      case 'promote':
        (t.promotions ??= []).push({ rung: d.rung, epoch: d.epoch, by: d.by, at: now() });
        if (!d.resume) {
          this.touch(t);
          return;
        }
        delete t.pausedAtRung;
        t.note = d.reason;
        this.log('info', `${t.name} ${d.reason}`);
        // A trial still on its way to the pause goes back to the queue when its engine has stopped.
        if (!live && t.state === 'paused') this.setState(t, 'queued');
        else this.touch(t);
        return;
    }
  }

  private onExit(t: TrialRecord, live: TrialSupervisor, exit: TrialExit): void {
    this.live.delete(t.id);
    const outcome = live.exited(exit, this.stopping);
    const s = live.finalSummary();
    if (s?.final) {
      t.metric = this.measure(t, s.final);
      t.epoch = s.epochs;
    }
    switch (outcome.kind) {
      case 'atRung':
        // Waiting at its rung with its checkpoint (or promoted while its engine stopped: back in the queue).
        if (t.pausedAtRung !== undefined) {
          const plan = rungPlan(this.file.earlyTermination, this.file.epochsPerTrial);
          t.metric = valueAt(t.curve, plan?.brackets[t.bracket ?? 0]?.[t.pausedAtRung] ?? t.epoch) ?? t.metric;
        }
        this.setState(t, t.pausedAtRung !== undefined ? 'paused' : 'queued', 'updated');
        break;
      case 'restart':
        this.log('warning', `${t.name}: could not resume from its checkpoint (${outcome.reason}); starting it again from scratch`);
        t.runDir = null;
        this.setState(t, 'queued', 'updated');
        break;
      case 'ended':
        if (outcome.error !== undefined) t.error = outcome.error;
        t.endedAt = now();
        this.setState(t, outcome.state, 'finished');
        break;
    }
    this.pump();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.store.cancel();
    this.events.close();
    const incomplete = this.file.trials.some((t) => t.state === 'stopped' || t.state === 'paused') || this.file.roundBoxes.length < this.file.rounds;
    const state = this.stopping && incomplete ? 'stopped' : 'finished';
    this.file.state = state;
    this.updateBest();
    this.store.write();
    this.emitProgress();
    const best = this.best();
    this.emit({ type: 'finished', state, best, dir: this.dir });
    this.store.unlock();
    this.result = { state, dir: this.dir, best, trials: structuredClone(this.file.trials) };
    this.resolveDone(this.result);
  }

  // ───────────── internals: state, files, events ─────────────

  private setState(t: TrialRecord, state: TrialState, change: TrialChange = 'updated'): void {
    t.state = state;
    this.events.sent(t.id);
    if (isTerminalTrialState(state)) this.updateBest();
    this.emit({ type: 'trial', change, trial: structuredClone(t) });
    this.store.write();
    this.emitProgress();
  }

  private updateBest(): void {
    const top = rankFinished(this.file.trials, this.file.mode)[0];
    const id = top ? top.id : null;
    if (id === this.file.bestTrial && this.file.trials.every((t) => t.best === (t.id === id))) return;
    this.file.bestTrial = id;
    for (const t of this.file.trials) {
      const best = t.id === id;
      if (t.best !== best) {
        t.best = best;
        this.events.touch(t.id);
      }
    }
  }

  /** A trial changed without changing state: throttled event and write. */
  private touch(t: TrialRecord): void {
    this.events.touch(t.id);
    this.store.writeSoon();
  }

  private log(level: 'info' | 'warning', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: SearchEvent): void {
    this.events.emit(event);
  }

  private emitProgress(): void {
    this.events.emitProgress();
  }
}

/** Starts a search (see `SearchRunner.create`). */
export function startSearch(options: StartSearchOptions): SearchRunner {
  return SearchRunner.create(options);
}

/** Continues an interrupted search (see `SearchRunner.resume`). */
export function resumeSearch(searchDir: string, options: ResumeSearchOptions = {}): SearchRunner {
  return SearchRunner.resume(searchDir, options);
}
