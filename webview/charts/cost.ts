/** Cost per iteration: raw (thin, faded; each bucket's extremes) and TensorBoard's debiased EWA, LR changes annotated. */
import type { RunView } from '../../src/shared/run-view';
import { badCount, columnIndex } from '../../src/shared/buckets';
import { costLine, formatNumber, smoothedCost } from '../../src/shared/series';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions } from './setup';
import { linePoints, lrChangeLines, seriesKey, xyPoints } from './common';

export interface CostSettings { beta: number; logScale: boolean; maxPoints: number; version: number }

export function betaLabel(beta: number): string {
  return beta.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

export class CostChart extends StreamChart {
  private logScale = false;
  /** Points drawn by the last update (raw series). */
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
    const key = `${s.version}|${view.runId}|${seriesKey(view.iterations)}|${s.beta}|${s.logScale}|${s.maxPoints}|${view.learningRateChanges.length}`;
    return this.redrawIf(key, () => {
      const raw = linePoints(costLine(view, s.maxPoints), this.theme.red);
      const sm = smoothedCost(view, s.beta);
      this.nonFinite = badCount(view.iterations, columnIndex(view.iterations, 'cost'));
      const [rawDs, smDs] = this.chart.data.datasets;
      rawDs.data = raw.points;
      smDs.data = xyPoints(sm.xs, sm.ys);
      smDs.label = `smoothed (β ${betaLabel(s.beta)})`;
      this.points = raw.points.length;
      this.annotations.markers = raw.markers;
      this.annotations.vlines = lrChangeLines(view.learningRateChanges, this.theme, this.compact);
    });
  }
}
