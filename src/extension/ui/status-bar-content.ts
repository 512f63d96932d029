/**
 * What the status bar item says. Pure (no `vscode`): unit-tested.
 *
 * One item, most relevant first: a run this window is training, else the selected trial of a
 * search while it trains, else a search this window runs (its progress), else the selected run or
 * trial as it ended. A trial's progress comes from the search's record of it, which the search
 * process keeps current whether or not its dashboard is open.
 */
import type { TrialRecord } from '../../shared/search-protocol';
import { bestTrialOf, countTrials, formatMetric, METRIC_LABEL, shownTrialState } from '../../shared/search-view';
import { describeRun, runLabel, statusBarText } from '../runs/format';
import type { Run } from '../runs/run-manager';
import type { Search } from '../search/search-manager';
import { describeSearch, describeValues, TRIAL_ICONS } from '../search/search-tree-values';

export interface StatusBarContent {
  text: string;
  tooltip: string;
  command: { command: string; arguments: unknown[] };
  background?: 'error' | 'warning';
}

export interface StatusBarInputs {
  active: Run | undefined;
  /** The active run's search and trial when the active run is a search trial. */
  activeTrial: { search: Search; trial: TrialRecord } | undefined;
  /** Searches whose process this window drives. */
  liveSearches: readonly Search[];
}

export function statusBarContent({ active, activeTrial, liveSearches }: StatusBarInputs): StatusBarContent | undefined {
  if (active && !activeTrial && active.pending) {
    return active.live ? { text: '$(loading~spin) GL starting…', tooltip: 'Gradient Lab: starting a run', command: openRun(active.id) } : undefined;
  }
  if (active && !activeTrial && active.live) return runContent(active);
  if (active && activeTrial && activeTrial.search.live && isTraining(activeTrial)) return trialContent(active, activeTrial);
  const search = liveSearches.find((s) => s === activeTrial?.search) ?? liveSearches[0];
  if (search) return searchContent(search);
  if (active && activeTrial) return trialContent(active, activeTrial);
  return active ? runContent(active) : undefined;
}

function isTraining({ search, trial }: { search: Search; trial: TrialRecord }): boolean {
  const state = shownTrialState(search.view, trial);
  return state === 'running' || state === 'paused';
}

function openRun(arg: unknown): StatusBarContent['command'] {
  return { command: 'gradientLab.openDashboard', arguments: [arg] };
}

function runContent(run: Run): StatusBarContent {
  return {
    text: statusBarText(run.view),
    tooltip: `Gradient Lab: ${runLabel(run.view)} — ${run.state}\n${describeRun(run.view)}\nClick to open its dashboard.`,
    command: openRun(run.id),
    background: run.state === 'crashed' ? 'error' : run.state === 'diverged' ? 'warning' : undefined,
  };
}

/** "$(sync~spin) GL trial-003 epoch 5/30 · 4.12%" */
function trialContent(run: Run, { search, trial }: { search: Search; trial: TrialRecord }): StatusBarContent {
  const state = shownTrialState(search.view, trial);
  const metric = trial.metric !== null ? ` · ${formatMetric(trial.metricName, trial.metric)}` : '';
  const lines = [
    `Gradient Lab: ${search.view.name} ${trial.name} — ${state}`,
    `epoch ${trial.epoch}/${trial.epochs} · ${METRIC_LABEL[trial.metricName]} ${formatMetric(trial.metricName, trial.metric)}`,
    describeValues(search.view, trial),
  ];
  if (trial.note) lines.push(trial.note);
  lines.push('Click to open its dashboard.');
  return {
    text: `$(${TRIAL_ICONS[state]}) GL ${trial.name} epoch ${trial.epoch}/${trial.epochs}${metric}`,
    tooltip: lines.join('\n'),
    // The Run itself, as the tree passes it: a trial is not among the RunManager's runs by id.
    command: trial.runDir ? openRun(run) : openSearch(search),
    background: state === 'failed' ? 'error' : undefined,
  };
}

function openSearch(search: Search): StatusBarContent['command'] {
  return { command: 'gradientLab.openSearch', arguments: [search.dir || undefined] };
}

/** "$(search) GL search 5/24 · best 4.12%" */
function searchContent(search: Search): StatusBarContent {
  const view = search.view;
  const c = countTrials(view.trials);
  const best = bestTrialOf(view);
  const progress = view.state === 'starting' ? 'starting…' : `${c.done}/${c.total}`;
  const bestText = best && best.metric !== null ? ` · best ${formatMetric(best.metricName, best.metric)}` : '';
  return {
    text: `$(search) GL search ${progress}${bestText}`,
    tooltip: `Gradient Lab: search ${view.name} — ${view.state}\n${describeSearch(view)}\nClick to open the search view.`,
    command: openSearch(search),
    background: view.state === 'failed' ? 'error' : undefined,
  };
}
