/**
 * The run folder format (docs/run-folder.md), in one place: file names, the records of
 * metrics.jsonl and events.jsonl, how writers encode them and how readers parse and replay
 * them into a RunView. The engine (and the PyTorch module, in Python) write; the host reads; the
 * engine reads too when it resumes a run. No file system here: callers pass contents in.
 *
 * Per-iteration costs are a binary column (`costs.f64`: little-endian float64, the cost of
 * iteration k at byte 8·(k−1)), with the learning rate as change points (`lr.f64`: (iteration,
 * rate) float64 pairs, one per change): 8 bytes per iteration, lossless, appended as it goes,
 * readable with `numpy.fromfile(path, '<f8')`. Everything else is JSON with non-finite numbers as
 * `{"$nf": …}` tokens (./nonfinite).
 */
import { appendPoint, BUCKETS, createBuckets } from './buckets';
import { fromJson, legacyNumber, toJson } from './nonfinite';
import { ENGINE_EVENT_TYPES, type EngineEvent, type EpochSummary, type LayerStat, type RunInfo, type RunState, type RunSummary } from './protocol';
import { applyEvent, emptyRunView, epochPoint, ITERATION_COLUMNS, LAYER_FIELDS, layerColumns, layerPoint, type RunView } from './run-view';

/** 2: costs.f64 + lr.f64 instead of `iter` lines; `$nf` tokens; flags as episodes. */
export const RUN_FOLDER_VERSION = 2;

export const RUN_FILES = {
  config: 'config.json',
  info: 'run.json',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
  costs: 'costs.f64',
  learningRates: 'lr.f64',
  summary: 'summary.json',
  model: 'model.json',
  checkpoints: 'checkpoints',
  checkpoint: 'checkpoints/latest.json',
  bestCheckpoint: 'checkpoints/best.json',
  gradchecks: 'gradchecks',
  /** A live engine's address for a host that reattaches (removed when the engine exits). */
  engine: 'engine.json',
} as const;

/** Events kept in events.jsonl: everything but the per-point telemetry and the handshake. */
export function isRecordedEvent(e: EngineEvent): boolean {
  switch (e.type) {
    case 'hello': case 'telemetry': case 'metrics': case 'epoch': case 'layerStats': case 'history':
      return false;
    default:
      return true;
  }
}

// ───────────────────────── writing ─────────────────────────

/** metrics.jsonl line of an epoch (wall time left out, so a seeded run's file is identical every time). */
export function epochLine(summary: EpochSummary): string {
  const fast = plainEpochLine(summary);
  if (fast !== null) return fast;
  const { seconds: _seconds, ...rest } = summary;
  void _seconds;
  return toJson({ kind: 'epoch', ...rest });
}

/** The fields of an EpochSummary in the order the trainer builds it. */
const EPOCH_FIELDS = ['epoch', 'iteration', 'trainCost', 'trainError', 'devCost', 'devError', 'learningRate', 'seconds'] as const;

/**
 * `,"key":value` for `obj`'s keys from index `from` on, when `obj` has exactly `keys` in that order and
 * each of those values is a finite number (or null, when `nullable`): the text toJson gives them (a
 * finite number's JSON is its String(), −0 included), without toJson's copy and replacer check. Null
 * for any other shape, which takes the general path. `omit`: a key checked but not written.
 */
function plainFields(obj: object, keys: readonly string[], from: number, nullable: boolean, omit?: string): string | null {
  const own = Object.keys(obj);
  if (own.length !== keys.length) return null;
  const values = obj as Record<string, unknown>;
  let out = '';
  for (let i = 0; i < own.length; i++) {
    if (own[i] !== keys[i]) return null;
    if (i < from) continue;
    const v = values[own[i]];
    if (!((nullable && v === null) || (typeof v === 'number' && Number.isFinite(v)))) return null;
    if (own[i] !== omit) out += `,"${own[i]}":${v}`;
  }
  return out;
}

/**
 * epochLine of the summary the trainer builds (those fields in that order, finite numbers or null)
 * written out directly: a run writes one every epoch.
 */
function plainEpochLine(s: EpochSummary): string | null {
  const fields = plainFields(s, EPOCH_FIELDS, 0, true, 'seconds');
  return fields === null ? null : `{"kind":"epoch"${fields}}`;
}

