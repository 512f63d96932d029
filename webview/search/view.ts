/**
 * The search view mounted in the page (./main.ts feeds it): a hyperparameter search's header and
 * controls, the best trial, the coarse-to-fine rounds, the analysis cards, one scatter of the
 * metric per hyperparameter and the trials table, drawn from a `SearchModel` like the run views
 * draw from theirs (../views/types.ts).
 */
import { bestTrialOf, canResumeSearch, countTrials, describeBox, dimensionLabels, formatMetric, formatSearchValue, METRIC_LABEL, trialsPerRoundLabel, type SearchView } from '../../src/shared/search-view';
import { MAX_ADD_TRIALS, type SearchControlCommand, type TrialCommand } from '../../src/shared/webview-protocol';
import { button, h, renderIfChanged, setEnabled, setText } from '../dom';
import { icon } from '../icons';
import type { Theme } from '../theme';
import { searchBudget } from '../../src/shared/search-protocol';
import type { UiState } from '../vscode';
import { card, chartBox, pngButton } from '../views/card';
import type { Mounted, SearchModel } from '../views/types';
import { SearchInsights } from './insights';
import { parseParallelState, type ParallelState } from './parallel-model';
import { ScatterChart } from './scatter';
import { parseSort, type Sort } from './sort';
import { TrialsTable } from './table';

const STATE_LABEL: Record<SearchView['state'], string> = {
  starting: 'Starting', running: 'Running', finished: 'Finished', stopped: 'Stopped', failed: 'Failed',
};

export interface SearchHooks {
  control(command: SearchControlCommand, count?: number): void;
  trial(command: TrialCommand, id: number): void;
  savePng(chart: string, dataUrl: string): void;
  /** What the user chose (table order, brushes) changed: keep it, draw again. */
  changed(): void;
}

/** What the view keeps in the webview state, to be the same when it is reopened. */
export interface SearchUi {
  parallel: ParallelState;
  sort: Sort;
}

export interface MountedSearch extends Mounted<SearchModel> {
  ui(): SearchUi;
}

