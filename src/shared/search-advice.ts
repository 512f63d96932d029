/**
 * "What to do next" after a round of a search: boundary warnings (the best trials sit at an edge
 * of a range: widen it), the share of infeasible trials (diverged, NaN, failed) and where they
 * sit, whether more trials are likely to help (the best so far against the spread), and the box
 * the next coarse-to-fine round would sample (the runner's box, widened where a boundary warning
 * says so). Pure, DOM-free; the search view shows it, tests feed it hand-made trials.
 */
import type { EarlyTerminationConfig } from './config';
import { choiceText, type SearchBox, type SearchDimension, type TrialRecord } from './search-protocol';
import { boxOf, boxRanking, compareMetrics, type SearchMode } from './search-ranking';
import { dimensionLabels, formatMetric, formatSearchValue } from './search-view';

export interface AdviceInput {
  space: readonly SearchDimension[];
  trials: readonly TrialRecord[];
  mode: SearchMode;
  metric: TrialRecord['metricName'];
  keepTop: number;
  earlyTermination: EarlyTerminationConfig;
  epochsPerTrial: number;
  /** Trials of the next round (for the chance that more trials beat the best). */
  trialsPerRound: number;
  /** Rounds still to come (0: the box is for a round you would add). Default 1. */
  roundsLeft?: number;
}

export type AdviceKind = 'boundary' | 'infeasible' | 'moreTrials' | 'nextBox';

export interface Advice {
  kind: AdviceKind;
  severity: 'info' | 'warning';
  message: string;
  /** The dimension it is about (boundary, infeasible). */
  path?: string;
}

export interface BoundaryWarning {
  path: string;
  /** Which end of the range, in values (for 1 − β on a log scale: `high` is β near 1). */
  edge: 'low' | 'high';
  /** How many of the best trials sit there, of how many. */
  count: number;
  of: number;
  /** A wider range in sampling space, or null when the edge is a hard limit (a probability's 0 or 1). */
  widened: { low: number; high: number } | null;
}

export interface SearchAdvice {
  items: Advice[];
  boundaries: BoundaryWarning[];
  /** The box the next round would sample, widened where the best trials sit at an edge; null before any trial ranks. */
  nextBox: { box: SearchBox; basedOn: number[]; widened: string[] } | null;
}

/** The outer share of a range counted as its edge. */
const EDGE = 0.1;
/** Fewer finished trials than this: too few to tell whether more would help. */
const MIN_FOR_TREND = 5;

export function adviseSearch(input: AdviceInput): SearchAdvice {
  const items: Advice[] = [];
  const ranked = rankedTrials(input);
  const best = ranked.slice(0, Math.max(3, input.keepTop));
  const boundaries = boundaryWarnings(input.space, best);
  const labels = dimensionLabels(input.space);
  const label = (path: string): string => labels[input.space.findIndex((d) => d.path === path)] ?? path;
  for (const b of boundaries) {
    const d = input.space.find((x) => x.path === b.path)!;
    const range = formatRange(d, { low: d.low, high: d.high }).slice(1, -1).replace(', ', ' … ');
    const where = b.edge === 'high' ? 'upper' : 'lower';
    const fix = b.widened
      ? `widen the range, e.g. to ${formatRange(d, b.widened)}`
      : `it is already at the ${b.edge === 'high' ? 'largest' : 'smallest'} value it can take`;
    items.push({ kind: 'boundary', severity: 'warning', path: b.path,
      message: `The best trials sit at the ${where} edge of ${label(b.path)} (${b.count} of the ${b.of} best in the outer ${EDGE * 100} % of ${range}): ${fix}.` });
  }
  const infeasible = infeasibleAdvice(input, label);
  if (infeasible) items.push(infeasible);
  const more = moreTrialsAdvice(input);
  if (more) items.push(more);
  const nextBox = proposeBox(input, boundaries);
  if (nextBox) {
    items.push({ kind: 'nextBox', severity: 'info',
      message: `${(input.roundsLeft ?? 1) > 0 ? 'Next round' : 'For another round (no more are planned)'}: sample in ${describeRanges(input.space, nextBox.box, labels)}${nextBox.widened.length ? ` (widened: ${nextBox.widened.map(label).join(', ')})` : ''}, the box of trial${nextBox.basedOn.length === 1 ? '' : 's'} ${nextBox.basedOn.join(', ')}.` });
  }
  return { items, boundaries, nextBox };
}

/** The trials that count as best: finished by metric, then (asha/hyperband) those pruned furthest, over the latest round that ranked any. */
function rankedTrials(input: AdviceInput): TrialRecord[] {
  const rounds = [...new Set(input.trials.map((t) => t.round))].sort((a, b) => b - a);
  for (const r of rounds) {
    const ranked = boxRanking(input.trials, { mode: input.mode, rule: input.earlyTermination, epochsPerTrial: input.epochsPerTrial }, r);
    if (ranked.length > 0) return ranked;
  }
  return [];
}

