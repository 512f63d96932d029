/**
 * Hyperparameter search: the `search.json` format of a search folder and the messages between a
 * host (the extension, or anything that forks `dist/search.js`) and the search process. Like
 * `protocol.ts`, every message on the wire carries `v` (SEARCH_PROTOCOL_VERSION); bump it on any
 * incompatible change. Documented in docs/search.md.
 */
import type { EarlyTerminationConfig, SearchConfig } from './config';
import { checkEnvelope, withoutVersion } from './envelope';
import { fromJson, legacyNumber } from './nonfinite';
import { PROTOCOL_VERSION, validateCommand, type EngineCommand, type EngineErrorInfo, type EngineEvent } from './protocol';

/** 2: trials' engine events are forwarded (`trialEvent`, `subscribe`): a trial is a run like any other. */
export const SEARCH_PROTOCOL_VERSION = 2;
/** Version of the `search.json` file format. */
export const SEARCH_FILE_VERSION = 1;

/** How a dimension is sampled. */
export type SearchScale = 'log' | 'oneMinusLog' | 'uniform' | 'int' | 'choice';
export type SearchValue = number | string | boolean;

/**
 * One searched hyperparameter. Sampling happens in the "sampling space": log10(x) for `log`,
 * log10(1 − x) for `oneMinusLog`, x for `uniform` and `int`, the index for `choice`. `low`/`high`
 * are bounds in that space (for `choice`: 0 and choices.length − 1); `min`/`max` are the bounds
 * of the value itself (for display and axes), `choices` the values of a `choice`.
 */
export type SearchDimension =
  | { path: string; scale: Exclude<SearchScale, 'choice'>; low: number; high: number; min: number; max: number }
  | { path: string; scale: 'choice'; low: number; high: number; choices: SearchValue[] };

/** The `k`-th value of a choice dimension as text (the index itself for any other, or past the list). */
export function choiceText(d: SearchDimension, k: number): string {
  return String(d.scale === 'choice' ? d.choices[k] ?? k : k);
}

/** A box in sampling space: a range per continuous/int dimension, a set of indices per choice. */
export type SearchBoxRange = { low: number; high: number } | { indices: number[] };
export type SearchBox = Record<string, SearchBoxRange>;

/** One coarse-to-fine round: where its trials were sampled. */
export interface SearchRound {
  index: number;
  box: SearchBox;
  /** The trials of the previous round whose values span the box (empty for round 0). */
  basedOn: number[];
}

export type TrialState = 'queued' | 'running' | 'paused' | 'finished' | 'killed' | 'failed' | 'stopped' | 'pruned';
export const TERMINAL_TRIAL_STATES: readonly TrialState[] = ['finished', 'killed', 'failed', 'stopped', 'pruned'];

export function isTerminalTrialState(state: TrialState): boolean {
  return TERMINAL_TRIAL_STATES.includes(state);
}

export type SearchMetric = SearchConfig['metric'];

export interface TrialRecord {
  /** 1, 2, 3 … over the whole search; the folder is `trial-007` (a re-run gets `trial-007-2`). */
  id: number;
  name: string;
  round: number;
  /** Sampled values by path (as written into the trial's config). */
  values: Record<string, SearchValue>;
  /** The same values in sampling space (log10 x, log10(1 − x), x, choice index). */
  coords: Record<string, number>;
  state: TrialState;
  /** The ranking metric: while running the latest epoch's, at the end the final summary's. */
  metric: number | null;
  /** Which metric `metric` is (differs from the search's when the trial has no dev set). */
  metricName: SearchMetric;
  /** Metric after each epoch (index 0 = epoch 1); null where the run could not measure it. */
  curve: (number | null)[];
  epoch: number;
  epochs: number;
  /** Absolute path of the trial's run folder; null while it has never started. */
  runDir: string | null;
  best: boolean;
  /** How many times the trial was started (resumes from a checkpoint count too). */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** Human-readable remark: divergence, missing dev set, why it was pruned … */
  note?: string;
  error?: string;
  /** The engine reported NaN/Inf (the search stopped the trial). */
  diverged?: boolean;
  /** Hyperband: the trial's bracket (ASHA: 0); absent without asha/hyperband. */
  bracket?: number;
  /** ASHA/Hyperband: every rung the trial went past, in order. */
  promotions?: TrialPromotion[];
  /** ASHA/Hyperband: set while the search keeps the trial paused at this rung (index into its bracket's rungs). */
  pausedAtRung?: number;
}

