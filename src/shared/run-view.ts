/**
 * The state of one run as the host keeps it and a webview draws it. The host folds engine events
 * into it with `applyEvent`; a (re)opened webview gets the whole view once, then the same events
 * as deltas and folds them with the same function, so both sides always agree.
 */
import type {
  EngineEvent, EpochSummary, Flag, GradCheckReport, LayerStat, RunInfo, RunState, RunSummary, Snapshot, Verdict,
} from './protocol';

export interface LearningRateChange {
  iteration: number;
  epoch: number;
  from: number;
  to: number;
  source: 'user' | 'schedule';
}

export interface RunView {
  runId: string;
  runDir: string;
  info: RunInfo | null;
  state: RunState;
  stateReason?: string;
  iteration: number;
  epoch: number;
  /** Iteration costs: costs[k] is iteration firstIteration + k (1-based iterations). */
  firstIteration: number;
  costs: number[];
  /** Learning rate at the start of each iteration batch: [iteration, rate] pairs, in order. */
  learningRates: [number, number][];
  epochs: EpochSummary[];
  layerStats: { iteration: number; layers: LayerStat[] }[];
  learningRateChanges: LearningRateChange[];
  flags: Flag[];
  gradientChecks: GradCheckReport[];
  verdict: Verdict | null;
  tests: { iteration: number; cost: number; error: number; looks: number }[];
  snapshot: Snapshot | null;
  lastCheckpoint: { iteration: number; epoch: number; path: string } | null;
  errors: { message: string; fatal: boolean }[];
  summary: RunSummary | null;
}

export function emptyRunView(runId: string, runDir: string): RunView {
  return {
    runId, runDir, info: null, state: 'starting', iteration: 0, epoch: 0, firstIteration: 1, costs: [],
    learningRates: [], epochs: [], layerStats: [], learningRateChanges: [], flags: [], gradientChecks: [],
    verdict: null, tests: [], snapshot: null, lastCheckpoint: null, errors: [], summary: null,
  };
}

/** Folds one engine event into the view (in place) and returns it. */
export function applyEvent(view: RunView, event: EngineEvent): RunView {
  switch (event.type) {
    case 'hello':
      break;
    case 'runInfo':
      view.info = event.info;
      view.runId = event.info.runId;
      view.runDir = event.info.runDir;
      break;
    case 'state':
      view.state = event.state;
      view.stateReason = event.reason;
      view.iteration = event.iteration;
      view.epoch = event.epoch;
      break;
    case 'metrics': {
      if (view.costs.length === 0) view.firstIteration = event.firstIteration;
      // A resumed run re-sends from its checkpoint: drop what lies beyond, so curves never zig-zag.
      const keep = event.firstIteration - view.firstIteration;
      if (keep < view.costs.length) view.costs.length = Math.max(0, keep);
      for (const c of event.costs) view.costs.push(c);
      const last = view.learningRates[view.learningRates.length - 1];
      if (!last || last[1] !== event.learningRate) view.learningRates.push([event.firstIteration, event.learningRate]);
      view.iteration = event.firstIteration + event.costs.length - 1;
      view.epoch = event.epoch;
      break;
    }
    case 'epoch':
      while (view.epochs.length && view.epochs[view.epochs.length - 1].epoch >= event.summary.epoch) view.epochs.pop();
      view.epochs.push(event.summary);
      break;
    case 'layerStats':
      view.layerStats.push({ iteration: event.iteration, layers: event.layers });
      break;
    case 'flag':
      view.flags.push(event.flag);
      break;
    case 'learningRate':
      view.learningRateChanges.push({ iteration: event.iteration, epoch: event.epoch, from: event.from, to: event.to, source: event.source });
      view.learningRates.push([event.iteration + 1, event.to]);
      break;
    case 'gradientCheck':
      view.gradientChecks.push(event.report);
      break;
    case 'verdict':
      view.verdict = event.verdict;
      break;
    case 'testResult':
      view.tests.push({ iteration: event.iteration, cost: event.cost, error: event.error, looks: event.looks });
      break;
    case 'snapshot':
      view.snapshot = event.snapshot;
      break;
    case 'checkpoint':
      view.lastCheckpoint = { iteration: event.iteration, epoch: event.epoch, path: event.path };
      break;
    case 'log':
      break;
    case 'error':
      view.errors.push({ message: event.error.message, fatal: event.fatal });
      break;
    case 'summary':
      view.summary = event.summary;
      break;
  }
  return view;
}