export function layersLine(iteration: number, layers: readonly LayerStat[]): string {
  return plainLayersLine(iteration, layers) ?? toJson({ kind: 'layers', iteration, layers });
}

/** A LayerStat's keys in the order the engine's recorder builds it: the layer, then LAYER_FIELDS. */
const LAYER_STAT_KEYS = ['layer', ...LAYER_FIELDS] as const;

/**
 * layersLine of the samples our engine records (those keys in that order, finite numbers) written
 * out directly (a sample every 10 iterations: a fast small net writes hundreds a second). Null for
 * any other shape (a script's samples, NaN markers): the general path.
 */
function plainLayersLine(iteration: number, layers: readonly LayerStat[]): string | null {
  if (!Number.isFinite(iteration)) return null;
  let out = `{"kind":"layers","iteration":${iteration},"layers":[`;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (typeof l.layer !== 'string') return null;
    const fields = plainFields(l, LAYER_STAT_KEYS, 1, false);
    if (fields === null) return null;
    out += `${i ? ',' : ''}{"layer":${JSON.stringify(l.layer)}${fields}}`;
  }
  return `${out}]}`;
}

export function eventLine(event: EngineEvent, time: Date): string {
  return toJson({ time: time.toISOString(), ...event });
}

/**
 * Which layer-statistics samples (the n-th sample, 1-based) the run folder keeps: all of the first
 * `LAYER_SAMPLES_PER_OCTAVE`, then every 2nd up to twice that, every 4th up to four times… so a
 * run of any length keeps O(log length) samples (half that many per doubling) while short runs
 * keep them all. Deterministic, so seeded runs write identical files.
 */
export const LAYER_SAMPLES_PER_OCTAVE = 1024;

export function keepLayerSample(n: number): boolean {
  if (n <= LAYER_SAMPLES_PER_OCTAVE) return true;
  let stride = 1;
  while (n > stride * LAYER_SAMPLES_PER_OCTAVE) stride *= 2;
  return n % stride === 0;
}

// ───────────────────────── reading ─────────────────────────

export type MetricRecord =
  | { kind: 'epoch'; summary: EpochSummary }
  | { kind: 'layers'; iteration: number; layers: LayerStat[] }
  /** Version 1 folders: one line per iteration. */
  | { kind: 'iter'; iteration: number; epoch: number; cost: number; lr: number };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Parsed JSON lines; a torn or malformed line (a run being written, a crash) is skipped. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      const v = fromJson(t);
      if (isObject(v)) out.push(v);
    } catch {
      // skip
    }
  }
  return out;
}

const EPOCH_NUMBERS = ['trainCost', 'trainError', 'learningRate'] as const;
const EPOCH_NULLABLE = ['devCost', 'devError'] as const;

/** A layer sample's numbers by name (version 1 wrote non-finite ones as strings; the layer name stays a string). */
function toLayerStat(l: Record<string, unknown>): LayerStat {
  const out = { layer: String(l.layer) } as LayerStat;
  for (const k of LAYER_FIELDS) out[k] = legacyNumber(l[k]);
  return out;
}

export function toMetricRecord(r: Record<string, unknown>): MetricRecord | null {
  switch (r.kind) {
    case 'epoch': {
      // Version 1 wrote the summary's fields next to `kind`, non-finite numbers as strings.
      const s = (isObject(r.summary) ? r.summary : r);
      if (typeof s.epoch !== 'number' || typeof s.iteration !== 'number') return null;
      const summary: EpochSummary = {
        epoch: s.epoch, iteration: s.iteration, trainCost: 0, trainError: 0, devCost: null, devError: null, learningRate: 0,
        seconds: typeof s.seconds === 'number' ? s.seconds : 0,
      };
      for (const k of EPOCH_NUMBERS) summary[k] = legacyNumber(s[k]);
      for (const k of EPOCH_NULLABLE) summary[k] = s[k] === null || s[k] === undefined ? null : legacyNumber(s[k]);
      return { kind: 'epoch', summary };
    }
    case 'layers':
      if (typeof r.iteration !== 'number' || !Array.isArray(r.layers)) return null;
      return { kind: 'layers', iteration: r.iteration, layers: r.layers.filter(isObject).map(toLayerStat) };
    case 'iter':
      if (typeof r.iteration !== 'number') return null;
      return { kind: 'iter', iteration: r.iteration, epoch: typeof r.epoch === 'number' ? r.epoch : 0, cost: legacyNumber(r.cost), lr: legacyNumber(r.lr) };
    default:
      return null;
  }
}