/** A trial going past a rung: by the policy (it made the top 1/η there) or by hand. */
export interface TrialPromotion {
  rung: number;
  /** The rung's epoch. */
  epoch: number;
  by: 'policy' | 'user';
  at: string;
}

export type SearchRunState = 'running' | 'finished' | 'stopped';

/** The whole `search.json`. */
/** The file a search keeps in its folder (format in docs/search.md). */
export const SEARCH_FILE = 'search.json';
/** The pid of the search process running a search folder (the host reads it to tell a live search from an interrupted one). */
export const SEARCH_LOCK_FILE = 'search.pid';

/**
 * Parses search.json (engine and host read it alike); throws an Error saying why it is not a
 * search file this version reads. Non-finite metrics are `$nf` tokens (./nonfinite, as in run
 * folders; version-1 files wrote strings) and come back as numbers.
 */
export function parseSearchFile(text: string): SearchFile {
  const value = fromJson(text) as SearchFile;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.trials) || !Array.isArray(value.space)) {
    throw new Error('not a Gradient Lab search file');
  }
  if (value.version !== SEARCH_FILE_VERSION) {
    throw new Error(`search file version ${String(value.version)} is not supported (expected ${SEARCH_FILE_VERSION})`);
  }
  if (!Array.isArray(value.roundBoxes)) value.roundBoxes = [];
  for (const t of value.trials) {
    t.metric = reviveMetric(t.metric);
    t.curve = Array.isArray(t.curve) ? t.curve.map(reviveMetric) : [];
  }
  return value;
}

/** A metric as read: a number (tokens are numbers already), a version-1 "NaN"/"Infinity" string, or null for anything else. */
function reviveMetric(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '+Infinity' || value === '-Infinity') return legacyNumber(value);
  return null;
}

export interface SearchFile {
  version: number;
  name: string;
  /** Absolute path of the experiment file the search came from. */
  configPath: string;
  createdAt: string;
  updatedAt: string;
  state: SearchRunState;
  seed: number;
  metric: SearchMetric;
  mode: 'min' | 'max';
  /** Trials per round (before any added by hand). */
  trialsPerRound: number;
  rounds: number;
  keepTop: number;
  /** Trials run at once (already resolved: never 0 here). */
  parallel: number;
  epochsPerTrial: number;
  earlyTermination: SearchConfig['earlyTermination'];
  space: SearchDimension[];
  roundBoxes: SearchRound[];
  trials: TrialRecord[];
  bestTrial: number | null;
  /** asha/hyperband: the rung epochs of each bracket (for readers; the policy derives them from `earlyTermination`). */
  rungs?: number[][];
  /** Epochs trained vs a plain random search, as of the last write (absent in files of earlier versions). */
  budget?: SearchBudget;
  /** The experiment as written in the file (JSON, comments dropped): the base of every trial and of the export. */
  experiment: unknown;
}

export interface SearchProgress {
  done: number;
  running: number;
  queued: number;
  paused: number;
  total: number;
  /** The round being run (0-based). */
  round: number;
  best: { id: number; metric: number; values: Record<string, SearchValue> } | null;
  budget: SearchBudget;
}

/**
 * Epochs trained so far against what a plain random search (every trial to its last epoch)
 * would train for the same trials: what early termination saved.
 */
export interface SearchBudget {
  /** Epochs the trials have trained (each trial's epoch count). */
  epochs: number;
  /** Σ of every trial's full length. */
  randomEpochs: number;
}

export function searchBudget(trials: readonly TrialRecord[]): SearchBudget {
  let epochs = 0;
  let randomEpochs = 0;
  for (const t of trials) {
    epochs += t.epoch;
    randomEpochs += t.epochs;
  }
  return { epochs, randomEpochs };
}

/** A search's progress from its trial records: what `progress` events carry and views show. */
export function searchProgress(trials: readonly TrialRecord[], bestTrial: number | null, roundCount: number): SearchProgress {
  let done = 0;
  let running = 0;
  let queued = 0;
  let paused = 0;
  for (const t of trials) {
    if (isTerminalTrialState(t.state)) done++;
    else if (t.state === 'running') running++;
    else if (t.state === 'paused') paused++;
    else queued++;
  }
  const b = trials.find((t) => t.id === bestTrial);
  return {
    done, running, queued, paused, total: trials.length, round: Math.max(0, roundCount - 1),
    best: b && b.metric !== null ? { id: b.id, metric: b.metric, values: { ...b.values } } : null,
    budget: searchBudget(trials),
  };
}

