/** Compare panel: smoothed cost and train/dev error of several runs overlaid, one colour per run. */
import type { RunView } from '../../src/shared/run-view';
import { errorSeries, formatNumber, smoothedCost } from '../../src/shared/series';
import { percentTick } from '../format';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions } from './setup';
import { linePoints, seriesKey, xyPoints } from './common';

function runsKey(views: readonly RunView[]): string {
  return views.map((v) => `${v.runId}:${seriesKey(v.iterations)}:${seriesKey(v.epochs)}`).join(',');
}

export class CompareCostChart extends StreamChart {
  private logScale = false;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme, { type: 'linear', title: 'iteration', integer: true, tight: true, min: 0 },
      { type: this.logScale ? 'logarithmic' : 'linear', title: 'cost (smoothed)', format: (v) => formatNumber(v) }, false);
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      d.borderColor = d.backgroundColor = this.theme.palette[i % this.theme.palette.length];
      d.borderWidth = 2 * this.theme.lineScale;
    });
  }

  update(views: readonly RunView[], beta: number, logScale: boolean, version: number): boolean {
    if (logScale !== this.logScale) {
      this.logScale = logScale;
      this.restyle();
    }
    return this.redrawIf(`${version}|${runsKey(views)}|${beta}|${logScale}`, () => {
      const ds = this.ensureDatasets(views.length, () => ({ label: '', data: [] }));
      views.forEach((v, i) => {
        const sm = smoothedCost(v, beta);
        ds[i].label = v.info?.name ?? v.runId;
        ds[i].data = xyPoints(sm.xs, sm.ys);
      });
    });
  }
}

export class CompareErrorChart extends StreamChart {
  private regression = false;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme, { type: 'linear', title: 'epoch', integer: true },
      { type: 'linear', title: this.regression ? 'RMSE' : 'error', format: (v) => (this.regression ? formatNumber(v) : percentTick(v)) }, false);
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      d.borderColor = d.backgroundColor = this.theme.palette[Math.floor(i / 2) % this.theme.palette.length];
      d.borderWidth = (i % 2 ? 2 : 1.5) * this.theme.lineScale;
      d.borderDash = i % 2 ? [] : [5, 4];
    });
  }

  update(views: readonly RunView[], version: number): boolean {
    const regression = views.length > 0 && views.every((v) => v.info?.task === 'regression');
    if (regression !== this.regression) {
      this.regression = regression;
      this.restyle();
    }
    return this.redrawIf(`${version}|${runsKey(views)}`, () => {
      const ds = this.ensureDatasets(2 * views.length, () => ({ label: '', data: [] }));
      views.forEach((v, i) => {
        const s = errorSeries(v);
        const name = v.info?.name ?? v.runId;
        ds[2 * i].label = `${name} · train`;
        ds[2 * i].data = linePoints(s.train, this.theme.red).points;
        ds[2 * i + 1].label = `${name} · dev`;
        ds[2 * i + 1].data = linePoints(s.dev, this.theme.red).points;
      });
    });
  }
}
