/** Train/dev error per epoch; test-set points once evaluated, labelled with their look count. */
import type { RunView } from '../../src/shared/run-view';
import { epochOfIteration, errorSeries, formatNumber } from '../../src/shared/series';
import { percentTick } from '../format';
import type { Theme } from '../theme';
import { StreamChart } from './base';
import { baseOptions } from './setup';
import type { LineOptions, XY } from './setup';
import { linePoints, seriesKey } from './common';

export class ErrorChart extends StreamChart {
  private regression = false;

  constructor(canvas: HTMLCanvasElement, theme: Theme, private readonly compact = false) {
    super(canvas, theme);
    this.ensureDatasets(3, (i) => ({ label: ['train', 'dev', 'test'][i], data: [] }));
    this.restyle();
  }

  protected options(): LineOptions {
    const o = baseOptions(this.theme,
      { type: 'linear', title: this.compact ? '' : 'epoch', integer: true },
      { type: 'linear', title: this.compact ? '' : this.regression ? 'RMSE' : 'error', format: (v) => (this.regression ? formatNumber(v) : percentTick(v)) },
      true);
    if (o.plugins?.legend?.labels) o.plugins.legend.labels.filter = (item, data) => (data.datasets[item.datasetIndex ?? 0]?.data.length ?? 0) > 0;
    return o;
  }

  protected colorDatasets(): void {
    const [train, dev, test] = this.chart.data.datasets;
    if (!train || !dev || !test) return;
    const w = this.theme.lineScale;
    train.borderColor = train.backgroundColor = this.theme.blue;
    train.borderWidth = 2 * w;
    dev.borderColor = dev.backgroundColor = this.theme.orange;
    dev.borderWidth = 2 * w;
    test.borderColor = test.backgroundColor = this.theme.purple;
    test.pointBorderColor = this.theme.fg;
    test.showLine = false;
    test.pointStyle = 'rectRot';
    test.pointRadius = 6;
    test.pointHoverRadius = 7;
    test.pointBorderWidth = 1;
  }

  update(view: RunView): boolean {
    const regression = view.info?.task === 'regression';
    if (regression !== this.regression) {
      this.regression = regression;
      this.restyle();
    }
    const key = `${view.runId}|${seriesKey(view.epochs)}|${view.lastEpoch?.devError}|${view.tests.length}`;
    return this.redrawIf(key, () => {
      const s = errorSeries(view);
      const [train, dev, test] = this.chart.data.datasets;
      // Few points (one per epoch, or each bucket's extremes) and markers matter: points visible when sparse.
      train.data = linePoints(s.train, this.theme.red).points;
      dev.data = linePoints(s.dev, this.theme.red).points;
      const sparse = view.epochs.count <= 40 && !this.compact;
      train.pointRadius = dev.pointRadius = sparse ? 2 : 0;
      const pts: XY[] = view.tests.map((t) => ({ x: epochOfIteration(view, t.iteration), y: t.error }));
      test.data = pts;
      const looks = view.tests.length ? view.tests[view.tests.length - 1].looks : 0;
      test.label = looks ? `test (look ${looks})` : 'test';
      this.annotations.pointLabels = this.compact ? [] : view.tests.map((t, i) => ({
        x: pts[i].x, y: pts[i].y, text: `look ${t.looks}`, color: this.theme.purple,
      }));
    });
  }
}
