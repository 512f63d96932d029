/**
 * Hyperparameter importance by PED-ANOVA (Watanabe, Bansal, Hutter, "PED-ANOVA: Efficiently
 * Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023; the evaluator Optuna
 * Dashboard uses): for each hyperparameter, how differently it is distributed among the top
 * trials than among all of them. Pure, DOM-free (the webview and the engine both use it).
 *
 * For a dimension d, on its sampling scale (log10 x for `log`, log10(1 − x) for `oneMinusLog`, x,
 * the choice index), both sets of trials are counted on a grid (50 points, every integer of a
 * small `int` range, every choice), smoothed by a Parzen estimator with Scott's bandwidth and a
 * wide prior kernel, and compared by the Pearson divergence
 *
 *     D(d) = Σ_k p_all(k) · (p_top(k) / p_all(k) − 1)²
 *
 * The importances are the D(d) normalised to sum to 1. A dimension that decides the metric puts
 * the top trials in one corner (large D); one that does not leaves them spread as all trials are
 * (D ≈ 0). The top trials are those at or better than the `quantile` (10 %) of the metric, at least 5.
 */
import type { SearchDimension, TrialRecord } from './search-protocol';
import type { SearchMode } from './search-ranking';

export interface ImportancePoint {
  coords: Record<string, number>;
  value: number;
}

export interface ImportanceOptions {
  /** The top trials are those at or better than this quantile of the metric (default 0.1). */
  quantile?: number;
  /** Fewer trials than this: too few to say (default 10). */
  minTrials?: number;
}

export interface Importance {
  path: string;
  /** Share of the total divergence, 0 … 1. */
  importance: number;
  /** The Pearson divergence itself. */
  divergence: number;
}

export type ImportanceResult =
  | { status: 'ok'; importances: Importance[]; trials: number; top: number }
  | { status: 'tooFew'; trials: number; needed: number; importances: [] };

const GRID = 50;
/** At least this many top trials ("it is preferable to include at least 5 trials above baseline", Optuna). */
const MIN_TOP = 5;
const PRIOR_WEIGHT = 1;

/**
 * PED-ANOVA importances of `space` for trials whose coordinates and metric are given, most
 * important first (ties in space order). Below `minTrials` trials: too few to say.
 */
export function pedAnova(space: readonly SearchDimension[], points: readonly ImportancePoint[], mode: SearchMode, options: ImportanceOptions = {}): ImportanceResult {
  const minTrials = Math.max(MIN_TOP + 1, options.minTrials ?? 10);
  const usable = points.filter((p) => Number.isFinite(p.value) && space.every((d) => Number.isFinite(p.coords[d.path])));
  if (usable.length < minTrials) return { status: 'tooFew', trials: usable.length, needed: minTrials, importances: [] };
  const top = topTrials(usable, mode, options.quantile ?? 0.1);
  const varying = space.filter((d) => d.high > d.low);
  const divergences = varying.map((d) => pearsonDivergence(d, top, usable));
  const sum = divergences.reduce((a, b) => a + b, 0);
  const importances: Importance[] = space.map((d) => {
    const i = varying.indexOf(d);
    if (i < 0) return { path: d.path, importance: 0, divergence: 0 };
    // Every trial is a top trial (all equal metrics): nothing tells the dimensions apart.
    return { path: d.path, importance: sum > 0 ? divergences[i] / sum : 1 / varying.length, divergence: divergences[i] };
  });
  const order = new Map(space.map((d, i) => [d.path, i]));
  importances.sort((a, b) => b.importance - a.importance || order.get(a.path)! - order.get(b.path)!);
  return { status: 'ok', importances, trials: usable.length, top: top.length };
}

/**
 * The trials at or better than the `quantile` of the metric, and at least the 5 best (as Optuna's
 * QuantileFilter with 5 top trials: cutoff = max(5th best, the quantile by the "higher" rule)).
 */
