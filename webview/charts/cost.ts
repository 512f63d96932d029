/** Cost per iteration: raw (thin, faded) and TensorBoard's debiased EWA, LR changes annotated. */
import type { RunView } from '../../src/shared/run-view';
import { decimateIndices, formatNumber } from '../../src/shared/series';
import { EwaCache } from './cache';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions } from './setup';
import { lrChangeLines, tailKey, toPoints } from './common';

export interface CostSettings { beta: number; logScale: boolean; maxPoints: number; version: number }

export function betaLabel(beta: number): string {
  return beta.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

export class CostChart extends StreamChart {
  private logScale = false;
  private readonly ewa = new EwaCache();
  /** Points drawn by the last update (raw series, after decimation). */
  points = 0;
  /** Non-finite costs in the whole series (not only the drawn ones). */
  nonFinite = 0;

  constructor(canvas: HTMLCanvasElement, theme: Theme, private readonly compact = false) {
    super(canvas, theme);
    this.ensureDatasets(2, (i) => ({ label: i ? 'smoothed' : 'raw', data: [], order: i ? 1 : 2 }));
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme,
      { type: 'linear', title: this.compact ? '' : 'iteration', integer: true, tight: true, min: 0 },
      { type: this.logScale ? 'logarithmic' : 'linear', title: this.compact ? '' : 'cost', format: (v) => formatNumber(v) },
      !this.compact);
  }

  protected colorDatasets(): void {
    const [raw, smooth] = this.chart.data.datasets;
    if (!raw || !smooth) return;
    raw.borderColor = raw.backgroundColor = withAlpha(this.theme.blue, this.theme.kind.startsWith('high') ? 0.45 : 0.3);
    raw.borderWidth = this.theme.lineScale;
    smooth.borderColor = smooth.backgroundColor = this.theme.blue;
    smooth.borderWidth = 2 * this.theme.lineScale;
  }

  update(view: RunView, s: CostSettings): boolean {
    if (s.logScale !== this.logScale) {
      this.logScale = s.logScale;
      this.restyle();
    }
    const key = `${s.version}|${view.runId}|${view.firstIteration}|${tailKey(view.costs)}|${s.beta}|${s.logScale}|${s.maxPoints}|${view.learningRateChanges.length}`;
    return this.redrawIf(key, () => {
      const first = view.firstIteration;
      const xs = (k: number): number => first + k;
      const idx = decimateIndices(view.costs, s.maxPoints);
      const raw = toPoints(xs, view.costs, s.maxPoints, this.theme.red, idx);
      const smoothed = this.ewa.get(view.costs, s.beta, `${s.version}|${view.runId}|${view.firstIteration}`);
      // Decimated on its own extremes: the raw series' indices would make the smooth line zig-zag.
      const sm = toPoints(xs, smoothed, s.maxPoints, this.theme.red);
      this.nonFinite = this.ewa.nonFinite;
      const [rawDs, smDs] = this.chart.data.datasets;
      rawDs.data = raw.points;
      smDs.data = sm.points;
      smDs.label = `smoothed (β ${betaLabel(s.beta)})`;
      this.points = raw.points.length;
      this.annotations.markers = raw.markers;
      this.annotations.vlines = lrChangeLines(view.learningRateChanges, this.theme, this.compact);
    });
  }
}
