/**
 * Chart.js with only the components the dashboard uses, theme defaults, and one small plugin for
 * annotations (bands, guide lines, LR-change markers, non-finite markers, point labels) so no
 * extra package is needed.
 */
import {
  Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip,
} from 'chart.js';
import type { ChartOptions, Plugin, TooltipItem } from 'chart.js';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { logTicks } from '../format';

/** A shaded y range ([from, to], either may be ±Infinity for "to the edge"). */
export interface Band { from: number; to: number; color: string; label?: string }
/** A horizontal guide line. */
export interface HLine { y: number; color: string; dash?: number[]; label?: string }
/** A vertical annotation line with a label at the top. */
export interface VLine { x: number; color: string; label?: string; dash?: number[] }
/**
 * A value the plot cannot show where it is: non-finite ones as filled triangles at the edge (top
 * for NaN/+Inf, bottom for −Inf); finite ones beyond the axis ('below' the log floor, or an outlier
 * 'above'/'below' a robust extent) as hollow triangles on that edge, drawn at the edge themselves.
 */
export interface EdgeMarker { x: number; kind: 'nan' | '+inf' | '-inf' | 'below' | 'above'; color: string }
export interface PointLabel { x: number; y: number; text: string; color: string }

export interface GlAnnotationOptions {
  bands?: Band[];
  hlines?: HLine[];
  vlines?: VLine[];
  markers?: EdgeMarker[];
  pointLabels?: PointLabel[];
  font?: string;
  /** Behind labels, so they stay readable over the lines. */
  background?: string;
}

const annotationsByChart = new WeakMap<object, GlAnnotationOptions>();

/** The annotations a chart draws (kept beside Chart.js's options: no option resolving per frame). */
export function setAnnotations(chart: object, options: GlAnnotationOptions): void {
  annotationsByChart.set(chart, options);
}

function opts(chart: object): GlAnnotationOptions | undefined {
  return annotationsByChart.get(chart);
}

/** Saves the context and clips drawing to the plot area (the caller restores). */
export function clipToChartArea(chart: { ctx: CanvasRenderingContext2D; chartArea: { left: number; right: number; top: number; bottom: number } }): void {
  const { left, right, top, bottom } = chart.chartArea;
  chart.ctx.save();
  chart.ctx.beginPath();
  chart.ctx.rect(left, top, right - left, bottom - top);
  chart.ctx.clip();
}

