/**
 * Wheel zoom and drag pan of a chart's x axis, small enough to own (chartjs-plugin-zoom is not a
 * dependency): the wheel zooms around the pointer, a drag pans, a double-click shows everything.
 * The range math is pure (zoomAt, panBy); `attachXZoom` wires it to a Chart.js chart.
 */
import type { Chart } from 'chart.js';

export interface XRange {
  min: number;
  max: number;
}

/** The smallest share of the whole extent one can zoom into (a 375,000-iteration run: ~40 iterations). */
const MIN_SPAN = 1e-4;

/** Zooms `r` by `factor` (< 1: in) around `at`, kept inside `limits`; null once it shows all of it. */
export function zoomAt(r: XRange, at: number, factor: number, limits: XRange): XRange | null {
  const whole = limits.max - limits.min;
  if (!(whole > 0)) return null;
  const span = Math.min(whole, Math.max(whole * MIN_SPAN, (r.max - r.min) * factor));
  if (span >= whole) return null;
  const t = r.max > r.min ? (at - r.min) / (r.max - r.min) : 0.5;
  const min = at - t * span;
  return clamp({ min, max: min + span }, limits);
}

/** Moves `r` by `delta` (x units), kept inside `limits`. */
export function panBy(r: XRange, delta: number, limits: XRange): XRange {
  return clamp({ min: r.min + delta, max: r.max + delta }, limits);
}

function clamp(r: XRange, limits: XRange): XRange {
  const span = r.max - r.min;
  if (r.min < limits.min) return { min: limits.min, max: limits.min + span };
  if (r.max > limits.max) return { min: limits.max - span, max: limits.max };
  return r;
}

/** The x extent of datasets as given (read them before drawing: Chart.js decimation swaps `data` for fewer points). */
export function dataExtent(datasets: readonly { data: readonly { x: number }[]; hidden?: boolean }[], from0 = true): XRange | null {
  let min = from0 ? 0 : Infinity;
  let max = -Infinity;
  for (const d of datasets) {
    if (d.hidden) continue;
    for (const p of d.data) {
      if (p.x < min) min = p.x;
      if (p.x > max) max = p.x;
    }
  }
  return max > min ? { min, max } : null;
}

/**
 * Zoom and pan on the chart's canvas. `extent` is the whole x range of the data; `get`/`set` hold
 * the range shown (null = all), `set` redraws. Returns a function that removes the listeners.
 */
export function attachXZoom(chart: Chart<'line', { x: number; y: number }[]>, extent: () => XRange | null,
  get: () => XRange | null, set: (r: XRange | null) => void): () => void {
  const canvas = chart.canvas;
  const current = (limits: XRange): XRange => get() ?? limits;
  const onWheel = (e: WheelEvent): void => {
    const limits = extent();
    if (!limits) return;
    e.preventDefault();
    const at = chart.scales.x.getValueForPixel(e.offsetX) ?? (limits.min + limits.max) / 2;
    set(zoomAt(current(limits), at, Math.exp(e.deltaY * 0.002), limits));
  };
  let dragFrom: { px: number; range: XRange; limits: XRange } | null = null;
  const onDown = (e: PointerEvent): void => {
    const limits = extent();
    const range = get();
    if (!limits || !range || e.button !== 0) return; // nothing to pan while everything shows
    dragFrom = { px: e.offsetX, range, limits };
    canvas.setPointerCapture(e.pointerId);
    canvas.classList.add('panning');
  };
  const onMove = (e: PointerEvent): void => {
    if (!dragFrom) return;
    const x = chart.scales.x;
    const perPixel = (x.max - x.min) / Math.max(1, x.width);
    set(panBy(dragFrom.range, -(e.offsetX - dragFrom.px) * perPixel, dragFrom.limits));
  };
  const onUp = (): void => {
    dragFrom = null;
    canvas.classList.remove('panning');
  };
  const onDouble = (): void => set(null);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointermove', onMove);
  canvas.addEventListener('pointerup', onUp);
  canvas.addEventListener('pointercancel', onUp);
  canvas.addEventListener('dblclick', onDouble);
  return () => {
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('pointerdown', onDown);
    canvas.removeEventListener('pointermove', onMove);
    canvas.removeEventListener('pointerup', onUp);
    canvas.removeEventListener('pointercancel', onUp);
    canvas.removeEventListener('dblclick', onDouble);
  };
}
