/**
 * Pure helpers that turn a RunView into what the charts draw (and the CSV the host exports).
 * No DOM, no Node: imported by the webview bundle and by the host alike.
 */
import type { EpochSummary } from './protocol';
import type { RunView } from './run-view';

/** ‖dW‖ below this is drawn inside the shaded "vanishing" band (no learning happens down there). */
export const GRAD_VANISHING = 1e-7;
/** ‖dW‖ above this is drawn inside the shaded "exploding" band (a step of lr·‖dW‖ ≥ 1 is a jump). */
export const GRAD_EXPLODING = 1e2;
/** Healthy update/weight ratio ‖ΔW‖/‖W‖ (Karpathy's rule of thumb), drawn as a dashed guide. */
export const UPDATE_RATIO_GUIDE = 1e-3;
/** Smallest budget `decimate` accepts: first + last + one bucket's min, max and three non-finite kinds. */
export const MIN_DECIMATE_POINTS = 8;

/**
 * TensorBoard's debiased exponentially weighted average:
 * `last = last·β + (1−β)·y; n++; out = last / (1 − βⁿ)`, with `last = 0, n = 0` at the start.
 * Non-finite values (NaN, ±Infinity) are passed through as they are and not folded in.
 * β is clamped to [0, 0.999999].
 */
export function debiasedEwa(values: ArrayLike<number>, beta: number): number[] {
  const b = Number.isFinite(beta) ? Math.min(Math.max(beta, 0), 0.999999) : 0;
  const out = new Array<number>(values.length);
  let last = 0;
  let betaPow = 1; // βⁿ, kept as a running product instead of Math.pow every point
  for (let i = 0; i < values.length; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * b + (1 - b) * y;
    betaPow *= b;
    out[i] = last / (1 - betaPow);
  }
  return out;
}

/**
 * 'nan' | '+inf' | '-inf' for a non-finite number, null for a finite one. A `null` where a number
 * belongs (what JSON makes of NaN/±Infinity when nobody encoded them) counts as NaN.
 */
export function nonFiniteKind(y: number | null): 'nan' | '+inf' | '-inf' | null {
  if (typeof y !== 'number' || Number.isNaN(y)) return 'nan';
  if (Number.isFinite(y)) return null;
  return y > 0 ? '+inf' : '-inf';
}

/**
 * Indices of the points to draw so that at most `maxPoints` remain: the first and the last point,
 * and in each bucket of the interior the minimum and the maximum finite value (min-max
 * decimation keeps every spike visible) plus the first NaN, +Inf and −Inf of the bucket, so that
 * non-finite values are always drawn as markers and never vanish. Indices come back sorted.
 * A series that already fits comes back whole. `maxPoints` is raised to MIN_DECIMATE_POINTS.
 */
export function decimateIndices(ys: ArrayLike<number>, maxPoints: number): number[] {
  const n = ys.length;
  const budget = Math.max(MIN_DECIMATE_POINTS, Math.floor(Number.isFinite(maxPoints) ? maxPoints : MIN_DECIMATE_POINTS));
  if (n <= budget) return Array.from({ length: n }, (_, i) => i);
  const interior = n - 2;
  let buckets = Math.max(1, Math.floor((budget - 2) / 2));
  for (;;) {
    const picked = pickBuckets(ys, 1, interior, buckets);
    if (picked.length + 2 <= budget || buckets === 1) {
      return [0, ...picked, n - 1];
    }
    // Non-finite markers took room: shrink the bucket count in proportion and try again.
    const next = Math.floor((buckets * (budget - 2)) / picked.length) - 1;
    buckets = Math.max(1, Math.min(buckets - 1, next));
  }
}

function pickBuckets(ys: ArrayLike<number>, start: number, count: number, buckets: number): number[] {
  const out: number[] = [];
  const size = count / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = start + Math.floor(b * size);
    const hi = start + Math.floor((b + 1) * size); // exclusive
    let minI = -1;
    let maxI = -1;
    let nanI = -1;
    let posI = -1;
    let negI = -1;
    for (let i = lo; i < hi; i++) {
      const y = ys[i];
      if (Number.isFinite(y)) {
        if (minI < 0 || y < ys[minI]) minI = i;
        if (maxI < 0 || y > ys[maxI]) maxI = i;
      } else if (Number.isNaN(y)) {
        if (nanI < 0) nanI = i;
      } else if (y > 0) {
        if (posI < 0) posI = i;
      } else if (negI < 0) {
        negI = i;
      }
    }
    const picks = [minI, maxI, nanI, posI, negI].filter((i) => i >= 0).sort((a, c) => a - c);
    let prev = -1;
    for (const i of picks) {
      if (i !== prev) out.push(i);
      prev = i;
    }
  }
  return out;
}

/** Min-max decimation of a series (see `decimateIndices`): at most `maxPoints` points remain. */
export function decimate(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): { xs: number[]; ys: number[] } {
  if (xs.length !== ys.length) throw new Error(`decimate: ${xs.length} x values but ${ys.length} y values`);
  const idx = decimateIndices(ys, maxPoints);
  return { xs: idx.map((i) => xs[i]), ys: idx.map((i) => ys[i]) };
}

/** Picks the given indices out of a series (used to decimate several series alike). */
export function pick<T>(values: ArrayLike<T>, indices: readonly number[]): T[] {
  return indices.map((i) => values[i]);
}

// ───────────────────────── series out of a RunView ─────────────────────────

/** Iteration numbers of `view.costs`. */
export function costIterations(view: RunView): number[] {
  return Array.from({ length: view.costs.length }, (_, k) => view.firstIteration + k);
}