/** The value at a sampling-space coordinate (for messages). */
function valueOf(d: SearchDimension, c: number): number | string {
  switch (d.scale) {
    case 'log': return 10 ** c;
    case 'oneMinusLog': return 1 - 10 ** c;
    case 'int': return Math.round(c);
    case 'uniform': return c;
    case 'choice': return String(d.choices[Math.round(c)] ?? c);
  }
}

function formatRange(d: SearchDimension, r: { low: number; high: number }): string {
  const a = valueOf(d, r.low);
  const b = valueOf(d, r.high);
  const [lo, hi] = d.scale === 'oneMinusLog' ? [b, a] : [a, b];
  const f = (v: number | string): string => (typeof v === 'number' ? formatSearchValue(d, v) : v);
  return `[${f(lo)}, ${f(hi)}]`;
}

function describeRanges(space: readonly SearchDimension[], box: SearchBox, labels: string[]): string {
  return space.map((d, i) => {
    const r = box[d.path];
    if (!r) return '';
    if ('indices' in r) return `${labels[i]} ∈ {${r.indices.map((k) => choiceText(d, k)).join(', ')}}`;
    return `${labels[i]} ${formatRange(d, r)}`;
  }).filter(Boolean).join(' · ');
}

/**
 * A dimension's edge holds the best trials when at least half of them — the best one included —
 * lie in its outer 10 % (sampling space). The proposed range reaches half its width further on
 * that side, except past a hard limit: 0 and 1 of a `uniform` range inside [0, 1] (probabilities),
 * 0 of an `int` range that starts at 0 or more (counts).
 */
export function boundaryWarnings(space: readonly SearchDimension[], best: readonly TrialRecord[]): BoundaryWarning[] {
  if (best.length < 3) return [];
  const out: BoundaryWarning[] = [];
  for (const d of space) {
    if (d.scale === 'choice' || !(d.high > d.low)) continue;
    const width = d.high - d.low;
    const at = (t: TrialRecord): number => (t.coords[d.path] - d.low) / width;
    for (const side of ['low', 'high'] as const) {
      const near = (t: TrialRecord): boolean => (side === 'high' ? at(t) >= 1 - EDGE - 1e-9 : at(t) <= EDGE + 1e-9);
      const count = best.filter(near).length;
      if (!near(best[0]) || count * 2 < best.length) continue;
      // In values, the coordinate's high end of 1 − β is β's low end.
      const edge = d.scale === 'oneMinusLog' ? (side === 'high' ? 'low' : 'high') : side;
      out.push({ path: d.path, edge, count, of: best.length, widened: widen(d, side, width) });
    }
  }
  return out;
}

function widen(d: SearchDimension, side: 'low' | 'high', width: number): { low: number; high: number } | null {
  let low = d.low;
  let high = d.high;
  const by = d.scale === 'int' ? Math.max(1, Math.round(width / 2)) : width / 2;
  if (side === 'high') high += by;
  else low -= by;
  if (d.scale === 'uniform' && d.low >= 0 && d.high <= 1) {
    low = Math.max(0, low);
    high = Math.min(1, high);
  }
  if (d.scale === 'int' && d.low >= 0) low = Math.max(0, low);
  return low === d.low && high === d.high ? null : { low, high };
}

function infeasibleAdvice(input: AdviceInput, label: (path: string) => string): Advice | null {
  const ended = input.trials.filter((t) => t.runDir !== null && ['finished', 'killed', 'failed', 'stopped', 'pruned'].includes(t.state));
  if (!ended.length) return null;
  const diverged = ended.filter((t) => t.diverged || (t.metric !== null && !Number.isFinite(t.metric)));
  const failed = ended.filter((t) => t.state === 'failed' && !diverged.includes(t));
  const bad = diverged.length + failed.length;
  if (!bad) return null;
  const share = bad / ended.length;
  const parts = [diverged.length ? `${diverged.length} diverged (NaN/Inf)` : '', failed.length ? `${failed.length} failed` : ''].filter(Boolean).join(', ');
  let where = '';
  const feasible = ended.filter((t) => !diverged.includes(t) && !failed.includes(t));
  if (diverged.length >= 2) {
    // A dimension that separates them: every diverged trial beyond a value few others reach.
    for (const d of input.space) {
      if (d.scale === 'choice') continue;
      const cs = diverged.map((t) => t.coords[d.path]);
      const lo = Math.min(...cs);
      const hi = Math.max(...cs);
      const above = feasible.filter((t) => t.coords[d.path] >= lo).length;
      const below = feasible.filter((t) => t.coords[d.path] <= hi).length;
      const v = (c: number): string => formatSearchValue(d, valueOf(d, c) as number);
      if (feasible.length && above <= 0.2 * feasible.length) {
        const [word, c] = d.scale === 'oneMinusLog' ? ['≤', lo] : ['≥', lo];
        where = ` Every diverged trial has ${label(d.path)} ${word} ${v(c)} (${above} of the ${feasible.length} others do): ${d.scale === 'oneMinusLog' ? 'raise the lower bound' : 'lower the upper bound'} of its range.`;
        break;
      }
      if (feasible.length && below <= 0.2 * feasible.length) {
        const [word, c] = d.scale === 'oneMinusLog' ? ['≥', hi] : ['≤', hi];
        where = ` Every diverged trial has ${label(d.path)} ${word} ${v(c)} (${below} of the ${feasible.length} others do): ${d.scale === 'oneMinusLog' ? 'lower the upper bound' : 'raise the lower bound'} of its range.`;
        break;
      }
    }
  }
  return {
    kind: 'infeasible', severity: share >= 0.2 ? 'warning' : 'info',
    message: `${bad} of ${ended.length} trials (${Math.round(share * 100)} %) were infeasible: ${parts}.${where}`,
  };
}