export function topTrials(points: readonly ImportancePoint[], mode: SearchMode, quantile: number): ImportancePoint[] {
  const loss = (p: ImportancePoint): number => (mode === 'max' ? -p.value : p.value);
  const sorted = points.map(loss).sort((a, b) => a - b);
  const q = sorted[Math.min(sorted.length - 1, Math.ceil(quantile * (sorted.length - 1)))];
  const cutoff = Math.max(sorted[Math.min(sorted.length - 1, MIN_TOP - 1)], q);
  return points.filter((p) => loss(p) <= cutoff);
}

/** Grid cell of every point for one dimension, and the number of cells. */
export function gridCells(d: SearchDimension, points: readonly ImportancePoint[]): { cells: number[]; size: number } {
  const coords = points.map((p) => p.coords[d.path]);
  if (d.scale === 'choice') {
    const size = Math.max(1, d.choices.length || d.high + 1);
    return { cells: coords.map((c) => clampIndex(Math.round(c), size)), size };
  }
  if (d.scale === 'int' && d.high - d.low + 1 <= GRID) {
    const size = Math.round(d.high - d.low) + 1;
    return { cells: coords.map((c) => clampIndex(Math.round(c - d.low), size)), size };
  }
  // The nearest of GRID evenly spaced points on [low, high] (ties to the upper one).
  const step = (d.high - d.low) / (GRID - 1);
  return { cells: coords.map((c) => clampIndex(Math.ceil((c - d.low) / step - 0.5 - 1e-12), GRID)), size: GRID };
}

const clampIndex = (i: number, size: number): number => Math.min(size - 1, Math.max(0, i));

function countCells(cells: readonly number[], size: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const c of cells) counts[c]++;
  return counts;
}

export function pearsonDivergence(d: SearchDimension, top: readonly ImportancePoint[], all: readonly ImportancePoint[]): number {
  const { size } = gridCells(d, all);
  const countTop = countCells(gridCells(d, top).cells, size);
  const countAll = countCells(gridCells(d, all).cells, size);
  const density = d.scale === 'choice' ? categoricalParzen : scottParzen;
  const pTop = density(countTop);
  const pAll = density(countAll);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const t = pTop[k] + 1e-12;
    const a = pAll[k] + 1e-12;
    sum += a * (t / a - 1) ** 2;
  }
  return sum;
}

/**
 * Parzen estimate on the cells 0 … n−1 from counts: a discretised truncated normal kernel at every
 * occupied cell (weight = its count) with one bandwidth by Scott's rule,
 * σ = 1.059 · min(IQR / 1.34, s) · N^(−1/5), at least 0.5/1.64 cell, plus a prior kernel at the
 * middle with σ = n (weight 1).
 */
export function scottParzen(counts: readonly number[]): number[] {
  const n = counts.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const mus: number[] = [];
  const ws: number[] = [];
  counts.forEach((c, k) => {
    if (c > 0) {
      mus.push(k);
      ws.push(c);
    }
  });
  let sigma = 0.5 / 1.64;
  if (total > 0) {
    const mean = mus.reduce((a, m, i) => a + (m * ws[i]) / total, 0);
    const s = Math.sqrt(mus.reduce((a, m, i) => a + (m - mean) ** 2 * ws[i], 0) / Math.max(1, total - 1));
    const cum: number[] = [];
    ws.reduce((a, w) => (cum.push(a + w), a + w), 0);
    const q25 = firstIndex(cum, (c) => c >= Math.floor(total / 4));
    const q75 = firstIndex(cum, (c) => c > Math.floor((total * 3) / 4));
    const iqr = mus[Math.min(mus.length - 1, q75)] - mus[q25];
    sigma = Math.max(1.059 * Math.min(iqr / 1.34, s) * total ** -0.2, 0.5 / 1.64);
  }
  const kernels = mus.map((mu, i) => ({ mu, sigma, w: ws[i] }));
  kernels.push({ mu: 0.5 * (n - 1), sigma: n, w: PRIOR_WEIGHT });
  const wSum = kernels.reduce((a, k) => a + k.w, 0);
  const p = new Array<number>(n).fill(0);
  for (const k of kernels) {
    const mass = (x: number): number => normalCdfDiff((x - 0.5 - k.mu) / k.sigma, (x + 0.5 - k.mu) / k.sigma);
    const z = normalCdfDiff((-0.5 - k.mu) / k.sigma, (n - 0.5 - k.mu) / k.sigma);
    for (let x = 0; x < n; x++) p[x] += (k.w / wSum) * (mass(x) / z);
  }
  return p;
}

