/**
 * The state of one hyperparameter search as the host keeps it and the search view draws it (the
 * search counterpart of ./run-view). The host folds the search process's events
 * (./search-protocol) into a SearchView with `applySearchEvent`; a (re)opened search view gets
 * the whole SearchView once, then the same events as deltas, folded with the same function.
 * A search read back from its `search.json` starts from `searchViewFromFile`.
 */
import type { EarlyTerminationConfig } from './config';
import {
  choiceText, searchProgress,
  type SearchDimension, type SearchEvent, type SearchFile, type SearchMetric, type SearchProgress, type SearchRound,
  type SearchValue, type TrialRecord, type TrialState,
} from './search-protocol';

/**
 * Where the search stands: `starting` until the process announced it, `running` while its process
 * runs it, then `finished` or `stopped` (also: interrupted, its process gone), or `failed` (the
 * search never started, or its process died with an error).
 */
export type SearchViewState = 'starting' | 'running' | 'finished' | 'stopped' | 'failed';

export interface SearchView {
  /** Absolute path of the search folder: the key of a search. */
  dir: string;
  name: string;
  configPath: string;
  state: SearchViewState;
  /** Why it is in that state, when there is more to say (interrupted, failed …). */
  stateReason?: string;
  /** This window's host runs the search process: trials can be paused, killed, added. */
  live: boolean;
  /** Another process (a `gradient-lab search` in a terminal) runs it: shown, not controlled. */
  external: boolean;
  metric: SearchMetric;
  mode: 'min' | 'max';
  trialsPerRound: number;
  rounds: number;
  parallel: number;
  epochsPerTrial: number;
  /** How many of a round's best trials span the next round's box. */
  keepTop: number;
  earlyTermination: EarlyTerminationConfig;
  space: SearchDimension[];
  /** One entry per round opened so far, by index. */
  roundBoxes: SearchRound[];
  /** Every trial, ordered by id. */
  trials: TrialRecord[];
  bestTrial: number | null;
  progress: SearchProgress | null;
  errors: { message: string; fatal: boolean }[];
  logs: { level: 'info' | 'warning'; message: string }[];
  exported: { outFile: string; trialId: number } | null;
  createdAt?: string;
}

/** A change the host decides (the process started, exited, was lost): travels like a search event. */
export type SearchStatusEvent = { type: 'status'; state: SearchViewState; live: boolean; external?: boolean; reason?: string };

export type SearchViewEvent = SearchEvent | SearchStatusEvent;

const MAX_LOGS = 30;
const MAX_ERRORS = 10;

export function emptySearchView(dir: string, name = '', configPath = ''): SearchView {
  return {
    dir, name, configPath, state: 'starting', live: false, external: false, metric: 'devError', mode: 'min',
    trialsPerRound: 0, rounds: 1, parallel: 1, epochsPerTrial: 0, keepTop: 5, earlyTermination: { type: 'none', graceEpochs: 5 },
    space: [], roundBoxes: [], trials: [], bestTrial: null,
    progress: null, errors: [], logs: [], exported: null,
  };
}

/** The view of a search read from its `search.json` (a past search, or one run by another process). */
export function searchViewFromFile(file: SearchFile, dir: string, status: Omit<SearchStatusEvent, 'type'>): SearchView {
  const view = emptySearchView(dir, file.name, file.configPath);
  view.metric = file.metric;
  view.mode = file.mode;
  view.trialsPerRound = file.trialsPerRound;
  view.rounds = file.rounds;
  view.parallel = file.parallel;
  view.epochsPerTrial = file.epochsPerTrial;
  view.keepTop = file.keepTop;
  view.earlyTermination = file.earlyTermination;
  view.space = file.space;
  view.roundBoxes = [...file.roundBoxes].sort((a, b) => a.index - b.index);
  view.trials = [...file.trials].sort((a, b) => a.id - b.id);
  view.bestTrial = file.bestTrial;
  view.createdAt = file.createdAt;
  view.progress = searchProgress(view.trials, view.bestTrial, view.roundBoxes.length);
  applySearchEvent(view, { type: 'status', ...status });
  return view;
}

function upsertTrial(view: SearchView, trial: TrialRecord): void {
  const list = view.trials;
  // Almost always an update of a known trial or one appended at the end.
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].id === trial.id) {
      list[i] = trial;
      return;
    }
    if (list[i].id < trial.id) {
      list.splice(i + 1, 0, trial);
      return;
    }
  }
  list.unshift(trial);
}

/**
 * Folds one event into the view (in place) and returns it. Trial events replace the trial's record
 * (they carry the whole record); the best trial is what `progress` and `finished` say, so that
 * dropping a trial event superseded by a later one of the same trial never changes the result
 * (see `compactSearchEvents`).
 */
