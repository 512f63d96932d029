/**
 * Parallel coordinates of a search, as plain data (no DOM: unit-tested in node). One vertical axis
 * per hyperparameter on its sampling scale — log10 x for `log`, log10(1 − β) for `oneMinusLog`
 * (reversed so that β grows upwards), the value for `uniform`/`int`, one band per choice — and one
 * for the metric. Brushing an axis keeps the trials whose coordinate lies in the brushed range;
 * several brushes intersect. The state (axis order, brushes in axis coordinates) is plain JSON:
 * the view keeps it in the webview state, so it survives a reload.
 */
import type { SearchDimension, TrialRecord } from '../../src/shared/search-protocol';
import { dimensionLabels, formatMetric, METRIC_LABEL, type SearchView } from '../../src/shared/search-view';
import { integerTicks } from './axes';

export const METRIC_AXIS = 'metric';

export interface Tick {
  /** 0 (bottom) … 1 (top). */
  at: number;
  label: string;
}

export interface ParallelAxis {
  /** The dimension's path, or METRIC_AXIS. */
  key: string;
  label: string;
  title: string;
  kind: SearchDimension['scale'] | 'metric';
  /** Coordinate range: sampling space for dimensions (choices: −0.5 … n − 0.5), the metric's range for the metric. */
  lo: number;
  hi: number;
  /** The top is `lo` (1 − β on a log scale: β grows upwards). */
  reverse: boolean;
  choices?: string[];
  ticks: Tick[];
}

/** A brushed range, in axis coordinates (lo ≤ hi). */
export interface Brush {
  lo: number;
  hi: number;
}

export interface ParallelState {
  /** The search it belongs to (a state of another search is dropped). */
  dir: string;
  /** Axis keys, left to right (unknown keys are dropped, missing axes appended). */
  order: string[];
  brushes: Record<string, Brush>;
}

export function emptyParallelState(dir: string): ParallelState {
  return { dir, order: [], brushes: {} };
}

/** The axes of a search in their default order: every dimension, then the metric. */
export function parallelAxes(view: SearchView): ParallelAxis[] {
  const labels = dimensionLabels(view.space);
  const axes = view.space.map((d, i) => dimensionAxis(d, labels[i]));
  axes.push(metricAxis(view));
  return axes;
}

function dimensionAxis(d: SearchDimension, label: string): ParallelAxis {
  const base = { key: d.path, label, title: d.path, kind: d.scale };
  switch (d.scale) {
    case 'choice': {
      const choices = d.choices.map(String);
      const n = Math.max(1, choices.length);
      return { ...base, lo: -0.5, hi: n - 0.5, reverse: false, choices, ticks: choices.map((c, i) => ({ at: (i + 0.5) / n, label: c })) };
    }
    case 'log': {
      const ticks = decades(d.low, d.high).map((k) => ({ coord: k, label: k >= -3 && k <= 3 ? String(Number((10 ** k).toPrecision(3))) : `1e${k}` }));
      return { ...base, title: `${d.path} (log scale)`, ...span(d.low, d.high, false, ticks) };
    }
    case 'oneMinusLog': {
      // β = 1 − 10^k: 0.9, 0.99, 0.999 at k = −1, −2, −3.
      const ticks = decades(d.low, d.high).map((k) => ({ coord: k, label: String(Number((1 - 10 ** k).toPrecision(8))) }));
      return { ...base, title: `${d.path} (β, log scale of 1 − β)`, ...span(d.low, d.high, true, ticks) };
    }
    case 'int':
      return { ...base, ...span(d.low, d.high, false, integerTicks(d.low, d.high, 4).map((v) => ({ coord: v, label: String(v) }))) };
    case 'uniform':
      return { ...base, ...span(d.low, d.high, false, evenTicks(d.low, d.high).map((v) => ({ coord: v, label: String(Number(v.toPrecision(3))) }))) };
  }
}

function metricAxis(view: SearchView): ParallelAxis {
  const values = view.trials.map((t) => t.metric).filter((m): m is number => m !== null && Number.isFinite(m));
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 0.05;
    lo -= pad;
    hi += pad;
  }
  const ticks = evenTicks(lo, hi).map((v) => ({ coord: v, label: formatMetric(view.metric, v) }));
  return { key: METRIC_AXIS, label: METRIC_LABEL[view.metric], title: `${METRIC_LABEL[view.metric]} (${view.mode === 'min' ? 'lower' : 'higher'} is better)`, kind: 'metric', ...span(lo, hi, false, ticks) };
}

function span(lo: number, hi: number, reverse: boolean, ticks: { coord: number; label: string }[]): Pick<ParallelAxis, 'lo' | 'hi' | 'reverse' | 'ticks'> {
  const axis = { lo, hi, reverse };
  return { ...axis, ticks: ticks.map((t) => ({ at: positionOf(axis, t.coord), label: t.label })) };
}

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(lo - 1e-9); k <= hi + 1e-9; k++) out.push(k);
  return out;
}

