/** Cost per iteration: raw (thin, faded) and TensorBoard's debiased EWA, LR changes annotated. */
import type { RunView } from '../../src/shared/run-view';
import { debiasedEwa, decimateIndices, formatNumber } from '../../src/shared/series';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions } from './setup';
import { lrChangeLines, tailKey, toPoints } from './common';

export interface CostSettings { beta: number; logScale: boolean; maxPoints: number }

export function betaLabel(beta: number): string {
  return beta.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

export class CostChart extends StreamChart {
  private logScale = false;
  /** Points drawn by the last update (raw series, after decimation). */
  points = 0;

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
    const key = `${view.runId}|${view.firstIteration}|${tailKey(view.costs)}|${s.beta}|${s.logScale}|${s.maxPoints}|${view.learningRateChanges.length}`;
    return this.redrawIf(key, () => {
      const n = view.costs.length;
      const xs = new Array<number>(n);
      for (let k = 0; k < n; k++) xs[k] = view.firstIteration + k;
      const idx = decimateIndices(view.costs, s.maxPoints);
      const raw = toPoints(xs, view.costs, s.maxPoints, this.theme.red, idx);
      const sm = toPoints(xs, debiasedEwa(view.costs, s.beta), s.maxPoints, this.theme.red, idx);
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
