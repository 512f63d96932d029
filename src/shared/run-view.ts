/**
 * The state of one run as the engine, the host and a webview keep it. Each folds engine events
 * into it with `applyEvent`; a (re)opened webview (or a reattached host) gets the whole view once,
 * then the same events as deltas, folded with the same function, so all sides agree.
 *
 * Its size is bounded whatever the run length: per-point series are bucket series of fixed
 * capacity (./buckets), lists of discrete events are capped (the run folder keeps everything), so
 * a 10 M-iteration run costs the host, a post and a render what a short one does.
 */
import {
  appendChunk, appendPoint, bucketStat, BUCKETS, createBuckets, reviveBuckets, type Buckets,
} from './buckets';
import type {
  EngineEvent, EpochSummary, Flag, GradCheckReport, LayerStat, RunInfo, RunState, RunSummary, Snapshot, Telemetry, Verdict,
} from './protocol';

export interface LearningRateChange {
  iteration: number;
  epoch: number;
  from: number;
  to: number;
  source: 'user' | 'schedule';
}

export const ITERATION_COLUMNS = ['cost', 'lr'] as const;
export const EPOCH_COLUMNS = ['trainCost', 'trainError', 'devCost', 'devError'] as const;
export const LAYER_FIELDS = ['gradNorm', 'weightNorm', 'updateRatio', 'meanAbsGrad', 'activationMean', 'activationStd', 'saturated', 'deadRelu'] as const;
export type LayerField = (typeof LAYER_FIELDS)[number];

/** Most entries kept of each list of discrete events (the run folder keeps them all). */
export const LIST_CAPS = { flags: 200, gradientChecks: 20, tests: 100, errors: 50, learningRateChanges: 500 } as const;

export interface RunView {
  runId: string;
  runDir: string;
  info: RunInfo | null;
  state: RunState;
  stateReason?: string;
  iteration: number;
  epoch: number;
  /** The learning rate in effect now (a user's change shows at once). */
  learningRate: number | null;
  /** Per iteration: cost, lr. */
  iterations: Buckets;
  /** Per epoch: train and dev cost and error. */
  epochs: Buckets;
  lastEpoch: EpochSummary | null;
  /** Per layer statistics sample: one column per layer and field (`layerColumn`); null before the first. */
  layers: Buckets | null;
  lastLayers: { iteration: number; layers: LayerStat[] } | null;
  learningRateChanges: LearningRateChange[];
  flags: Flag[];
  /** Flags seen in all, an episode counted once (the list keeps the newest `LIST_CAPS.flags`). */
  flagCount: number;
  gradientChecks: GradCheckReport[];
  verdict: Verdict | null;
  tests: { iteration: number; cost: number; error: number; looks: number }[];
  snapshot: Snapshot | null;
  lastCheckpoint: { iteration: number; epoch: number; path: string } | null;
  errors: { message: string; fatal: boolean }[];
  summary: RunSummary | null;
}

export function layerColumn(layer: string, field: LayerField): string {
  return `${layer}:${field}`;
}

export function layerColumns(layers: readonly string[]): string[] {
  return layers.flatMap((l) => LAYER_FIELDS.map((f) => layerColumn(l, f)));
}

export function emptyRunView(runId: string, runDir: string): RunView {
  return {
    runId, runDir, info: null, state: 'starting', iteration: 0, epoch: 0, learningRate: null,
    iterations: createBuckets(ITERATION_COLUMNS, BUCKETS.iterations), epochs: createBuckets(EPOCH_COLUMNS, BUCKETS.epochs),
    lastEpoch: null, layers: null, lastLayers: null, learningRateChanges: [], flags: [], flagCount: 0, gradientChecks: [],
    verdict: null, tests: [], snapshot: null, lastCheckpoint: null, errors: [], summary: null,
  };
}

/** A view received whole (a snapshot, a `history` event) as a working one: its series can grow again. */
export function reviveRunView(view: RunView): RunView {
  return {
    ...view,
    iterations: reviveBuckets(view.iterations, BUCKETS.iterations),
    epochs: reviveBuckets(view.epochs, BUCKETS.epochs),
    layers: view.layers ? reviveBuckets(view.layers, BUCKETS.layers) : null,
  };
}

function capped<T>(list: T[], item: T, cap: number): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}

/** The epoch point of a summary, in EPOCH_COLUMNS order. */
export function epochPoint(s: EpochSummary): (number | null)[] {
  return [s.trainCost, s.trainError, s.devCost, s.devError];
}

/** One layer-statistics sample as a point of the `layers` series (columns of `layerColumns`). */
export function layerPoint(columns: readonly string[], layers: readonly LayerStat[]): (number | null)[] {
  const byName = new Map(layers.map((l) => [l.layer, l]));
  return columns.map((col) => {
    const cut = col.lastIndexOf(':');
    const stat = byName.get(col.slice(0, cut));
    return stat ? stat[col.slice(cut + 1) as LayerField] : null;
  });
}

/**
 * The epochs of a telemetry message as summaries (for consumers that act per epoch, like the
 * search's pruning): one per bucket of its `epochs` chunk, exact while buckets hold one epoch
 * (while the run has fewer epochs than the view's buckets), each bucket's last values beyond.
 */
