/** The dashboard panel (and, compact, the side-panel view) of one run. */
import { button, h, setText, slicedRunner } from '../dom';
import { icon } from '../icons';
import type { Theme } from '../theme';
import { CostChart } from '../charts/cost';
import { ErrorChart } from '../charts/error';
import { LayerChart } from '../charts/layers';
import { LrChart } from '../charts/lr';
import { ActivationChart, type ActivationField } from '../charts/activations';
import { Controls } from '../panels/controls';
import { ErrorBanner, FlagList, Header } from '../panels/header';
import { GradCheckPanel } from '../panels/gradcheck';
import { VerdictPanel } from '../panels/verdict';
import { BoundaryPanel, ConfusionPanel } from '../panels/boundary';
import { card, chartBox, pngButton } from './card';
import { smoothingControls } from './smoothing';
import type { SmoothingControls } from './smoothing';
import type { Hooks, Model, Mounted } from './types';
import type { RunView } from '../../src/shared/run-view';
import type { StreamChart } from '../charts/base';

export function mountDashboard(app: HTMLElement, theme: Theme, hooks: Hooks, model: Model): Mounted {
  const header = new Header(false);
  const csv = button('secondary', { id: 'btn-export-csv', title: 'Export all metrics as CSV' }, icon('save'), h('span', { text: 'Export CSV' }));
  csv.addEventListener('click', () => hooks.exportCsv());
  const controls = new Controls(false, [csv]);
  const banner = new ErrorBanner();

  const cost = chartBox('chart-cost', 'Cost per iteration', 'chart-box tall');
  const err = chartBox('chart-error', 'Train, dev and test error per epoch');
  const grad = chartBox('chart-grad', 'Gradient norm per layer');
  const ratio = chartBox('chart-ratio', 'Update to weight ratio per layer');
  const lr = chartBox('chart-lr', 'Learning rate');
  const costChart = new CostChart(cost.canvas, theme);
  const errChart = new ErrorChart(err.canvas, theme);
  const gradChart = new LayerChart(grad.canvas, theme, 'gradNorm');
  const ratioChart = new LayerChart(ratio.canvas, theme, 'updateRatio');
  const lrChart = new LrChart(lr.canvas, theme);
  const activation = activationCards(theme);
  const charts: StreamChart[] = [costChart, errChart, gradChart, ratioChart, lrChart, ...activation.charts];
  const gradNote = h('p', { id: 'grad-axis-note', cls: 'axis-note' });
  const ratioNote = h('p', { id: 'ratio-axis-note', cls: 'axis-note' });
  const gradcheck = new GradCheckPanel();
  const verdict = new VerdictPanel();
  const boundary = new BoundaryPanel(theme);
  const confusion = new ConfusionPanel(theme);
  const flagCount = h('span', { id: 'flag-count', cls: 'count-badge', text: '0' });
  const flags = new FlagList(flagCount);
  const smoothing: SmoothingControls = smoothingControls(model.beta, model.logScale, hooks.setBeta, hooks.setLog);
  const png = (id: string, label: string, c: { toPng(): string }): HTMLElement => pngButton(id, label, () => c.toPng(), hooks.savePng);
  const nonFinite = h('span', { id: 'cost-nonfinite', cls: 'nonfinite-note' });

  app.append(
    header.root,
    controls.root,
    banner.root,
    h('main', { cls: 'grid' },
      card({ id: 'cost', title: 'Cost', subtitle: 'per iteration · raw and smoothed', cls: 'span-2',
        tools: [smoothing.root, png('cost', 'cost', costChart)], body: [cost.box, nonFinite] }),
      card({ id: 'error', title: 'Error', subtitle: 'per epoch', tools: [png('error', 'error', errChart)], body: [err.box] }),
      card({ id: 'grad', title: 'Gradient norm ‖dW‖', subtitle: 'per layer · log', tools: [png('grad', 'gradient norm', gradChart)], body: [grad.box, gradNote] }),
      card({ id: 'ratio', title: 'Update / weight', subtitle: '‖ΔW‖ / ‖W‖ · log', tools: [png('ratio', 'update ratio', ratioChart)], body: [ratio.box, ratioNote] }),
      ...activation.cards(png),
      card({ id: 'lr', title: 'Learning rate', subtitle: 'manual changes marked', tools: [png('lr', 'learning rate', lrChart)], body: [lr.box] }),
      card({ id: 'gradcheck', title: 'Gradient check', subtitle: 'analytic vs numerical', cls: 'span-2', body: [gradcheck.root] }),
      card({ id: 'verdict', title: 'Bias / variance', body: [verdict.root] }),
      card({ id: 'boundary', title: 'Decision boundary', tools: [png('boundary', 'decision boundary', boundary)], body: [boundary.root] }),
      card({ id: 'confusion', title: 'Confusion matrix', body: [confusion.root] }),
      card({ id: 'flags', title: 'Flags', tools: [flagCount], body: [flags.root] })));

  const later = slicedRunner();
  return {
    render(m: Model): number {
      const v = m.view;
      controls.update(v);
      if (!v) return 0;
      header.update(v, m.beta);
      banner.update(v);
      smoothing.setBeta(m.beta);
      smoothing.setLog(m.logScale);
      costChart.update(v, { beta: m.beta, logScale: m.logScale, maxPoints: m.settings.maxPoints, version: m.version });
      const bad = costChart.nonFinite;
      setText(nonFinite, bad ? `▲ ${bad} non-finite cost${bad > 1 ? 's' : ''} (marked on the top edge)` : '');
      // The header, the controls and the cost chart now; the rest one per task (webview/dom.ts).
      const version = m.version;
      const maxPoints = m.settings.maxPoints;
      later([
        () => flags.update(v),
        () => gradcheck.update(v),
        () => errChart.update(v),
        () => {
          gradChart.update(v, version);
          setText(gradNote, gradChart.note);
        },
        () => {
          ratioChart.update(v, version);
          setText(ratioNote, ratioChart.note);
        },
        () => activation.update(v, maxPoints, version),
        () => lrChart.update(v),
        () => verdict.update(v),
        () => boundary.update(v),
        () => confusion.update(v),
      ]);
      return costChart.points;
    },
    renderControls(m: Model): void {
      controls.update(m.view);
      if (m.view) header.update(m.view, m.beta);
    },
    setTheme(t: Theme): void {
      for (const c of charts) c.setTheme(t);
      boundary.setTheme(t);
      confusion.setTheme(t);
    },
  };
}

