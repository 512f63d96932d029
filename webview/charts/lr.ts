/** Learning rate over iterations as a step line; manual changes marked and labelled. */
import type { RunView } from '../../src/shared/run-view';
import { formatNumber, learningRateSteps } from '../../src/shared/series';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions } from './setup';
import { lrChangeLines, positiveRange, seriesKey, xyPoints } from './common';

export class LrChart extends StreamChart {
  private range: [number, number] | null = null;

  constructor(canvas: HTMLCanvasElement, theme: Theme) {
    super(canvas, theme);
    this.ensureDatasets(2, (i) => ({ label: i ? 'manual change' : 'learning rate', data: [] }));
    this.restyle();
  }

  protected options(): LineOptions {
    return baseOptions(this.theme,
      { type: 'linear', title: 'iteration', integer: true, tight: true, min: 0 },
      { type: 'logarithmic', title: 'learning rate', min: this.range?.[0], max: this.range?.[1], format: (v) => formatNumber(v) });
  }

  protected colorDatasets(): void {
    const [line, changes] = this.chart.data.datasets;
    if (!line || !changes) return;
    line.borderColor = line.backgroundColor = this.theme.green;
    line.borderWidth = 2 * this.theme.lineScale;
    // Each rate holds from its iteration until the next point: horizontal first, then the step.
    line.stepped = 'before';
    changes.borderColor = this.theme.fg;
    changes.backgroundColor = this.theme.yellow;
    changes.showLine = false;
    changes.pointStyle = 'triangle';
    changes.pointRadius = 6;
    changes.pointHoverRadius = 7;
    changes.pointBorderWidth = 1;
  }

  update(view: RunView): boolean {
    const key = `${view.runId}|${seriesKey(view.iterations)}|${view.iteration}|${view.learningRate}|${view.learningRateChanges.length}`;
    return this.redrawIf(key, () => {
      const s = learningRateSteps(view);
      const [line, changes] = this.chart.data.datasets;
      line.data = xyPoints(s.xs, s.ys);
      const user = view.learningRateChanges.filter((c) => c.source === 'user');
      changes.data = user.map((c) => ({ x: c.iteration, y: c.to }));
      this.annotations.vlines = lrChangeLines(view.learningRateChanges, this.theme);
      const r = positiveRange([line.data]);
      // Half a decade of air around the rates, so the steps fill the plot.
      const range: [number, number] | null = r ? [r[0] / 2.5, r[1] * 2.5] : null;
      if (range && (!this.range || range[0] !== this.range[0] || range[1] !== this.range[1])) {
        this.range = range;
        this.chart.options = this.options();
      }
    });
  }
}