export function telemetryEpochs(t: Telemetry): EpochSummary[] {
  const c = t.epochs;
  if (!c) return [];
  const out: EpochSummary[] = [];
  const value = (i: number, col: number): number | null => {
    const s = bucketStat(c, i, col);
    return s.n > 0 || s.bad > 0 ? s.last : null;
  };
  for (let i = 0; i < c.size; i++) {
    const epoch = c.x1[i];
    const exact = t.lastEpoch && t.lastEpoch.epoch === epoch ? t.lastEpoch : null;
    out.push(exact ?? {
      epoch, iteration: t.iteration, trainCost: value(i, 0) ?? Number.NaN, trainError: value(i, 1) ?? Number.NaN,
      devCost: value(i, 2), devError: value(i, 3), learningRate: t.learningRate, seconds: 0,
    });
  }
  return out;
}

function foldTelemetry(view: RunView, t: Telemetry): void {
  // A chunk that does not continue the series (a resumed run before its history came) is dropped:
  // the history that follows replaces the series.
  if (t.iterations && t.iterations.size > 0 && t.iterations.x0[0] > lastXOf(view.iterations)) appendChunk(view.iterations, t.iterations);
  if (t.epochs && t.epochs.size > 0 && t.epochs.x0[0] > lastXOf(view.epochs)) appendChunk(view.epochs, t.epochs);
  if (t.layers && t.layers.size > 0) {
    if (!view.layers || view.layers.columns.join('\n') !== t.layers.columns.join('\n')) view.layers = createBuckets(t.layers.columns, BUCKETS.layers);
    if (t.layers.x0[0] > lastXOf(view.layers)) appendChunk(view.layers, t.layers);
  }
  if (t.lastEpoch) view.lastEpoch = t.lastEpoch;
  if (t.lastLayers) view.lastLayers = t.lastLayers;
  view.iteration = t.iteration;
  view.epoch = t.epoch;
  view.learningRate = t.learningRate;
  for (const e of t.events ?? []) applyEvent(view, e);
}

function lastXOf(b: Buckets): number {
  return b.size > 0 ? b.x1[b.size - 1] : 0;
}

/** Folds one engine event into the view (in place) and returns it. */
export function applyEvent(view: RunView, event: EngineEvent): RunView {
  switch (event.type) {
    case 'hello':
    case 'log':
      break;
    case 'runInfo':
      view.info = event.info;
      // A view keeps the id it was given (a search trial is known as `<search>/trial-007` to every
      // view; its engine calls it `trial-007`); a new run's view takes the engine's.
      view.runId ||= event.info.runId;
      view.runDir = event.info.runDir;
      break;
    case 'state':
      view.state = event.state;
      view.stateReason = event.reason;
      view.iteration = event.iteration;
      view.epoch = event.epoch;
      break;
    case 'telemetry':
      foldTelemetry(view, event);
      break;
    case 'metrics': {
      const it = view.iterations;
      for (let k = 0; k < event.costs.length; k++) {
        const x = event.firstIteration + k;
        if (x > lastXOf(it)) appendPoint(it, x, [event.costs[k], event.learningRate]);
      }
      view.iteration = Math.max(view.iteration, event.firstIteration + event.costs.length - 1);
      view.epoch = event.epoch;
      view.learningRate = event.learningRate;
      break;
    }
    case 'epoch':
      if (event.summary.epoch > lastXOf(view.epochs)) appendPoint(view.epochs, event.summary.epoch, epochPoint(event.summary));
      view.lastEpoch = event.summary;
      break;
    case 'layerStats': {
      const names = event.layers.map((l) => l.layer);
      const columns = layerColumns(names);
      if (!view.layers || view.layers.columns.join('\n') !== columns.join('\n')) view.layers = createBuckets(columns, BUCKETS.layers);
      if (event.iteration > lastXOf(view.layers)) appendPoint(view.layers, event.iteration, layerPoint(columns, event.layers));
      view.lastLayers = { iteration: event.iteration, layers: event.layers };
      break;
    }
    case 'history': {
      const h = reviveRunView(event.view);
      // The engine's own view, whole: it replaces ours (a reattached host, a resumed run), bar the id.
      const runId = view.runId;
      Object.assign(view, h);
      view.runId = runId || h.runId;
      break;
    }
    case 'flag': {
      // A later event of an episode (its close, or its state at the run's end) replaces the entry in place.
      const id = event.flag.episode?.id;
      const at = id === undefined ? -1 : view.flags.findIndex((f) => f.episode?.id === id);
      if (at >= 0) {
        view.flags[at] = event.flag;
      } else {
        view.flagCount++;
        capped(view.flags, event.flag, LIST_CAPS.flags);
      }
      break;
    }
    case 'learningRate':
      capped(view.learningRateChanges, { iteration: event.iteration, epoch: event.epoch, from: event.from, to: event.to, source: event.source }, LIST_CAPS.learningRateChanges);
      view.learningRate = event.to;
      break;
    case 'gradientCheck':
      capped(view.gradientChecks, event.report, LIST_CAPS.gradientChecks);
      break;
    case 'verdict':
      view.verdict = event.verdict;
      break;
    case 'testResult':
      capped(view.tests, { iteration: event.iteration, cost: event.cost, error: event.error, looks: event.looks }, LIST_CAPS.tests);
      break;
    case 'snapshot':
      view.snapshot = event.snapshot;
      break;
    case 'checkpoint':
      view.lastCheckpoint = { iteration: event.iteration, epoch: event.epoch, path: event.path };
      break;
    case 'error':
      capped(view.errors, { message: event.error.message, fatal: event.fatal }, LIST_CAPS.errors);
      break;
    case 'summary':
      view.summary = event.summary;
      break;
  }
  return view;
}
