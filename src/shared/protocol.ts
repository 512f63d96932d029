/**
 * Messages between the extension host and the engine child process (Node IPC), also read by the
 * CLI and replayed from run folders. One definition per message; the direction is in the name
 * of the union it belongs to. Bump PROTOCOL_VERSION on any incompatible change.
 */
import type { Buckets } from './buckets';
import type { ExperimentConfig } from './config';
import { DIAGNOSE_CHECKS, type DiagnoseCheckId, type DiagnoseReport, type LrFindOptions, type LrFindResult } from './diagnosis';
import { checkEnvelope, withoutVersion } from './envelope';
import type { RunView } from './run-view';

/** 2: telemetry chunks instead of per-iteration `metrics`, `history`/`snapshot` for reattaching. */
export const PROTOCOL_VERSION = 2;

export type RunState = 'starting' | 'running' | 'paused' | 'finished' | 'stopped' | 'crashed' | 'diverged';

/** Whole-run facts, sent once after the data and model are built. */
export interface RunInfo {
  runId: string;
  runDir: string;
  name: string;
  configPath?: string;
  config: ExperimentConfig;
  backend: string;
  threads: number;
  dtype: string;
  task: 'binary' | 'multiclass' | 'regression';
  classes: string[];
  features: number;
  counts: { train: number; dev: number; test: number };
  /** Training rows the epochs' train cost and error are measured on, when a sample (diagnostics.trainEvalRows); absent: all. */
  trainEvalRows?: number;
  /** Which rows went where, in words, e.g. train "all 800 rows of train.csv", test "none (…)". */
  rows?: { train: string; dev: string; test: string };
  parameters: number;
  layers: { label: string; units: number; activation: string; batchNorm: boolean; keepProb: number }[];
  iterationsPerEpoch: number;
  mode: 'train' | 'overfitBatch';
  startedAt: string;
  resumedFrom?: { iteration: number; epoch: number };
}

export interface EpochSummary {
  epoch: number;
  iteration: number;
  trainCost: number;
  trainError: number;
  devCost: number | null;
  devError: number | null;
  learningRate: number;
  seconds: number;
}

export interface LayerStat {
  layer: string;
  /** ‖dW‖₂ (Frobenius). */
  gradNorm: number;
  weightNorm: number;
  /** ‖ΔW‖/‖W‖ of the update just applied; healthy runs sit near 1e-3. */
  updateRatio: number;
  meanAbsGrad: number;
  activationMean: number;
  activationStd: number;
  /** Fraction of tanh/sigmoid units in their flat region. */
  saturated: number;
  /** Fraction of ReLU units that output 0 for every sample of the batch. */
  deadRelu: number;
}

export type FlagKind = 'vanishing' | 'exploding' | 'converged' | 'nonFinite' | 'initialCost' | 'distributionMismatch' | 'earlyStop' | 'clipping';

/**
 * A condition that lasts (vanishing, exploding): one episode from the sample it opened (after it
 * held for a few consecutive samples) to the one it cleared. The engine sends the flag when the
 * episode opens and again, with the same `id`, when it closes (or the run ends while it holds);
 * `applyEvent` replaces the open entry with the later one, so a list holds one entry per episode.
 */
export interface FlagEpisode {
  id: string;
  state: 'open' | 'closed';
  /** Samples on which the condition held. */
  count: number;
  firstIteration: number;
  lastIteration: number;
  /** The measured value furthest past the threshold (the message describes that sample). */
  worst: number;
}

export interface Flag {
  kind: FlagKind;
  severity: 'info' | 'warning' | 'error';
  message: string;
  /** Where it was raised (an episode's first iteration). */
  iteration: number;
  layer?: string;
  tensor?: string;
  /** Present on flags that last; absent on one-off flags (and in runs recorded before episodes). */
  episode?: FlagEpisode;
}

/**
 * The course's bands of the relative difference, and `inconclusive`: the disagreement is no larger
 * than float64 rounding of the cost explains (near convergence), so the difference says nothing.
 */
export type GradBand = 'correct' | 'lookCloser' | 'suspicious' | 'bug' | 'inconclusive';

export interface GradCheckTensor {
  layer: string;
  tensor: string;
  shape: [number, number];
  /** ‖g − g̃‖ / (‖g‖ + ‖g̃‖) over the checked entries that do not straddle a kink. */
  difference: number;
  band: GradBand;
  checked: number;
  total: number;
  /** Checked entries whose θ ± ε moved a ReLU/leaky-ReLU input (or an L1 weight) across 0: left out of the difference. */
  kinks?: number;
  /** Why the band is `inconclusive`, with what to do instead. */
  reason?: string;
  worst: { index: [number, number]; analytic: number; numeric: number; difference: number }[];
}

