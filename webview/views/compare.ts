/**
 * The compare panel: several runs overlaid, a legend whose entries switch runs on and off, the x
 * axis as iteration, epoch or progress, zoom and pan on the charts, and a summary table.
 */
import type { RunView } from '../../src/shared/run-view';
import { columnIndex, envelope } from '../../src/shared/buckets';
import { formatError, formatNumber, lastCost } from '../../src/shared/series';
import { costReadout, costTooltip } from '../../src/shared/readout';
import { button, h, renderIfChanged, setText } from '../dom';
import type { Theme } from '../theme';
import { distinctRunLabels } from '../../src/shared/run-labels';
import { CompareCostChart, CompareErrorChart, type CompareSelection } from '../charts/compare';
import { COMPARE_X, isCompareX, type CompareX } from '../charts/compare-x';
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
  // What the user chose in this panel (not sent to the host: a view setting of this page).
  let x: CompareX = 'iteration';
  const hidden = new Set<string>();
  let last: Model = model;
  const xSelect = h('select', { id: 'compare-x', cls: 'gl-select', attrs: { 'aria-label': 'x axis' } },
    ...(Object.keys(COMPARE_X) as CompareX[]).map((k) => h('option', { attrs: { value: k }, text: COMPARE_X[k].label })));
  xSelect.addEventListener('change', () => {
    if (isCompareX(xSelect.value)) x = xSelect.value;
    rerender();
  });
  const resetZoom = button('secondary', { id: 'compare-reset-zoom', text: 'Show all', title: 'Zoom out to every point (or double-click a chart)' });
  resetZoom.addEventListener('click', () => {
    costChart.resetZoom();
    errChart.resetZoom();
    showZoom();
  });
  const showZoom = (): void => {
    resetZoom.hidden = !costChart.zoomed && !errChart.zoomed;
    // The drawn x extent, for readers of the page that cannot see the canvas (and the smoke checks).
    for (const [box, chart] of [[cost, costChart], [err, errChart]] as const) {
      const xs = chart.chart.scales.x;
      if (xs) box.canvas.dataset.xRange = `${Number(xs.min.toPrecision(6))}..${Number(xs.max.toPrecision(6))}`;
    }
  };
  for (const c of [cost.canvas, err.canvas]) {
    for (const type of ['wheel', 'dblclick', 'pointerup']) c.addEventListener(type, () => queueMicrotask(showZoom));
  }
  const xControls = h('div', { cls: 'compare-x' },
    h('label', { cls: 'beta-label', attrs: { for: 'compare-x' }, text: 'x axis' }), xSelect,
    h('span', { cls: 'muted zoom-hint', text: 'wheel: zoom · drag: pan · double-click: all' }), resetZoom);
  app.append(
    h('header', { cls: 'run-header' }, h('div', { cls: 'title-row' }, title, count), h('div', { cls: 'compare-controls' }, legend, xControls)),
    h('main', { cls: 'grid compare-grid' },
      card({ id: 'cost', title: 'Cost', subtitle: 'smoothed, per iteration', tools: [smoothing.root, pngButton('cost', 'cost', () => costChart.toPng(), hooks.savePng)], body: [cost.box] }),
      card({ id: 'error', title: 'Error', subtitle: 'per epoch · dashed train, solid dev', tools: [pngButton('error', 'error', () => errChart.toPng(), hooks.savePng)], body: [err.box] }),
      card({ id: 'runs', title: 'Runs', cls: 'span-all', body: [table] })));

  const renderLegend = (views: readonly RunView[], labels: ReadonlyMap<string, string>): void => {
    const key = views.map((v) => `${v.runId}=${labels.get(v.runId)}`).join('|') + currentTheme.kind;
    renderIfChanged(legend, key, () => views.map((v, i) => {
      const sw = h('span', { cls: 'swatch' });
      sw.style.setProperty('background-color', currentTheme.palette[i % currentTheme.palette.length]);
      const box = h('input', { cls: 'gl-checkbox', attrs: { type: 'checkbox', 'data-run-id': v.runId, 'aria-label': `Show ${labels.get(v.runId) ?? v.runId}` } });
      box.checked = !hidden.has(v.runId);
      box.addEventListener('change', () => {
        if (box.checked) hidden.delete(v.runId);
        else hidden.add(v.runId);
        rerender();
      });
      return h('label', { cls: 'legend-item check-label', attrs: { role: 'listitem' }, title: 'Show or hide this run in the charts' },
        box, sw, h('span', { text: labels.get(v.runId) ?? v.runId }));
    }));
  };

  const renderTable = (views: readonly RunView[], labels: ReadonlyMap<string, string>): void => {
    const key = views.map((v) => `${v.runId}:${v.state}:${v.epochs.count}:${v.iterations.count}:${hidden.has(v.runId)}`).join('|') + currentTheme.kind;
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
        body.append(h('tr', { cls: hidden.has(v.runId) ? 'hidden-run' : '', attrs: { 'data-run-id': v.runId } },
          h('td', {}, sw, h('span', { text: ` ${labels.get(v.runId) ?? v.runId}` })),
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

  const render = (m: Model): number => {
    last = m;
    const views = m.compare;
    setText(count, views.length ? `${views.length} run${views.length > 1 ? 's' : ''}` : 'no runs selected');
    smoothing.setBeta(m.beta);
    smoothing.setLog(m.logScale);
    const labels = distinctRunLabels(views);
    const sel: CompareSelection = { views, labels, hidden, x };
    renderLegend(views, labels);
    costChart.update(sel, m.beta, m.logScale, m.version);
    errChart.update(sel, m.version);
    renderTable(views, labels);
    showZoom();
    app.dataset.x = x;
    return costChart.chart.data.datasets.reduce((a, d) => a + d.data.length, 0);
  };
  const rerender = (): void => {
    render(last);
  };

  return {
    render,
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
