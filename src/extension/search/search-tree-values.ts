/** Text, icons and menu tokens of searches and trials in the Runs tree. Pure (no `vscode`): unit-tested. */
import type { TrialRecord, TrialState } from '../../shared/search-protocol';
import {
  bestTrialOf, canResumeSearch, countTrials, dimensionLabels, formatMetric, formatSearchValue, shownTrialState, type SearchView,
} from '../../shared/search-view';
import { STATE_COLORS, STATE_ICONS } from '../runs/format';

/** Icons of trial states: the run-state icons where a trial state is a run state. */
export const TRIAL_ICONS: Record<TrialState, string> = {
  queued: 'clock',
  running: STATE_ICONS.running,
  paused: STATE_ICONS.paused,
  finished: STATE_ICONS.finished,
  stopped: STATE_ICONS.stopped,
  killed: 'close',
  failed: STATE_ICONS.crashed,
  pruned: 'filter',
};

export const TRIAL_COLORS: Partial<Record<TrialState, string>> = {
  finished: STATE_COLORS.finished,
  failed: STATE_COLORS.crashed,
  killed: 'list.errorForeground',
};

/** contextValue of a search node, e.g. "glSearch searchState=running owned=1 best=1 resumable=0". */
export function searchContextValue(view: SearchView): string {
  return `glSearch searchState=${view.state} owned=${view.live ? 1 : 0} best=${view.bestTrial !== null ? 1 : 0} resumable=${canResumeSearch(view) ? 1 : 0}`;
}

/** contextValue of a trial row, e.g. "glTrial trial=running search=live run=1" (never matches the glRun menus). */
export function trialContextValue(view: SearchView, t: TrialRecord): string {
  return `glTrial trial=${shownTrialState(view, t)} search=${view.live ? 'live' : 'past'} run=${t.runDir ? 1 : 0}`;
}

/** "learningRate 1.64e-4, beta1 0.9593" */
export function describeValues(view: SearchView, t: TrialRecord): string {
  const labels = dimensionLabels(view.space);
  return view.space.map((d, i) => `${labels[i]} ${formatSearchValue(d, t.values[d.path])}`).join(', ');
}

/** "3/6 done · 2 running · best dev error 2.67% (trial-004)" */
export function describeSearch(view: SearchView): string {
  const c = countTrials(view.trials);
  const parts = [view.state === 'starting' ? 'starting' : `${c.done}/${c.total} done`];
  if (c.running) parts.push(`${c.running} running`);
  if (c.paused) parts.push(`${c.paused} paused`);
  const best = bestTrialOf(view);
  if (best) parts.push(`best ${formatMetric(best.metricName, best.metric)}`);
  if (view.state === 'stopped' || view.state === 'failed') parts.push(view.state);
  if (view.external) parts.push('other process');
  return parts.join(' · ');
}
