/**
 * The search view's page (`<body data-view="search">`), shaped like the run views' (../main.ts):
 * on load it posts `ready`; the host answers with a `searchSnapshot` (again each time the view is
 * shown: a hidden view's document is discarded), then `searchEvents` deltas, folded with the same
 * `applySearchEvent` the host uses. Renders go through the shared scheduler; after a render,
 * `searchRendered` is posted at most every 500 ms (tests wait on it). What the user chose (table
 * order, brushes) is kept in the webview state, so the view reopens as it was left.
 */
import './search.css';
import { applySearchEvent, countTrials } from '../../src/shared/search-view';
import type { HostToWebview } from '../../src/shared/webview-protocol';
import { applyThemeDefaults, registerCharts } from '../charts/setup';
import { h, renderScheduler } from '../dom';
import { renderedReporter } from '../rendered';
import { readTheme, watchTheme } from '../theme';
import { loadUiState, onHostMessage, post, saveUiState } from '../vscode';
import type { SearchModel } from '../views/types';
import { mountSearch, type MountedSearch, type SearchHooks } from './view';

export function startSearchView(): void {
  registerCharts();
  let theme = readTheme();
  applyThemeDefaults(theme);
  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  app.dataset.layout = 'search';
  document.body.dataset.layout = 'search';
  let saved = loadUiState();
  const model: SearchModel = { view: null, version: 0 };
  let mounted: MountedSearch | null = null;

  const persist = (): void => {
    const dir = model.view?.dir;
    if (!dir) return;
    const ui = mounted?.ui();
    // The host's WebviewPanelSerializer reads `searchDir` to restore this view after a reload.
    saved = { runDir: dir, searchDir: dir, searchParallel: ui?.parallel ?? saved.searchParallel, searchSort: ui?.sort ?? saved.searchSort };
    saveUiState(saved);
  };

  const schedule = renderScheduler(() => render());
  const postRendered = renderedReporter((r: { dir: string; trials: number; done: number; running: number; best: number | null; points: number }) =>
    post({ type: 'searchRendered', ...r }));

  const hooks: SearchHooks = {
    control: (command, count) => post(count === undefined ? { type: 'searchControl', command } : { type: 'searchControl', command, count }),
    trial: (command, id) => post({ type: 'searchTrial', command, id }),
    savePng: (chart, dataUrl) => post({ type: 'savePng', chart, dataUrl }),
    changed: () => {
      persist();
      schedule();
    },
  };

  const render = (): void => {
    const v = model.view;
    if (!v) return;
    if (!mounted) {
      app.replaceChildren();
      mounted = mountSearch(app, theme, hooks, saved);
    }
    let points: number;
    try {
      points = mounted.render(model);
    } catch (e) {
      console.error('[gradient-lab] search view render failed', e);
      return;
    }
    const c = countTrials(v.trials);
    postRendered({ dir: v.dir, trials: c.total, done: c.done, running: c.running, best: v.bestTrial, points });
  };

  onHostMessage((msg: HostToWebview) => {
    switch (msg.type) {
      case 'searchSnapshot':
        model.view = msg.view;
        model.version++;
        break;
      case 'searchEvents':
        if (!model.view) return;
        for (const e of msg.events) applySearchEvent(model.view, e);
        if (msg.dir && model.view.dir !== msg.dir) model.view.dir = msg.dir;
        break;
      case 'empty':
        model.view = null;
        mounted = null;
        app.replaceChildren(h('div', { id: 'empty', cls: 'empty-state' }, h('p', { text: msg.message })));
        return;
      default:
        return;
    }
    persist();
    schedule();
  });

  watchTheme(() => {
    theme = readTheme();
    applyThemeDefaults(theme);
    mounted?.setTheme(theme);
    schedule();
  });

  app.replaceChildren(h('div', { id: 'loading', cls: 'empty-state' }, h('p', { text: 'Waiting for the search…' })));
  post({ type: 'ready' });
}
