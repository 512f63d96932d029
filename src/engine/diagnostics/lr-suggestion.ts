/**
 * The learning rate to suggest from a range test's smoothed loss curve.
 *
 * Lightning takes the steepest slope of the raw losses against the raw learning rate: one early
 * spike, or noise on a log-spaced grid, moves the suggestion by decades (Lightning issues #1767,
 * #21141). Here, as in fastai's "valley": skip the burn-in where the EWA is still settling, find
 * the longest descending stretch of the *smoothed* curve (longest strictly decreasing
 * subsequence, so a bump inside a long descent does not cut it), and inside it take the steepest
 * least-squares slope against log₁₀ LR over a window of points, so one noisy point cannot win,
 * and at least BELOW_MINIMUM× below the curve's lowest point.
 */
import type { LrFindResult, LrPoint } from '../../shared/diagnosis';

export interface LrSuggestion {
  burnIn: number;
  valley: { first: LrPoint; last: LrPoint } | null;
  suggestion: LrFindResult['suggestion'];
  minimum: LrPoint | null;
  note: string;
}

/** A descent that lowers the smoothed loss by less than this fraction is noise, not a valley. */
const MIN_DROP = 0.05;
/** Without a descent, the loss "starts rising" where it first exceeds its lowest value so far by this fraction. */
const RISE = 0.1;
/** … for this many points in a row; the suggestion is BELOW_RISE× below that rate. */
const PERSIST = 3;
const BELOW_RISE = 10;
/**
 * The suggestion stays at least this factor below the lowest point of the curve: there the loss
 * is about to rise, and a whole training at that rate has no margin (fastai's old rule was min/10).
 */
export const BELOW_MINIMUM = 3;

export function suggestLearningRate(lrs: readonly number[], losses: readonly number[], smoothed: readonly number[]): LrSuggestion {
  // Only the finite prefix counts: after a NaN/Inf the sweep has stopped meaning anything.
  let n = 0;
  while (n < Math.min(lrs.length, smoothed.length) && Number.isFinite(smoothed[n]) && lrs[n] > 0) n++;
  const burnIn = Math.min(Math.max(1, Math.floor(n / 10)), Math.max(0, n - 1));
  const point = (i: number): LrPoint => ({ index: i, lr: lrs[i], loss: smoothed[i] });
  let minimum: LrPoint | null = null;
  for (let i = burnIn; i < n; i++) if (!minimum || smoothed[i] < minimum.loss) minimum = point(i);
  const none = (note: string): LrSuggestion => ({ burnIn, valley: null, suggestion: null, minimum, note });
  if (n - burnIn < 5) return none(`only ${n} usable points in the sweep: too few to find a descent (more steps, or a wider range)`);

  const [first, last] = longestDescent(smoothed, burnIn, n);
  const drop = (smoothed[first] - smoothed[last]) / Math.abs(smoothed[first]);
  const x = lrs.slice(0, n).map((lr) => Math.log10(lr));
  const half = Math.max(2, Math.round(n / 25));
  const cap = minimum ? minimum.lr / BELOW_MINIMUM : Infinity;
  let best: LrSuggestion['suggestion'] = null;
  if (last - first >= 2 && drop >= MIN_DROP && significant(losses, burnIn, n, first, last)) {
    for (let i = first; i <= last && lrs[i] <= cap; i++) {
      const slope = leastSquaresSlope(x, smoothed, Math.max(first, i - half), Math.min(last, i + half));
      if (slope < 0 && (!best || slope < best.slope)) best = { ...point(i), slope, rule: 'steepest' };
    }
  }
  if (best) {
    return {
      burnIn, valley: { first: point(first), last: point(last) }, suggestion: best, minimum,
      note: `steepest descent of the smoothed loss against log₁₀ LR inside its longest descending stretch `
        + `(${fmt(lrs[first])}…${fmt(lrs[last])}, −${(drop * 100).toFixed(0)} %), after a burn-in of ${burnIn} points, `
        + `at most ${fmt(cap)} (the lowest point ÷ ${BELOW_MINIMUM})`,
    };
  }
  // No descent. Mid-run the weights are already near a minimum for these rates: the curve is flat
  // and then rises. The rate where it rises bounds what the run can take.
  // "Rising": a few points in a row above the plateau (the median so far) by RISE, so that the
  // EWA's early wobble is not taken for it.
  for (let i = burnIn + 5; i + PERSIST <= n; i++) {
    const plateau = median(smoothed.slice(burnIn, i));
    let rising = true;
    for (let k = i; k < i + PERSIST && rising; k++) rising = smoothed[k] > plateau * (1 + RISE);
    if (!rising) continue;
    let j = i;
    while (j > 0 && lrs[j] > lrs[i] / BELOW_RISE) j--;
    return {
      burnIn, valley: null, minimum, suggestion: { ...point(j), slope: 0, rule: 'beforeRise' },
      note: `no descent: the smoothed loss stays flat (the weights are already near a minimum for these rates) and starts `
        + `rising at ${fmt(lrs[i])}; the suggestion is a tenth of that`,
    };
  }
  return none(`the smoothed loss never falls by ${MIN_DROP * 100} % over a stretch of learning rates, nor rises: no rate in `
    + `${fmt(lrs[0])}…${fmt(lrs[n - 1])} changes it in ${n} steps`);
}