export interface SearchInfo {
  dir: string;
  name: string;
  configPath: string;
  space: SearchDimension[];
  /** Trials per round. */
  trials: number;
  rounds: number;
  parallel: number;
  metric: SearchMetric;
  mode: 'min' | 'max';
  epochsPerTrial: number;
  resumed: boolean;
  /** The early-termination rule (absent from search processes of earlier versions). */
  earlyTermination?: EarlyTerminationConfig;
  /** How many of a round's best trials span the next round's box (absent from earlier versions). */
  keepTop?: number;
}

/** An error of the search process: an engine error's fields ('config' | 'data' | 'io' | 'usage' | 'engine'), no issue list. */
export type SearchErrorInfo = Omit<EngineErrorInfo, 'issues'>;

// ───────────────────────── host → search process ─────────────────────────
export type SearchCommand =
  | { type: 'start'; configPath: string; runsDir?: string; trials?: number; parallel?: number }
  | { type: 'resume'; searchDir: string; parallel?: number; addTrials?: number }
  | { type: 'pauseTrial'; id: number }
  | { type: 'resumeTrial'; id: number }
  | { type: 'killTrial'; id: number }
  /** ASHA/Hyperband: promote a trial paused at a rung (it goes on from its checkpoint). */
  | { type: 'promoteTrial'; id: number }
  | { type: 'addTrials'; count: number }
  | { type: 'stop' }
  /**
   * Passes a command to one running trial's engine ("panda" mode: babysit a trial from its
   * dashboard — change its learning rate, step it, check its gradients, look at its test set).
   */
  | { type: 'trialCommand'; id: number; command: TrialEngineCommand }
  /**
   * Whether the host wants a trial's per-point telemetry (it shows the trial); every other engine
   * event of every running trial is forwarded anyway. Subscribing asks the trial's engine for its
   * whole run (`history`), so a view opened mid-trial starts complete.
   */
  | { type: 'subscribe'; id: number; on: boolean }
  /** Writes the best trial's config; without an active search `searchDir` names the search. */
  /** `requestId` comes back on its `exported`. */
  | { type: 'exportBest'; outFile: string; searchDir?: string; requestId?: string };

/** The engine commands a trial's dashboard may send through the search. */
export type TrialEngineCommand = Extract<EngineCommand, { type: 'step' | 'setLearningRate' | 'gradientCheck' | 'evaluateTest' | 'checkpoint' }>;

// ───────────────────────── search process → host ─────────────────────────
export type TrialChange = 'added' | 'started' | 'updated' | 'finished';

export type SearchEvent =
  | { type: 'hello'; protocolVersion: number; pid: number }
  | ({ type: 'searchInfo' } & SearchInfo)
  /** The full trial record on each change ('finished' = reached a terminal state). */
  | { type: 'trial'; change: TrialChange; trial: TrialRecord }
  | ({ type: 'progress' } & SearchProgress)
  | { type: 'round'; index: number; box: SearchBox; basedOn: number[] }
  | { type: 'finished'; state: 'finished' | 'stopped'; best: TrialRecord | null; dir: string }
  | { type: 'exported'; outFile: string; trialId: number; requestId?: string }
  | { type: 'log'; level: 'info' | 'warning'; message: string }
  | ({ type: 'error'; fatal: boolean } & SearchErrorInfo)
  /** An event of a running trial's engine, as the engine sent it. */
  | { type: 'trialEvent'; id: number; event: EngineEvent };

export type SearchWire<T> = T & { v: number };

const COMMAND_KEYS: Record<SearchCommand['type'], true> = {
  start: true, resume: true, pauseTrial: true, resumeTrial: true, killTrial: true, promoteTrial: true, addTrials: true, stop: true,
  exportBest: true, trialCommand: true, subscribe: true,
};
const COMMAND_TYPES = new Set(Object.keys(COMMAND_KEYS) as SearchCommand['type'][]);

const TRIAL_COMMAND_KEYS: Record<TrialEngineCommand['type'], true> = {
  step: true, setLearningRate: true, gradientCheck: true, evaluateTest: true, checkpoint: true,
};
const TRIAL_COMMANDS = new Set<string>(Object.keys(TRIAL_COMMAND_KEYS));

const positiveInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0;
const optional = (x: unknown, ok: (y: unknown) => boolean): boolean => x === undefined || ok(x);
const nonEmptyString = (x: unknown): boolean => typeof x === 'string' && x.length > 0;

/** Structural check of an incoming command; returns a reason when it must be rejected. */
export function validateSearchCommand(msg: unknown): { ok: true; command: SearchCommand } | { ok: false; reason: string } {
  const envelope = checkEnvelope(msg, SEARCH_PROTOCOL_VERSION, COMMAND_TYPES, 'command');
  if (!envelope.ok) return envelope;
  const m = envelope.message;
  switch (m.type) {
    case 'start':
      if (!nonEmptyString(m.configPath)) return { ok: false, reason: 'start needs "configPath"' };
      if (!optional(m.runsDir, nonEmptyString)) return { ok: false, reason: '"runsDir" must be a string' };
      if (!optional(m.trials, positiveInt)) return { ok: false, reason: '"trials" must be a positive integer' };
      if (!optional(m.parallel, (x) => Number.isInteger(x) && (x as number) >= 0)) return { ok: false, reason: '"parallel" must be an integer ≥ 0' };
      break;
    case 'resume':
      if (!nonEmptyString(m.searchDir)) return { ok: false, reason: 'resume needs "searchDir"' };
      if (!optional(m.parallel, (x) => Number.isInteger(x) && (x as number) >= 0)) return { ok: false, reason: '"parallel" must be an integer ≥ 0' };
      if (!optional(m.addTrials, positiveInt)) return { ok: false, reason: '"addTrials" must be a positive integer' };
      break;
    case 'subscribe':
      if (typeof m.on !== 'boolean' || !positiveInt(m.id)) return { ok: false, reason: 'subscribe needs a trial "id" and a boolean "on"' };
      break;
    case 'pauseTrial':
    case 'resumeTrial':
    case 'killTrial':
    case 'promoteTrial':
      if (!positiveInt(m.id)) return { ok: false, reason: `${m.type} needs a trial "id"` };
      break;
    case 'addTrials':
      if (!positiveInt(m.count)) return { ok: false, reason: 'addTrials needs a positive integer "count"' };
      break;
    case 'exportBest':
      if (!nonEmptyString(m.outFile)) return { ok: false, reason: 'exportBest needs "outFile"' };
      if (!optional(m.searchDir, nonEmptyString)) return { ok: false, reason: '"searchDir" must be a string' };
      if (!optional(m.requestId, nonEmptyString)) return { ok: false, reason: '"requestId" must be a string' };
      break;
    case 'trialCommand': {
      if (!positiveInt(m.id)) return { ok: false, reason: 'trialCommand needs a trial "id"' };
      const c = m.command as Record<string, unknown> | null;
      if (typeof c !== 'object' || c === null || !TRIAL_COMMANDS.has(c.type as string)) {
        return { ok: false, reason: `trialCommand needs a "command" of type ${[...TRIAL_COMMANDS].join(', ')}` };
      }
      // The engine checks the arguments again; reject the obvious here so the host hears why.
      const checked = validateCommand({ ...c, v: PROTOCOL_VERSION });
      if (!checked.ok) return { ok: false, reason: checked.reason };
      break;
    }
    case 'stop':
      break;
  }
  return { ok: true, command: m as unknown as SearchCommand };
}

const EVENT_KEYS: Record<SearchEvent['type'], true> = {
  hello: true, searchInfo: true, trial: true, progress: true, round: true, finished: true, exported: true, log: true,
  error: true, trialEvent: true,
};
const EVENT_TYPES = new Set(Object.keys(EVENT_KEYS) as SearchEvent['type'][]);

/** Structural check of an incoming search message (type and version); the reason when it must be ignored. */
export function parseSearchMessage(msg: unknown): { event: SearchEvent } | { reason: string } {
  const envelope = checkEnvelope(msg, SEARCH_PROTOCOL_VERSION, EVENT_TYPES, 'event');
  if (!envelope.ok) return { reason: envelope.reason };
  const m = envelope.message;
  if (m.type === 'trial' && (typeof m.trial !== 'object' || m.trial === null || !Number.isInteger((m.trial as { id?: unknown }).id))) {
    return { reason: 'trial event without a trial record' };
  }
  return { event: withoutVersion(m) as unknown as SearchEvent };
}
