/**
 * Curves of every trial on one chart: the metric per epoch of each trial (./curves-model.ts), the
 * best in the accent colour, finished trials in blue, running ones in the foreground colour, and
 * trials that stopped early in grey with a marker where they stopped (a cross when pruned, a
 * diamond when waiting at a rung); the rung epochs as dashed guides.
 */
import type { ChartDataset, TooltipItem } from 'chart.js';
import { formatMetric, METRIC_LABEL, type SearchView } from '../../src/shared/search-view';
import { StreamChart } from '../charts/base';
import { baseOptions, type LineOptions, type XY } from '../charts/setup';
import { percentTick } from '../format';
import { withAlpha, type Theme } from '../theme';
import { rungEpochs, trialCurves, type CurveKind, type CurveSeries } from './curves-model';

type Dataset = ChartDataset<'line', XY[]> & { glKind?: CurveKind; glMarker?: boolean };

export class TrialCurvesChart extends StreamChart {
  private metric: SearchView['metric'] = 'devError';
  private series: CurveSeries[] = [];
  points = 0;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.restyle();
  }

  protected options(): LineOptions {
    const error = this.metric === 'devError' || this.metric === 'trainError';
    const o = baseOptions(this.theme,
      { type: 'linear', title: 'epoch', integer: true, min: 1 },
      { type: 'linear', title: METRIC_LABEL[this.metric], format: (v) => (error ? percentTick(v) : String(Number(v.toPrecision(3)))) },
      false);
    o.interaction = { mode: 'nearest', intersect: false };
    if (o.plugins?.tooltip) {
      o.plugins.tooltip.filter = (item) => !(item.dataset as Dataset).glMarker;
      o.plugins.tooltip.callbacks = {
        ...o.plugins.tooltip.callbacks,
        title: (items: TooltipItem<'line'>[]) => items.map((i) => i.dataset.label ?? '').slice(0, 3).join(', '),
        label: (item: TooltipItem<'line'>) => ` epoch ${(item.raw as XY).x}: ${formatMetric(this.metric, (item.raw as XY).y)}`,
      };
    }
    return o;
  }

  protected colorDatasets(): void {
    const t = this.theme;
    for (const d of this.chart.data.datasets as Dataset[]) {
      const kind = d.glKind ?? 'finished';
      const color = kind === 'best' ? t.yellow : kind === 'finished' ? withAlpha(t.blue, 0.75) : kind === 'running' ? withAlpha(t.fg, 0.85) : withAlpha(t.muted, 0.55);
      d.borderColor = d.backgroundColor = color;
      d.borderWidth = (kind === 'best' ? 2.5 : 1.2) * t.lineScale;
      if (d.glMarker) {
        d.showLine = false;
        d.pointStyle = kind === 'waiting' ? 'rectRot' : 'crossRot';
        d.pointRadius = 5;
        d.pointHoverRadius = 6;
        d.pointBorderWidth = 1.5 * t.lineScale;
        d.borderColor = kind === 'waiting' ? t.orange : t.muted;
        d.backgroundColor = kind === 'waiting' ? withAlpha(t.orange, 0.5) : t.muted;
      } else {
        d.pointRadius = 0;
        d.borderDash = kind === 'pruned' || kind === 'waiting' || kind === 'ended' ? [4, 3] : [];
      }
    }
  }

  update(view: SearchView, keep: Set<number> | null): boolean {
    if (view.metric !== this.metric) {
      this.metric = view.metric;
      this.restyle();
    }
    const keepKey = keep ? [...keep].join(',') : '*';
    const key = `${this.theme.kind}|${view.bestTrial}|${view.live}|${keepKey}|${view.epochsPerTrial}|`
      + view.trials.map((t) => `${t.id}:${t.state}:${t.curve.length}:${t.pausedAtRung ?? ''}`).join(',');
    return this.redrawIf(key, () => {
      this.series = trialCurves(view, keep);
      const lines: Dataset[] = this.series.map((s) => ({ label: s.name, data: s.points, glKind: s.kind }));
      const markers: Dataset[] = this.series.filter((s) => s.marker).map((s) => ({
        label: s.marker!.label, data: [{ x: s.marker!.x, y: s.marker!.y }], glKind: s.kind, glMarker: true,
      }));
      this.chart.data.datasets = [...lines, ...markers];
      this.points = this.series.reduce((n, s) => n + s.points.length, 0);
      const scale = this.chart.options.scales?.x;
      if (scale) (scale as { max?: number }).max = Math.max(2, view.epochsPerTrial);
      this.annotations.vlines = rungEpochs(view).map((x) => ({ x, color: withAlpha(this.theme.orange, 0.7), dash: [3, 3], label: `rung ${x}` }));
    });
  }

  /** The series drawn, for tests and the card's subtitle. */
  get drawn(): readonly CurveSeries[] {
    return this.series;
  }
}
