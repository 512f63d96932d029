/** Helpers shared by the chart wrappers. */
import { decimateIndices, nonFiniteKind } from '../../src/shared/series';
import type { LearningRateChange } from '../../src/shared/run-view';
import type { EdgeMarker, VLine, XY } from './setup';
import type { Theme } from '../theme';
import { formatNumber } from '../../src/shared/series';

/** Decimated {x, y} points (non-finite y → NaN: a gap in the line) and edge markers for them. */
export function toPoints(xs: ArrayLike<number> | ((i: number) => number), ys: ArrayLike<number>, maxPoints: number,
  markerColor: string, indices?: readonly number[]): { points: XY[]; markers: EdgeMarker[] } {
  const xOf = typeof xs === 'function' ? xs : (i: number): number => xs[i];
  const idx = indices ?? decimateIndices(ys, maxPoints);
  const points: XY[] = new Array<XY>(idx.length);
  const markers: EdgeMarker[] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const y = ys[i];
    const kind = nonFiniteKind(y);
    const x = xOf(i);
    points[k] = { x, y: kind ? Number.NaN : y };
    if (kind) markers.push({ x, kind, color: markerColor });
  }
  return { points, markers };
}

/** Vertical annotation lines for manual learning-rate changes. */
export function lrChangeLines(changes: readonly LearningRateChange[], theme: Theme, compact = false): VLine[] {
  return changes.filter((c) => c.source === 'user').map((c) => ({
    x: c.iteration,
    color: theme.yellow,
    label: compact ? `lr ${formatNumber(c.to)}` : `lr ${formatNumber(c.from)} → ${formatNumber(c.to)}`,
  }));
}

/** Smallest and largest positive finite y (for log axes). */
export function positiveRange(series: readonly XY[][]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s) {
      if (p.y > 0 && Number.isFinite(p.y)) {
        if (p.y < lo) lo = p.y;
        if (p.y > hi) hi = p.y;
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

export function pow10Floor(v: number): number {
  return 10 ** Math.floor(Math.log10(v));
}

export function pow10Ceil(v: number): number {
  return 10 ** Math.ceil(Math.log10(v));
}

/** A cheap fingerprint of a numeric array's tail, to skip chart updates when nothing changed. */
export function tailKey(values: ArrayLike<number>): string {
  const n = values.length;
  return n ? `${n}:${values[n - 1]}` : '0';
}