/** About 4 ticks at 1, 2, 5 × 10ⁿ steps. */
function evenTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The axes in the state's order (unknown keys dropped, new axes appended in their default place). */
export function orderedAxes(axes: readonly ParallelAxis[], state: ParallelState): ParallelAxis[] {
  const byKey = new Map(axes.map((a) => [a.key, a]));
  const out = state.order.map((k) => byKey.get(k)).filter((a): a is ParallelAxis => a !== undefined);
  for (const a of axes) if (!out.includes(a)) out.push(a);
  return out;
}

/** A trial's coordinate on an axis; null when it has none (no metric yet, non-finite). */
export function coordOf(axis: ParallelAxis, t: TrialRecord): number | null {
  const c = axis.key === METRIC_AXIS ? t.metric : t.coords[axis.key];
  return c === null || c === undefined || !Number.isFinite(c) ? null : c;
}

/** Where a coordinate sits on its axis: 0 at the bottom, 1 at the top (clamped). */
export function positionOf(axis: Pick<ParallelAxis, 'lo' | 'hi' | 'reverse'>, coord: number): number {
  const u = axis.hi > axis.lo ? (coord - axis.lo) / (axis.hi - axis.lo) : 0.5;
  const p = axis.reverse ? 1 - u : u;
  return Math.min(1, Math.max(0, p));
}

/** The coordinate at a position (0 bottom … 1 top). */
export function coordAt(axis: Pick<ParallelAxis, 'lo' | 'hi' | 'reverse'>, position: number): number {
  const u = axis.reverse ? 1 - position : position;
  return axis.lo + u * (axis.hi - axis.lo);
}

/** The brush of a drag between two positions; a choice axis snaps to whole bands. */
export function brushBetween(axis: ParallelAxis, p0: number, p1: number): Brush | null {
  const a = coordAt(axis, Math.min(1, Math.max(0, p0)));
  const b = coordAt(axis, Math.min(1, Math.max(0, p1)));
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  if (axis.kind === 'choice') {
    // Every band the drag touches.
    lo = Math.round(lo) - 0.5;
    hi = Math.round(hi) + 0.5;
  }
  return hi > lo ? { lo, hi } : null;
}

export function insideBrush(brush: Brush, coord: number | null): boolean {
  return coord !== null && coord >= brush.lo - 1e-12 && coord <= brush.hi + 1e-12;
}

/** The ids of the trials every brush keeps; null when nothing is brushed (everything shown). */
export function brushedTrials(view: SearchView, axes: readonly ParallelAxis[], state: ParallelState): Set<number> | null {
  const active = axes.filter((a) => state.brushes[a.key]);
  if (!active.length) return null;
  return new Set(view.trials.filter((t) => active.every((a) => insideBrush(state.brushes[a.key], coordOf(a, t)))).map((t) => t.id));
}

export function setBrush(state: ParallelState, key: string, brush: Brush | null): ParallelState {
  const brushes = { ...state.brushes };
  if (brush) brushes[key] = brush;
  else delete brushes[key];
  return { ...state, brushes };
}

/** Moves an axis to another place (0-based, among the ordered axes). */
export function moveAxis(axes: readonly ParallelAxis[], state: ParallelState, key: string, to: number): ParallelState {
  const order = orderedAxes(axes, state).map((a) => a.key);
  const from = order.indexOf(key);
  if (from < 0) return state;
  order.splice(from, 1);
  order.splice(Math.max(0, Math.min(order.length, to)), 0, key);
  return { ...state, order };
}

/** The state restored from the webview state, or null when it is not one (or of another search). */
export function parseParallelState(value: unknown, dir: string): ParallelState | null {
  if (typeof value !== 'object' || value === null) return null;
  const o = value as Record<string, unknown>;
  if (o.dir !== dir || !Array.isArray(o.order) || typeof o.brushes !== 'object' || o.brushes === null) return null;
  const brushes: Record<string, Brush> = {};
  for (const [k, b] of Object.entries(o.brushes as Record<string, unknown>)) {
    const r = b as Record<string, unknown> | null;
    if (r && typeof r.lo === 'number' && typeof r.hi === 'number' && Number.isFinite(r.lo) && Number.isFinite(r.hi) && r.hi > r.lo) brushes[k] = { lo: r.lo, hi: r.hi };
  }
  return { dir, order: o.order.filter((k): k is string => typeof k === 'string'), brushes };
}

/** A brush in words, for the axis' tooltip and the "selected" note: `learningRate 1.2e-3 … 4.0e-2`. */
export function describeBrush(axis: ParallelAxis, brush: Brush, view: SearchView): string {
  const v = (c: number): string => {
    switch (axis.kind) {
      case 'log': return (10 ** c).toExponential(1).replace('e+', 'e');
      case 'oneMinusLog': return String(Number((1 - 10 ** c).toPrecision(4)));
      case 'int': return String(Math.round(c));
      case 'metric': return formatMetric(view.metric, c);
      default: return String(Number(c.toPrecision(3)));
    }
  };
  if (axis.kind === 'choice') {
    const picked = (axis.choices ?? []).filter((_, i) => i >= brush.lo && i <= brush.hi);
    return `${axis.label} ∈ {${picked.join(', ')}}`;
  }
  const [a, b] = axis.kind === 'oneMinusLog' ? [brush.hi, brush.lo] : [brush.lo, brush.hi];
  return `${axis.label} ${v(a)} … ${v(b)}`;
}
