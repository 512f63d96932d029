/** The compare panel: several runs overlaid, legend by run name, and a summary table. */
import type { RunView } from '../../src/shared/run-view';
import { columnIndex, envelope } from '../../src/shared/buckets';
import { formatError, formatNumber, lastCost } from '../../src/shared/series';
import { costReadout, costTooltip } from '../../src/shared/readout';
import { h, renderIfChanged, setText } from '../dom';
import type { Theme } from '../theme';
import { CompareCostChart, CompareErrorChart } from '../charts/compare';
import { card, chartBox, pngButton } from './card';
import { smoothingControls } from './smoothing';
import type { Hooks, Model, Mounted } from './types';

export function mountCompare(app: HTMLElement, theme: Theme, hooks: Hooks, model: Model): Mounted {
  let currentTheme = theme;
  const cost = chartBox('chart-cost', 'Smoothed cost of each run', 'chart-box tall');
  const err = chartBox('chart-error', 'Train and dev error of each run', 'chart-box tall');
  const costChart = new CompareCostChart(cost.canvas, theme);
  const errChart = new CompareErrorChart(err.canvas, theme);
  const legend = h('div', { id: 'compare-legend', cls: 'compare-legend', attrs: { role: 'list' } });
  const table = h('div', { id: 'compare-table', cls: 'table-wrap' });
  const title = h('h1', { cls: 'run-name', text: 'Compare runs' });
  const count = h('span', { cls: 'muted', id: 'compare-count' });
  const smoothing = smoothingControls(model.beta, model.logScale, hooks.setBeta, hooks.setLog);
  app.append(
    h('header', { cls: 'run-header' }, h('div', { cls: 'title-row' }, title, count), legend),
    h('main', { cls: 'grid compare-grid' },
      card({ id: 'cost', title: 'Cost', subtitle: 'smoothed, per iteration', tools: [smoothing.root, pngButton('cost', 'cost', () => costChart.toPng(), hooks.savePng)], body: [cost.box] }),
      card({ id: 'error', title: 'Error', subtitle: 'per epoch · dashed train, solid dev', tools: [pngButton('error', 'error', () => errChart.toPng(), hooks.savePng)], body: [err.box] }),
      card({ id: 'runs', title: 'Runs', cls: 'span-all', body: [table] })));

  const renderLegend = (views: readonly RunView[]): void => {
    renderIfChanged(legend, views.map((v) => v.runId).join('|') + currentTheme.kind, () => views.map((v, i) => {
      const sw = h('span', { cls: 'swatch' });
      sw.style.setProperty('background-color', currentTheme.palette[i % currentTheme.palette.length]);
      return h('span', { cls: 'legend-item', attrs: { role: 'listitem' } }, sw, h('span', { text: v.info?.name ?? v.runId }));
    }));
  };

  const renderTable = (views: readonly RunView[]): void => {
    const key = views.map((v) => `${v.runId}:${v.state}:${v.epochs.count}:${v.iterations.count}`).join('|') + currentTheme.kind;
    renderIfChanged(table, key, () => {
      const t = h('table', { cls: 'runs-table' });
      t.append(h('thead', {}, h('tr', {}, ...['Run', 'State', 'Epoch', 'Cost', 'Train error', 'Dev error', 'Best dev', 'Learning rate'].map((c, i) => h('th', { cls: i > 1 ? 'num' : '', text: c })))));
      const body = h('tbody');
      views.forEach((v, i) => {
        const reg = v.info?.task === 'regression';
        const last = v.lastEpoch;
        const devs = envelope(v.epochs, columnIndex(v.epochs, 'devError')).ys;
        const sw = h('span', { cls: 'swatch' });
        sw.style.setProperty('background-color', currentTheme.palette[i % currentTheme.palette.length]);
        body.append(h('tr', { attrs: { 'data-run-id': v.runId } },
          h('td', {}, sw, h('span', { text: ` ${v.info?.name ?? v.runId}` })),
          h('td', {}, h('span', { cls: 'state-badge small', attrs: { 'data-state': v.state }, text: v.state })),
          h('td', { cls: 'num', text: String(v.epoch) }),
          costCell(lastCost(v)),
          h('td', { cls: 'num', text: formatError(last?.trainError, reg) }),
          h('td', { cls: 'num', text: formatError(last?.devError, reg) }),
          h('td', { cls: 'num', text: devs.length ? formatError(Math.min(...devs), reg) : '—' }),
          h('td', { cls: 'num', text: formatNumber(v.learningRate) })));
      });
      t.append(body);
      return [t];
    });
  };

  return {
    render(m: Model): number {
      const views = m.compare;
      setText(count, views.length ? `${views.length} run${views.length > 1 ? 's' : ''}` : 'no runs selected');
      smoothing.setBeta(m.beta);
      smoothing.setLog(m.logScale);
      renderLegend(views);
      costChart.update(views, m.beta, m.logScale, m.version);
      errChart.update(views, m.version);
      renderTable(views);
      return costChart.chart.data.datasets.reduce((a, d) => a + d.data.length, 0);
    },
    setTheme(t: Theme): void {
      currentTheme = t;
      costChart.setTheme(t);
      errChart.setTheme(t);
    },
  };
}

/** A cost cell: the readable value, the exact one in its tooltip. */
function costCell(cost: number | null): HTMLElement {
  const r = costReadout(cost);
  return h('td', { cls: 'num', text: r.text, title: costTooltip('Last cost', r) });
}
