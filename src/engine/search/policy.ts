/**
 * The search policy: how trials rank, where the next coarse-to-fine round samples, and when a
 * trial is stopped (median rule), paused at a rung or promoted (ASHA, Hyperband). Pure: known
 * traces in, decisions out; no processes, files or timers (the runner carries decisions out).
 * The rules are documented in docs/search.md.
 *
 * ASHA follows Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020),
 * Algorithm 2: a trial that reaches rung k goes on when it is in the top ⌊n/η⌋ of the n trials
 * that reached rung k. Optuna's SuccessiveHalvingPruner and Ray's ASHAScheduler cannot suspend a
 * trial, so they stop (prune) it there; this policy pauses it instead (the engine keeps a
 * checkpoint) and promotes it — resumes it — as soon as later arrivals put it in the top ⌊n/η⌋,
 * or when the user promotes it by hand. Hyperband runs ASHA brackets with later first rungs.
 */
import type { EarlyTerminationConfig } from '../../shared/config';
import type { SearchBox, SearchDimension, TrialPromotion, TrialState } from '../../shared/search-protocol';
import { better, boxOf, boxRanking, compareMetrics, rankFinished, valueAt, type SearchMode } from '../../shared/search-ranking';
import { rungPlan, rungsOf, type RungPlan } from '../../shared/search-rungs';
import { formatValue, mix } from './sampling';

export { better, boxRanking, rankFinished, valueAt } from '../../shared/search-ranking';

/** Median stopping needs at least this many completed trials to compare with. */
export const MEDIAN_MIN_COMPLETED = 3;

/** What the policy reads of a trial (a TrialRecord has all of it). */
export interface TrialTrace {
  id: number;
  round: number;
  state: TrialState;
  metric: number | null;
  metricName: string;
  /** Metric after each epoch (index 0 = epoch 1). */
  curve: readonly (number | null)[];
  epoch: number;
  epochs: number;
  coords: Record<string, number>;
  bracket?: number;
  promotions?: readonly TrialPromotion[];
  pausedAtRung?: number;
}

/** Everything the policy knows of a search. */
export interface SearchTraces {
  mode: SearchMode;
  rule: EarlyTerminationConfig;
  epochsPerTrial: number;
  trials: readonly TrialTrace[];
}

export type PolicyEvent =
  /** A running trial reported an epoch (its curve already holds it). */
  | { type: 'epoch'; trial: number }
  /** Nothing runs or waits in the queue: every unfinished trial is paused at a rung. */
  | { type: 'idle' }
  /** The user promotes a trial paused at a rung. */
  | { type: 'promote'; trial: number };

/** What the runner does; no decision for a trial means: carry on. */
export type Decision =
  /** End the trial as `pruned` (running: the engine stops it cleanly; paused: at once). */
  | { type: 'stop'; trial: number; reason: string }
  /** Stop the trial's engine at this rung (it checkpoints) and keep the trial paused, waiting for promotion. */
  | { type: 'pause'; trial: number; rung: number; epoch: number; reason: string }
  /** The trial goes past the rung; `resume`: it was paused there and runs again from its checkpoint. */
  | { type: 'promote'; trial: number; rung: number; epoch: number; by: 'policy' | 'user'; resume: boolean; reason: string };

// ───────────────────────── ranking and rounds ─────────────────────────

/** The best finished trial (ties: the lower id), or undefined. */
export function bestTrial<T extends TrialTrace>(trials: readonly T[], mode: SearchMode): T | undefined {
  return rankFinished(trials, mode)[0];
}

/**
 * Where round `index` (≥ 1) samples: the sampling-space box of the best `keepTop` trials of the
 * round before (see `boxRanking`); when none of them can span a box, the previous box again.
 */
export function nextRoundBox(space: readonly SearchDimension[], traces: SearchTraces, index: number, keepTop: number, previous: SearchBox):
  { box: SearchBox; basedOn: number[]; reused: boolean } {
  const top = boxRanking(traces.trials, traces, index - 1).slice(0, keepTop);
  if (top.length === 0) return { box: structuredClone(previous), basedOn: [], reused: true };
  return { box: boxOf(space, top.map((t) => t.coords)), basedOn: top.map((t) => t.id), reused: false };
}

// ───────────────────────── decisions ─────────────────────────

