/**
 * Webview entry (bundled to dist/webview.js). `<body data-view="dashboard|sidebar|compare">` picks
 * the layout. On load it posts `ready`; the host answers with a `snapshot` (or `compare`), then
 * `events` deltas, folded with the same `applyEvent` the host uses. Renders are coalesced into one
 * per animation frame; after a render, `rendered` is posted at most every 500 ms (tests wait on it).
 */
import { applyEvent, reviveRunView } from '../src/shared/run-view';
import { URGENT_EVENTS, type HostToWebview } from '../src/shared/webview-protocol';
import { registerCharts, applyThemeDefaults } from './charts/setup';
import { h, pageNow, renderScheduler } from './dom';
import { renderedReporter } from './rendered';
import { readTheme, watchTheme } from './theme';
import { loadUiState, onHostMessage, post, saveUiState } from './vscode';
import { mountCompare } from './views/compare';
import { mountDashboard, mountSidebar } from './views/dashboard';
import { startSearchView } from './search/main';
import { startDiagnoseView } from './views/diagnose';
import type { Hooks, Model, Mounted } from './views/types';

type Layout = 'dashboard' | 'sidebar' | 'compare';

const DEFAULT_SETTINGS = { smoothing: 0.6, maxPoints: 2000 };
const COMPARE_MIN_BETA = 0.9;

