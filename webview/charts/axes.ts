/**
 * Readable axes (pure: no DOM, no Chart.js; unit-tested in node).
 *
 * - Log axes get a floor LOG_DECADES decades below the series' robust maximum (its 95th
 *   percentile): a converged run's gradients of 1e-45 would otherwise squeeze everything that
 *   matters into a thin band. Values below the floor (and zeros, which a log axis cannot show) are
 *   drawn at the floor and counted, so they are marked, never silently dropped.
 * - Linear axes can ignore outliers as TensorBoard does: the 5th–95th percentile range, with the
 *   values outside drawn at the edge and counted.
 * - NaN and ±Infinity are counted (the charts draw them as edge markers).
 */
import { quantile } from '../../src/shared/quantile';

export { quantile };

export const LOG_DECADES = 6;
export const ROBUST_LOW = 0.05;
export const ROBUST_HIGH = 0.95;

export interface NonFiniteCount { nan: number; posInf: number; negInf: number }

export interface LogAxis {
  min: number;
  max: number;
  /** Finite values below `min` (≤ 0 included): drawn at `min` and marked. */
  below: number;
  nonFinite: NonFiniteCount;
}

export interface LinearAxis {
  min: number;
  max: number;
  /** Finite values outside [min, max] (only when outliers are ignored): drawn at the edge and marked. */
  outside: number;
  nonFinite: NonFiniteCount;
}


export function countNonFinite(series: readonly (readonly number[])[]): NonFiniteCount {
  const c = { nan: 0, posInf: 0, negInf: 0 };
  for (const s of series) {
    for (const y of s) {
      if (Number.isNaN(y) || y === null) c.nan++;
      else if (y === Infinity) c.posInf++;
      else if (y === -Infinity) c.negInf++;
    }
  }
  return c;
}

/**
 * The non-finite values of bucketed lines: each bucket's first NaN/±Inf (`bad`). A bucket's mean
 * skips them, so counting the means (what fitLogAxis/fitLinearAxis see) would miss a NaN that shares
 * its bucket with finite samples.
 */
export function nonFiniteOfLines(lines: readonly { bad: readonly { value: number }[] }[]): NonFiniteCount {
  return countNonFinite(lines.map((l) => l.bad.map((b) => b.value)));
}

function finite(series: readonly (readonly number[])[], keep: (y: number) => boolean = () => true): number[] {
  const out: number[] = [];
  for (const s of series) for (const y of s) if (typeof y === 'number' && Number.isFinite(y) && keep(y)) out.push(y);
  return out.sort((a, b) => a - b);
}

/**
 * A log axis in whole decades: the top one decade above the largest positive value (so it is never
 * on the border), the floor LOG_DECADES below the robust maximum — or at the smallest value when
 * the data spans less. `fallback` is used when there is no positive value at all.
 */
export function fitLogAxis(series: readonly (readonly number[])[], fallback: [number, number] = [1e-4, 1],
  decades = LOG_DECADES): LogAxis {
  const nonFinite = countNonFinite(series);
  const values = finite(series);
  const positive = values.filter((y) => y > 0);
  if (positive.length === 0) return { min: fallback[0], max: fallback[1], below: values.length, nonFinite };
  const top = pow10Ceil(positive[positive.length - 1] * 1.0001);
  const robustMax = quantile(positive, ROBUST_HIGH);
  const floor = pow10Floor(robustMax) / 10 ** decades;
  const min = Math.max(floor, pow10Floor(positive[0]));
  let below = 0;
  for (const y of values) if (y < min) below++;
  return { min, max: Math.max(top, min * 10), below, nonFinite };
}

/**
 * A linear axis over the finite values: their whole range, or with `ignoreOutliers` the
 * 5th–95th percentile range, padded by 5 % of its width (a flat series gets ±1 or ±10 %).
 */
export function fitLinearAxis(series: readonly (readonly number[])[], ignoreOutliers: boolean): LinearAxis {
  const nonFinite = countNonFinite(series);
  const values = finite(series);
  if (values.length === 0) return { min: 0, max: 1, outside: 0, nonFinite };
  let lo = ignoreOutliers ? quantile(values, ROBUST_LOW) : values[0];
  let hi = ignoreOutliers ? quantile(values, ROBUST_HIGH) : values[values.length - 1];
  const width = hi - lo;
  const pad = width > 0 ? width * 0.05 : Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  let outside = 0;
  for (const y of values) if (y < lo || y > hi) outside++;
  return { min: lo, max: hi, outside, nonFinite };
}

/** y, or the nearest axis limit when it lies beyond (finite values only; NaN/±Inf stay as they are). */
export function clampToAxis(y: number, axis: { min: number; max: number }): number {
  if (!Number.isFinite(y)) return y;
  return y < axis.min ? axis.min : y > axis.max ? axis.max : y;
}

export function pow10Floor(v: number): number {
  return 10 ** Math.floor(Math.log10(v) + 1e-12);
}

export function pow10Ceil(v: number): number {
  return 10 ** Math.ceil(Math.log10(v) - 1e-12);
}

/** "3 below 1e-9 drawn at the floor · 1 NaN" — empty when there is nothing to say. */
export function axisNote(parts: { below?: number; floor?: number; outside?: number; nonFinite?: NonFiniteCount }): string {
  const out: string[] = [];
  if (parts.below) out.push(`▽ ${parts.below} value${parts.below > 1 ? 's' : ''} below ${fmtPow(parts.floor ?? 0)} drawn at the floor`);
  if (parts.outside) out.push(`◇ ${parts.outside} outlier${parts.outside > 1 ? 's' : ''} drawn at the edge`);
  const nf = parts.nonFinite;
  if (nf && nf.nan) out.push(`▲ ${nf.nan} NaN`);
  if (nf && nf.posInf) out.push(`▲ ${nf.posInf} +∞`);
  if (nf && nf.negInf) out.push(`▼ ${nf.negInf} −∞`);
  return out.join(' · ');
}

function fmtPow(v: number): string {
  if (!(v > 0)) return String(v);
  const e = Math.round(Math.log10(v));
  return Math.abs(Math.log10(v) - e) < 1e-9 ? `1e${e}` : v.toExponential(1);
}

/**
 * Points clamped into the axis, and where that happened: what the chart marks on its bottom
 * ('below') or top ('above') edge. Non-finite points pass through (they are edge markers already).
 */
export function clampPoints<P extends { x: number; y: number }>(points: readonly P[], axis: { min: number; max: number }):
  { points: P[]; clamped: { x: number; kind: 'below' | 'above' }[] } {
  const clamped: { x: number; kind: 'below' | 'above' }[] = [];
  const out = points.map((p) => {
    if (!Number.isFinite(p.y) || (p.y >= axis.min && p.y <= axis.max)) return p;
    clamped.push({ x: p.x, kind: p.y < axis.min ? 'below' : 'above' });
    return { ...p, y: clampToAxis(p.y, axis) };
  });
  return { points: out, clamped };
}
