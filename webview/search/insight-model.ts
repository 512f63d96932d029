/**
 * What the importance bars and the advice list show, as plain data (no DOM: unit-tested in node),
 * recomputed only when the trials' results change.
 */
import { adviseSearch, type Advice } from '../../src/shared/search-advice';
import { searchImportance } from '../../src/shared/search-importance';
import { dimensionLabels, METRIC_LABEL, type SearchView } from '../../src/shared/search-view';

export interface ImportanceRow {
  path: string;
  label: string;
  /** 0 … 1 of the total. */
  share: number;
  text: string;
}

export interface ImportanceModel {
  rows: ImportanceRow[];
  /** What the bars rest on, or why there are none. */
  note: string;
}

/** A key that changes when a trial's result changes (not on every epoch of a running trial). */
export function resultsKey(view: SearchView): string {
  return `${view.space.map((d) => d.path).join('|')}|${view.mode}|${view.keepTop}|${view.earlyTermination.type}|${view.rounds - view.roundBoxes.length}|`
    + view.trials.map((t) => `${t.id}:${t.state}:${t.state === 'running' ? '' : t.metric}:${t.curve.length}:${t.pausedAtRung ?? ''}`).join(',');
}

export function importanceModel(view: SearchView): ImportanceModel {
  const { result, basis } = searchImportance(view.space, view.trials, view.mode);
  const metric = METRIC_LABEL[view.metric];
  if (result.status === 'tooFew') {
    return { rows: [], note: `Too few trials to say: ${result.trials} finished with a ${metric}, ${result.needed} needed.` };
  }
  const labels = dimensionLabels(view.space);
  const rows = result.importances.map((i) => ({
    path: i.path, label: labels[view.space.findIndex((d) => d.path === i.path)] ?? i.path, share: i.importance, text: `${Math.round(i.importance * 100)} %`,
  }));
  const on = basis.kind === 'final'
    ? `the ${metric} of ${result.trials} finished trials`
    : `the ${metric} at epoch ${basis.epoch} of the ${result.trials} trials that reached it (too few finished to use the final one)`;
  return { rows, note: `PED-ANOVA over ${on}: how differently each hyperparameter is spread among the best ${result.top} than among all.` };
}

export function adviceItems(view: SearchView): Advice[] {
  return adviseSearch({
    space: view.space, trials: view.trials, mode: view.mode, metric: view.metric, keepTop: view.keepTop,
    earlyTermination: view.earlyTermination, epochsPerTrial: view.epochsPerTrial, trialsPerRound: view.trialsPerRound,
    roundsLeft: view.rounds - view.roundBoxes.length,
  }).items;
}
