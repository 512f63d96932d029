/**
 * Where a trial goes on the x axis of its dimension's scatter, and how that axis is scaled and
 * labelled. Pure (no DOM, no Chart.js): unit-tested in node.
 *
 * - `log`: the value on a log axis;
 * - `oneMinusLog`: 1 − β on a log axis, reversed so that β grows to the right, ticks labelled as β
 *   (0.9, 0.99, 0.999);
 * - `uniform`, `int`: the value on a linear axis;
 * - `choice`: the choice's index (a little jitter per trial so equal choices do not hide each other),
 *   ticks labelled with the choices.
 */
import type { SearchBoxRange, SearchDimension, SearchValue } from '../../src/shared/search-protocol';
import { logTicks } from '../format';

export interface AxisPlan {
  type: 'linear' | 'logarithmic';
  min: number;
  max: number;
  reverse: boolean;
  title: string;
  /** Tick label for an axis value ('' = no label). */
  tick: (value: number, span: number) => string;
  /** Integer ticks only (int and choice dimensions). */
  integer: boolean;
  /** Where the ticks go, when the axis decides (choices: every index; ints: whole numbers); null: Chart.js decides. */
  ticks: number[] | null;
}

/** Whole-number ticks between lo and hi, about `count` of them, at 1, 2, 5 × 10ⁿ steps. */
export function integerTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi >= lo)) return [];
  const raw = Math.max(1, (hi - lo) / count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v));
  return out;
}

/** A deterministic jitter in [−0.18, 0.18] for a trial id (choice dimensions). */
export function jitter(id: number): number {
  const x = Math.sin(id * 12.9898) * 43758.5453;
  return ((x - Math.floor(x)) - 0.5) * 0.36;
}

/** The x coordinate of a value; null when it cannot be drawn (missing, non-finite, ≤ 0 on a log axis). */
export function xOf(dim: SearchDimension, value: SearchValue | undefined, id = 0): number | null {
  if (value === undefined) return null;
  if (dim.scale === 'choice') {
    const i = dim.choices.findIndex((c) => c === value);
    return i < 0 ? null : i + jitter(id);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (dim.scale === 'log') return value > 0 ? value : null;
  if (dim.scale === 'oneMinusLog') return 1 - value > 0 ? 1 - value : null;
  return value;
}

/** The x range of a round's box (sampling space → axis coordinates); choices give one range per index. */
export function boxRanges(dim: SearchDimension, range: SearchBoxRange | undefined): [number, number][] {
  if (!range) return [];
  if ('indices' in range) return range.indices.map((i) => [i - 0.45, i + 0.45] as [number, number]);
  const { low, high } = range;
  if (dim.scale === 'log' || dim.scale === 'oneMinusLog') return [[10 ** low, 10 ** high]];
  if (dim.scale === 'int') return [[low - 0.5, high + 0.5]];
  return [[low, high]];
}

/** A β tick: 1 − v written out (0.9, 0.99, 0.995), only where a log axis would label v. */
export function betaTick(v: number, span: number): string {
  if (!logTicks(v, span)) return '';
  return String(Number((1 - v).toPrecision(8)));
}

export function planAxis(dim: SearchDimension, label: string): AxisPlan {
  const [lo, hi] = dim.scale === 'choice' ? [dim.low, dim.high] : [dim.min, dim.max];
  switch (dim.scale) {
    case 'log': {
      const a = Math.max(lo, Number.MIN_VALUE);
      const b = Math.max(hi, a);
      return { type: 'logarithmic', min: a / 1.15, max: b * 1.15, reverse: false, title: `${label} (log scale)`, tick: (v, span) => logTicks(v, span), integer: false, ticks: null };
    }
    case 'oneMinusLog': {
      // x = 1 − β: from 1 − max (small) to 1 − min.
      const a = Math.max(1 - hi, Number.MIN_VALUE);
      const b = Math.max(1 - lo, a);
      return { type: 'logarithmic', min: a / 1.15, max: b * 1.15, reverse: true, title: `${label} (β, log scale of 1 − β)`, tick: betaTick, integer: false, ticks: null };
    }
    case 'int': {
      return { type: 'linear', min: lo - 0.5, max: hi + 0.5, reverse: false, title: label, tick: (v) => (Number.isInteger(v) ? String(v) : ''), integer: true, ticks: integerTicks(lo, hi) };
    }
    case 'choice': {
      const choices = dim.choices;
      return {
        type: 'linear', min: -0.5, max: Math.max(0, choices.length - 1) + 0.5, reverse: false, title: label, integer: true, ticks: choices.map((_, i) => i),
        tick: (v) => (Number.isInteger(v) && v >= 0 && v < choices.length ? String(choices[v]) : ''),
      };
    }
    case 'uniform': {
      const pad = (hi - lo) * 0.04 || Math.abs(lo) * 0.05 || 0.5;
      return { type: 'linear', min: lo - pad, max: hi + pad, reverse: false, title: label, tick: (v) => String(Number(v.toPrecision(4))), integer: false, ticks: null };
    }
  }
}