export function applySearchEvent(view: SearchView, event: SearchViewEvent): SearchView {
  switch (event.type) {
    case 'hello':
      break;
    case 'searchInfo':
      view.dir = event.dir;
      view.name = event.name;
      view.configPath = event.configPath;
      view.space = event.space;
      view.trialsPerRound = event.trials;
      view.rounds = event.rounds;
      view.parallel = event.parallel;
      view.metric = event.metric;
      view.mode = event.mode;
      view.epochsPerTrial = event.epochsPerTrial;
      if (event.keepTop !== undefined) view.keepTop = event.keepTop;
      if (event.earlyTermination) view.earlyTermination = event.earlyTermination;
      if (view.state === 'starting') {
        view.state = 'running';
        view.stateReason = undefined;
      }
      break;
    case 'round': {
      const round: SearchRound = { index: event.index, box: event.box, basedOn: event.basedOn };
      const i = view.roundBoxes.findIndex((r) => r.index === event.index);
      if (i >= 0) view.roundBoxes[i] = round;
      else {
        view.roundBoxes.push(round);
        view.roundBoxes.sort((a, b) => a.index - b.index);
      }
      break;
    }
    case 'trial':
      upsertTrial(view, event.trial);
      break;
    case 'progress': {
      const { type: _type, ...progress } = event;
      void _type;
      view.progress = progress;
      view.bestTrial = progress.best ? progress.best.id : null;
      break;
    }
    case 'finished':
      view.state = event.state;
      view.stateReason = event.state === 'stopped' ? 'Stopped before every trial ended; Resume continues it.' : undefined;
      if (event.best) upsertTrial(view, event.best);
      view.bestTrial = event.best ? event.best.id : null;
      break;
    case 'exported':
      view.exported = { outFile: event.outFile, trialId: event.trialId };
      break;
    case 'log':
      view.logs.push({ level: event.level, message: event.message });
      if (view.logs.length > MAX_LOGS) view.logs.splice(0, view.logs.length - MAX_LOGS);
      break;
    case 'error':
      view.errors.push({ message: event.message, fatal: event.fatal });
      if (view.errors.length > MAX_ERRORS) view.errors.splice(0, view.errors.length - MAX_ERRORS);
      break;
    case 'status':
      view.state = event.state;
      view.live = event.live;
      view.external = event.external ?? false;
      view.stateReason = event.reason;
      break;
  }
  return view;
}

/**
 * Drops the events that a later event of the same batch makes irrelevant: a trial event when the
 * same trial changes again, a progress or status event followed by another one. Folding the result
 * gives exactly the view that folding all of them gives (tested).
 */
export function compactSearchEvents(events: readonly SearchViewEvent[]): SearchViewEvent[] {
  const lastTrial = new Map<number, number>();
  let lastProgress = -1;
  let lastStatus = -1;
  events.forEach((e, i) => {
    if (e.type === 'trial') lastTrial.set(e.trial.id, i);
    else if (e.type === 'progress') lastProgress = i;
    else if (e.type === 'status') lastStatus = i;
  });
  return events.filter((e, i) => {
    if (e.type === 'trial') return lastTrial.get(e.trial.id) === i;
    if (e.type === 'progress') return i === lastProgress;
    if (e.type === 'status') return i === lastStatus;
    return true;
  });
}

export interface SearchCounts {
  done: number;
  running: number;
  paused: number;
  queued: number;
  total: number;
  byState: Record<TrialState, number>;
}

/** Trials per state, from the records themselves. */
export function countTrials(trials: readonly TrialRecord[]): SearchCounts {
  const byState: Record<TrialState, number> = { queued: 0, running: 0, paused: 0, finished: 0, killed: 0, failed: 0, stopped: 0, pruned: 0 };
  for (const t of trials) byState[t.state]++;
  const done = byState.finished + byState.killed + byState.failed + byState.stopped + byState.pruned;
  return { done, running: byState.running, paused: byState.paused, queued: byState.queued, total: trials.length, byState };
}

/**
 * The search's shape as it ran: trials per round ("6 trials × 1 round"), counting the trials each
 * opened round really has (trials added by hand included) and the plan for rounds still to come;
 * uneven rounds are listed ("4 + 6 + 4 trials in 3 rounds").
 */
export function trialsPerRoundLabel(view: Pick<SearchView, 'trials' | 'trialsPerRound' | 'rounds' | 'roundBoxes'>): string {
  const rounds = Math.max(view.rounds, view.roundBoxes.length, 1);
  const counts = Array.from({ length: rounds }, (_, r) => (r < view.roundBoxes.length ? 0 : view.trialsPerRound));
  for (const t of view.trials) if (t.round < view.roundBoxes.length) counts[t.round]++;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (counts.every((n) => n === counts[0])) return `${plural(counts[0], 'trial')} × ${plural(rounds, 'round')}`;
  return `${counts.join(' + ')} trials in ${rounds} rounds`;
}

