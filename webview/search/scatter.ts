/**
 * Metric vs one hyperparameter: a Chart.js scatter (finished trials coloured by round, running ones
 * hollow, trials that ended early as grey crosses, the best trial as a star), the coarse-to-fine
 * rounds' boxes as shaded x ranges, log x axes for `log` / `oneMinusLog` dimensions.
 */
import type { ChartDataset, Plugin, TooltipItem } from 'chart.js';
import type { SearchDimension, TrialRecord } from '../../src/shared/search-protocol';
import { formatMetric, formatSearchValue, METRIC_LABEL, shownTrialState, type SearchView } from '../../src/shared/search-view';
import { canvasToPng } from '../charts/base';
import { Chart, clipToChartArea, themeFont } from '../charts/setup';
import { percentTick } from '../format';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { boxRanges, planAxis, xOf, type AxisPlan } from './axes';

export interface Pt {
  x: number;
  y: number;
  id: number;
}

interface Shade {
  from: number;
  to: number;
  color: string;
  label: string;
}

const shadesByChart = new WeakMap<object, { shades: Shade[]; font: string }>();

/** Shaded x ranges behind the points (the rounds' boxes), labelled at the top. */
const boxPlugin: Plugin<'scatter'> = {
  id: 'glSearchBoxes',
  beforeDatasetsDraw(chart) {
    const { shades, font } = shadesByChart.get(chart) ?? { shades: [], font: '' };
    const x = chart.scales.x;
    if (!shades.length || !x) return;
    const { left, right, top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    clipToChartArea(chart);
    let labelRow = 0;
    for (const s of shades) {
      const p1 = x.getPixelForValue(s.from);
      const p2 = x.getPixelForValue(s.to);
      const x1 = Math.max(left, Math.min(p1, p2));
      const x2 = Math.min(right, Math.max(p1, p2));
      if (!(x2 > x1)) continue;
      ctx.fillStyle = withAlpha(s.color, 0.12);
      ctx.fillRect(x1, top, x2 - x1, bottom - top);
      ctx.strokeStyle = withAlpha(s.color, 0.55);
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x1 + 0.5, top);
      ctx.lineTo(x1 + 0.5, bottom);
      ctx.moveTo(x2 - 0.5, top);
      ctx.lineTo(x2 - 0.5, bottom);
      ctx.stroke();
      if (s.label) {
        ctx.setLineDash([]);
        ctx.font = font || '11px sans-serif';
        ctx.fillStyle = withAlpha(s.color, 0.95);
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(s.label, x1 + 4, top + 3 + labelRow * 13);
        labelRow = (labelRow + 1) % 3;
      }
    }
    ctx.restore();
  },
};

const isError = (m: SearchView['metric']): boolean => m === 'devError' || m === 'trainError';

export class ScatterChart {
  readonly chart: Chart<'scatter', Pt[]>;
  private theme: Theme;
  private plan: AxisPlan;
  private key = '';
  private view: SearchView | null = null;
  points = 0;

  constructor(readonly canvas: HTMLCanvasElement, theme: Theme, private dim: SearchDimension, private label: string,
    private readonly onPick: (id: number) => void) {
    this.theme = theme;
    this.plan = planAxis(dim, label);
    this.chart = new Chart<'scatter', Pt[]>(canvas, { type: 'scatter', data: { datasets: [] }, options: {}, plugins: [boxPlugin] });
    shadesByChart.set(this.chart, { shades: [], font: themeFont(theme) });
    this.restyle('devError');
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.key = '';
    if (this.view) this.update(this.view, -1, true);
  }

  setDimension(dim: SearchDimension, label: string): void {
    this.dim = dim;
    this.label = label;
    this.plan = planAxis(dim, label);
    this.key = '';
  }

