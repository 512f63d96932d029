/**
 * The curves of every trial on one chart, as plain data (no DOM: unit-tested in node): the
 * metric per epoch of each trial, what kind of line it is, and a marker where a trial stopped
 * early — pruned, or waiting at an ASHA rung — plus the rung epochs as vertical guides.
 */
import type { TrialRecord } from '../../src/shared/search-protocol';
import { rungPlan, rungsOf } from '../../src/shared/search-rungs';
import { shownTrialState, type SearchView } from '../../src/shared/search-view';

export type CurveKind = 'best' | 'finished' | 'running' | 'waiting' | 'pruned' | 'ended';

export interface CurveSeries {
  id: number;
  name: string;
  kind: CurveKind;
  /** Epoch (1-based) → metric; NaN where the metric is missing (a gap in the line). */
  points: { x: number; y: number }[];
  /** Where it stopped early (its last epoch), or null. */
  marker: { x: number; y: number; label: string } | null;
}

export function curveKind(view: SearchView, t: TrialRecord): CurveKind {
  if (t.id === view.bestTrial) return 'best';
  const state = shownTrialState(view, t);
  if (state === 'paused' && t.pausedAtRung !== undefined) return 'waiting';
  if (state === 'finished' || state === 'pruned') return state;
  if (state === 'running' || state === 'paused' || state === 'queued') return 'running';
  return 'ended';
}

/** One series per trial with at least one epoch, kept by the brush (`keep` null: every trial); the best last (drawn on top). */
export function trialCurves(view: SearchView, keep: Set<number> | null): CurveSeries[] {
  const plan = rungPlan(view.earlyTermination, view.epochsPerTrial);
  const out: CurveSeries[] = [];
  for (const t of view.trials) {
    if (!t.curve.length || (keep && !keep.has(t.id))) continue;
    const kind = curveKind(view, t);
    const points = t.curve.map((y, i) => ({ x: i + 1, y: y === null || !Number.isFinite(y) ? Number.NaN : y }));
    let marker: CurveSeries['marker'] = null;
    const last = points[points.length - 1];
    if (kind === 'waiting') {
      const epoch = rungsOf(plan, t.bracket)[t.pausedAtRung!] ?? last.x;
      const y = points[epoch - 1]?.y ?? last.y;
      marker = { x: epoch, y, label: `${t.name} waits at rung ${t.pausedAtRung! + 1} (epoch ${epoch})` };
    } else if (kind === 'pruned' || (kind === 'ended' && t.epoch < t.epochs)) {
      marker = { x: last.x, y: last.y, label: `${t.name} ${shownTrialState(view, t)} at epoch ${last.x}` };
    }
    out.push({ id: t.id, name: t.name, kind, points, marker });
  }
  const order: Record<CurveKind, number> = { ended: 0, pruned: 1, waiting: 2, running: 3, finished: 4, best: 5 };
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.id - b.id);
}

/** Every rung epoch of every bracket, ascending (none without asha/hyperband). */
export function rungEpochs(view: SearchView): number[] {
  const plan = rungPlan(view.earlyTermination, view.epochsPerTrial);
  return plan ? [...new Set(plan.brackets.flat())].sort((a, b) => a - b) : [];
}