/** `saved`: the webview state of this view before it was hidden, closed or reloaded. */
export function mountSearch(app: HTMLElement, initialTheme: Theme, hooks: SearchHooks, saved: UiState): MountedSearch {
  let theme = initialTheme;
  const { control, trial } = hooks;
  /** The next render draws everything (a snapshot, a theme, a new sort). */
  let forceNext = true;
  let drawnVersion = -1;

  // ── header ──
  const name = h('h1', { id: 'search-name', cls: 'run-name' });
  const badge = h('span', { id: 'search-state', cls: 'state-badge', attrs: { role: 'status' } });
  const kind = h('span', { cls: 'muted', text: 'hyperparameter search' });
  const meta = h('div', { id: 'search-meta', cls: 'run-meta' });
  const stat = (id: string, label: string): { root: HTMLElement; value: HTMLElement; sub: HTMLElement } => {
    const value = h('span', { id, cls: 'num' });
    const sub = h('span', { cls: 'num muted' });
    return { root: h('div', { cls: 'stat' }, h('span', { cls: 'stat-label', text: label }), h('span', { cls: 'stat-value' }, value, sub)), value, sub };
  };
  const sDone = stat('stat-done', 'Trials done');
  const sRunning = stat('stat-running', 'Running');
  const sRound = stat('stat-round', 'Round');
  const sBest = stat('stat-best', 'Best');
  const sEpochs = stat('stat-epochs', 'Epochs');
  const progress = h('div', { id: 'search-progress', cls: 'search-progress', attrs: { role: 'progressbar', 'aria-label': 'Trials done' } });
  const reason = h('div', { id: 'search-reason', cls: 'state-reason' });
  const header = h('header', { cls: 'run-header search-header' },
    h('div', { cls: 'title-row' }, name, badge, kind),
    meta,
    h('div', { cls: 'stats' }, sDone.root, sRunning.root, sRound.root, sBest.root, sEpochs.root),
    progress,
    reason);

  // ── controls ──
  const countInput = h('input', { id: 'add-count', cls: 'gl-input count-input', attrs: {
    type: 'number', min: 1, max: MAX_ADD_TRIALS, step: 1, value: 4, 'aria-label': 'Trials to add', inputmode: 'numeric',
  } });
  const addBtn = button('primary', { id: 'btn-add-trials', title: 'Add trials to the current round, sampled in its box' }, icon('add'), h('span', { text: 'Add trials' }));
  const addError = h('span', { id: 'add-error', cls: 'lr-error', attrs: { role: 'alert', 'aria-live': 'polite' } });
  const stopBtn = button('secondary', { id: 'btn-stop-search', title: 'Stop the search: running trials checkpoint and stop; Resume continues it' }, icon('stop'), h('span', { text: 'Stop search' }));
  const resumeBtn = button('primary', { id: 'btn-resume-search', title: 'Resume the search: unfinished trials continue from their checkpoints' }, icon('play'), h('span', { text: 'Resume search' }));
  const exportBtn = button('secondary', { id: 'btn-export-best', title: 'Save the best trial\'s config as a new *.nn.json and open it' }, icon('export'), h('span', { text: 'Export best config…' }));
  const csvBtn = button('secondary', { id: 'btn-export-csv', title: 'Save every trial (values, metric, state, epochs, run folder) as CSV' }, icon('table'), h('span', { text: 'Export CSV…' }));
  csvBtn.addEventListener('click', () => !csvBtn.disabled && control('exportCsv'));
  const openBtn = button('icon', { id: 'btn-open-experiment', title: 'Open the experiment file', attrs: { 'aria-label': 'Open the experiment file' } }, icon('file'));
  const submitAdd = (): void => {
    if (addBtn.disabled) return;
    const n = Number(countInput.value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_ADD_TRIALS) {
      countInput.setAttribute('aria-invalid', 'true');
      setText(addError, `A whole number from 1 to ${MAX_ADD_TRIALS}`);
      return;
    }
    countInput.removeAttribute('aria-invalid');
    setText(addError, '');
    control('addTrials', n);
  };
  addBtn.addEventListener('click', submitAdd);
  countInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') submitAdd();
  });
  stopBtn.addEventListener('click', () => !stopBtn.disabled && control('stop'));
  resumeBtn.addEventListener('click', () => !resumeBtn.disabled && control('resume'));
  exportBtn.addEventListener('click', () => !exportBtn.disabled && control('exportBest'));
  openBtn.addEventListener('click', () => control('openExperiment'));
  const sep = (): HTMLElement => h('span', { cls: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } });
  const toolbar = h('div', { cls: 'controls search-controls', attrs: { role: 'toolbar', 'aria-label': 'Search controls' } },
    h('div', { cls: 'group lr-group' }, countInput, addBtn, addError),
    sep(),
    h('div', { cls: 'group' }, stopBtn, resumeBtn),
    sep(),
    h('div', { cls: 'group' }, exportBtn, csvBtn),
    h('div', { cls: 'spacer' }),
    h('div', { cls: 'group' }, openBtn));
  const banner = h('div', { id: 'search-errors', cls: 'error-banner', attrs: { role: 'alert' } });
  banner.hidden = true;

  // ── best trial, rounds ──
  const bestBody = h('div', { id: 'best-trial', cls: 'best-trial' });
  const roundsBody = h('div', { id: 'rounds', cls: 'rounds' });
  const scatterGrid = h('div', { id: 'scatters', cls: 'scatter-grid' });
  const table = new TrialsTable((command, id) => trial(command, id), () => {
    forceNext = true;
    hooks.changed();
  }, parseSort(saved.searchSort));
  const tableCount = h('span', { cls: 'card-subtitle', id: 'table-count' });
  const insights = new SearchInsights(theme, saved.searchDir ? parseParallelState(saved.searchParallel, saved.searchDir) : null,
    () => hooks.changed(), hooks.savePng);

  const main = h('main', { cls: 'grid search-grid' },
    h('div', { cls: 'span-all summary-row' },
      card({ id: 'best', title: 'Best trial', subtitle: '', body: [bestBody] }),
      card({ id: 'rounds', title: 'Coarse to fine', subtitle: 'where each round samples', body: [roundsBody] })),
    insights.adviceCard,
    insights.parallelCard,
    insights.importanceCard,
    insights.curvesCard,
    h('section', { id: 'card-scatters', cls: 'span-all scatter-section', attrs: { 'aria-label': 'Metric against each hyperparameter' } }, scatterGrid),
    card({ id: 'trials', title: 'Trials', cls: 'span-all', tools: [tableCount], body: [table.root] }));
  app.append(header, toolbar, banner, main);

  let charts: { path: string; chart: ScatterChart; box: HTMLElement }[] = [];
  const rebuildCharts = (v: SearchView): void => {
    const paths = v.space.map((d) => `${d.path}:${d.scale}`).join('|');
    if (scatterGrid.dataset.key === paths) return;
    scatterGrid.dataset.key = paths;
    for (const c of charts) c.chart.destroy();
    scatterGrid.replaceChildren();
    const labels = dimensionLabels(v.space);
    charts = v.space.map((d, i) => {
      const id = `scatter-${i}`;
      const box = chartBox(id, `${METRIC_LABEL[v.metric]} against ${labels[i]}`, 'chart-box scatter-box');
      const chart = new ScatterChart(box.canvas, theme, d, labels[i], (trialId) => table.select(trialId));
      const scaleText = d.scale === 'log' ? 'log scale' : d.scale === 'oneMinusLog' ? '1 − β, log scale' : d.scale === 'int' ? 'integers' : d.scale === 'choice' ? 'choices' : 'uniform';
      const el = card({
        id: `scatter-${i}`, title: labels[i], subtitle: scaleText,
        tools: [pngButton(`scatter-${i}`, `${labels[i]} scatter`, () => chart.toPng(), hooks.savePng)],
        body: [box.box],
      });
      el.dataset.path = d.path;
      el.querySelector('h2')?.setAttribute('title', d.path);
      scatterGrid.append(el);
      return { path: d.path, chart, box: el };
    });
  };

  const renderHeader = (v: SearchView): void => {
    setText(name, v.name || 'Search');
    name.title = v.dir;
    setText(badge, v.external && v.state === 'running' ? 'Running elsewhere' : STATE_LABEL[v.state]);
    badge.dataset.state = v.state;
    const c = countTrials(v.trials);
    setText(sDone.value, String(c.done));
    setText(sDone.sub, ` / ${c.total}`);
    setText(sRunning.value, String(c.running));
    setText(sRunning.sub, c.paused ? ` + ${c.paused} paused` : c.queued ? ` · ${c.queued} queued` : '');
    setText(sRound.value, String(Math.max(1, v.roundBoxes.length)));
    setText(sRound.sub, ` / ${v.rounds}`);
    const best = bestTrialOf(v);
    setText(sBest.value, best ? formatMetric(best.metricName, best.metric) : '—');
    setText(sBest.sub, best ? ` ${best.name}` : '');
    const budget = searchBudget(v.trials);
    setText(sEpochs.value, String(budget.epochs));
    setText(sEpochs.sub, budget.randomEpochs ? ` / ${budget.randomEpochs} (${Math.round((100 * budget.epochs) / budget.randomEpochs)} %)` : '');
    sEpochs.root.title = 'Epochs trained, of the epochs a plain random search would train for these trials (every trial to its last epoch)';
    const frac = c.total ? c.done / c.total : 0;
    progress.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
    renderIfChanged(progress, `${c.byState.finished}|${c.byState.killed + c.byState.failed + c.byState.stopped + c.byState.pruned}|${c.running + c.paused}|${c.total}`, () => {
      const seg = (cls: string, n: number): HTMLElement | null => {
        if (!n || !c.total) return null;
        const s = h('span', { cls: `seg ${cls}` });
        s.style.setProperty('width', `${((n / c.total) * 100).toFixed(2)}%`);
        return s;
      };
      return [seg('seg-finished', c.byState.finished), seg('seg-ended', c.done - c.byState.finished), seg('seg-running', c.running + c.paused)];
    });
    const reasonText = v.state === 'running' || v.state === 'starting' ? '' : v.stateReason ?? '';
    setText(reason, reasonText);
    reason.hidden = !reasonText;
    const shape = trialsPerRoundLabel(v);
    renderIfChanged(meta, `${v.space.length}|${shape}|${v.parallel}|${v.epochsPerTrial}|${v.metric}|${v.mode}`, () => [
      chip(`${v.space.length} hyperparameter${v.space.length === 1 ? '' : 's'}`),
      chip(shape),
      chip(`${v.parallel} at once`),
      chip(`${v.epochsPerTrial} epochs each`),
      chip(`ranked by ${METRIC_LABEL[v.metric]} (${v.mode === 'min' ? 'lower' : 'higher'} is better)`),
    ]);
    const canControl = v.live && (v.state === 'running' || v.state === 'starting');
    setEnabled(addBtn, canControl);
    if (canControl) countInput.removeAttribute('disabled');
    else countInput.setAttribute('disabled', '');
    stopBtn.hidden = !v.live;
    setEnabled(stopBtn, canControl);
    resumeBtn.hidden = !canResumeSearch(v);
    setEnabled(exportBtn, v.bestTrial !== null);
    setEnabled(csvBtn, v.trials.length > 0);
    setEnabled(openBtn, !!v.configPath);
    const errors = v.errors.filter((e) => e.fatal || v.live).slice(-3);
    const warnings = v.logs.filter((l) => l.level === 'warning').slice(-3);
    banner.hidden = !errors.length && !warnings.length;
    renderIfChanged(banner, JSON.stringify([errors, warnings]), () => [
      ...errors.map((e) => h('div', { cls: e.fatal ? 'error-item fatal' : 'error-item' }, icon('error', 'icon sev-error'), h('span', { text: e.message.split('\n')[0] }))),
      ...warnings.map((w) => h('div', { cls: 'error-item' }, icon('warning', 'icon sev-warning'), h('span', { text: w.message }))),
    ]);
  };

  const renderBest = (v: SearchView): void => {
    const best = bestTrialOf(v);
    renderIfChanged(bestBody, best ? `${best.id}|${best.metric}|${best.state}|${best.epoch}|${v.exported?.outFile ?? ''}|${v.live}` : `none|${v.trials.length}`, () => {
      if (!best) return [h('p', { cls: 'empty', text: v.trials.length ? 'No trial has finished yet.' : 'No trials yet.' })];
      const labels = dimensionLabels(v.space);
      const open = button('secondary', { id: 'btn-best-dashboard', title: `Open the dashboard of ${best.name}` }, icon('dashboard'), h('span', { text: 'Dashboard' }));
      open.addEventListener('click', () => trial('openDashboard', best.id));
      const exp = button('secondary', { id: 'btn-best-export', title: 'Save this config as a new *.nn.json' }, icon('export'), h('span', { text: 'Export…' }));
      exp.addEventListener('click', () => control('exportBest'));
      return [
        h('div', { cls: 'best-head' },
          h('span', { cls: 'best-star', text: '★' }),
          h('strong', { text: best.name }),
          h('span', { cls: 'best-metric num', text: `${METRIC_LABEL[best.metricName]} ${formatMetric(best.metricName, best.metric)}` }),
          h('span', { cls: 'muted', text: `round ${best.round + 1} · epoch ${best.epoch}/${best.epochs}` })),
        h('dl', { cls: 'best-values' }, ...v.space.flatMap((d, i) => [
          h('dt', { text: labels[i], title: d.path }),
          h('dd', { cls: 'num', text: formatSearchValue(d, best.values[d.path]), title: String(best.values[d.path]) }),
        ])),
        h('div', { cls: 'best-actions' }, open, exp),
        v.exported ? h('p', { cls: 'muted exported', text: `Exported trial ${v.exported.trialId} to ${v.exported.outFile}` }) : null,
      ];
    });
  };

  const renderRounds = (v: SearchView): void => {
    renderIfChanged(roundsBody, `${v.rounds}|${v.roundBoxes.map((r) => `${r.index}:${r.basedOn.join(',')}`).join('|')}|${theme.kind}`, () => {
      const items = v.roundBoxes.map((r) => {
        const sw = h('span', { cls: 'swatch' });
        sw.style.setProperty('background-color', theme.palette[r.index % theme.palette.length]);
        const based = r.basedOn.length
          ? `inside the box of trials ${r.basedOn.join(', ')}`
          : 'the whole space';
        return h('li', { attrs: { 'data-round': r.index } },
          h('div', { cls: 'round-head' }, sw, h('strong', { text: `Round ${r.index + 1}` }), h('span', { cls: 'muted', text: ` · ${based}` })),
          r.index > 0 ? h('div', { cls: 'round-box mono', text: describeBox(v.space, r) }) : null);
      });
      const pending = v.rounds - v.roundBoxes.length;
      return [
        h('ol', { cls: 'round-list' }, ...items),
        pending > 0 ? h('p', { cls: 'muted', text: `${pending} more round${pending > 1 ? 's' : ''} to come: each samples inside the box spanned by the best trials of the round before.` })
          : v.rounds === 1 ? h('p', { cls: 'muted', text: 'One round: set "rounds" (and "keepTop") in the search block to zoom in from coarse to fine.' }) : null,
      ];
    });
  };

  return {
    render(m: SearchModel): number {
      const v = m.view;
      if (!v) return 0;
      const force = forceNext || m.version !== drawnVersion;
      forceNext = false;
      drawnVersion = m.version;
      renderHeader(v);
      renderBest(v);
      renderRounds(v);
      rebuildCharts(v);
      insights.render(v, force);
      // The parallel-coordinates brush filters the scatters and the table.
      const shown = insights.filtered(v);
      let points = 0;
      for (const c of charts) {
        c.chart.update(shown, m.version, force);
        points += c.chart.points;
      }
      table.render(shown);
      const c = countTrials(v.trials);
      const of = shown === v ? '' : `${shown.trials.length} of `;
      setText(tableCount, `${of}${c.total} trial${c.total === 1 ? '' : 's'} · sorted by ${sortLabel(v, table.sortState.key)}${table.sortState.desc ? ' ↓' : ' ↑'}`);
      for (const el of [document.body, app]) {
        el.dataset.searchState = v.state;
        el.dataset.trials = String(c.total);
        el.dataset.done = String(c.done);
        el.dataset.best = v.bestTrial === null ? '' : String(v.bestTrial);
        el.dataset.shown = String(shown.trials.length);
      }
      return points;
    },
    setTheme(next: Theme): void {
      theme = next;
      for (const c of charts) c.chart.setTheme(theme);
      insights.setTheme(theme);
      forceNext = true;
    },
    ui: () => ({ parallel: insights.state, sort: table.sortState }),
  };
}

function chip(text: string): HTMLElement {
  return h('span', { cls: 'chip', text });
}

function sortLabel(v: SearchView, key: string): string {
  if (key === 'id') return 'trial';
  if (key === 'metric') return METRIC_LABEL[v.metric];
  if (key.startsWith('dim:')) {
    const i = v.space.findIndex((d) => d.path === key.slice(4));
    return i >= 0 ? dimensionLabels(v.space)[i] : key.slice(4);
  }
  return key;
}
