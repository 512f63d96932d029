/** Helpers shared by the chart wrappers. */
import type { LearningRateChange } from '../../src/shared/run-view';
import { formatNumber, nonFiniteKind, type Line } from '../../src/shared/series';
import type { EdgeMarker, VLine, XY } from './setup';
import type { Theme } from '../theme';

/** A series' points, and its non-finite values as edge markers (never silently dropped). */
export function linePoints(line: Line, markerColor: string): { points: XY[]; markers: EdgeMarker[] } {
  const points: XY[] = new Array<XY>(line.xs.length);
  for (let i = 0; i < line.xs.length; i++) points[i] = { x: line.xs[i], y: line.ys[i] };
  const markers: EdgeMarker[] = line.bad.map((b) => ({ x: b.x, kind: nonFiniteKind(b.value) ?? 'nan', color: markerColor }));
  return { points, markers };
}

/** {x, y} points of parallel arrays (non-finite y → NaN: a gap in the line). */
export function xyPoints(xs: readonly number[], ys: readonly number[]): XY[] {
  return xs.map((x, i) => ({ x, y: Number.isFinite(ys[i]) ? ys[i] : Number.NaN }));
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

/** What changed in a series since the last draw: its point count and newest x (O(1)). */
export function seriesKey(b: { count: number; size: number; x1: ArrayLike<number> } | null): string {
  return b ? `${b.count}:${b.size ? b.x1[b.size - 1] : 0}` : '-';
}