/**
 * First and last index of the longest strictly decreasing subsequence of `ys[from, to)` (O(n²) on
 * ~100 points). Ties go to the one that falls furthest, then to the earliest.
 */
export function longestDescent(ys: readonly number[], from: number, to: number): [number, number] {
  const len = new Array<number>(to).fill(1);
  const start = Array.from({ length: to }, (_, i) => i);
  let end = from;
  for (let i = from; i < to; i++) {
    for (let j = from; j < i; j++) {
      // Prefer, among equally long chains into i, the one that starts highest (the deepest descent).
      if (ys[j] > ys[i] && (len[j] + 1 > len[i] || (len[j] + 1 === len[i] && ys[start[j]] > ys[start[i]]))) {
        len[i] = len[j] + 1;
        start[i] = start[j];
      }
    }
    const deeper = len[i] === len[end] && ys[start[i]] - ys[i] > ys[start[end]] - ys[end];
    if (len[i] > len[end] || deeper) end = i;
  }
  return [start[end], end];
}

/**
 * Whether the raw losses at the end of the stretch are lower than at its start by more than their
 * own noise (a two-window t-test at 3σ; σ from the median absolute step, robust to spikes). A
 * longest decreasing subsequence through pure noise is long too: mid-run, with the weights near
 * a minimum, the smoothed curve wanders by a few per cent and must not read as a descent.
 */
function significant(losses: readonly number[], from: number, to: number, first: number, last: number): boolean {
  const w = Math.max(5, Math.round((to - from) / 20));
  const mean = (lo: number, hi: number): number => {
    const xs = losses.slice(Math.max(from, lo), Math.min(to, hi)).filter(Number.isFinite);
    return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  };
  const steps: number[] = [];
  for (let i = from + 1; i < to; i++) if (Number.isFinite(losses[i]) && Number.isFinite(losses[i - 1])) steps.push(Math.abs(losses[i] - losses[i - 1]));
  const sigma = (1.4826 * median(steps)) / Math.SQRT2;
  return mean(first, first + w) - mean(last - w + 1, last + 1) >= 3 * sigma * Math.sqrt(2 / w);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Slope of the least-squares line through (x[i], y[i]) for i in [lo, hi]. */
function leastSquaresSlope(x: readonly number[], y: readonly number[], lo: number, hi: number): number {
  const m = hi - lo + 1;
  if (m < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = lo; i <= hi; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / m;
  const my = sy / m;
  let sxy = 0;
  let sxx = 0;
  for (let i = lo; i <= hi; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

function fmt(x: number): string {
  return Number(x.toPrecision(2)).toString();
}