  private restyle(metric: SearchView['metric']): void {
    const t = this.theme;
    const plan = this.plan;
    const ticks = (fmt: (v: number) => string): Record<string, unknown> => ({ color: t.muted, maxRotation: 0, autoSkipPadding: 12, callback: (v: number | string) => fmt(Number(v)) });
    const xTicks = ticks((v) => {
      const scale = this.chart.scales.x;
      const span = scale && scale.min > 0 && scale.max > 0 ? Math.log10(scale.max / scale.min) : 10;
      return plan.tick(v, span);
    });
    const fixedTicks = plan.ticks;
    this.chart.options = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      layout: { padding: { top: 4, right: 8 } },
      scales: {
        x: {
          type: plan.type, min: plan.min, max: plan.max, reverse: plan.reverse,
          title: { display: true, text: plan.title, color: t.muted, padding: 2 },
          grid: { color: t.grid, tickColor: t.grid }, border: { color: t.border }, ticks: xTicks,
          // Choices and whole numbers: ticks exactly where values can be (not at the ±0.5 margins).
          afterBuildTicks: fixedTicks ? (axis: { ticks: { value: number }[] }) => { axis.ticks = fixedTicks.map((value) => ({ value })); } : undefined,
        },
        y: {
          type: 'linear', beginAtZero: isError(metric),
          title: { display: true, text: METRIC_LABEL[metric], color: t.muted, padding: 2 },
          grid: { color: t.grid, tickColor: t.grid }, border: { color: t.border },
          ticks: ticks((v) => (isError(metric) ? percentTick(v) : String(Number(v.toPrecision(3))))),
        },
      },
      onClick: (_e, elements) => {
        const el = elements[0];
        if (!el) return;
        const p = this.chart.data.datasets[el.datasetIndex]?.data[el.index];
        if (p) this.onPick(p.id);
      },
      onHover: (e, elements) => {
        const target = e.native?.target as HTMLElement | undefined;
        if (target) target.style.cursor = elements.length ? 'pointer' : 'default';
      },
      plugins: {
        legend: { display: true, position: 'top', align: 'end', labels: { color: t.fg, boxWidth: 8, boxHeight: 8, padding: 8, usePointStyle: true } },
        tooltip: {
          backgroundColor: t.bg, titleColor: t.fg, bodyColor: t.fg, borderColor: t.border, borderWidth: 1, cornerRadius: 2,
          displayColors: false,
          callbacks: {
            title: (items: TooltipItem<'scatter'>[]) => items.map((i) => this.trialOf((i.raw as Pt).id)?.name ?? '').join(', '),
            label: (item: TooltipItem<'scatter'>) => this.tooltipLines((item.raw as Pt).id),
          },
        },
      },
    };
  }

  private trialOf(id: number): TrialRecord | undefined {
    return this.view?.trials.find((t) => t.id === id);
  }

  private tooltipLines(id: number): string[] {
    const v = this.view;
    const t = this.trialOf(id);
    if (!v || !t) return [];
    return [
      `${this.label} = ${formatSearchValue(this.dim, t.values[this.dim.path])}`,
      `${METRIC_LABEL[t.metricName]} ${formatMetric(t.metricName, t.metric)} · ${shownTrialState(v, t)} · epoch ${t.epoch}/${t.epochs}`,
    ];
  }

  /** Redraws when the trials, rounds, theme or selection changed; returns whether it drew. */
  update(view: SearchView, version: number, force = false): boolean {
    this.view = view;
    const t = this.theme;
    const trialsKey = view.trials.map((x) => `${x.id}:${x.state}:${x.metric}:${x.epoch}`).join(',');
    const key = `${version}|${trialsKey}|${view.roundBoxes.length}|${view.bestTrial}|${view.live}|${view.metric}|${t.kind}`;
    if (!force && key === this.key) return false;
    this.key = key;
    this.restyle(view.metric);
    const rounds = Math.max(1, view.roundBoxes.length, ...view.trials.map((x) => x.round + 1));
    const byRound: Pt[][] = Array.from({ length: rounds }, () => []);
    const running: Pt[] = [];
    const early: Pt[] = [];
    const best: Pt[] = [];
    let n = 0;
    for (const trial of view.trials) {
      const x = xOf(this.dim, trial.values[this.dim.path], trial.id);
      const y = trial.metric;
      if (x === null || y === null || !Number.isFinite(y)) continue;
      const p = { x, y, id: trial.id };
      n++;
      const state = shownTrialState(view, trial);
      if (trial.id === view.bestTrial) best.push(p);
      else if (state === 'finished') byRound[Math.min(trial.round, rounds - 1)].push(p);
      else if (state === 'running' || state === 'paused' || state === 'queued') running.push(p);
      else early.push(p);
    }
    this.points = n;
    const color = (r: number): string => t.palette[r % t.palette.length];
    const ds: ChartDataset<'scatter', Pt[]>[] = [];
    byRound.forEach((pts, r) => {
      if (!pts.length && r > 0) return;
      ds.push({
        label: rounds > 1 ? `round ${r + 1}` : 'finished', data: pts, pointStyle: 'circle',
        backgroundColor: withAlpha(color(r), 0.85), borderColor: color(r), borderWidth: 1, pointRadius: 4.5, pointHoverRadius: 6.5,
      });
    });
    if (running.length) {
      ds.push({ label: 'running', data: running, pointStyle: 'circle', backgroundColor: 'transparent', borderColor: t.fg, borderWidth: 1.5 * t.lineScale, pointRadius: 4.5, pointHoverRadius: 6.5 });
    }
    if (early.length) {
      ds.push({ label: 'ended early', data: early, pointStyle: 'crossRot', backgroundColor: t.muted, borderColor: t.muted, borderWidth: 1.5 * t.lineScale, pointRadius: 5, pointHoverRadius: 7 });
    }
    if (best.length) {
      ds.push({ label: 'best', data: best, pointStyle: 'star', backgroundColor: withAlpha(t.yellow, 0.9), borderColor: t.yellow, borderWidth: 2 * t.lineScale, pointRadius: 9, pointHoverRadius: 11 });
    }
    this.chart.data.datasets = ds;
    const shades: Shade[] = [];
    for (const r of view.roundBoxes) {
      if (r.index === 0) continue; // round 1 samples the whole space
      for (const [from, to] of boxRanges(this.dim, r.box[this.dim.path])) {
        shades.push({ from, to, color: color(r.index), label: `round ${r.index + 1} box` });
      }
    }
    shadesByChart.set(this.chart, { shades, font: themeFont(t) });
    this.chart.update('none');
    return true;
  }

  toPng(): string {
    return canvasToPng(this.canvas, this.theme.surface);
  }

  destroy(): void {
    this.chart.destroy();
  }
}