/** What the policy decides on an event. */
export function decide(state: SearchTraces, event: PolicyEvent): Decision[] {
  const rule = state.rule;
  if (event.type === 'epoch') {
    const t = state.trials.find((x) => x.id === event.trial);
    if (!t || t.state !== 'running') return [];
    if (rule.type === 'median') {
      const reason = medianStop(state, t);
      return reason ? [{ type: 'stop', trial: t.id, reason }] : [];
    }
    const plan = rungPlan(rule, state.epochsPerTrial);
    return plan ? ashaOnEpoch(state, plan, t) : [];
  }
  const plan = rungPlan(rule, state.epochsPerTrial);
  if (!plan) return [];
  if (event.type === 'idle') return ashaOnIdle(state, plan);
  const t = state.trials.find((x) => x.id === event.trial);
  if (!t || t.pausedAtRung === undefined || isEnded(t.state)) return [];
  const epoch = rungsOf(plan, t.bracket)[t.pausedAtRung];
  return [{ type: 'promote', trial: t.id, rung: t.pausedAtRung, epoch, by: 'user', resume: true, reason: `promoted by hand past rung ${t.pausedAtRung + 1} (epoch ${epoch})` }];
}

const isEnded = (s: TrialState): boolean => s === 'finished' || s === 'killed' || s === 'failed' || s === 'stopped' || s === 'pruned';

// ── median stopping ──

/** Mean of the first `epoch` values of a curve (nulls skipped); null when the curve is shorter. */
function runningAverage(curve: readonly (number | null)[], epoch: number): number | null {
  if (curve.length < epoch) return null;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < epoch; i++) {
    const v = curve[i];
    if (v !== null) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : null;
}

/** Best value of the first `epoch` epochs of a curve; null when the curve is shorter. */
function bestSoFar(curve: readonly (number | null)[], epoch: number, mode: SearchMode): number | null {
  if (curve.length < epoch) return null;
  let best: number | null = null;
  for (let i = 0; i < epoch; i++) {
    const v = curve[i];
    if (v === null) continue;
    if (best === null || better(v, best, mode)) best = v;
  }
  return best;
}

/**
 * Median stopping (the rule of Google Vizier): at an epoch e ≥ max(1, graceEpochs) before its
 * last, a trial whose best metric over epochs 1…e is worse than the median of the running
 * averages (mean metric over epochs 1…e) of the completed trials (finished or pruned) that
 * reached epoch e — at least MEDIAN_MIN_COMPLETED of them — is stopped. Returns why, or null.
 */
export function medianStop(state: SearchTraces, t: TrialTrace): string | null {
  const epoch = t.epoch;
  if (epoch < Math.max(1, state.rule.graceEpochs) || epoch >= t.epochs) return null;
  const mine = bestSoFar(t.curve, epoch, state.mode);
  if (mine === null) return null;
  const others = state.trials
    .filter((o) => (o.state === 'finished' || o.state === 'pruned') && o.id !== t.id)
    .map((o) => runningAverage(o.curve, epoch))
    .filter((v): v is number => v !== null && !Number.isNaN(v))
    .sort((x, y) => x - y);
  if (others.length < MEDIAN_MIN_COMPLETED) return null;
  const mid = others.length >> 1;
  const median = others.length % 2 ? others[mid] : (others[mid - 1] + others[mid]) / 2;
  if (!better(median, mine, state.mode)) return null;
  return `pruned at epoch ${epoch}: its best ${t.metricName} so far (${formatValue(mine)}) is worse than the median (${formatValue(median)}) of the running averages of ${others.length} completed trials at that epoch`;
}

// ── ASHA / Hyperband ──

/** How many rungs of its bracket a trial has gone past. */
export function rungsPassed(t: Pick<TrialTrace, 'promotions'>): number {
  return (t.promotions ?? []).reduce((n, p) => Math.max(n, p.rung + 1), 0);
}

/**
 * The trials of a bracket that reached a rung's epoch, best first by their metric at that epoch
 * (unmeasured and NaN last, ties by id).
 */
export function rungRanking(state: SearchTraces, plan: RungPlan, bracket: number, epoch: number): { trial: TrialTrace; value: number }[] {
  const b = Math.min(plan.brackets.length - 1, bracket);
  return state.trials
    .filter((t) => Math.min(plan.brackets.length - 1, t.bracket ?? 0) === b && t.curve.length >= epoch)
    .map((t) => ({ trial: t, value: valueAt(t.curve, epoch) ?? Number.NaN }))
    .sort((x, y) => compareMetrics(x.value, y.value, state.mode) || x.trial.id - y.trial.id);
}

const waitingAt = (t: TrialTrace, rung: number): boolean => t.pausedAtRung === rung && !isEnded(t.state);

