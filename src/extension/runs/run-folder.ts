/**
 * Reads run folders (docs/run-folder.md) back into RunViews: discovery of the runs folder, a cheap
 * header (run.json + summary.json + checkpoint presence) for the Runs tree, and a full replay of
 * metrics.jsonl + events.jsonl through the same `applyEvent` the live path uses.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, EpochSummary, LayerStat, RunInfo, RunState, RunSummary } from '../../shared/protocol';
import { applyEvent, emptyRunView, type RunView } from '../../shared/run-view';

export const RUN_FILES = {
  config: 'config.json',
  info: 'run.json',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
  summary: 'summary.json',
  checkpoint: path.join('checkpoints', 'latest.json'),
} as const;

export interface RunFolderHeader {
  runId: string;
  runDir: string;
  info: RunInfo | null;
  summary: RunSummary | null;
  hasCheckpoint: boolean;
  configPath?: string;
  /** Last modification of the folder's newest known file (ms since epoch). */
  modified: number;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'), reviveNonFinite) as unknown;
  } catch {
    return undefined;
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Modification time in ms; 0 when the file is missing or unreadable. */
export async function fileMtime(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Sub-folders of `runsDir` that look like run folders (hold run.json, config.json or metrics.jsonl). */
export function discoverRunFolders(runsDir: string): Promise<string[]> {
  return discoverFolders(runsDir, [RUN_FILES.info, RUN_FILES.config, RUN_FILES.metrics]);
}

/** Sub-folders of `runsDir` holding any of `markers`, newest name first (names start with a timestamp). */
export async function discoverFolders(runsDir: string, markers: readonly string[]): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  await Promise.all(entries.filter((e) => e.isDirectory()).map(async (e) => {
    const dir = path.join(runsDir, e.name);
    for (const marker of markers) {
      if (await fileExists(path.join(dir, marker))) {
        found.push(dir);
        return;
      }
    }
  }));
  return found.sort().reverse();
}

/** The cheap part of a run folder: enough for a tree row, no metrics parsing. */
export async function readRunHeader(runDir: string): Promise<RunFolderHeader> {
  const [info, summary, config, hasCheckpoint] = await Promise.all([
    readJson(path.join(runDir, RUN_FILES.info)),
    readJson(path.join(runDir, RUN_FILES.summary)),
    readJson(path.join(runDir, RUN_FILES.config)),
    fileExists(path.join(runDir, RUN_FILES.checkpoint)),
  ]);
  const runInfo = isObject(info) && typeof info.runId === 'string' ? (info as unknown as RunInfo) : null;
  const runSummary = isObject(summary) && typeof summary.state === 'string' ? (summary as unknown as RunSummary) : null;
  const configPath = runInfo?.configPath ?? (isObject(config) && typeof config.configPath === 'string' ? config.configPath : undefined);
  const times = await Promise.all([RUN_FILES.metrics, RUN_FILES.events, RUN_FILES.summary, RUN_FILES.info].map((f) => fileMtime(path.join(runDir, f))));
  return {
    // The folder name is the run id (the engine names folders <timestamp>-<name>); run.json may say otherwise.
    runId: runInfo?.runId ?? path.basename(runDir),
    runDir,
    info: runInfo,
    summary: runSummary,
    hasCheckpoint,
    configPath,
    modified: Math.max(...times),
  };
}

/** The engine writes NaN/±Infinity as strings (JSON has no such numbers): turn them back. */
function reviveNonFinite(_key: string, value: unknown): unknown {
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return value;
}

/** Splits a JSON-lines text into parsed objects; a torn or malformed line (a run being written) is skipped. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      const v = JSON.parse(t, reviveNonFinite) as unknown;
      if (isObject(v)) out.push(v);
    } catch {
      // skip
    }
  }
  return out;
}

/** A metrics.jsonl line, parsed. */
export type MetricRecord =
  | { kind: 'iter'; iteration: number; epoch: number; cost: number; lr: number }
  | { kind: 'epoch'; iteration: number; summary: EpochSummary }
  | { kind: 'layers'; iteration: number; layers: LayerStat[] };

/** JSON has no NaN/Infinity: writers store them as null or strings; both come back as numbers here. */
function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === null) return Number.NaN;
  if (typeof x === 'string') {
    if (x === 'Infinity' || x === '+Infinity' || x === 'inf') return Number.POSITIVE_INFINITY;
    if (x === '-Infinity' || x === '-inf') return Number.NEGATIVE_INFINITY;
    return Number(x);
  }
  return Number.NaN;
}

export function toMetricRecord(r: Record<string, unknown>): MetricRecord | null {
  switch (r.kind) {
    case 'iter':
      if (typeof r.iteration !== 'number') return null;
      return { kind: 'iter', iteration: r.iteration, epoch: typeof r.epoch === 'number' ? r.epoch : 0, cost: num(r.cost), lr: num(r.lr) };
    case 'epoch': {
      // Either the EpochSummary's fields next to `kind`, or nested under `summary`.
      const s = (isObject(r.summary) ? r.summary : r) as Record<string, unknown>;
      if (typeof s.epoch !== 'number' || typeof s.iteration !== 'number') return null;
      const { kind: _kind, time: _time, v: _v, ...rest } = s;
      void _kind; void _time; void _v;
      return { kind: 'epoch', iteration: s.iteration, summary: rest as unknown as EpochSummary };
    }
    case 'layers':
      if (typeof r.iteration !== 'number' || !Array.isArray(r.layers)) return null;
      return { kind: 'layers', iteration: r.iteration, layers: r.layers as LayerStat[] };
    default:
      return null;
  }
}