const annotations: Plugin<'line'> = {
  id: 'glAnnotations',
  beforeDatasetsDraw(chart) {
    const o = opts(chart);
    const y = chart.scales.y;
    if (!o || !y) return;
    const { left, right, top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    clipToChartArea(chart);
    for (const b of o.bands ?? []) {
      const p1 = Number.isFinite(b.from) ? y.getPixelForValue(b.from) : (b.from < 0 ? bottom : top);
      const p2 = Number.isFinite(b.to) ? y.getPixelForValue(b.to) : (b.to < 0 ? bottom : top);
      const y1 = Math.max(top, Math.min(p1, p2));
      const y2 = Math.min(bottom, Math.max(p1, p2));
      if (!(y2 > y1)) continue;
      ctx.fillStyle = withAlpha(b.color, 0.13);
      ctx.fillRect(left, y1, right - left, y2 - y1);
      if (b.label && y2 - y1 >= 12) {
        ctx.fillStyle = withAlpha(b.color, 0.95);
        ctx.font = o.font ?? '11px sans-serif';
        ctx.textAlign = 'right';
        ctx.textBaseline = b.to === Infinity ? 'top' : 'bottom';
        ctx.fillText(b.label, right - 4, b.to === Infinity ? y1 + 2 : y2 - 2);
      }
    }
    for (const l of o.hlines ?? []) {
      const py = y.getPixelForValue(l.y);
      if (!(py >= top && py <= bottom)) continue;
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 1;
      ctx.setLineDash(l.dash ?? [5, 4]);
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(right, py);
      ctx.stroke();
      if (l.label) {
        ctx.setLineDash([]);
        ctx.font = o.font ?? '11px sans-serif';
        const w = ctx.measureText(l.label).width;
        const lx = right - 4 - w;
        if (o.background) {
          ctx.fillStyle = withAlpha(o.background, 0.85);
          ctx.fillRect(lx - 2, py - 15, w + 4, 14);
        }
        ctx.fillStyle = l.color;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        ctx.fillText(l.label, lx, py - 2);
      }
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart) {
    const o = opts(chart);
    const x = chart.scales.x;
    const y = chart.scales.y;
    if (!o || !x || !y) return;
    const { left, right, top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    const font = o.font ?? '11px sans-serif';
    ctx.save();
    // Vertical lines (LR changes): dashed, with a label that flips side near the right edge.
    let lastLabelRight = -Infinity;
    let row = 0;
    for (const v of o.vlines ?? []) {
      const px = x.getPixelForValue(v.x);
      if (!(px >= left && px <= right)) continue;
      ctx.strokeStyle = v.color;
      ctx.lineWidth = 1;
      ctx.setLineDash(v.dash ?? [4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      if (v.label) {
        ctx.setLineDash([]);
        ctx.font = font;
        const w = ctx.measureText(v.label).width;
        const flip = px + 4 + w > right;
        const lx = flip ? px - 4 - w : px + 4;
        row = lx < lastLabelRight + 4 ? row + 1 : 0;
        lastLabelRight = lx + w;
        const ly = top + 3 + row * 13;
        if (o.background) {
          ctx.fillStyle = withAlpha(o.background, 0.85);
          ctx.fillRect(lx - 2, ly - 1, w + 4, 14);
        }
        ctx.fillStyle = v.color;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(v.label, lx, ly);
      }
    }
    ctx.setLineDash([]);
    // Non-finite markers: never dropped, drawn on the edge of the plot area.
    for (const m of o.markers ?? []) {
      const px = x.getPixelForValue(m.x);
      if (!(px >= left - 1 && px <= right + 1)) continue;
      const s = 5;
      ctx.fillStyle = m.color;
      ctx.strokeStyle = m.color;
      ctx.beginPath();
      if (m.kind === 'below' || m.kind === 'above') {
        // Hollow, pointing out of the plot: "there is more beyond this edge".
        const edge = m.kind === 'below' ? bottom - 1 : top + 1;
        const dir = m.kind === 'below' ? -1 : 1;
        ctx.moveTo(px, edge);
        ctx.lineTo(px - s * 0.8, edge + dir * 1.4 * s);
        ctx.lineTo(px + s * 0.8, edge + dir * 1.4 * s);
        ctx.closePath();
        ctx.lineWidth = 1;
        ctx.stroke();
        continue;
      }
      if (m.kind === '-inf') {
        ctx.moveTo(px, bottom - 1);
        ctx.lineTo(px - s, bottom - 1 - 1.6 * s);
        ctx.lineTo(px + s, bottom - 1 - 1.6 * s);
      } else {
        ctx.moveTo(px, top + 1);
        ctx.lineTo(px - s, top + 1 + 1.6 * s);
        ctx.lineTo(px + s, top + 1 + 1.6 * s);
      }
      ctx.closePath();
      ctx.fill();
    }
    // Point labels (e.g. "look 2" beside a test-set point).
    ctx.font = font;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const p of o.pointLabels ?? []) {
      const px = x.getPixelForValue(p.x);
      const py = y.getPixelForValue(p.y);
      if (!(px >= left && px <= right && py >= top && py <= bottom)) continue;
      const w = ctx.measureText(p.text).width;
      const lx = px + 8 + w > right ? px - 8 - w : px + 8;
      ctx.fillStyle = p.color;
      ctx.fillText(p.text, lx, py);
    }
    ctx.restore();
  },
};

let registered = false;

export function registerCharts(): void {
  if (registered) return;
  registered = true;
  Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend,
    Tooltip, annotations);
}

export function applyThemeDefaults(theme: Theme): void {
  Chart.defaults.color = theme.fg;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = Math.max(10, theme.fontSize - 2);
}

export function themeFont(theme: Theme): string {
  return `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
}

export type XY = { x: number; y: number };
export type LineOptions = ChartOptions<'line'>;

export interface AxisSpec {
  type: 'linear' | 'logarithmic';
  title: string;
  min?: number;
  max?: number;
  /** Tick label formatter. */
  format?: (value: number) => string;
  /** Integer ticks only (epochs). */
  integer?: boolean;
  /** Fit the axis to the data instead of rounding out to nice ticks (x axes). */
  tight?: boolean;
}

type Scales = NonNullable<LineOptions['scales']>;

export function axis(theme: Theme, spec: AxisSpec): Scales[string] {
  const fmt = spec.format;
  const ticks: Record<string, unknown> = { color: theme.muted, maxRotation: 0, autoSkipPadding: 14 };
  if (spec.type === 'logarithmic') {
    ticks.callback = function (this: { min: number; max: number }, v: number | string): string {
      return logTicks(v, this.min > 0 && this.max > 0 ? Math.log10(this.max / this.min) : 10);
    };
  }
  else if (fmt) ticks.callback = (v: number | string) => fmt(Number(v));
  if (spec.integer) ticks.precision = 0;
  return {
    type: spec.type,
    bounds: spec.tight ? 'data' : 'ticks',
    min: spec.min,
    max: spec.max,
    title: { display: spec.title !== '', text: spec.title, color: theme.muted, padding: 2 },
    grid: { color: theme.grid, tickColor: theme.grid },
    border: { color: theme.border },
    ticks,
  } as Scales[string];
}

/** Options shared by every streaming chart: no animation, no parsing, data sorted by x. */
export function baseOptions(theme: Theme, x: AxisSpec, y: AxisSpec, legend = true): LineOptions {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    spanGaps: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    layout: { padding: { top: 2, right: 6 } },
    elements: { point: { radius: 0, hoverRadius: 3, hitRadius: 4 }, line: { tension: 0 } },
    scales: { x: axis(theme, x), y: axis(theme, y) },
    plugins: {
      legend: { ...legendOptions(theme), display: legend },
      tooltip: tooltipOptions(theme),
    },
  };
}

export function legendOptions(theme: Theme): NonNullable<NonNullable<LineOptions['plugins']>['legend']> {
  return {
    display: true,
    position: 'top',
    align: 'end',
    labels: { color: theme.fg, boxWidth: 14, boxHeight: 2, padding: 10, usePointStyle: false },
  };
}

export function tooltipOptions(theme: Theme): NonNullable<NonNullable<LineOptions['plugins']>['tooltip']> {
  return {
    backgroundColor: theme.bg,
    titleColor: theme.fg,
    bodyColor: theme.fg,
    borderColor: theme.border,
    borderWidth: 1,
    cornerRadius: 2,
    displayColors: true,
    boxWidth: 8,
    boxHeight: 8,
    callbacks: {
      label: (item: TooltipItem<'line'>) => {
        const v = (item.raw as XY).y;
        return ` ${item.dataset.label ?? ''}: ${Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : 'NaN'}`;
      },
    },
  };
}

export { Chart };