/** The last finite cost (what the header shows), or null. */
export function lastFinite(values: ArrayLike<number>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return values[i];
  return null;
}

export type LayerField = 'gradNorm' | 'updateRatio' | 'weightNorm' | 'meanAbsGrad' | 'activationMean'
  | 'activationStd' | 'saturated' | 'deadRelu';

/** One series per layer (in the order layers first appear) of one LayerStat field against iteration. */
export function layerSeries(view: RunView, field: LayerField): { layer: string; xs: number[]; ys: number[] }[] {
  const byLayer = new Map<string, { layer: string; xs: number[]; ys: number[] }>();
  for (const sample of view.layerStats) {
    for (const stat of sample.layers) {
      let s = byLayer.get(stat.layer);
      if (!s) {
        s = { layer: stat.layer, xs: [], ys: [] };
        byLayer.set(stat.layer, s);
      }
      s.xs.push(sample.iteration);
      s.ys.push(stat[field]);
    }
  }
  return [...byLayer.values()];
}

/**
 * The learning rate as a step function: [iteration, rate] pairs where each rate holds from its
 * iteration on, closed by a last point at the current iteration so the line reaches "now".
 */
export function learningRateSteps(view: RunView): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [it, rate] of view.learningRates) {
    if (xs.length && xs[xs.length - 1] === it) {
      ys[ys.length - 1] = rate; // a later entry for the same iteration wins
      continue;
    }
    xs.push(it);
    ys.push(rate);
  }
  if (xs.length && view.iteration > xs[xs.length - 1]) {
    xs.push(view.iteration);
    ys.push(ys[ys.length - 1]);
  }
  return { xs, ys };
}

/** Learning rate in effect at an iteration (null before the first known rate). */
export function learningRateAt(view: RunView, iteration: number): number | null {
  let rate: number | null = null;
  for (const [it, r] of view.learningRates) {
    if (it > iteration) break;
    rate = r;
  }
  return rate;
}

/**
 * Epoch an iteration belongs to: the first epoch summary that ends at or after it; past the last
 * summary, the epoch after it; with no summary yet, ⌈iteration / iterationsPerEpoch⌉ when known.
 */
export function epochOfIteration(view: RunView, iteration: number): number | null {
  const e = view.epochs;
  if (e.length) {
    let lo = 0;
    let hi = e.length - 1;
    if (iteration > e[hi].iteration) return e[hi].epoch + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid].iteration >= iteration) hi = mid;
      else lo = mid + 1;
    }
    return e[lo].epoch;
  }
  const ipe = view.info?.iterationsPerEpoch ?? 0;
  return ipe > 0 ? Math.ceil(iteration / ipe) : null;
}

/** Error per epoch as chart series (null dev values become NaN: a gap, not a zero). */
export function errorSeries(epochs: readonly EpochSummary[]): { xs: number[]; train: number[]; dev: number[] } {
  return {
    xs: epochs.map((e) => e.epoch),
    train: epochs.map((e) => e.trainError),
    dev: epochs.map((e) => (e.devError === null ? Number.NaN : e.devError)),
  };
}

/** Compact, stable number formatting for the UI: 3 significant digits, exponent when tiny/huge. */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+∞';
  if (x === -Infinity) return '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(Math.max(0, digits - 1)).replace('e+', 'e');
}

/** Error as a percentage for classification, as is for regression (RMSE). */
export function formatError(x: number | null | undefined, regression: boolean): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return formatNumber(x);
  return regression ? formatNumber(x) : `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
}

// ───────────────────────── CSV export ─────────────────────────

export const CSV_HEADER = [
  'kind', 'iteration', 'epoch', 'cost', 'learning_rate', 'train_cost', 'train_error', 'dev_cost', 'dev_error',
  'test_cost', 'test_error', 'test_looks', 'seconds',
] as const;

function csvNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/**
 * The run's metrics as one CSV table (RFC 4180, `\n` line ends, header first): a row per
 * iteration (`kind=iteration`: cost and learning rate), then a row per epoch (`kind=epoch`: train
 * and dev cost/error, learning rate, seconds), then a row per test-set evaluation (`kind=test`).
 * Empty cells mean "not measured"; non-finite values are written NaN / Inf / -Inf.
 */
export function toCsv(view: RunView): string {
  const lines: string[] = [CSV_HEADER.join(',')];
  const row = (cells: (string | number | null | undefined)[]): void => {
    lines.push(cells.map((c) => (typeof c === 'number' ? csvNumber(c) : c ?? '')).join(','));
  };
  let lrIdx = -1;
  for (let k = 0; k < view.costs.length; k++) {
    const it = view.firstIteration + k;
    while (lrIdx + 1 < view.learningRates.length && view.learningRates[lrIdx + 1][0] <= it) lrIdx++;
    const lr = lrIdx >= 0 ? view.learningRates[lrIdx][1] : null;
    row(['iteration', it, epochOfIteration(view, it), view.costs[k], lr, null, null, null, null, null, null, null, null]);
  }
  for (const e of view.epochs) {
    row(['epoch', e.iteration, e.epoch, null, e.learningRate, e.trainCost, e.trainError, e.devCost, e.devError,
      null, null, null, e.seconds]);
  }
  for (const t of view.tests) {
    row(['test', t.iteration, epochOfIteration(view, t.iteration), null, null, null, null, null, null, t.cost, t.error,
      t.looks, null]);
  }
  return lines.join('\n') + '\n';
}