const EVENT_TYPES = new Set<EngineEvent['type']>([
  'runInfo', 'state', 'metrics', 'epoch', 'layerStats', 'flag', 'learningRate', 'gradientCheck', 'verdict',
  'testResult', 'snapshot', 'checkpoint', 'log', 'error', 'summary',
]);

/** An events.jsonl record as an engine event (without its `time`/`v`); null for unknown kinds. */
export function toEvent(r: Record<string, unknown>): EngineEvent | null {
  if (typeof r.type !== 'string' || !EVENT_TYPES.has(r.type as EngineEvent['type'])) return null;
  const { time: _time, v: _v, ...rest } = r;
  void _time; void _v;
  return rest as unknown as EngineEvent;
}

/** The iteration an event belongs to, when it says; used to interleave events with metrics. */
export function eventIteration(e: EngineEvent): number | undefined {
  switch (e.type) {
    case 'runInfo': return e.info.resumedFrom?.iteration ?? 0;
    case 'state':
    case 'learningRate':
    case 'testResult':
    case 'checkpoint':
    case 'layerStats':
      return e.iteration;
    case 'flag': return e.flag.iteration;
    case 'gradientCheck': return e.report.iteration;
    case 'epoch': return e.summary.iteration;
    default: return undefined;
  }
}

export interface ReplayInput {
  runId: string;
  runDir: string;
  metrics: Record<string, unknown>[];
  events: Record<string, unknown>[];
  info?: RunInfo | null;
  summary?: RunSummary | null;
  hasCheckpoint?: boolean;
}

/**
 * Folds recorded metrics and events into a RunView in the order they happened: an event that names
 * an iteration is applied after every metric record up to that iteration; one that does not (verdict,
 * snapshot, log …) keeps the position of the event before it. Consecutive iteration records become one
 * `metrics` event, as the engine sends them.
 */
export function replayRecords(input: ReplayInput): RunView {
  const view = emptyRunView(input.runId, input.runDir);
  const metrics = input.metrics.map(toMetricRecord).filter((m): m is MetricRecord => m !== null);
  const events = input.events.map(toEvent).filter((e): e is EngineEvent => e !== null);
  if (input.info && !events.some((e) => e.type === 'runInfo')) events.unshift({ type: 'runInfo', info: input.info });

  let mi = 0;
  const applyMetricsUpTo = (limit: number): void => {
    while (mi < metrics.length && metrics[mi].iteration <= limit) {
      const m = metrics[mi];
      if (m.kind === 'iter') {
        const costs: number[] = [m.cost];
        let last = m.iteration;
        mi++;
        while (mi < metrics.length) {
          const n = metrics[mi];
          if (n.kind !== 'iter' || n.iteration > limit || n.iteration !== last + 1 || n.epoch !== m.epoch || !sameNumber(n.lr, m.lr)) break;
          costs.push(n.cost);
          last = n.iteration;
          mi++;
        }
        applyEvent(view, { type: 'metrics', firstIteration: m.iteration, costs, learningRate: m.lr, epoch: m.epoch });
      } else if (m.kind === 'epoch') {
        applyEvent(view, { type: 'epoch', summary: m.summary });
        mi++;
      } else {
        applyEvent(view, { type: 'layerStats', iteration: m.iteration, layers: m.layers });
        mi++;
      }
    }
  };

  let position = Number.NEGATIVE_INFINITY;
  let sawSummary = false;
  for (const e of events) {
    const it = eventIteration(e);
    if (it !== undefined) position = it;
    applyMetricsUpTo(position);
    applyEvent(view, e);
    if (e.type === 'summary') sawSummary = true;
  }
  applyMetricsUpTo(Number.POSITIVE_INFINITY);

  const summary = input.summary ?? (sawSummary ? view.summary : null);
  if (summary) {
    if (!view.summary) applyEvent(view, { type: 'summary', summary });
    view.state = summary.state;
    view.stateReason = summary.reason;
  } else {
    const s = interruptedState(view.state, input.hasCheckpoint ?? view.lastCheckpoint !== null);
    view.state = s.state;
    view.stateReason = s.reason;
  }
  return view;
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
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

/** Full replay of a run folder from disk. */
export async function replayRunFolder(runDir: string, header?: RunFolderHeader): Promise<RunView> {
  const h = header ?? await readRunHeader(runDir);
  const read = async (f: string): Promise<string> => {
    try {
      return await fs.readFile(path.join(runDir, f), 'utf8');
    } catch {
      return '';
    }
  };
  const [metricsText, eventsText] = await Promise.all([read(RUN_FILES.metrics), read(RUN_FILES.events)]);
  return replayRecords({
    runId: h.runId,
    runDir,
    metrics: parseJsonLines(metricsText),
    events: parseJsonLines(eventsText),
    info: h.info,
    summary: h.summary,
    hasCheckpoint: h.hasCheckpoint,
  });
}
