/**
 * Compare panel: smoothed cost and train/dev error of several runs overlaid, one colour per run.
 * Both charts share the x choice (iteration, epoch, progress), hide the runs switched off in the
 * legend, and zoom (wheel) and pan (drag) their x axis; a double-click shows everything again.
 */
import type { RunView } from '../../src/shared/run-view';
import { errorSeries, formatNumber, smoothedCost } from '../../src/shared/series';
import { percentTick } from '../format';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { AxisSpec, LineOptions, XY } from './setup';
import { linePoints, seriesKey } from './common';
import { COMPARE_X, epochX, iterationX, type CompareX } from './compare-x';
import { attachXZoom, dataExtent, type XRange } from './zoom';

/** What both compare charts draw: the runs, their legend labels, which are hidden, the x choice. */
export interface CompareSelection {
  views: readonly RunView[];
  labels: ReadonlyMap<string, string>;
  hidden: ReadonlySet<string>;
  x: CompareX;
}

function selectionKey(s: CompareSelection): string {
  return `${s.x}|${[...s.hidden].join(';')}|` + s.views.map((v) => `${v.runId}:${seriesKey(v.iterations)}:${seriesKey(v.epochs)}`).join(',');
}

abstract class CompareChart extends StreamChart {
  protected x: CompareX = 'iteration';
  private range: XRange | null = null;
  /** The x extent of the data last set (from 0, as the axis). */
  private extent: XRange | null = null;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    attachXZoom(this.chart, () => this.extent, () => this.range, (r) => {
      this.range = r;
      this.restyle();
    });
  }

  /** Zoomed in (some of the x extent hidden)? */
  get zoomed(): boolean {
    return this.range !== null;
  }

  resetZoom(): void {
    if (!this.range) return;
    this.range = null;
    this.restyle();
  }

  protected xAxis(): AxisSpec {
    const spec: AxisSpec = { type: 'linear', title: COMPARE_X[this.x].title, tight: true, min: 0, integer: this.x === 'iteration' };
    if (this.x === 'progress') spec.format = percentTick;
    if (this.range) {
      spec.min = this.range.min;
      spec.max = this.range.max;
    }
    return spec;
  }

  /** Call after setting the datasets' data. */
  protected measure(): void {
    this.extent = dataExtent(this.chart.data.datasets);
  }

  /** A new x choice: the zoom of the old one means nothing on the new axis. */
  protected setX(x: CompareX): void {
    if (x === this.x) return;
    this.x = x;
    this.range = null;
    this.restyle();
  }
}

export class CompareCostChart extends CompareChart {
  private logScale = false;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme, this.xAxis(),
      { type: this.logScale ? 'logarithmic' : 'linear', title: 'cost (smoothed)', format: (v) => formatNumber(v) }, false);
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      d.borderColor = d.backgroundColor = this.theme.palette[i % this.theme.palette.length];
      d.borderWidth = 2 * this.theme.lineScale;
    });
  }

  update(sel: CompareSelection, beta: number, logScale: boolean, version: number): boolean {
    if (logScale !== this.logScale) {
      this.logScale = logScale;
      this.restyle();
    }
    this.setX(sel.x);
    return this.redrawIf(`${version}|${selectionKey(sel)}|${beta}|${logScale}`, () => {
      const ds = this.ensureDatasets(sel.views.length, () => ({ label: '', data: [] }));
      sel.views.forEach((v, i) => {
        const sm = smoothedCost(v, beta);
        const toX = iterationX(v, sel.x);
        ds[i].label = sel.labels.get(v.runId) ?? v.runId;
        ds[i].data = sm.xs.map((x, k): XY => ({ x: toX(x), y: Number.isFinite(sm.ys[k]) ? sm.ys[k] : Number.NaN }));
        ds[i].hidden = sel.hidden.has(v.runId);
      });
      this.measure();
    });
  }
}

export class CompareErrorChart extends CompareChart {
  private regression = false;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.x = 'epoch';
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme, { ...this.xAxis(), integer: this.x !== 'progress' },
      { type: 'linear', title: this.regression ? 'RMSE' : 'error', format: (v) => (this.regression ? formatNumber(v) : percentTick(v)) }, false);
  }

  protected colorDatasets(): void {
    this.chart.data.datasets.forEach((d, i) => {
      d.borderColor = d.backgroundColor = this.theme.palette[Math.floor(i / 2) % this.theme.palette.length];
      d.borderWidth = (i % 2 ? 2 : 1.5) * this.theme.lineScale;
      d.borderDash = i % 2 ? [] : [5, 4];
    });
  }

  update(sel: CompareSelection, version: number): boolean {
    const regression = sel.views.length > 0 && sel.views.every((v) => v.info?.task === 'regression');
    if (regression !== this.regression) {
      this.regression = regression;
      this.restyle();
    }
    this.setX(sel.x);
    return this.redrawIf(`${version}|${selectionKey(sel)}`, () => {
      const ds = this.ensureDatasets(2 * sel.views.length, () => ({ label: '', data: [] }));
      sel.views.forEach((v, i) => {
        const s = errorSeries(v);
        const toX = epochX(v, sel.x);
        const name = sel.labels.get(v.runId) ?? v.runId;
        const hidden = sel.hidden.has(v.runId);
        ds[2 * i].label = `${name} · train`;
        ds[2 * i].data = linePoints(s.train, this.theme.red).points.map((p) => ({ x: toX(p.x), y: p.y }));
        ds[2 * i].hidden = hidden;
        ds[2 * i + 1].label = `${name} · dev`;
        ds[2 * i + 1].data = linePoints(s.dev, this.theme.red).points.map((p) => ({ x: toX(p.x), y: p.y }));
        ds[2 * i + 1].hidden = hidden;
      });
      this.measure();
    });
  }
}