export interface GradCheckReport {
  id: string;
  iteration: number;
  epsilon: number;
  batchSize: number;
  difference: number;
  band: GradBand;
  tensors: GradCheckTensor[];
  /** Entries left out in all because they straddle a kink (absent in reports from before kinks were detected). */
  kinks?: number;
  notes: string[];
  dtype: 'float64';
  regularization: { l2: number; l1: number };
  seconds: number;
}

export interface Verdict {
  epoch: number;
  humanLevelError: number;
  trainError: number;
  devError: number;
  avoidableBias: number;
  variance: number;
  diagnosis: 'highBias' | 'highVariance' | 'highBiasAndVariance' | 'fine';
  remedies: string[];
  /**
   * Where humanLevelError comes from: the file ("given"), the generator's noise ("bayes", a
   * Monte-Carlo estimate), or nothing known ("assumed" 0). Absent in runs recorded before it.
   */
  humanLevelSource?: 'given' | 'bayes' | 'assumed';
  /** One line for the reader, e.g. "assuming human-level error 0 %: set diagnostics.humanLevelError". */
  humanLevelNote?: string;
}

export interface Snapshot {
  epoch: number;
  /**
   * For 2-D inputs: P(class 1) (binary) or the predicted class (multiclass) on a resolution ×
   * resolution lattice, row-major: row r at y = yMin + r·(yMax − yMin)/(resolution − 1) (row 0 at
   * the bottom), column c at x = xMin + c·(xMax − xMin)/(resolution − 1). In the user's units.
   */
  boundary?: {
    xMin: number; xMax: number; yMin: number; yMax: number;
    resolution: number; values: number[]; kind: 'probability' | 'class';
    /** Training points: every k-th of `counts.train` (at most 400). */
    points: { x: number; y: number; label: number }[];
    /** Dev points likewise (absent from engines before it was sent). */
    devPoints?: { x: number; y: number; label: number }[];
    /** How many points each set has in all (the drawn ones are a sample above 400). */
    counts?: { train: number; dev: number };
  };
  /** Dev-set confusion matrix, rows = true class, cols = predicted. */
  confusion?: { classes: string[]; matrix: number[][] };
}

export interface EngineErrorInfo {
  message: string;
  /** 'config' | 'data' | 'engine' … user errors are config/data and carry a location. */
  code: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  issues?: { path: string; message: string; line?: number; column?: number }[];
  /** A Python script's traceback (code 'python'), outermost first; `file`/`line` are its last user frame. */
  frames?: { file: string; line: number; name: string }[];
}

// ───────────────────────── host → engine ─────────────────────────
export type EngineCommand =
  /**
   * The first command to a forked engine. `attachable`: the run outlives its host for a while and a
   * new host can attach (the extension, whose window may reload); otherwise the engine stops as soon
   * as its host goes away (a search's trials). `pauseAt`: pause itself at the end of that epoch
   * (a search's rung), in effect from the first iteration whatever the IPC delay. `reusable`: when
   * the run ends cleanly (finished or stopped) the engine stays, says `runEnded` instead of exiting,
   * and takes the next `start`/`resumeFromCheckpoint` (a search's warm engines; not with `attachable`).
   */
  | { type: 'start'; configPath?: string; config?: unknown; runsDir?: string; runDir?: string;
    mode?: 'train' | 'overfitBatch'; paused?: boolean; attachable?: boolean; pauseAt?: number; reusable?: boolean }
  | { type: 'resumeFromCheckpoint'; runDir: string; paused?: boolean; attachable?: boolean; pauseAt?: number; reusable?: boolean }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step'; iterations: number }
  | { type: 'stop' }
  | { type: 'setLearningRate'; value: number }
  | { type: 'gradientCheck'; requestId?: string }
  | { type: 'evaluateTest' }
  | { type: 'checkpoint' }
  /** Pause (with a checkpoint) once this epoch is done: a search's ASHA rung, exact whatever the IPC delay. */
  | { type: 'pauseAt'; epoch: number }
  /** Learning-rate range test on the live run's current weights, between two iterations (the run is restored after it). */
  | { type: 'lrFind'; requestId?: string; options?: Partial<LrFindOptions> }
  /** One-shot, in an engine with no run: Diagnose the experiment (no run folder), report, exit. */
  | { type: 'diagnose'; configPath?: string; config?: unknown; checks?: DiagnoseCheckId[]; lrFind?: Partial<LrFindOptions>; requestId?: string }
  /** Asks for the whole run as the engine holds it (answered by `history`): a host that reattaches. */
  | { type: 'snapshot' }
  | { type: 'shutdown' };

