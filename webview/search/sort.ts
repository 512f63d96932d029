/**
 * Row order of the trials table. Kept apart from the DOM code so that it is unit-tested in Node.
 */
import type { TrialRecord, TrialState } from '../../src/shared/search-protocol';
import { shownTrialState, type SearchView } from '../../src/shared/search-view';

export type SortKey = 'id' | 'round' | 'state' | 'metric' | 'epoch' | `dim:${string}`;
export interface Sort { key: SortKey; desc: boolean }

const FIXED_KEYS: ReadonlySet<string> = new Set<SortKey>(['id', 'round', 'state', 'metric', 'epoch']);

/** A sort kept in the webview state (the view reopened), or null when it is not one. */
export function parseSort(value: unknown): Sort | null {
  if (typeof value !== 'object' || value === null) return null;
  const { key, desc } = value as Record<string, unknown>;
  if (typeof key !== 'string' || typeof desc !== 'boolean' || !(FIXED_KEYS.has(key) || key.startsWith('dim:'))) return null;
  return { key: key as SortKey, desc };
}

const STATE_ORDER: Record<TrialState, number> = { running: 0, paused: 1, queued: 2, finished: 3, pruned: 4, stopped: 5, killed: 6, failed: 7 };

/**
 * Metric tiers, first to last in either direction: finished trials (their metric is final and they
 * alone can be the best trial, as the runner ranks them), then trials whose metric is partial
 * (running, paused, stopped, pruned or killed part-way), then trials without a metric. Without
 * the tiers a trial killed early with a lucky dev error sat above the ★ best trial.
 */
function metricTier(view: SearchView, t: TrialRecord): number {
  if (t.metric === null || Number.isNaN(t.metric)) return 2;
  return shownTrialState(view, t) === 'finished' ? 0 : 1;
}

/** Sorts trials by a column; trials without a value (no metric yet) go last either way; ties by id. */
export function sortTrials(view: SearchView, trials: readonly TrialRecord[], sort: Sort): TrialRecord[] {
  const dir = sort.desc ? -1 : 1;
  const value = (t: TrialRecord): number | string | null => {
    switch (sort.key) {
      case 'id': return t.id;
      case 'round': return t.round;
      case 'state': return STATE_ORDER[shownTrialState(view, t)];
      case 'metric': return t.metric === null || Number.isNaN(t.metric) ? null : t.metric;
      case 'epoch': return t.epoch;
      default: {
        const v = t.values[sort.key.slice(4)];
        return v === undefined ? null : typeof v === 'number' ? v : String(v);
      }
    }
  };
  return [...trials].sort((a, b) => {
    if (sort.key === 'metric') {
      const tier = metricTier(view, a) - metricTier(view, b);
      if (tier !== 0) return tier;
    }
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? a.id - b.id : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? c * dir : a.id - b.id;
  });
}