/**
 * A trial's state as shown: running or paused trials of a search that no process runs any more
 * (the window closed, the process died) were interrupted, whatever search.json still says.
 */
export function shownTrialState(view: SearchView, t: TrialRecord): TrialState {
  if (!view.live && !view.external && view.state !== 'starting' && (t.state === 'running' || t.state === 'paused')) return 'stopped';
  return t.state;
}

/** Whether Resume makes sense: the search is on disk, not running anywhere, and not finished. */
export function canResumeSearch(view: SearchView): boolean {
  return !view.live && !view.external && !!view.dir && (view.state === 'stopped' || view.state === 'failed');
}

export function bestTrialOf(view: SearchView): TrialRecord | undefined {
  return view.bestTrial === null ? undefined : view.trials.find((t) => t.id === view.bestTrial);
}

// ───────────────────────── formatting ─────────────────────────

/** The last segment of a config path, as a column / axis name: `model.hidden[*].units` → `units`. */
export function shortName(path: string): string {
  const last = path.split('.').pop() ?? path;
  return last.replace(/\[[^\]]*\]$/, '') || path;
}

/**
 * Column / axis names for every dimension: the last path segment, or more of the path when two
 * dimensions would share it (`hidden[0].units`, `hidden[1].units`).
 */
export function dimensionLabels(space: readonly SearchDimension[]): string[] {
  const labels = space.map((d) => shortName(d.path));
  for (let depth = 2; depth <= 6; depth++) {
    const seen = new Map<string, number>();
    for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
    if ([...seen.values()].every((n) => n === 1)) break;
    space.forEach((d, i) => {
      if ((seen.get(labels[i]) ?? 0) > 1) labels[i] = d.path.split('.').slice(-depth).join('.');
    });
  }
  return labels;
}

/**
 * A sampled value as the table shows it: `log` dimensions in scientific notation (3.96e-2), β of
 * `oneMinusLog` with enough decimals for 1 − β to keep 3 significant digits (0.9985), `uniform`
 * with 4 significant digits, `int` as is, `choice` as the choice.
 */
export function formatSearchValue(dim: Pick<SearchDimension, 'scale'>, value: SearchValue | undefined): string {
  if (value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  switch (dim.scale) {
    case 'log':
      return value.toExponential(2).replace('e+', 'e');
    case 'oneMinusLog': {
      const gap = 1 - value;
      if (!(gap > 0)) return String(value);
      const decimals = Math.min(12, Math.max(2, Math.ceil(-Math.log10(gap)) + 2));
      return value.toFixed(decimals);
    }
    case 'int':
      return String(Math.round(value));
    case 'uniform':
      return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? String(Number(value.toPrecision(4))) : value.toExponential(3).replace('e+', 'e');
    case 'choice':
      return String(value);
  }
}

/** A metric value: errors as a percentage (2 decimals below 10 %), losses with 4 significant digits. */
export function formatMetric(metric: SearchMetric, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (metric === 'devError' || metric === 'trainError') return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%`;
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? String(Number(value.toPrecision(4))) : value.toExponential(3).replace('e+', 'e');
}

export const METRIC_LABEL: Record<SearchMetric, string> = {
  devError: 'dev error', devLoss: 'dev loss', trainError: 'train error', trainLoss: 'train loss',
};

/** A round's box in words: `learningRate 10^[-2.11, -1.33] · beta1 1−10^[-1.96, -1.17] · activation ∈ {relu, tanh}`. */
export function describeBox(space: readonly SearchDimension[], round: SearchRound): string {
  const labels = dimensionLabels(space);
  const parts: string[] = [];
  space.forEach((d, i) => {
    const r = round.box[d.path];
    if (!r) return;
    const f = (x: number): string => String(Number(x.toFixed(2)));
    if ('indices' in r) {
      parts.push(`${labels[i]} ∈ {${r.indices.map((k) => choiceText(d, k)).join(', ')}}`);
    } else if (d.scale === 'log') {
      parts.push(`${labels[i]} 10^[${f(r.low)}, ${f(r.high)}]`);
    } else if (d.scale === 'oneMinusLog') {
      parts.push(`${labels[i]} 1−10^[${f(r.low)}, ${f(r.high)}]`);
    } else if (d.scale === 'int') {
      parts.push(`${labels[i]} [${Math.round(r.low)}, ${Math.round(r.high)}]`);
    } else {
      parts.push(`${labels[i]} [${formatSearchValue(d, r.low)}, ${formatSearchValue(d, r.high)}]`);
    }
  });
  return parts.join(' · ');
}
