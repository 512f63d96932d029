/**
 * Messages between the extension host and its webviews (dashboard panel, side-panel view,
 * compare panel). The webview imports only this file and ./run-view, ./protocol (types).
 */
import type { EngineEvent } from './protocol';
import { DIAGNOSE_CHECKS, type CheckStatus, type DiagnoseCheckId, type DiagnoseReport, type LrFindResult } from './diagnosis';
import type { RunView } from './run-view';
import type { SearchView, SearchViewEvent } from './search-view';

export interface ViewSettings {
  smoothing: number;
  maxPoints: number;
}

// ───────────────────────── host → webview ─────────────────────────
export type HostToWebview =
  /** The whole run, sent on `ready` (a new or reopened webview) and when the shown run changes. */
  | { type: 'snapshot'; view: RunView; settings: ViewSettings; compact: boolean }
  /** Events since the last post, throttled to ≤ 10 posts per second. */
  | { type: 'events'; runId: string; events: EngineEvent[] }
  /** Compare panel: several finished or live runs overlaid. */
  | { type: 'compare'; views: RunView[]; settings: ViewSettings }
  | { type: 'empty'; message: string }
  /** Search view: the whole search, on `ready` and whenever the host re-read it from its folder. */
  | { type: 'searchSnapshot'; view: SearchView }
  /** Search view: search events since the last post (≤ 10 posts per second), folded with `applySearchEvent`. */
  | { type: 'searchEvents'; dir: string; events: SearchViewEvent[] }
  /** Diagnose view: everything it shows, on `ready` and whenever it changes (a few posts per diagnosis). */
  | { type: 'diagnoseState'; state: DiagnoseViewState };

/** What the Diagnose / Find Learning Rate panel shows. */
export interface DiagnoseViewState {
  /** 'diagnose': the report card (and the range test's chart); 'lrFind': the range test alone. */
  kind: 'diagnose' | 'lrFind';
  /** The experiment file, and the live run whose weights were swept (a dashboard's "Find LR"). */
  file: string | null;
  fileName: string;
  runId: string | null;
  runLive: boolean;
  phase: 'running' | 'done' | 'error' | 'cancelled';
  progress: { check: DiagnoseCheckId; index: number; total: number } | null;
  report: DiagnoseReport | null;
  lrFind: LrFindResult | null;
  error: string | null;
  /** What the last one-click fix did ("wrote training.optimizer.learningRate = 0.018"). */
  applied: string | null;
}

/** What the Diagnose panel asks: a check's fix, the range test's rate (into the file or the live run), a re-run. */
export type DiagnoseAction =
  | { action: 'fix'; check: DiagnoseCheckId }
  | { action: 'applyLearningRate'; target: 'file' | 'run' }
  | { action: 'rerun' }
  | { action: 'openFile' };

/**
 * Events a click waits for (Pause → `state`, Set LR → `learningRate`, a report): the host posts them
 * at once, never behind its refresh rate, and the webview draws its controls and header at once.
 */
export const URGENT_EVENTS: ReadonlySet<EngineEvent['type']> = new Set<EngineEvent['type']>([
  'state', 'learningRate', 'gradientCheck', 'testResult', 'error', 'summary', 'history', 'runInfo', 'lrFind',
]);

export type ControlCommand = 'pause' | 'resume' | 'step' | 'stop' | 'gradientCheck' | 'evaluateTest' | 'resumeFromCheckpoint';

/** What the search view asks of one trial. */
export type TrialCommand = 'pause' | 'resume' | 'kill' | 'openDashboard' | 'promote';
/** What the search view asks of the whole search. */
export type SearchControlCommand = 'addTrials' | 'stop' | 'resume' | 'exportBest' | 'openExperiment' | 'exportCsv';

/** Most trials one "Add" may ask for. */
export const MAX_ADD_TRIALS = 1000;

// ───────────────────────── webview → host ─────────────────────────
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'control'; command: ControlCommand }
  | { type: 'setLearningRate'; value: number }
  | { type: 'exportCsv' }
  | { type: 'savePng'; chart: string; dataUrl: string }
  | { type: 'setSmoothing'; value: number }
  /** The webview's own view of what it shows, for tests: epoch, last cost, points drawn. */
  | { type: 'rendered'; runId: string; epoch: number; iteration: number; points: number }
  | { type: 'searchTrial'; command: TrialCommand; id: number }
  /** `count` only with `addTrials` (absent: the host asks for it). */
  | { type: 'searchControl'; command: SearchControlCommand; count?: number }
  /** The search view's own view of what it shows, for tests: rows in the table, states, best trial, points drawn. */
  | { type: 'searchRendered'; dir: string; trials: number; done: number; running: number; best: number | null; points: number }
  /** Dashboard: the range test on the run's current weights. */
  | { type: 'findLearningRate' }
  /** Dashboard's bias/variance card: write diagnostics.humanLevelError into the experiment (the host asks for the value). */
  | { type: 'setHumanLevelError' }
  | ({ type: 'diagnoseAction' } & DiagnoseAction)
  /** The Diagnose panel's own view of what it shows, for tests: each card's status, the chart's points and marked rate. */
  | { type: 'diagnoseRendered'; phase: DiagnoseViewState['phase']; checks: { id: DiagnoseCheckId; status: CheckStatus }[]; lrPoints: number; suggestion: number | null };

