/** A Chart.js line chart that is created once and then only gets new data and, rarely, a new theme. */
import type { ChartDataset } from 'chart.js';
import type { Theme } from '../theme';
import { Chart, setAnnotations, themeFont } from './setup';
import type { GlAnnotationOptions, LineOptions, XY } from './setup';

export abstract class StreamChart {
  readonly chart: Chart<'line', XY[]>;
  protected theme: Theme;
  protected annotations: GlAnnotationOptions = {};
  private key = '';

  constructor(readonly canvas: HTMLCanvasElement, theme: Theme) {
    this.theme = theme;
    this.chart = new Chart<'line', XY[]>(canvas, { type: 'line', data: { datasets: [] }, options: {} });
    setAnnotations(this.chart, this.annotations);
    // Subclasses call `this.restyle()` at the end of their constructors (their fields exist by then).
  }

  /** Full options for the current theme and settings (scales, legend, tooltip). */
  protected abstract options(): LineOptions;

  /** Dataset colours for the current theme. */
  protected abstract colorDatasets(): void;

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.restyle();
    this.key = '';
  }

  protected restyle(): void {
    this.chart.options = this.options();
    this.annotations.font = themeFont(this.theme);
    this.annotations.background = this.theme.surface;
    this.colorDatasets();
    this.chart.update('none');
  }

  /** Runs `fill` and redraws only when `key` differs from the last drawn one; says whether it drew. */
  protected redrawIf(key: string, fill: () => void): boolean {
    if (key === this.key) return false;
    this.key = key;
    fill();
    this.colorDatasets();
    this.chart.update('none');
    return true;
  }

  /** Makes the chart have exactly `n` datasets, creating line datasets as needed. */
  protected ensureDatasets(n: number, make: (i: number) => ChartDataset<'line', XY[]>): ChartDataset<'line', XY[]>[] {
    const ds = this.chart.data.datasets;
    while (ds.length > n) ds.pop();
    while (ds.length < n) ds.push(make(ds.length));
    return ds;
  }

  /** The chart as a PNG on the theme's background (a bare canvas export would be transparent). */
  toPng(): string {
    return canvasToPng(this.canvas, this.theme.surface);
  }

  destroy(): void {
    this.chart.destroy();
  }
}

export function canvasToPng(canvas: HTMLCanvasElement, background: string): string {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  if (!ctx) return canvas.toDataURL('image/png');
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png');
}