function ashaOnEpoch(state: SearchTraces, plan: RungPlan, t: TrialTrace): Decision[] {
  // Already on its way to a pause (the engine may report an epoch more before it stops).
  if (t.pausedAtRung !== undefined) return [];
  const bracket = t.bracket ?? 0;
  const rungs = rungsOf(plan, bracket);
  const out: Decision[] = [];
  for (let k = rungsPassed(t); k < rungs.length && rungs[k] <= t.epoch; k++) {
    const epoch = rungs[k];
    const value = valueAt(t.curve, epoch);
    if (value !== null && Number.isNaN(value)) {
      // As Optuna: a NaN at a rung prunes at once.
      out.push({ type: 'stop', trial: t.id, reason: `pruned at rung ${k + 1} (epoch ${epoch}): its ${t.metricName} is NaN` });
      return out;
    }
    const ranking = rungRanking(state, plan, bracket, epoch);
    const quota = Math.floor(ranking.length / plan.eta);
    const top = ranking.slice(0, quota);
    const where = `${ranking.length} trial${ranking.length === 1 ? '' : 's'} at rung ${k + 1} (epoch ${epoch})`;
    // The newcomer may push a paused trial out of the top, or (n grew) let one more in.
    for (const o of top) {
      if (o.trial.id !== t.id && waitingAt(o.trial, k)) {
        out.push({ type: 'promote', trial: o.trial.id, rung: k, epoch, by: 'policy', resume: true,
          reason: `promoted past rung ${k + 1} (epoch ${epoch}): ${o.trial.metricName} ${formatValue(o.value)} is now in the top ${quota} of the ${where}` });
      }
    }
    if (!top.some((o) => o.trial.id === t.id)) {
      const mine = value === null ? 'no value' : `${t.metricName} ${formatValue(value)}`;
      out.push({ type: 'pause', trial: t.id, rung: k, epoch, reason: quota === 0
        ? `paused at rung ${k + 1} (epoch ${epoch}) with ${mine}: the top ⌊n/${plan.eta}⌋ of the ${where} go on, none yet; it resumes when it makes the top`
        : `paused at rung ${k + 1} (epoch ${epoch}): ${mine} is not in the top ${quota} of the ${where}; it resumes if it gets there` });
      return out;
    }
    out.push({ type: 'promote', trial: t.id, rung: k, epoch, by: 'policy', resume: false,
      reason: `went past rung ${k + 1} (epoch ${epoch}): ${t.metricName} ${formatValue(value ?? Number.NaN)} is in the top ${quota} of the ${where}` });
  }
  return out;
}

/**
 * Nothing else can reach the rungs now (no trial runs or waits in the queue), so each bracket's
 * lowest rung with paused trials is settled: its top max(1, ⌊n/η⌋) go on (at least one, so that a
 * small search still trains a trial to the end), the rest are pruned. A rung above one that just
 * promoted a trial stays open: that trial may still reach it.
 */
function ashaOnIdle(state: SearchTraces, plan: RungPlan): Decision[] {
  const out: Decision[] = [];
  plan.brackets.forEach((rungs, bracket) => {
    for (let k = 0; k < rungs.length; k++) {
      const waiting = state.trials.filter((t) => Math.min(plan.brackets.length - 1, t.bracket ?? 0) === bracket && waitingAt(t, k));
      if (!waiting.length) continue;
      const epoch = rungs[k];
      const ranking = rungRanking(state, plan, bracket, epoch);
      const quota = Math.max(1, Math.floor(ranking.length / plan.eta));
      const top = new Set(ranking.slice(0, quota).map((o) => o.trial.id));
      const where = `${ranking.length} trial${ranking.length === 1 ? '' : 's'} that reached rung ${k + 1} (epoch ${epoch})`;
      let promoted = false;
      for (const t of waiting) {
        if (top.has(t.id)) {
          promoted = true;
          out.push({ type: 'promote', trial: t.id, rung: k, epoch, by: 'policy', resume: true,
            reason: `promoted past rung ${k + 1} (epoch ${epoch}): among the best ${quota} of the ${where}, and no other trial can reach it now` });
        } else {
          out.push({ type: 'stop', trial: t.id,
            reason: `pruned at rung ${k + 1} (epoch ${epoch}): not in the top ${quota} of the ${where}, and no other trial can reach it now` });
        }
      }
      if (promoted) break;
    }
  });
  return out;
}

/**
 * The bracket of a trial for Hyperband, fixed by the search seed and the trial's id, with
 * Optuna's HyperbandPruner weights: bracket b gets ⌈B·η^s/(s+1)⌉ shares, s = B − 1 − b, so the
 * aggressive brackets (early first rungs) get more trials, as in Hyperband's n_s. ASHA: 0.
 */
export function bracketFor(seed: number, id: number, plan: RungPlan | null): number | undefined {
  if (!plan) return undefined;
  const count = plan.brackets.length;
  if (count <= 1) return 0;
  const shares = Array.from({ length: count }, (_, b) => {
    const s = count - 1 - b;
    return Math.ceil((count * plan.eta ** s) / (s + 1));
  });
  let n = mix(mix(0x4b7a4d11, seed), id) % shares.reduce((a, b) => a + b, 0);
  for (let b = 0; b < count; b++) {
    n -= shares[b];
    if (n < 0) return b;
  }
  return count - 1;
}