// ───────────────────────── engine → host ─────────────────────────
/**
 * What a run produced since the last telemetry, sent at most ~20 times a second whatever the
 * iteration rate: each series' new points as a small bucket chunk (./buckets; one bucket per point
 * when there are few, pre-aggregated when there are many, so a message has a fixed upper size).
 * `iterations` has columns cost and lr (x = iteration), `epochs` trainCost, trainError, devCost,
 * devError (x = epoch), `layers` one column per layer and statistic (x = iteration).
 */
export interface Telemetry {
  iteration: number;
  epoch: number;
  learningRate: number;
  iterations?: Buckets;
  epochs?: Buckets;
  layers?: Buckets;
  /** The newest epoch summary and layer sample, whole (for headers, tables and the search). */
  lastEpoch?: EpochSummary;
  lastLayers?: { iteration: number; layers: LayerStat[] };
  /**
   * Events that do not answer a control (flags, verdicts, snapshots, checkpoints, logs) since the
   * last telemetry, in order, of the replacing kinds (verdict, snapshot, checkpoint) only the newest:
   * they ride along instead of costing a message each. Folded after the points.
   */
  events?: EngineEvent[];
}

export type EngineEvent =
  | { type: 'hello'; protocolVersion: number; pid: number }
  | { type: 'runInfo'; info: RunInfo }
  | { type: 'state'; state: RunState; iteration: number; epoch: number; reason?: string }
  | ({ type: 'telemetry' } & Telemetry)
  /**
   * Raw per-point forms for engines that send few points (the PyTorch module): folded like a
   * telemetry chunk of one bucket per point. cost[k] belongs to iteration firstIteration + k.
   */
  | { type: 'metrics'; firstIteration: number; costs: number[]; learningRate: number; epoch: number }
  | { type: 'epoch'; summary: EpochSummary }
  /**
   * `globalGradNorm`: ‖g‖₂ of all gradients together at that iteration, before clipping (the layers'
   * gradNorm are unclipped too); `clipped`: whether training.clipNorm scaled that step.
   */
  /** `rankGradNorms`: under DDP, each rank's own ‖g‖₂ before the all-reduce (the PyTorch module's rank_grad_norms). */
  | { type: 'layerStats'; iteration: number; layers: LayerStat[]; globalGradNorm?: number; clipped?: boolean; rankGradNorms?: number[] }
  /** The whole run as the engine holds it: after a `snapshot` command, and first thing on a resume. */
  | { type: 'history'; view: RunView }
  | { type: 'flag'; flag: Flag }
  | { type: 'learningRate'; iteration: number; epoch: number; from: number; to: number; source: 'user' | 'schedule' }
  | { type: 'gradientCheck'; report: GradCheckReport; requestId?: string }
  | { type: 'verdict'; verdict: Verdict }
  | { type: 'testResult'; iteration: number; cost: number; error: number; looks: number }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'checkpoint'; iteration: number; epoch: number; path: string }
  | { type: 'log'; level: 'info' | 'warning'; message: string }
  /** `requestId`: the error answers that request (e.g. a gradient check the engine could not run). */
  | { type: 'error'; error: EngineErrorInfo; fatal: boolean; requestId?: string }
  | { type: 'summary'; summary: RunSummary }
  /**
   * A `reusable` run ended cleanly: everything of it was sent before this, and the engine now waits
   * for its next start (`code`: what the process would have exited with).
   */
  | { type: 'runEnded'; code: number }
  | { type: 'lrFind'; result: LrFindResult; requestId?: string }
  | { type: 'diagnoseProgress'; check: DiagnoseCheckId; index: number; total: number; requestId?: string }
  | { type: 'diagnosis'; report: DiagnoseReport; requestId?: string };

export interface RunSummary {
  state: RunState;
  reason?: string;
  epochs: number;
  iterations: number;
  final: EpochSummary | null;
  best: { epoch: number; value: number; monitor: string; restored: boolean } | null;
  testLooks: number;
  seconds: number;
  backend: string;
  threads: number;
  /** The global gradient norm over the run's steps (unclipped) and what clipping did. */
  gradients?: GradientNormSummary;
}

