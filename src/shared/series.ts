/**
 * What the charts draw, out of a RunView's bucket series (./buckets), and the number formats the
 * UI shows. No DOM, no Node: imported by the webview bundle and by the host alike. Every function
 * is O(buckets), never O(run length).
 */
import {
  coarsened, columnIndex, debiasedEwaBuckets, envelope, lastFiniteValue, means, type Buckets,
} from './buckets';
import { LAYER_FIELDS, layerColumn, type LayerField, type RunView } from './run-view';

export type { LayerField };

/** ‖dW‖ below this is drawn inside the shaded "vanishing" band (no learning happens down there). */
export const GRAD_VANISHING = 1e-7;
/** ‖dW‖ above this is drawn inside the shaded "exploding" band (a step of lr·‖dW‖ ≥ 1 is a jump). */
export const GRAD_EXPLODING = 1e2;
/** Healthy update/weight ratio ‖ΔW‖/‖W‖ (Karpathy's rule of thumb), drawn as a dashed guide. */
export const UPDATE_RATIO_GUIDE = 1e-3;

/**
 * TensorBoard's debiased exponentially weighted average:
 * `last = last·β + (1−β)·y; n++; out = last / (1 − βⁿ)`, with `last = 0, n = 0` at the start.
 * Non-finite values (NaN, ±Infinity) are passed through as they are and not folded in.
 * β is clamped to [0, 0.999999]. (The reference for `debiasedEwaBuckets`, and the LR finder's smoothing.)
 */
export function debiasedEwa(values: ArrayLike<number>, beta: number): number[] {
  const b = Number.isFinite(beta) ? Math.min(Math.max(beta, 0), 0.999999) : 0;
  const out = new Array<number>(values.length);
  let last = 0;
  let betaPow = 1;
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

/** A series as the charts take it: points, and the non-finite values apart (drawn as markers). */
export interface Line {
  xs: number[];
  ys: number[];
  bad: { x: number; value: number }[];
}

function column(b: Buckets, name: string): Line {
  return envelope(b, columnIndex(b, name));
}

/** Cost per iteration: each bucket's minimum and maximum, in order; at most `maxPoints` points. */
export function costLine(view: RunView, maxPoints = Infinity): Line {
  return column(coarsened(view.iterations, Math.floor(maxPoints / 2)), 'cost');
}

/** The debiased EWA of the cost (one point per bucket; exact while buckets hold one iteration). */
export function smoothedCost(view: RunView, beta: number): { xs: number[]; ys: number[] } {
  return debiasedEwaBuckets(view.iterations, columnIndex(view.iterations, 'cost'), beta);
}

/** The newest finite cost, or null. */
export function lastCost(view: RunView): number | null {
  return lastFiniteValue(view.iterations, columnIndex(view.iterations, 'cost'));
}

/** The newest smoothed cost (what the header shows), or null. */
export function lastSmoothedCost(view: RunView, beta: number): number | null {
  const s = smoothedCost(view, beta);
  return s.ys.length ? s.ys[s.ys.length - 1] : null;
}

/** One series per layer (in the order layers first appear) of one statistic: each bucket's mean. */
export function layerSeries(view: RunView, field: LayerField): { layer: string; xs: number[]; ys: number[]; bad: Line['bad'] }[] {
  const b = view.layers;
  if (!b) return [];
  const layers: string[] = [];
  for (const col of b.columns) {
    const layer = col.slice(0, col.lastIndexOf(':'));
    if (!layers.includes(layer)) layers.push(layer);
  }
  return layers.map((layer) => {
    const c = b.columns.indexOf(layerColumn(layer, field));
    if (c < 0) return { layer, xs: [], ys: [], bad: [] };
    const m = means(b, c);
    const e = envelope(b, c);
    return { layer, xs: m.xs, ys: m.ys.map((y) => (Number.isFinite(y) ? y : Number.NaN)), bad: e.bad };
  });
}

export { LAYER_FIELDS };

/**
 * The learning rate as a step function: [iteration, rate] pairs where each rate holds from its
 * iteration on (each bucket's last rate, plus its extremes when it changed inside the bucket),
 * closed by the rate in effect now at the current iteration so the line reaches "now".
 */
export function learningRateSteps(view: RunView): { xs: number[]; ys: number[] } {
  const b = view.iterations;
  const c = columnIndex(b, 'lr');
  const e = envelope(b, c);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < e.xs.length; i++) {
    if (ys.length && ys[ys.length - 1] === e.ys[i]) continue;
    xs.push(e.xs[i]);
    ys.push(e.ys[i]);
  }
  const now = view.learningRate;
  if (now !== null && Number.isFinite(now)) {
    if (!ys.length || ys[ys.length - 1] !== now || view.iteration > xs[xs.length - 1]) {
      xs.push(Math.max(view.iteration, xs.length ? xs[xs.length - 1] : 0));
      ys.push(now);
    }
  }
  return { xs, ys };
}

/** Error per epoch as chart series (each bucket's extremes; the dev line is empty without a dev set). */
export function errorSeries(view: RunView): { train: Line; dev: Line } {
  return { train: column(view.epochs, 'trainError'), dev: column(view.epochs, 'devError') };
}

/** The epoch an iteration falls in, as near as the view knows (for placing test-set looks). */
export function epochOfIteration(view: RunView, iteration: number): number {
  const ipe = view.info?.iterationsPerEpoch ?? 0;
  if (ipe > 0) return iteration / ipe;
  return view.iteration > 0 ? (iteration / view.iteration) * view.epoch : 0;
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