function start(): void {
  registerCharts();
  let theme = readTheme();
  applyThemeDefaults(theme);

  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  const requested = document.body.dataset.view;
  const pageLayout: Layout = requested === 'sidebar' || requested === 'compare' ? requested : 'dashboard';
  const ui = loadUiState();
  const model: Model = {
    view: null,
    compare: [],
    settings: { ...DEFAULT_SETTINGS },
    beta: ui.beta ?? DEFAULT_SETTINGS.smoothing,
    logScale: ui.logScale ?? false,
    version: 0,
  };
  let betaChosen = ui.beta !== undefined;
  let mounted: Mounted | null = null;
  let mountedLayout: Layout | null = null;

  const persist = (): void => saveUiState({
    beta: betaChosen ? model.beta : undefined,
    logScale: model.logScale,
    runId: model.view?.runId || ui.runId,
    runDir: model.view?.runDir || ui.runDir,
    runIds: model.compare.length ? model.compare.map((v) => v.runId) : ui.runIds,
  });

  const hooks: Hooks = {
    setBeta(beta, done) {
      model.beta = beta;
      betaChosen = true;
      persist();
      schedule();
      if (done) post({ type: 'setSmoothing', value: beta });
    },
    setLog(log) {
      model.logScale = log;
      persist();
      schedule();
    },
    savePng(chart, dataUrl) {
      post({ type: 'savePng', chart, dataUrl });
    },
    exportCsv() {
      post({ type: 'exportCsv' });
    },
  };

  const showMessage = (text: string, id = 'empty'): void => {
    mounted = null;
    mountedLayout = null;
    app.replaceChildren(h('div', { id, cls: 'empty-state' }, h('p', { text })));
  };

  const mount = (layout: Layout): Mounted => {
    if (mounted && mountedLayout === layout) return mounted;
    app.replaceChildren();
    app.dataset.layout = layout;
    document.body.dataset.layout = layout;
    mounted = layout === 'compare' ? mountCompare(app, theme, hooks, model)
      : layout === 'sidebar' ? mountSidebar(app, theme, hooks)
        : mountDashboard(app, theme, hooks, model);
    mountedLayout = layout;
    return mounted;
  };

  // ── rendering, coalesced ──
  const schedule = renderScheduler(() => render());

  const postRendered = renderedReporter((r: { runId: string; epoch: number; iteration: number; points: number }) => post({ type: 'rendered', ...r }));

  /**
   * The run's state and iteration as attributes (tests read them), and when a new state was shown
   * (`data-state-shown-at`, page clock, ms since the epoch) to measure click → shown in the page.
   */
  const stampRun = (state: string, iteration: number): void => {
    if (document.body.dataset.state !== state) document.body.dataset.stateShownAt = pageNow().toFixed(1);
    for (const el of [document.body, app]) {
      el.dataset.state = state;
      el.dataset.iteration = String(iteration);
    }
  };

  const render = (): void => {
    if (!mounted) return;
    let points: number;
    const t0 = performance.now();
    try {
      points = mounted.render(model);
    } catch (e) {
      console.error('[gradient-lab] render failed', e);
      return;
    }
    const v = mountedLayout === 'compare' ? null : model.view;
    const runId = v ? v.runId : 'compare';
    const epoch = v ? v.epoch : Math.max(0, ...model.compare.map((c) => c.epoch));
    const iteration = v ? v.iteration : Math.max(0, ...model.compare.map((c) => c.iteration));
    for (const el of [document.body, app]) {
      el.dataset.runId = runId;
      el.dataset.epoch = String(epoch);
      el.dataset.points = String(points);
    }
    stampRun(v ? v.state : '', iteration);
    // The first drawing of a snapshot (page clock): tests split a reload's restore time with it.
    if (points > 0 && !document.body.dataset.historyDrawnAt) document.body.dataset.historyDrawnAt = pageNow().toFixed(1);
    app.dataset.renderMs = (performance.now() - t0).toFixed(1);
    postRendered({ runId, epoch, iteration, points });
  };

  const applySettings = (s: { smoothing: number; maxPoints: number } | undefined): void => {
    if (!s) return;
    const maxPoints = Number.isFinite(s.maxPoints) && s.maxPoints >= 10 ? Math.floor(s.maxPoints) : DEFAULT_SETTINGS.maxPoints;
    model.settings = { smoothing: s.smoothing, maxPoints };
    if (!betaChosen && Number.isFinite(s.smoothing) && s.smoothing >= 0 && s.smoothing < 1) {
      // Overlaid runs need smoother curves to be told apart: at least β 0.9 there by default.
      model.beta = pageLayout === 'compare' ? Math.max(s.smoothing, COMPARE_MIN_BETA) : s.smoothing;
    }
  };

  const onMessage = (msg: HostToWebview): void => {
    switch (msg.type) {
      case 'snapshot':
        document.body.dataset.snapshotAt ??= pageNow().toFixed(1);
        applySettings(msg.settings);
        model.view = reviveRunView(msg.view);
        model.version++;
        persist();
        mount(pageLayout === 'compare' ? 'compare' : msg.compact || pageLayout === 'sidebar' ? 'sidebar' : 'dashboard');
        break;
      case 'events': {
        // Dashboard/sidebar: deltas of the shown run (another run's would come after a snapshot);
        // compare: deltas of whichever compared run they belong to.
        const v = model.view && (!model.view.runId || model.view.runId === msg.runId) ? model.view
          : model.compare.find((c) => c.runId === msg.runId);
        if (!v) return;
        let urgent = false;
        for (const e of msg.events) {
          if (e.type === 'history') model.version++;
          applyEvent(v, e);
          // A dashboard opened while its run was starting learns the run's id here (kept for a reload).
          if (e.type === 'runInfo') persist();
          urgent ||= URGENT_EVENTS.has(e.type);
        }
        // A control's answer is drawn now; the charts follow with the next (rate-limited) render.
        if (urgent && v === model.view && mounted?.renderControls) {
          mounted.renderControls(model);
          stampRun(v.state, v.iteration);
        }
        break;
      }
      case 'compare':
        applySettings(msg.settings);
        model.compare = msg.views.map(reviveRunView);
        model.version++;
        persist();
        mount('compare');
        break;
      case 'empty':
        model.view = null;
        showMessage(msg.message);
        return;
    }
    schedule();
  };

  onHostMessage(onMessage);

  watchTheme(() => {
    theme = readTheme();
    applyThemeDefaults(theme);
    mounted?.setTheme(theme);
    schedule();
  });

  showMessage(pageLayout === 'compare' ? 'Waiting for runs to compare…' : 'Waiting for the run…', 'loading');
  document.body.dataset.readyAt = pageNow().toFixed(1);
  post({ type: 'ready' });
}

/** `data-view="search"` is the hyperparameter-search view (webview/search), "diagnose" the report card; the rest are run views. */
const entry = (): void => {
  const view = document.body.dataset.view;
  if (view === 'search') startSearchView();
  else if (view === 'diagnose') startDiagnoseView();
  else start();
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', entry, { once: true });
else entry();
