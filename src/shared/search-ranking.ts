/**
 * Ranking trials and the sampling-space boxes they span: one definition for the search policy
 * (src/engine/search/policy.ts), the advice (./search-advice.ts) and the views. Pure.
 *
 * Boxes live in sampling space (log10 x for `log`, log10(1 − x) for `oneMinusLog`, x for
 * `uniform` and `int`, the index for `choice`): a range per continuous or integer dimension, a
 * set of indices per choice.
 */
import type { EarlyTerminationConfig } from './config';
import type { SearchBox, SearchDimension, TrialState } from './search-protocol';
import { rungPlan, rungsOf } from './search-rungs';

export type SearchMode = 'min' | 'max';

/** What ranking needs of a trial (a TrialRecord has all of it). */
export interface RankedTrial {
  id: number;
  round: number;
  state: TrialState;
  metric: number | null;
}

/** `a` is better than `b` (NaN is worse than anything). */
export function better(a: number, b: number, mode: SearchMode): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return mode === 'max' ? a > b : a < b;
}

/** Sort order of two metrics, best first (NaN last). */
export function compareMetrics(a: number, b: number, mode: SearchMode): number {
  return better(a, b, mode) ? -1 : better(b, a, mode) ? 1 : 0;
}

/** Finished trials with a metric, of one round when `round` is given, best first; ties go to the lower id. */
export function rankFinished<T extends RankedTrial>(trials: readonly T[], mode: SearchMode, round?: number): T[] {
  return trials
    .filter((t) => t.state === 'finished' && t.metric !== null && (round === undefined || t.round === round))
    .sort((a, b) => compareMetrics(a.metric!, b.metric!, mode) || a.id - b.id);
}

/** The metric at `epoch` (1-based); null when the curve does not reach it or could not measure it. */
export function valueAt(curve: readonly (number | null)[], epoch: number): number | null {
  return epoch >= 1 && curve.length >= epoch ? curve[epoch - 1] : null;
}

/** What the box ranking needs of a trial. */
export interface BoxTrial extends RankedTrial {
  curve: readonly (number | null)[];
  bracket?: number;
}

/**
 * The trials whose coordinates span a coarse-to-fine box, best first: the finished ones by
 * metric; with asha/hyperband, fewer than `keepTop` trials may finish, so the pruned ones follow,
 * those that got furthest (highest rung epoch) first, each by its value at that rung. A trial
 * pruned by the median rule never spans a box. `round` undefined: every round.
 */
export function boxRanking<T extends BoxTrial>(trials: readonly T[], settings: { mode: SearchMode; rule: EarlyTerminationConfig; epochsPerTrial: number }, round?: number): T[] {
  const finished = rankFinished(trials, settings.mode, round);
  const plan = rungPlan(settings.rule, settings.epochsPerTrial);
  if (!plan) return finished;
  const reached = (t: T): { epoch: number; value: number } | null => {
    const rungs = rungsOf(plan, t.bracket).filter((r) => valueAt(t.curve, r) !== null);
    const epoch = rungs[rungs.length - 1];
    return epoch === undefined ? null : { epoch, value: valueAt(t.curve, epoch)! };
  };
  const pruned = trials
    .filter((t) => (round === undefined || t.round === round) && t.state === 'pruned')
    .map((t) => ({ t, at: reached(t) }))
    .filter((x): x is { t: T; at: { epoch: number; value: number } } => x.at !== null)
    .sort((a, b) => b.at.epoch - a.at.epoch || compareMetrics(a.at.value, b.at.value, settings.mode) || a.t.id - b.t.id);
  return [...finished, ...pruned.map((x) => x.t)];
}

/** The whole space as a box (round 0 samples in it). */
export function fullBox(dims: readonly SearchDimension[]): SearchBox {
  const box: SearchBox = {};
  for (const d of dims) {
    box[d.path] = d.scale === 'choice' ? { indices: d.choices.map((_, i) => i) } : { low: d.low, high: d.high };
  }
  return box;
}

/**
 * The bounding box, in sampling space, of some trials' coordinates: [min, max] per continuous
 * dimension, the same rounded to whole numbers for `int` (never empty), and the set of chosen
 * indices per `choice` dimension. With no points it is the whole space.
 */
export function boxOf(dims: readonly SearchDimension[], points: readonly Record<string, number>[]): SearchBox {
  if (points.length === 0) return fullBox(dims);
  const box: SearchBox = {};
  for (const d of dims) {
    const cs = points.map((p) => p[d.path]).filter((c) => typeof c === 'number' && Number.isFinite(c));
    if (cs.length === 0) {
      box[d.path] = fullBox([d])[d.path];
    } else if (d.scale === 'choice') {
      box[d.path] = { indices: [...new Set(cs.map((c) => Math.round(c)))].sort((a, b) => a - b) };
    } else if (d.scale === 'int') {
      box[d.path] = { low: Math.round(Math.min(...cs)), high: Math.round(Math.max(...cs)) };
    } else {
      box[d.path] = { low: Math.min(...cs), high: Math.max(...cs) };
    }
  }
  return box;
}

/** Whether the coordinates lie in the box (a relative tolerance absorbs float round-off). */
export function insideBox(dims: readonly SearchDimension[], box: SearchBox, coords: Record<string, number>, tolerance = 1e-9): boolean {
  return dims.every((d) => {
    const r = box[d.path];
    const c = coords[d.path];
    if (r === undefined || typeof c !== 'number') return false;
    if ('indices' in r) return r.indices.includes(c);
    const tol = tolerance * Math.max(1, Math.abs(r.low), Math.abs(r.high));
    return c >= r.low - tol && c <= r.high + tol;
  });
}