// Records, not lists: the compiler refuses one that misses a member of its union.
const keys = <T extends string>(record: Record<T, true>): ReadonlySet<string> => new Set(Object.keys(record));
const CONTROL = keys<ControlCommand>({ pause: true, resume: true, step: true, stop: true, gradientCheck: true, evaluateTest: true, resumeFromCheckpoint: true });
const TRIAL_COMMANDS = keys<TrialCommand>({ pause: true, resume: true, kill: true, openDashboard: true, promote: true });
const SEARCH_CONTROL = keys<SearchControlCommand>({ addTrials: true, stop: true, resume: true, exportBest: true, openExperiment: true, exportCsv: true });

const CHECK_IDS = new Set<unknown>(DIAGNOSE_CHECKS);
const STATUSES = new Set<unknown>(['pass', 'warn', 'fail', 'skip']);
const PHASES = new Set<unknown>(['running', 'done', 'error', 'cancelled']);

function parseDiagnoseAction(m: Record<string, unknown>): WebviewToHost | null {
  switch (m.action) {
    case 'fix':
      return CHECK_IDS.has(m.check) ? { type: 'diagnoseAction', action: 'fix', check: m.check as DiagnoseCheckId } : null;
    case 'applyLearningRate':
      return m.target === 'file' || m.target === 'run' ? { type: 'diagnoseAction', action: 'applyLearningRate', target: m.target } : null;
    case 'rerun':
    case 'openFile':
      return { type: 'diagnoseAction', action: m.action };
    default:
      return null;
  }
}

const trialId = (x: unknown): x is number => Number.isInteger(x) && (x as number) > 0 && (x as number) <= 1_000_000;
const count = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 1_000_000;

/** Every message from a webview is untrusted input: returns null for anything malformed. */
export function parseWebviewMessage(msg: unknown): WebviewToHost | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'exportCsv':
    case 'setHumanLevelError':
      return { type: m.type };
    case 'control':
      return typeof m.command === 'string' && CONTROL.has(m.command)
        ? { type: 'control', command: m.command as ControlCommand } : null;
    case 'setLearningRate':
      return typeof m.value === 'number' && Number.isFinite(m.value) && m.value > 0
        ? { type: 'setLearningRate', value: m.value } : null;
    case 'setSmoothing':
      return typeof m.value === 'number' && m.value >= 0 && m.value < 1 ? { type: 'setSmoothing', value: m.value } : null;
    case 'savePng':
      return typeof m.chart === 'string' && /^[\w-]{1,64}$/.test(m.chart) && typeof m.dataUrl === 'string'
        && m.dataUrl.startsWith('data:image/png;base64,') && m.dataUrl.length < 20_000_000
        ? { type: 'savePng', chart: m.chart, dataUrl: m.dataUrl } : null;
    case 'rendered':
      return typeof m.runId === 'string' && typeof m.epoch === 'number' && typeof m.iteration === 'number'
        && typeof m.points === 'number'
        ? { type: 'rendered', runId: m.runId, epoch: m.epoch, iteration: m.iteration, points: m.points } : null;
    case 'searchTrial':
      return typeof m.command === 'string' && TRIAL_COMMANDS.has(m.command) && trialId(m.id)
        ? { type: 'searchTrial', command: m.command as TrialCommand, id: m.id } : null;
    case 'searchControl': {
      if (typeof m.command !== 'string' || !SEARCH_CONTROL.has(m.command)) return null;
      const command = m.command as SearchControlCommand;
      if (m.count === undefined) return { type: 'searchControl', command };
      if (command !== 'addTrials' || !Number.isInteger(m.count) || (m.count as number) < 1 || (m.count as number) > MAX_ADD_TRIALS) return null;
      return { type: 'searchControl', command, count: m.count as number };
    }
    case 'searchRendered':
      return typeof m.dir === 'string' && m.dir.length < 4096 && count(m.trials) && count(m.done) && count(m.running)
        && (m.best === null || trialId(m.best)) && count(m.points)
        ? { type: 'searchRendered', dir: m.dir, trials: m.trials, done: m.done, running: m.running, best: m.best as number | null, points: m.points } : null;
    case 'findLearningRate':
      return { type: 'findLearningRate' };
    case 'diagnoseAction':
      return parseDiagnoseAction(m);
    case 'diagnoseRendered':
      return PHASES.has(m.phase) && Array.isArray(m.checks) && m.checks.length <= DIAGNOSE_CHECKS.length
        && m.checks.every((c: unknown) => typeof c === 'object' && c !== null && CHECK_IDS.has((c as { id?: unknown }).id) && STATUSES.has((c as { status?: unknown }).status))
        && count(m.lrPoints) && (m.suggestion === null || (typeof m.suggestion === 'number' && m.suggestion > 0))
        ? { type: 'diagnoseRendered', phase: m.phase as DiagnoseViewState['phase'],
          checks: (m.checks as { id: DiagnoseCheckId; status: CheckStatus }[]).map((c) => ({ id: c.id, status: c.status })),
          lrPoints: m.lrPoints, suggestion: m.suggestion as number | null } : null;
    default:
      return null;
  }
}

// NaN / ±Infinity across postMessage: ./nonfinite (`encodeNonFinite` on the host, `decodeNonFinite` in the webview).