/**
 * Whether more trials in the same box are likely to help, from the finished trials: random
 * trials are exchangeable, so m more beat the best of n with probability m/(n + m); whether that
 * matters depends on how far the best stands from the trials just behind it, against the spread
 * (interquartile range) of all of them.
 */
function moreTrialsAdvice(input: AdviceInput): Advice | null {
  const done = input.trials.filter((t) => t.state === 'finished' && t.metric !== null && Number.isFinite(t.metric));
  const fmt = (v: number): string => formatMetric(input.metric, v);
  if (done.length < MIN_FOR_TREND) {
    return done.length ? { kind: 'moreTrials', severity: 'info', message: `${done.length} finished trial${done.length === 1 ? '' : 's'}: too few to tell whether more trials would help.` } : null;
  }
  const sorted = done.map((t) => t.metric!).sort((a, b) => compareMetrics(a, b, input.mode));
  const n = sorted.length;
  const q = (p: number): number => sorted[Math.min(n - 1, Math.round(p * (n - 1)))];
  const spread = Math.abs(q(0.75) - q(0.25));
  const k = Math.max(2, Math.ceil(0.1 * n));
  const gap = Math.abs(sorted[k - 1] - sorted[0]);
  const m = Math.max(1, input.trialsPerRound);
  const chance = `${m} more trial${m === 1 ? '' : 's'} in this box beat it with probability ${Math.round((100 * m) / (n + m))} %`;
  // When was the best found? Late: the search is still finding better trials.
  const byId = [...done].sort((a, b) => a.id - b.id);
  let bestAt = 0;
  byId.forEach((t, i) => {
    if (compareMetrics(t.metric!, byId[bestAt].metric!, input.mode) < 0) bestAt = i;
  });
  const late = bestAt >= Math.floor(0.75 * n);
  if (spread > 0 && gap <= 0.1 * spread && !late) {
    return { kind: 'moreTrials', severity: 'info',
      message: `More trials in this box are unlikely to help much: the ${k} best are within ${fmt(gap)} of each other (best ${fmt(sorted[0])}) while the trials spread over ${fmt(spread)}; ${chance}. Zoom in (another round) or train the best longer.` };
  }
  return { kind: 'moreTrials', severity: 'info',
    message: `More trials are likely to help: ${late ? `the best (${fmt(sorted[0])}) came late, trial ${bestAt + 1} of ${n}` : `the best (${fmt(sorted[0])}) stands ${fmt(gap)} ahead of the ${k === 2 ? 'next' : `${k}th`}, against a spread of ${fmt(spread)}`}; ${chance}.` };
}

/** The next round's box (the runner's: the best keepTop of the latest round), widened at warned edges. */
function proposeBox(input: AdviceInput, boundaries: readonly BoundaryWarning[]): SearchAdvice['nextBox'] {
  const top = rankedTrials(input).slice(0, input.keepTop);
  if (!top.length) return null;
  const box = boxOf(input.space, top.map((t) => t.coords));
  const widened: string[] = [];
  for (const b of boundaries) {
    const r = box[b.path];
    if (!b.widened || !r || 'indices' in r) continue;
    const d = input.space.find((x) => x.path === b.path)!;
    const coordSide = d.scale === 'oneMinusLog' ? (b.edge === 'high' ? 'low' : 'high') : b.edge;
    if (coordSide === 'high') r.high = b.widened.high;
    else r.low = b.widened.low;
    widened.push(b.path);
  }
  return { box, basedOn: top.map((t) => t.id), widened };
}