/** An events.jsonl record as an engine event (without its `time`); null for anything else. */
export function toEvent(r: Record<string, unknown>): EngineEvent | null {
  if (typeof r.type !== 'string' || !ENGINE_EVENT_TYPES.has(r.type as EngineEvent['type'])) return null;
  const { time: _time, v: _v, ...rest } = r;
  void _time; void _v;
  const e = rest as unknown as EngineEvent;
  return isRecordedEvent(e) ? e : null;
}

/**
 * The values of a little-endian float64 column file's bytes (costs.f64, lr.f64); a torn last
 * value from a crash is cut off.
 */
export function float64Column(bytes: Uint8Array): Float64Array {
  const n = Math.floor(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 8);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** (iteration, rate) pairs of lr.f64 as [iterations, rates]. */
export function learningRatePairs(lr: Float64Array): { iterations: number[]; rates: number[] } {
  const iterations: number[] = [];
  const rates: number[] = [];
  for (let i = 0; i + 1 < lr.length; i += 2) {
    iterations.push(lr[i]);
    rates.push(lr[i + 1]);
  }
  return { iterations, rates };
}

export interface RunFolderContents {
  runId: string;
  runDir: string;
  info: RunInfo | null;
  summary: RunSummary | null;
  hasCheckpoint: boolean;
  /** costs.f64 and lr.f64 (empty when missing). */
  costs: Float64Array;
  learningRates: Float64Array;
  metricsText: string;
  eventsText: string;
}

/**
 * Folds a run folder into a RunView: the iteration series from costs.f64/lr.f64 (or version 1's
 * `iter` lines), epochs and layer samples from metrics.jsonl, then every recorded event in order.
 * O(iterations) over a typed array plus O(lines); no event is replayed per iteration.
 */
export function replayRunFolder(c: RunFolderContents): RunView {
  const view = emptyRunView(c.runId, c.runDir);
  const records = parseJsonLines(c.metricsText).map(toMetricRecord).filter((m): m is MetricRecord => m !== null);
  const lr = learningRatePairs(c.learningRates);
  const iterationsSeries = createBuckets(ITERATION_COLUMNS, BUCKETS.iterations);
  const point = [0, 0];
  let li = -1;
  for (let k = 0; k < c.costs.length; k++) {
    const it = k + 1;
    while (li + 1 < lr.iterations.length && lr.iterations[li + 1] <= it) li++;
    point[0] = c.costs[k];
    point[1] = li >= 0 ? lr.rates[li] : Number.NaN;
    appendPoint(iterationsSeries, it, point);
  }
  view.iterations = iterationsSeries;
  let lastIteration = c.costs.length;
  let lastRate = li >= 0 ? lr.rates[li] : null;
  for (const m of records) {
    if (m.kind === 'iter') {
      if (m.iteration > lastIteration) {
        point[0] = m.cost;
        point[1] = m.lr;
        appendPoint(view.iterations, m.iteration, point);
        lastIteration = m.iteration;
        lastRate = m.lr;
      }
    } else if (m.kind === 'epoch') {
      if (m.summary.epoch > (view.lastEpoch?.epoch ?? 0)) appendPoint(view.epochs, m.summary.epoch, epochPoint(m.summary));
      view.lastEpoch = m.summary;
    } else {
      const columns = layerColumns(m.layers.map((l) => l.layer));
      if (!view.layers || view.layers.columns.join('\n') !== columns.join('\n')) view.layers = createBuckets(columns, BUCKETS.layers);
      appendPoint(view.layers, m.iteration, layerPoint(columns, m.layers));
      view.lastLayers = { iteration: m.iteration, layers: m.layers };
    }
  }
  view.iteration = lastIteration;
  view.epoch = view.lastEpoch?.epoch ?? 0;
  view.learningRate = lastRate;

  const events = parseJsonLines(c.eventsText).map(toEvent).filter((e): e is EngineEvent => e !== null);
  if (c.info && !events.some((e) => e.type === 'runInfo')) events.unshift({ type: 'runInfo', info: c.info });
  for (const e of events) {
    if (e.type === 'state') {
      // The position is the series', not the last state change's.
      view.state = e.state;
      view.stateReason = e.reason;
      continue;
    }
    applyEvent(view, e);
  }
  view.runId = c.runId;
  view.runDir = c.runDir;
  const summary = c.summary ?? view.summary;
  if (summary) {
    view.summary = summary;
    view.state = summary.state;
    view.stateReason = summary.reason;
    view.iteration = Math.max(view.iteration, summary.iterations);
    view.epoch = Math.max(view.epoch, summary.epochs);
  } else {
    const s = interruptedState(view.state, c.hasCheckpoint);
    view.state = s.state;
    view.stateReason = s.reason;
  }
  return view;
}

/**
 * A run folder without summary.json and without a live engine was interrupted. A run that was
 * paused had just checkpointed, so it is merely stopped; anything else is a crash (the window
 * closed or the engine died mid-run).
 */
export function interruptedState(lastState: RunState, hasCheckpoint: boolean): { state: RunState; reason: string } {
  const resume = hasCheckpoint ? ' It can be resumed from its last checkpoint.' : ' No checkpoint was written.';
  if (lastState === 'paused') {
    return { state: 'stopped', reason: `Interrupted while paused (no summary.json).${resume}` };
  }
  if (lastState === 'finished' || lastState === 'stopped' || lastState === 'diverged') {
    return { state: lastState, reason: `Ended ${lastState} but summary.json is missing.` };
  }
  return { state: 'crashed', reason: `Interrupted while ${lastState} (no summary.json: the window closed or the engine died).${resume}` };
}

// ───────────────────────── CSV export ─────────────────────────

export const CSV_HEADER = [
  'kind', 'iteration', 'epoch', 'cost', 'learning_rate', 'train_cost', 'train_error', 'dev_cost', 'dev_error',
  'test_cost', 'test_error', 'test_looks', 'seconds',
] as const;

function csvNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/**
 * Every metric of a run folder as one CSV table (RFC 4180, `\n` line ends, header first),
 * lossless: a row per iteration (`kind=iteration`: cost, learning rate, epoch), a row per epoch
 * (`kind=epoch`), a row per test-set evaluation (`kind=test`). Empty cells mean "not measured";
 * non-finite values are written NaN / Inf / -Inf. Built from the files, not from a view (views
 * are decimated).
 */
export function runFolderCsv(c: Pick<RunFolderContents, 'costs' | 'learningRates' | 'metricsText' | 'eventsText'>): string {
  const lines: string[] = [CSV_HEADER.join(',')];
  const row = (cells: (string | number | null | undefined)[]): void => {
    lines.push(cells.map((x) => (typeof x === 'number' ? csvNumber(x) : x ?? '')).join(','));
  };
  const records = parseJsonLines(c.metricsText).map(toMetricRecord).filter((m): m is MetricRecord => m !== null);
  const epochs = records.filter((m): m is Extract<MetricRecord, { kind: 'epoch' }> => m.kind === 'epoch').map((m) => m.summary);
  const legacy = records.filter((m): m is Extract<MetricRecord, { kind: 'iter' }> => m.kind === 'iter');
  const epochOf = (it: number): number => {
    let lo = 0;
    let hi = epochs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (epochs[mid].iteration >= it) hi = mid;
      else lo = mid + 1;
    }
    return lo < epochs.length ? epochs[lo].epoch : (epochs.at(-1)?.epoch ?? 0) + 1;
  };
  const lr = learningRatePairs(c.learningRates);
  let li = -1;
  for (let k = 0; k < c.costs.length; k++) {
    const it = k + 1;
    while (li + 1 < lr.iterations.length && lr.iterations[li + 1] <= it) li++;
    row(['iteration', it, epochOf(it), c.costs[k], li >= 0 ? lr.rates[li] : null, null, null, null, null, null, null, null, null]);
  }
  for (const m of legacy) {
    if (m.iteration > c.costs.length) row(['iteration', m.iteration, m.epoch, m.cost, m.lr, null, null, null, null, null, null, null, null]);
  }
  for (const e of epochs) {
    row(['epoch', e.iteration, e.epoch, null, e.learningRate, e.trainCost, e.trainError, e.devCost, e.devError, null, null, null, null]);
  }
  for (const e of parseJsonLines(c.eventsText).map(toEvent)) {
    if (e?.type === 'testResult') row(['test', e.iteration, epochOf(e.iteration), null, null, null, null, null, null, e.cost, e.error, e.looks, null]);
  }
  return lines.join('\n') + '\n';
}