/** Activation health (issue 9 §5): one card per statistic, one line per layer, and the outlier toggle of the linear ones. */
function activationCards(theme: Theme): {
  charts: ActivationChart[];
  cards(png: (id: string, label: string, c: { toPng(): string }) => HTMLElement): HTMLElement[];
  update(view: RunView, maxPoints: number, version: number): void;
} {
  const specs: { field: ActivationField; id: string; title: string; subtitle: string; empty: string }[] = [
    { field: 'activationMean', id: 'act-mean', title: 'Activation mean', subtitle: 'per layer', empty: 'No hidden layers.' },
    { field: 'activationStd', id: 'act-std', title: 'Activation std', subtitle: 'per layer', empty: 'No hidden layers.' },
    { field: 'saturated', id: 'act-saturated', title: 'Saturated units', subtitle: 'tanh |a| > 0.99, sigmoid < 0.01 or > 0.99', empty: 'No tanh or sigmoid layers.' },
    { field: 'deadRelu', id: 'act-dead', title: 'Dead ReLUs', subtitle: 'output 0 for the whole batch', empty: 'No ReLU layers.' },
  ];
  let ignoreOutliers = false;
  let redraw = (): void => undefined;
  const items = specs.map((spec) => {
    const box = chartBox(`chart-${spec.id}`, `${spec.title} per layer`);
    const chart = new ActivationChart(box.canvas, theme, spec.field);
    const note = h('p', { id: `${spec.id}-axis-note`, cls: 'axis-note' });
    const empty = h('p', { id: `${spec.id}-empty`, cls: 'empty', text: spec.empty });
    empty.hidden = true;
    return { spec, box, chart, note, empty };
  });
  const toggles: HTMLInputElement[] = [];
  const outlierToggle = (id: string): HTMLElement => {
    const input = h('input', { id: `${id}-outliers`, cls: 'gl-checkbox', attrs: { type: 'checkbox' } });
    toggles.push(input);
    input.addEventListener('change', () => {
      ignoreOutliers = input.checked;
      for (const other of toggles) other.checked = input.checked;
      redraw();
    });
    return h('label', { cls: 'check-label', title: 'Axis from the 5th to the 95th percentile, as TensorBoard\'s "ignore outliers" (values beyond are drawn at the edge and marked)' },
      input, h('span', { text: 'ignore outliers' }));
  };
  let last: { view: RunView; maxPoints: number; version: number } | null = null;
  const update = (view: RunView, maxPoints: number, version: number): void => {
    last = { view, maxPoints, version };
    for (const it of items) {
      it.chart.update(view, maxPoints, version, ignoreOutliers);
      const none = it.chart.layers === 0 && view.info !== null;
      it.empty.hidden = !none;
      it.box.box.hidden = none;
      setText(it.note, it.chart.note);
    }
  };
  redraw = () => {
    if (last) update(last.view, last.maxPoints, last.version);
  };
  return {
    charts: items.map((i) => i.chart),
    cards: (png) => items.map((it) => card({
      id: it.spec.id, title: it.spec.title, subtitle: it.spec.subtitle,
      tools: [...(it.spec.field === 'activationMean' || it.spec.field === 'activationStd' ? [outlierToggle(it.spec.id)] : []), png(it.spec.id, it.spec.title.toLowerCase(), it.chart)],
      body: [it.box.box, it.empty, it.note],
    })),
    update,
  };
}

export function mountSidebar(app: HTMLElement, theme: Theme, _hooks: Hooks): Mounted {
  const header = new Header(true);
  const controls = new Controls(true);
  const banner = new ErrorBanner();
  const cost = chartBox('chart-cost', 'Cost per iteration', 'chart-box compact');
  const err = chartBox('chart-error', 'Error per epoch', 'chart-box compact');
  const costChart = new CostChart(cost.canvas, theme, true);
  const errChart = new ErrorChart(err.canvas, theme, true);
  app.append(
    header.root,
    controls.root,
    banner.root,
    h('div', { cls: 'side-charts' },
      h('h2', { cls: 'side-title', text: 'Cost' }), cost.box,
      h('h2', { cls: 'side-title', text: 'Error' }), err.box));
  return {
    render(m: Model): number {
      const v = m.view;
      controls.update(v);
      if (!v) return 0;
      header.update(v);
      banner.update(v);
      costChart.update(v, { beta: m.beta, logScale: m.logScale, maxPoints: Math.min(m.settings.maxPoints, 600), version: m.version });
      errChart.update(v);
      return costChart.points;
    },
    renderControls(m: Model): void {
      controls.update(m.view);
      if (m.view) header.update(m.view);
    },
    setTheme(t: Theme): void {
      costChart.setTheme(t);
      errChart.setTheme(t);
    },
  };
}