/**
 * Unclipped global gradient norms ‖g‖₂ of a run's steps (quantiles from a systematic sample when the
 * run is long) and clipping: `clipNorm` null when off. `suggestedClipNorm` is the 90th percentile of
 * the unclipped norms, the tuning playbook's starting threshold.
 */
export interface GradientNormSummary {
  steps: number;
  median: number;
  p90: number;
  max: number;
  clipNorm: number | null;
  clipped: number;
  clippedFraction: number;
  suggestedClipNorm: number;
}

/** Envelope on the wire: every message carries the protocol version. */
export type Wire<T> = T & { v: number };

/** Every command type, checked against the union by the compiler (a missing or extra key fails). */
const COMMAND_KEYS: Record<EngineCommand['type'], true> = {
  start: true, resumeFromCheckpoint: true, pause: true, resume: true, step: true, stop: true, setLearningRate: true,
  gradientCheck: true, evaluateTest: true, checkpoint: true, pauseAt: true, snapshot: true, shutdown: true, lrFind: true, diagnose: true,
};
const COMMAND_TYPES = new Set(Object.keys(COMMAND_KEYS) as EngineCommand['type'][]);

/** Structural check of an incoming command; returns a reason when it must be rejected. */
export function validateCommand(msg: unknown): { ok: true; command: EngineCommand } | { ok: false; reason: string } {
  const envelope = checkEnvelope(msg, PROTOCOL_VERSION, COMMAND_TYPES, 'command');
  if (!envelope.ok) return envelope;
  const m = envelope.message;
  if (m.type === 'step' && !(Number.isInteger(m.iterations) && (m.iterations as number) > 0)) {
    return { ok: false, reason: 'step needs a positive integer "iterations"' };
  }
  if (m.type === 'pauseAt' && !(Number.isInteger(m.epoch) && (m.epoch as number) > 0)) {
    return { ok: false, reason: 'pauseAt needs a positive integer "epoch"' };
  }
  if (m.type === 'setLearningRate' && !(typeof m.value === 'number' && Number.isFinite(m.value) && m.value > 0)) {
    return { ok: false, reason: 'setLearningRate needs a positive finite "value"' };
  }
  if (m.type === 'resumeFromCheckpoint' && typeof m.runDir !== 'string') {
    return { ok: false, reason: 'resumeFromCheckpoint needs "runDir"' };
  }
  const lrOptions = m.type === 'lrFind' ? m.options : m.type === 'diagnose' ? m.lrFind : undefined;
  if (lrOptions !== undefined && !validLrFindOptions(lrOptions)) {
    return { ok: false, reason: 'learning-rate range test options must be an object of positive numbers (start, end, steps, beta, divergeFactor)' };
  }
  if (m.type === 'diagnose' && m.checks !== undefined
    && !(Array.isArray(m.checks) && m.checks.every((c) => (DIAGNOSE_CHECKS as readonly unknown[]).includes(c)))) {
    return { ok: false, reason: `diagnose "checks" must list some of ${DIAGNOSE_CHECKS.join(', ')}` };
  }
  return { ok: true, command: m as unknown as EngineCommand };
}

function validLrFindOptions(o: unknown): boolean {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const keys: (keyof LrFindOptions)[] = ['start', 'end', 'steps', 'beta', 'divergeFactor'];
  return Object.entries(o).every(([k, v]) => keys.includes(k as keyof LrFindOptions) && typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

const EVENT_KEYS: Record<EngineEvent['type'], true> = {
  hello: true, runInfo: true, state: true, telemetry: true, metrics: true, epoch: true, layerStats: true, history: true,
  flag: true, learningRate: true, gradientCheck: true, verdict: true, testResult: true, snapshot: true, checkpoint: true,
  log: true, error: true, summary: true, runEnded: true, lrFind: true, diagnoseProgress: true, diagnosis: true,
};
/** Every engine event type (the run folder's events.jsonl holds a subset). */
export const ENGINE_EVENT_TYPES: ReadonlySet<EngineEvent['type']> = new Set(Object.keys(EVENT_KEYS) as EngineEvent['type'][]);

/** Structural check of an incoming engine message (host, search process); the reason when it must be ignored. */
export function parseEngineMessage(msg: unknown): { event: EngineEvent } | { reason: string } {
  const envelope = checkEnvelope(msg, PROTOCOL_VERSION, ENGINE_EVENT_TYPES, 'event');
  if (!envelope.ok) return { reason: envelope.reason };
  return { event: withoutVersion(envelope.message) as unknown as EngineEvent };
}