/**
 * Parzen estimate over choices from counts: a kernel per chosen choice (weight = its count) that
 * puts 1 + w₀ on that choice and w₀ on every choice before normalising (w₀ = prior weight / number
 * of kernels), plus a uniform prior kernel (weight 1).
 */
export function categoricalParzen(counts: readonly number[]): number[] {
  const n = counts.length;
  const chosen = counts.map((c, k) => ({ c, k })).filter((x) => x.c > 0);
  const kernels = chosen.length + 1;
  const w0 = PRIOR_WEIGHT / kernels;
  const wSum = chosen.reduce((a, x) => a + x.c, 0) + PRIOR_WEIGHT;
  const p = new Array<number>(n).fill(0);
  for (const { c, k } of chosen) {
    const row = 1 + n * w0;
    for (let x = 0; x < n; x++) p[x] += (c / wSum) * ((x === k ? 1 + w0 : w0) / row);
  }
  for (let x = 0; x < n; x++) p[x] += (PRIOR_WEIGHT / wSum) / n;
  return p;
}

function firstIndex(xs: readonly number[], ok: (x: number) => boolean): number {
  const i = xs.findIndex(ok);
  return i < 0 ? xs.length : i;
}

// ───────────────────────── the normal distribution ─────────────────────────

/** Φ(b) − Φ(a) for a ≤ b, without cancellation in the tails. */
export function normalCdfDiff(a: number, b: number): number {
  const r = Math.SQRT1_2;
  if (a >= 0) return 0.5 * (erfc(a * r) - erfc(b * r));
  if (b <= 0) return 0.5 * (erfc(-b * r) - erfc(-a * r));
  return 0.5 * (erf(b * r) - erf(a * r));
}

/** erf(x): the Maclaurin series for |x| < 2.5 (relative error ~1e-15), else 1 − erfc(x). */
export function erf(x: number): number {
  if (Math.abs(x) >= 2.5) return x > 0 ? 1 - erfc(x) : erfc(-x) - 1;
  // erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x): 1 − erf(x) for small x, else its continued fraction (modified Lentz), accurate in the far tail. */
export function erfc(x: number): number {
  if (x < 2.5) return 1 - erf(x);
  // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

// ───────────────────────── which trials ─────────────────────────

export interface SearchImportance {
  result: ImportanceResult;
  /** What the importances rank: the final metric of finished trials, or the metric at one epoch. */
  basis: { kind: 'final' } | { kind: 'epoch'; epoch: number };
}

/**
 * The importances of a search as it stands: over its finished trials' final metric; when early
 * termination left fewer than `minTrials` of them, over the metric at the latest epoch that at
 * least `minTrials` trials reached (comparable values: every trial measured after as many epochs).
 */
export function searchImportance(space: readonly SearchDimension[], trials: readonly TrialRecord[], mode: SearchMode, options: ImportanceOptions = {}): SearchImportance {
  const minTrials = Math.max(MIN_TOP + 1, options.minTrials ?? 10);
  const finished = trials
    .filter((t) => t.state === 'finished' && t.metric !== null && Number.isFinite(t.metric))
    .map((t) => ({ coords: t.coords, value: t.metric! }));
  if (finished.length >= minTrials) return { result: pedAnova(space, finished, mode, options), basis: { kind: 'final' } };
  // The latest epoch that at least minTrials trials reached.
  const epoch = trials.map((t) => t.curve.length).sort((a, b) => b - a)[minTrials - 1] ?? 0;
  if (epoch > 0) {
    const at = trials
      .filter((t) => t.curve.length >= epoch && t.curve[epoch - 1] !== null && Number.isFinite(t.curve[epoch - 1]!))
      .map((t) => ({ coords: t.coords, value: t.curve[epoch - 1]! }));
    if (at.length >= minTrials) return { result: pedAnova(space, at, mode, options), basis: { kind: 'epoch', epoch } };
  }
  return { result: pedAnova(space, finished, mode, options), basis: { kind: 'final' } };
}
